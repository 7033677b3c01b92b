// Types for weft-runtime's ES module (index.js).
import type { DesktopBridge } from "./runtime";

export type { DesktopBridge, Runtime, JsonValue, Payload } from "./runtime";

/** The version of the weft session protocol this adapter speaks. */
export declare const PROTOCOL_VERSION: number;

/** The MessageEndpoint shape @remote-ui/rpc expects, plus the session's state. */
export interface DesktopIpcEndpoint {
  postMessage(message: any, transferables?: Transferable[]): void;
  addEventListener(event: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(event: "message", listener: (event: MessageEvent) => void): void;
  /** Ends this side; the host tells the peer, whose endpoint terminates too. */
  terminate(): void;
  /** Resolves with the session id once the host paired this page; rejects if refused. */
  readonly ready: Promise<string>;
  /** Resolves with the reason once either side ended the session. */
  readonly closed: Promise<string>;
  readonly isOpen: boolean;
}

/** A MessageEndpoint over `bridge` (e.g. `window.runtime`) on `channel`. */
export declare function fromDesktopIpc(
  bridge: DesktopBridge,
  channel?: string,
  options?: { protocol?: number },
): DesktopIpcEndpoint;
