// weft runtime: defines `window.runtime` in the page's own script world, at
// document creation, before any page script runs. The host appends the call
// `(config)` with a JSON object: { windowId, maxMessageChars, maxDepth }.
//
// Frames are batched per microtask into one JSON array string and relayed to
// the isolated world (transport.js) as a CustomEvent; the wire format is
// described in host/weft/ipc/codec.py. Calls made before the relay is up are
// queued, never lost.
(function weftRuntime(config) {
  "use strict";
  // Captured now, so page scripts that replace globals later cannot
  // interfere with the runtime.
  const doc = document;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const listen = EventTarget.prototype.addEventListener;
  const Event = CustomEvent;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isView = ArrayBuffer.isView;
  const defer = queueMicrotask;
  const report = typeof reportError === "function" ? reportError : (e) => console.error(e);
  const { freeze, defineProperty } = Object;

  // A batch carries at most this many frames, so a flood reaches the host
  // as many posts with event-loop turns between them, never one huge one.
  const MAX_BATCH_FRAMES = 1000;
  const SYSTEM_CHANNELS = new Set(["close", "focus", "blur", "resize", "move", "unresponsive", "responsive", "crashed"]);
  const MAX_CHANNEL = 256;

  // -- errors: same names as weft's Python errors -------------------------
  class WeftError extends Error {
    constructor(message, type) {
      super(message);
      this.name = new.target.name;
      this.type = type || new.target.name;
    }
  }
  const errors = { WeftError };
  for (const name of [
    "HandlerError", "NoHandlerError", "HandlerExistsError", "PermissionDeniedError",
    "ProtocolError", "PayloadError", "RateLimitError", "ChannelError", "DisconnectedError",
    "WindowNotFoundError", "TimeoutError",
  ]) {
    errors[name] = { [name]: class extends WeftError {} }[name];
  }
  freeze(errors);

  function errorFromWire(e) {
    const type = e && typeof e.type === "string" ? e.type : "Error";
    const message = e && typeof e.message === "string" ? e.message : "";
    const Class = Object.hasOwn(errors, type) && type !== "WeftError" ? errors[type] : errors.HandlerError;
    return new Class(message, type);
  }

  function errorToWire(err) {
    if (err instanceof Error) {
      const type = err instanceof WeftError ? err.type : err.name || "Error";
      return { type: String(type), message: String(err.message) };
    }
    return { type: "Error", message: String(err) };
  }

  function checkChannel(channel, fromPage) {
    if (typeof channel !== "string" || channel.length === 0) {
      throw new errors.ChannelError(`a channel is a non-empty string, not ${String(channel)}`);
    }
    if (channel.length > MAX_CHANNEL) {
      throw new errors.ChannelError(`channel name longer than ${MAX_CHANNEL} characters`);
    }
    if (fromPage && (SYSTEM_CHANNELS.has(channel) || channel.startsWith("runtime:") || channel.startsWith("weft:"))) {
      throw new errors.ChannelError(`channel "${channel}" is reserved for the runtime`);
    }
  }

  // JSON.stringify would quietly turn NaN into null, drop functions, and
  // make {"0": ..} of a Uint8Array. Payloads are JSON values: say so instead.
  // What the host would refuse (nesting past maxDepth, "__proto__" keys) is
  // refused here, before it could cost its batch neighbours anything.
  let depths = new WeakMap();
  function strict(key, value) {
    if (key === "__proto__") throw new errors.PayloadError("'__proto__' is not allowed as a key");
    if (value !== null && typeof value === "object") {
      const depth = (depths.get(this) || 0) + 1;
      // A frame is one level; its payload may nest maxDepth more.
      if (depth > config.maxDepth + 1) {
        throw new errors.PayloadError(`payload nests deeper than ${config.maxDepth}`);
      }
      depths.set(value, depth);
    }
    switch (typeof value) {
      case "number":
        if (!Number.isFinite(value)) throw new errors.PayloadError(`${value} is not a JSON value`);
        return value;
      case "function":
      case "symbol":
        throw new errors.PayloadError(`a ${typeof value} is not a JSON value`);
      case "object":
        if (value instanceof ArrayBuffer || isView(value)) {
          throw new errors.PayloadError("binary payloads are not JSON values; send an array or a string");
        }
        if (value instanceof Map || value instanceof Set) {
          throw new errors.PayloadError(`a ${value.constructor.name} is not a JSON value; convert it first`);
        }
        return value;
      default:
        return value;
    }
  }

  function encode(frame) {
    let text;
    depths = new WeakMap();
    try {
      text = stringify(frame, strict);
    } catch (err) {
      if (err instanceof WeftError) throw err;
      throw new errors.PayloadError(`payload is not a JSON value: ${err.message}`);
    }
    if (text.length + 2 > config.maxMessageChars) {
      throw new errors.PayloadError(
        `message of ${text.length} characters is over the limit of ${config.maxMessageChars}`);
    }
    return text;
  }

  // -- outbound: batched per microtask, held until the relay is up --------
  let relayUp = false;
  let outbox = [stringify({ k: "hello" })];
  let flushScheduled = false;

  function enqueue(text) {
    outbox.push(text);
    if (!flushScheduled) {
      flushScheduled = true;
      defer(flush);
    }
  }

  function flush() {
    flushScheduled = false;
    if (!relayUp || outbox.length === 0) return;
    const frames = outbox;
    outbox = [];
    let batch = [];
    let size = 2;
    for (const text of frames) {
      if (batch.length > 0 && (size + text.length + 1 > config.maxMessageChars || batch.length >= MAX_BATCH_FRAMES)) {
        toHost(batch);
        batch = [];
        size = 2;
      }
      batch.push(text);
      size += text.length + 1;
    }
    toHost(batch);
  }

  function toHost(batch) {
    dispatch.call(doc, new Event("weft:to-host", { detail: "[" + batch.join(",") + "]" }));
  }

  listen.call(doc, "weft:relay-up", () => {
    if (relayUp) return;
    relayUp = true;
    flush();
  });

  // Python holds its messages while no document listens: say when this one
  // goes (now, not a microtask later) and when it comes back from the
  // back-forward cache.
  listen.call(window, "pagehide", () => {
    enqueue(stringify({ k: "bye" }));
    flush();
  });
  listen.call(window, "pageshow", (event) => {
    if (event.persisted) enqueue(stringify({ k: "hello" }));
  });

  // -- inbound ------------------------------------------------------------
  const listeners = new Map(); // channel -> array of {fn, once}
  const handlers = new Map(); // channel -> fn
  const pending = new Map(); // call id -> {resolve, reject, timer}
  let nextCallId = 1;

  function emit(channel, payload) {
    const list = listeners.get(channel);
    if (!list) return false;
    for (const entry of list.slice()) {
      if (entry.once) removeListener(channel, entry.fn);
      try {
        entry.fn(payload);
      } catch (err) {
        report(err);
      }
    }
    return true;
  }

  function answer(frame) {
    const reply = (settled) => enqueue(stringify(settled));
    const fail = (err) => reply({ k: "error", i: frame.i, e: errorToWire(err) });
    const fn = handlers.get(frame.c);
    if (!fn) {
      fail(new errors.NoHandlerError(`no runtime.handle("${frame.c}") in window ${config.windowId}`));
      return;
    }
    new Promise((resolve) => resolve(fn(frame.p))).then((value) => {
      let text;
      try {
        text = encode({ k: "result", i: frame.i, v: value === undefined ? null : value });
      } catch (err) {
        fail(err);
        return;
      }
      enqueue(text);
    }, fail);
  }

  function settle(frame, ok) {
    const call = pending.get(frame.i);
    if (!call) return;
    pending.delete(frame.i);
    clearTimeout(call.timer);
    if (ok) call.resolve(frame.v);
    else call.reject(errorFromWire(frame.e));
  }

  function notice(frame) {
    const err = errorFromWire(frame.e);
    if (!emit("runtime:error", err)) console.error(`weft: ${err.name}: ${err.message}`);
  }

  function handleFrame(frame) {
    switch (frame.k) {
      case "send": emit(frame.c, frame.p); break;
      case "invoke": answer(frame); break;
      case "result": settle(frame, true); break;
      case "error": settle(frame, false); break;
      case "notice": notice(frame); break;
      // The host's heartbeat: answered at once, so only a page whose main
      // thread is stuck fails to answer.
      case "ping": enqueue(stringify({ k: "pong", i: frame.i })); break;
    }
  }

  // Python's messages and calls wait until the page's own scripts have run,
  // so the listeners and handlers they register hear them: until
  // DOMContentLoaded, plus one task, so that listeners added in the page's
  // own DOMContentLoaded handlers count too. Answers to the page's own calls
  // never wait.
  let held = doc.readyState === "loading" ? [] : null;
  if (held !== null) {
    listen.call(doc, "DOMContentLoaded", () => {
      setTimeout(() => {
        const frames = held;
        held = null;
        for (const frame of frames) handleFrame(frame);
      }, 0);
    });
  }

  listen.call(doc, "weft:to-page", (event) => {
    if (typeof event.detail !== "string") return;
    let frames;
    try {
      frames = parse(event.detail);
    } catch (err) {
      report(err);
      return;
    }
    for (const frame of frames) {
      if (held !== null && (frame.k === "send" || frame.k === "invoke")) held.push(frame);
      else handleFrame(frame);
    }
  });

  // -- the public object --------------------------------------------------
  function removeListener(channel, fn) {
    const list = listeners.get(channel);
    if (!list) return;
    const index = list.findIndex((entry) => entry.fn === fn);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) listeners.delete(channel);
  }

  function addListener(channel, fn, once) {
    checkChannel(channel, false);
    if (typeof fn !== "function") throw new TypeError("a listener is a function");
    let list = listeners.get(channel);
    if (!list) listeners.set(channel, (list = []));
    if (!list.some((entry) => entry.fn === fn)) list.push({ fn, once });
    return () => removeListener(channel, fn);
  }

  const runtime = {
    /** Send `payload` to Python on `channel`; fire and forget. */
    send(channel, payload) {
      checkChannel(channel, true);
      enqueue(encode({ k: "send", c: channel, p: payload === undefined ? null : payload }));
    },
    /** Call `listener(payload)` for each message on `channel`; returns an unsubscribe function. */
    on(channel, listener) {
      return addListener(channel, listener, false);
    },
    /** Stop calling `listener` for `channel`. */
    off(channel, listener) {
      removeListener(channel, listener);
    },
    /** Like `on`, for the next message only. */
    once(channel, listener) {
      return addListener(channel, listener, true);
    },
    /** Ask Python's `ipc.handle(channel, fn)`; resolves with its return value. */
    invoke(channel, payload, options) {
      return new Promise((resolve, reject) => {
        checkChannel(channel, true);
        const id = nextCallId++;
        const text = encode({ k: "invoke", i: id, c: channel, p: payload === undefined ? null : payload });
        const call = { resolve, reject, timer: undefined };
        const timeout = options && options.timeout;
        if (typeof timeout === "number" && timeout >= 0) {
          call.timer = setTimeout(() => {
            pending.delete(id);
            reject(new errors.TimeoutError(`Python did not answer "${channel}" within ${timeout} ms`));
          }, timeout);
        }
        pending.set(id, call);
        enqueue(text);
      });
    },
    /** Answer Python's `ipc.invoke(window_id, channel, ...)` with `fn(payload)`; returns an unregister function. */
    handle(channel, fn) {
      checkChannel(channel, false);
      if (typeof fn !== "function") throw new TypeError("a handler is a function");
      if (handlers.has(channel)) throw new errors.HandlerExistsError(`"${channel}" already has a handler`);
      handlers.set(channel, fn);
      return () => {
        if (handlers.get(channel) === fn) handlers.delete(channel);
      };
    },
    windowId: config.windowId,
    errors,
  };
  defineProperty(window, "runtime", { value: freeze(runtime), enumerable: true });
  dispatch.call(doc, new Event("weft:runtime-up"));
})
