// -- outbound: batched per microtask, held until the relay is up --------
// A batch carries at most this many frames, so a flood reaches the host
// as many posts with event-loop turns between them, never one huge one.
const MAX_BATCH_FRAMES = protocol.limits.maxBatchFrames;
let relayUp = false;
let outbox = [stringify({ k: KIND.hello })]; // strings, and upload entries while bodies upload
let uploads = 0; // upload entries in the outbox
let flushScheduled = false;

// Queue a frame for the host: `encoded` is what encode() returned.
function post(encoded, onFail) {
  if (typeof encoded === "string") enqueue(encoded);
  else enqueue(upload(encoded, onFail));
}

function enqueue(item) {
  outbox.push(item);
  scheduleFlush();
}

function scheduleFlush() {
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
  enqueue(stringify({ k: KIND.bye }));
  flush();
});
listen.call(window, "pageshow", (event) => {
  if (event.persisted) enqueue(stringify({ k: KIND.hello }));
});
