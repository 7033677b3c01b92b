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
