// Types for weft-runtime's ES module (index.js).
import type { DesktopBridge } from "./runtime.js";

export type { DesktopBridge, Runtime, JsonValue, Payload } from "./runtime.js";

/** The version of the weft session protocol this adapter speaks. */
export declare const PROTOCOL_VERSION: number;

export interface SessionOptions {
  /** The protocol version to announce in `hello` (default: PROTOCOL_VERSION). */
  protocol?: number;
}

/** The MessageEndpoint shape @remote-ui/rpc expects, plus the session's state. */
export interface DesktopIpcEndpoint {
  postMessage(message: any, transferables?: Transferable[]): void;
  /** The peer's messages, as `event.data`; when the other side goes away,
   * one last `[2]` (@remote-ui/rpc's TERMINATE, so an rpc endpoint on this
   * one terminates too): a listener of your own should end on it, or watch
   * `closed` instead. */
  addEventListener(event: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(event: "message", listener: (event: MessageEvent) => void): void;
  /** Ends this side and tells the other side (the host, or a peer adapter),
   * whose endpoint ends too. Closes the bridge if it has `close()` (not for
   * endpoints made by eachSession). */
  terminate(): void;
  /** Resolves with the session id once the session opened; rejects if it
   * was refused or ended first. */
  readonly ready: Promise<string>;
  /** Resolves with the reason once either side ended the session
   * (`"refused: ..."` after a refusal). */
  readonly closed: Promise<string>;
  readonly isOpen: boolean;
}

/** A MessageEndpoint over `bridge` (e.g. `window.runtime`) on `channel`
 * (default `"vue-remote:rpc"`). */
export declare function fromDesktopIpc(
  bridge: DesktopBridge,
  channel?: string,
  options?: SessionOptions,
): DesktopIpcEndpoint;

/** What eachSession's `onSession` may return: run with the close reason once
 * that session ended, before the next endpoint is made. */
export type SessionCleanup = (reason: string) => void | Promise<void>;

export interface SessionLoop {
  /** End the current endpoint and make no more. */
  stop(): void;
  /** How many endpoints `onSession` has been given so far. */
  readonly sessions: number;
}

/** Calls `onSession` with a fresh endpoint now and again each time the
 * previous endpoint closed (after running its cleanup): one session after
 * another as the other side restarts. */
export declare function eachSession(
  bridge: DesktopBridge,
  channel: string,
  onSession: (endpoint: DesktopIpcEndpoint) => SessionCleanup | void,
  options?: SessionOptions,
): SessionLoop;

/** Native elements a plugin may render unless the host says otherwise. */
export declare const SAFE_ELEMENTS: readonly string[];
/** Elements a host may add to `elements` besides SAFE_ELEMENTS (`img`, whose
 * `src` must be on the host's origin or a `data:image/...` URL). */
export declare const OPTIONAL_ELEMENTS: readonly string[];
/** Element methods a plugin may invoke unless the host says otherwise. */
export declare const SAFE_METHODS: readonly string[];

/** Raised for what the guard refuses; `message` says why. */
export declare class RemoteRefusal extends Error {}

export interface GuardOptions {
  /** The provider's components the plugin may render (PascalCase names; none by default). */
  components?: Iterable<string>;
  /** The native tags it may render (default SAFE_ELEMENTS; OPTIONAL_ELEMENTS may be added). */
  elements?: Iterable<string>;
  /** The element or component methods it may invoke (default SAFE_METHODS). */
  methods?: Iterable<string>;
  /** Told of each refusal (default: `console.warn`, which weft logs). */
  onRefused?: (message: string) => void;
  /** What relative URLs resolve against (default: the page's base URL). */
  base?: string;
}

/** vue-remote's receiver, as far as the guard uses it. */
export interface GuardedReceiver {
  readonly receive: (action: string, ...payload: any[]) => unknown;
  readonly tree: { get(node: { id: string }): { type?: string } | null };
}

/** The channel to hand a plugin instead of `receiver.receive`: each mount,
 * insertion, property update and invoke is checked first, and one that
 * breaks the allowlist is refused whole (the plugin's call rejects). */
export declare function guardReceiver(
  receiver: GuardedReceiver,
  options?: GuardOptions,
): (action: string, ...payload: any[]) => unknown;
