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
      const id = nextCallId++;
      const encoded = encode({ k: KIND.invoke, i: id, c: channel, p: payload === undefined ? null : payload });
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
offerPort(); // transport.js, if it runs already, takes the port now
