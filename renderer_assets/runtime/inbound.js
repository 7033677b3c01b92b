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
  const fail = (err) => reply({ k: KIND.error, i: frame.i, e: errorToWire(err) });
  const fn = handlers.get(frame.c);
  if (!fn) {
    fail(new errors.NoHandlerError(`no runtime.handle("${frame.c}") in window ${config.windowId}`));
    return;
  }
  const succeed = (value) => {
    let encoded;
    try {
      encoded = encode({ k: KIND.result, i: frame.i, v: value === undefined ? null : value });
    } catch (err) {
      fail(err);
      return;
    }
    post(encoded, fail);
  };
  // A handler that answers at once is answered at once (no promise turns);
  // a thenable is awaited, as a promise's resolution would.
  let value;
  try {
    value = fn(frame.p);
    if (value !== null && (typeof value === "object" || typeof value === "function") &&
        typeof value.then === "function") {
      new Promise((resolve) => resolve(value)).then(succeed, fail);
      return;
    }
  } catch (err) {
    fail(err);
    return;
  }
  succeed(value);
}

function settle(frame, ok) {
  const call = pending.get(frame.i);
  if (!call) {
    // A stream nobody waits for (the call timed out): tell Python to stop.
    if (frame.k === KIND.stream) openStream(frame.s).cancel();
    return;
  }
  pending.delete(frame.i);
  clearTimeout(call.timer);
  if (frame.k === KIND.stream) call.resolve(openStream(frame.s));
  else if (ok) call.resolve(frame.v);
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
    case KIND.send: emit(frame.c, frame.p); break;
    case KIND.invoke: answer(frame); break;
    case KIND.result: settle(frame, true); break;
    case KIND.stream: settle(frame, true); break;
    case KIND.error: settle(frame, false); break;
    case KIND.notice: notice(frame); break;
    // The host's heartbeat: answered at once, so only a page whose main
    // thread is stuck fails to answer.
    case KIND.ping: enqueue(stringify({ k: KIND.pong, i: frame.i })); break;
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
  if (held !== null && (frame.k === KIND.send || frame.k === KIND.invoke)) held.push(frame);
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

// A batch from the host, as transport.js relays it (see relay.js's port).
function fromHost(batch) {
  let frames;
  try {
    frames = parse(batch);
  } catch (err) {
    report(err);
    return;
  }
  for (const frame of frames) {
    if (frame.k !== KIND.bulk) {
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
}
