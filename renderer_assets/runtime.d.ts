// Types for `window.runtime`, the bridge weft injects into every app page.
// Payloads are JSON values, and binary values anywhere inside them (an
// ArrayBuffer or any typed array or DataView; Python gets bytes, and bytes
// from Python arrive as Uint8Array). See host/weft/ipc/codec.py and bulk.py.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** What send/invoke accept: JSON values with binary values anywhere inside. */
export type Payload =
  | null | boolean | number | string | ArrayBuffer | ArrayBufferView
  | Payload[] | { [key: string]: Payload };

/** What `invoke` resolves to when the Python handler returns an async
 * iterator of bytes: a stream of its chunks, one Uint8Array per chunk
 * Python yielded. Python makes a chunk only when the stream asks for one
 * (one read ahead); `cancel()` closes Python's iterator; an exception in
 * Python errors the stream with a `WeftError` (a `HandlerError` whose `.type`
 * is the Python exception's name). Use it as the `T` of `invoke`:
 * `const stream = await runtime.invoke<ByteStream>("read-file", {path})`. */
export type ByteStream = ReadableStream<Uint8Array>;

/** The transport shape `@remote-ui/rpc` expects; `window.runtime` has it. */
export interface DesktopBridge {
  send(channel: string, payload?: unknown): void;
  on(channel: string, listener: (payload: unknown) => void): void;
  off(channel: string, listener: (payload: unknown) => void): void;
  close?(): void;
}

export interface InvokeOptions {
  /** Reject with `TimeoutError` after this many milliseconds, 0 or more.
   * Left out, `null`, `Infinity` or past 2^31 − 1 (about 24.8 days): wait.
   * A negative or non-number value is a `RangeError` and no call is made. */
  timeout?: number | null;
}

/** Base class of every error the runtime throws or rethrows. */
export declare class WeftError extends Error {
  /** The error's type name on the side that raised it (e.g. "ValueError"). */
  readonly type: string;
}
export declare class HandlerError extends WeftError {}
export declare class NoHandlerError extends WeftError {}
export declare class HandlerExistsError extends WeftError {}
export declare class PermissionDeniedError extends WeftError {}
export declare class ProtocolError extends WeftError {}
export declare class PayloadError extends WeftError {}
export declare class RateLimitError extends WeftError {}
export declare class ChannelError extends WeftError {}
export declare class DisconnectedError extends WeftError {}
export declare class WindowNotFoundError extends WeftError {}
export declare class TimeoutError extends WeftError {}

export interface RuntimeErrors {
  readonly WeftError: typeof WeftError;
  readonly HandlerError: typeof HandlerError;
  readonly NoHandlerError: typeof NoHandlerError;
  readonly HandlerExistsError: typeof HandlerExistsError;
  readonly PermissionDeniedError: typeof PermissionDeniedError;
  readonly ProtocolError: typeof ProtocolError;
  readonly PayloadError: typeof PayloadError;
  readonly RateLimitError: typeof RateLimitError;
  readonly ChannelError: typeof ChannelError;
  readonly DisconnectedError: typeof DisconnectedError;
  readonly WindowNotFoundError: typeof WindowNotFoundError;
  readonly TimeoutError: typeof TimeoutError;
}

/** Channel types an app declares, filled in by declaration merging from the
 * `.d.ts` that `weft types` writes: channel -> { payload; result } for Python
 * handlers, channel -> payload for `on` and `send`. Empty, every channel is untyped. */
export interface HandlerChannels {}
export interface ToPageChannels {}
export interface ToPythonChannels {}
type InvokeArgs<C> = C extends keyof HandlerChannels
  ? HandlerChannels[C] extends { payload: infer P }
    ? null extends P ? [payload?: P, options?: InvokeOptions] : [payload: P, options?: InvokeOptions]
    : never
  : [payload?: Payload, options?: InvokeOptions];
type InvokeResult<C, T> = C extends keyof HandlerChannels
  ? HandlerChannels[C] extends { result: infer R } ? R : never
  : T;
type SendArgs<C> = C extends keyof ToPythonChannels
  ? null extends ToPythonChannels[C] ? [payload?: ToPythonChannels[C]] : [payload: ToPythonChannels[C]]
  : [payload?: Payload];
type OnPayload<C, T> = C extends "runtime:error" ? WeftError : C extends keyof ToPageChannels ? ToPageChannels[C] : T;

export interface Runtime extends DesktopBridge {
  /** Send `payload` to Python on `channel`; fire and forget. Throws
   * `PayloadError` for non-JSON payloads, and `ChannelError` for channel
   * names Python refuses: empty, longer than 256 characters (code points),
   * with a character that is not printable (Unicode categories C and Z, the
   * space apart), or reserved for the runtime (`close`, `focus`, `blur`,
   * `resize`, `move`, `unresponsive`, `responsive`, `crashed`, `load-failed`, `drop`,
   * `runtime:*`, `weft:*`). `on`, `once`, `invoke` and `handle` check names alike (`on`,
   * `once` and `handle` accept reserved ones). */
  send<C extends string>(channel: C, ...args: SendArgs<C>): void;
  /** Call `listener(payload)` for each message on `channel`. Returns an
   * unsubscribe function. `runtime.on("runtime:error", fn)` hears errors the
   * host reports about frames that had no call to fail. */
  on<T = unknown, C extends string = string>(channel: C, listener: (payload: OnPayload<C, T>) => void): () => void;
  off(channel: string, listener: (payload: any) => void): void;
  /** Like `on`, for the next message only. */
  once<T = unknown, C extends string = string>(channel: C, listener: (payload: OnPayload<C, T>) => void): () => void;
  /** Ask Python's `ipc.handle(channel, fn)`; resolves with its return value
   * (a `ByteStream` when it returns an async iterator of bytes), rejects with
   * a `WeftError` subclass (`HandlerError` carries the Python exception's
   * type name in `.type`). */
  invoke<T = unknown, C extends string = string>(channel: C, ...args: InvokeArgs<C>): Promise<InvokeResult<C, T>>;
  /** Answer Python's `ipc.invoke(window_id, channel, payload)`; `fn` may be
   * async. Returns an unregister function. */
  handle(channel: string, fn: (payload: any) => unknown | Promise<unknown>): () => void;
  /** This window's id, as Python knows it. */
  readonly windowId: string;
  readonly errors: RuntimeErrors;
}

declare global {
  interface Window {
    readonly runtime: Runtime;
  }
  const runtime: Runtime;
}
