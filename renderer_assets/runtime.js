// weft runtime: defines `window.runtime` in the page's own script world, at
// document creation, before any page script runs. The host appends the call
// `(config)` with a JSON object:
// { windowId, maxMessageChars, maxDepth, bulkThreshold, maxBulkBytes, bulkKey }.
//
// Frames are batched per microtask into one JSON array string and relayed to
// the isolated world (transport.js) as a CustomEvent; the wire format is
// described in host/weft/ipc/codec.py. Calls made before the relay is up are
// queued, never lost. Frames with binary values, or longer than
// bulkThreshold characters, take the bulk lane (host/weft/ipc/bulk.py): their
// body goes by fetch() on this page's own origin, and a small "bulk" frame
// holds their place in the order.
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
  const { freeze, defineProperty, keys } = Object;
  const isArray = Array.isArray;
  const fetchBody = fetch.bind(window);
  // The key that lets the host read this page's bulk bodies: kept in this
  // closure, out of `config` (nothing later can reach it through a lookup
  // on config), and handed only to the captured fetch (see storeBody).
  const bulkKey = config.bulkKey;
  config.bulkKey = null;
  const Bytes = Uint8Array;
  const encoder = new TextEncoder();
  const encodeText = encoder.encode.bind(encoder);
  const randomToken = crypto.randomUUID ? crypto.randomUUID.bind(crypto) : null;
  const utf8 = new TextDecoder("utf-8", { ignoreBOM: true }); // a leading U+FEFF is text, not a mark
  // The bulk lane needs a page served by weft: its bodies live on this origin.
  const bulkBase = config.bulkThreshold !== null && /^(app|plugin):$/.test(location.protocol) && randomToken
    ? new URL("/.weft/bulk/", location.href).href
    : null;

  // A batch carries at most this many frames, so a flood reaches the host
  // as many posts with event-loop turns between them, never one huge one.
  const MAX_BATCH_FRAMES = 1000;
  const SYSTEM_CHANNELS = new Set(["close", "focus", "blur", "resize", "move", "unresponsive", "responsive", "crashed"]);
  const MAX_CHANNEL = 256;
  // On the bulk lane, strings this long travel as UTF-8 parts, never inside
  // the JSON (host/weft/ipc/bulk.py LONG_TEXT).
  const LONG_TEXT = 64 * 1024;

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
  let sawPart = false; // a binary value or a long string: the frame takes the bulk lane
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
      case "string":
        if (bulkBase !== null && value.length >= LONG_TEXT) {
          sawPart = true; // sent as UTF-8 on the bulk lane; a null in the JSON
          return null;
        }
        return value;
      case "function":
      case "symbol":
        throw new errors.PayloadError(`a ${typeof value} is not a JSON value`);
      case "object":
        if (value instanceof ArrayBuffer || isView(value)) {
          sawPart = true; // sent as bytes on the bulk lane; a null in the JSON
          return null;
        }
        if (value instanceof Map || value instanceof Set) {
          throw new errors.PayloadError(`a ${value.constructor.name} is not a JSON value; convert it first`);
        }
        return value;
      default:
        return value;
    }
  }

  // A frame's JSON text, or for the bulk lane { text, parts: [[path, part]] }
  // (a part is a binary value or a long string).
  function encode(frame) {
    let text;
    depths = new WeakMap();
    sawPart = false;
    try {
      text = stringify(frame, strict);
    } catch (err) {
      if (err instanceof WeftError) throw err;
      throw new errors.PayloadError(`payload is not a JSON value: ${err.message}`);
    }
    if (sawPart || (bulkBase !== null && text.length > config.bulkThreshold)) {
      if (bulkBase === null) {
        throw new errors.PayloadError("binary payloads need a page served by weft (app:// or plugin://)");
      }
      const parts = [];
      findParts(frame, [], parts);
      return { text, parts };
    }
    if (text.length + 2 > config.maxMessageChars) {
      throw new errors.PayloadError(
        `message of ${text.length} characters is over the limit of ${config.maxMessageChars}`);
    }
    return text;
  }

  function findParts(value, path, out) {
    if (value instanceof ArrayBuffer || isView(value) || (typeof value === "string" && value.length >= LONG_TEXT)) {
      out.push([path, value]);
    } else if (isArray(value)) {
      value.forEach((item, index) => findParts(item, [...path, index], out));
    } else if (value !== null && typeof value === "object") {
      for (const key of keys(value)) findParts(value[key], [...path, key], out);
    }
  }

  // -- the bulk lane -----------------------------------------------------
  // Up: the body is stored with the host first; only then does the "bulk"
  // frame standing for it leave, and frames after it wait (see flush).
  function upload(encoded, onFail) {
    // One ArrayBuffer body: Chromium hands it to the host as bytes in memory.
    // (A Blob body reaches Qt's handler as a data pipe, which Qt 6.11 can
    // only read by spinning on the main thread: it can hang for ever.)
    const head = encodeText(encoded.text);
    const texts = [];
    const pieces = encoded.parts.map(([, part], index) => {
      if (typeof part !== "string") return part instanceof ArrayBuffer ? new Bytes(part) : new Bytes(part.buffer, part.byteOffset, part.byteLength);
      texts.push(index);
      return encodeText(part);
    });
    const size = pieces.reduce((total, piece) => total + piece.length, head.length);
    if (size > config.maxBulkBytes) {
      throw new errors.PayloadError(`message of ${size} bytes is over the limit of ${config.maxBulkBytes}`);
    }
    const body = new Bytes(size);
    let offset = 0;
    for (const piece of [head, ...pieces]) {
      body.set(piece, offset);
      offset += piece.length;
    }
    const token = randomToken();
    const entry = { text: null, dead: false };
    const frame = {
      k: "bulk", i: token, n: [head.length, ...pieces.map((piece) => piece.length)],
      b: encoded.parts.map(([path]) => path), t: texts,
    };
    uploads += 1;
    const stored = storeBody(`${bulkBase}${token}?n=${size}`, body);
    stored.then((response) => {
      if (!response.ok) throw new Error(`status ${response.status}`);
      entry.text = stringify(frame);
    }).catch((err) => {
      entry.dead = true;
      onFail(new errors.PayloadError(`the host did not take a message of ${size} bytes (${err.message})`));
    }).finally(() => {
      if (!flushScheduled) {
        flushScheduled = true;
        defer(flush);
      }
    });
    return entry;
  }

  // POSTs `body` (a Uint8Array) to `url` with the bulk key, which shows the
  // host the body comes from this runtime, as one ArrayBuffer: it reads no
  // other. The key must never meet page script, which may have replaced any
  // global or prototype by now. So this function calls nothing but the
  // fetch captured at document creation, and the key travels in objects
  // with no prototype: fetch() reads every RequestInit member (cache, mode,
  // signal, window, ...) and the headers' @@iterator by ordinary lookup, and
  // on plain objects those it lacks would be answered by getters page
  // script put on Object.prototype, called with `this` = the init. (The
  // `__proto__: null` of a literal is syntax, not the page's setter.)
  function storeBody(url, body) {
    return fetchBody(url, {
      __proto__: null,
      method: "POST",
      body,
      headers: { __proto__: null, "x-weft-bulk": bulkKey },
    });
  }

  // Down: a "bulk" frame from the host names a body to fetch; the frame it
  // stands for is delivered in its place once fetched (see receive).
  function download(ref) {
    return fetchBody(bulkBase + ref.i).then((response) => {
      if (!response.ok) throw new errors.ProtocolError(`bulk body ${ref.i} is gone (status ${response.status})`);
      return response.arrayBuffer();
    }).then((buffer) => {
      const frame = parse(utf8.decode(new Bytes(buffer, 0, ref.n[0])));
      let offset = ref.n[0];
      const texts = new Set(ref.t);
      ref.b.forEach((path, index) => {
        const size = ref.n[index + 1];
        const bytes = new Bytes(buffer, offset, size);
        let node = frame;
        for (const step of path.slice(0, -1)) node = node[step];
        node[path[path.length - 1]] = texts.has(index) ? utf8.decode(bytes) : bytes;
        offset += size;
      });
      return frame;
    });
  }

  // Queue a frame for the host: `encoded` is what encode() returned.
  function post(encoded, onFail) {
    if (typeof encoded === "string") enqueue(encoded);
    else enqueue(upload(encoded, onFail));
  }

  // -- outbound: batched per microtask, held until the relay is up --------
  let relayUp = false;
  let outbox = [stringify({ k: "hello" })]; // strings, and upload entries while bodies upload
  let uploads = 0; // upload entries in the outbox
  let flushScheduled = false;

  function enqueue(item) {
    outbox.push(item);
    if (!flushScheduled) {
      flushScheduled = true;
      defer(flush);
    }
  }

  // Sends what is ready, in order, up to the first body still uploading.
  function flush() {
    flushScheduled = false;
    if (!relayUp || outbox.length === 0) return;
    let frames = outbox;
    outbox = [];
    if (uploads > 0) {
      let ready = frames.findIndex((item) => typeof item !== "string" && !item.dead && item.text === null);
      if (ready < 0) ready = frames.length;
      outbox = frames.slice(ready);
      uploads = outbox.filter((item) => typeof item !== "string").length;
      frames = frames.slice(0, ready).filter((item) => typeof item === "string" || !item.dead)
        .map((item) => (typeof item === "string" ? item : item.text));
    }
    if (frames.length === 0) return;
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
      let encoded;
      try {
        encoded = encode({ k: "result", i: frame.i, v: value === undefined ? null : value });
      } catch (err) {
        fail(err);
        return;
      }
      post(encoded, fail);
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
    notifyError(errorFromWire(frame.e));
  }

  function notifyError(err) {
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

  function deliver(frame) {
    if (held !== null && (frame.k === "send" || frame.k === "invoke")) held.push(frame);
    else handleFrame(frame);
  }

  // Frames wait here, in order, behind a bulk body still being fetched.
  const inbound = []; // { frame, done }
  function pump() {
    while (inbound.length > 0 && inbound[0].done) {
      const { frame } = inbound.shift();
      if (frame !== null) deliver(frame);
    }
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
      if (frame.k !== "bulk") {
        if (inbound.length === 0) deliver(frame);
        else inbound.push({ frame, done: true });
        continue;
      }
      const slot = { frame: null, done: false };
      inbound.push(slot);
      const fetched = bulkBase === null ? Promise.reject(new errors.ProtocolError("no bulk lane here")) : download(frame);
      fetched.then((inner) => { slot.frame = inner; }, (err) => notice({ e: errorToWire(err) }))
        .finally(() => { slot.done = true; pump(); });
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
      post(encode({ k: "send", c: channel, p: payload === undefined ? null : payload }), notifyError);
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
        const encoded = encode({ k: "invoke", i: id, c: channel, p: payload === undefined ? null : payload });
        const call = { resolve, reject, timer: undefined };
        const timeout = options && options.timeout;
        if (typeof timeout === "number" && timeout >= 0) {
          call.timer = setTimeout(() => {
            pending.delete(id);
            reject(new errors.TimeoutError(`Python did not answer "${channel}" within ${timeout} ms`));
          }, timeout);
        }
        pending.set(id, call);
        post(encoded, (err) => {
          pending.delete(id);
          clearTimeout(call.timer);
          reject(err);
        });
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
