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

// setTimeout's longest wait; a longer one would fire at once.
const MAX_TIMER_MS = 2147483647;

// invoke's timeout in ms, or null for none (none given, null, Infinity, or
// past the longest timer: about 24.8 days); a bad one throws.
function timeoutOf(options) {
  if (options === undefined || options === null) return null;
  if (typeof options !== "object") {
    throw new TypeError(`runtime.invoke's third argument is an options object like {timeout: 5000}, not ${typeof options}`);
  }
  const timeout = options.timeout;
  if (timeout === undefined || timeout === null || timeout === Infinity) return null;
  if (typeof timeout !== "number" || !(timeout >= 0)) {
    throw new RangeError(`runtime.invoke's timeout is a number of ms, 0 or more (or Infinity), not ${String(timeout)}`);
  }
  return timeout > MAX_TIMER_MS ? null : timeout;
}

const runtime = {
  /** Send `payload` to Python on `channel`; fire and forget. */
  send(channel, payload) {
    checkChannel(channel, true);
    post(encode({ k: KIND.send, c: channel, p: payload === undefined ? null : payload }), notifyError);
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
      const timeout = timeoutOf(options);
      const id = nextCallId++;
      const encoded = encode({ k: KIND.invoke, i: id, c: channel, p: payload === undefined ? null : payload });
      const call = { resolve, reject, timer: undefined };
      if (timeout !== null) {
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
offerPort(); // transport.js, if it runs already, takes the port now
