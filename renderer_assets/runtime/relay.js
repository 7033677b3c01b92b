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

// -- the port: this runtime's private line to transport.js ----------------
// Two text nodes: a batch is the data of one, and an event on it tells the
// other world to read it (DOM events cross between script worlds at once;
// a node's text crosses as a plain string, where a CustomEvent's detail
// would be serialized and copied, several times slower). This runtime makes
// the to-host node and offers it on the document ("weft:port"); transport.js
// takes the first offer, makes the to-page node and hands it back on the
// to-host node ("weft:relay-up"). Both scripts run at document creation, so
// this is done before any page script runs; from then on nothing of the
// port is on the document, and a page script can neither read the host's
// batches nor forge them. Each event object is reused while it is not
// being dispatched.
const toHostNode = doc.createTextNode("");
const toHostEvent = new Event("weft:to-host");
let toHostBusy = false;
let toPageNode = null;

function toHost(batch) {
  writeText.call(toHostNode, "[" + batch.join(",") + "]");
  if (toHostBusy) { // a batch sent while transport.js reads one: a fresh event
    dispatch.call(toHostNode, new Event("weft:to-host"));
    return;
  }
  toHostBusy = true;
  try {
    dispatch.call(toHostNode, toHostEvent);
  } finally {
    toHostBusy = false;
  }
}

function offerPort() {
  if (!relayUp) dispatch.call(doc, new PortEvent("weft:port", { relatedTarget: toHostNode }));
}

listen.call(toHostNode, "weft:relay-up", (event) => {
  if (relayUp || !(event.relatedTarget instanceof Text)) return;
  toPageNode = event.relatedTarget;
  listen.call(toPageNode, "weft:to-page", () => {
    const batch = readText.call(toPageNode);
    writeText.call(toPageNode, ""); // read once: its memory goes
    fromHost(batch);
  });
  relayUp = true;
  flush();
});
// transport.js came second: it asks for the port.
listen.call(doc, "weft:transport-up", offerPort);

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
