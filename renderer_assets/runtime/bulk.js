// -- the bulk lane -----------------------------------------------------
const fetchBody = fetch.bind(window);
const bodyOf = Object.getOwnPropertyDescriptor(Response.prototype, "body").get;
const getReader = ReadableStream.prototype.getReader;
const readChunk = ReadableStreamDefaultReader.prototype.read;
// The key that lets the host read this page's bulk bodies: kept in this
// closure, out of `config` (nothing later can reach it through a lookup
// on config), and handed only to the captured fetch (see storeBody).
const bulkKey = config.bulkKey;
config.bulkKey = null;
const encoder = new TextEncoder();
const encodeText = encoder.encode.bind(encoder);
const randomToken = crypto.randomUUID ? crypto.randomUUID.bind(crypto) : null;
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true }); // a leading U+FEFF is text, not a mark
// The bulk lane needs a page served by weft: its bodies live on this origin.
const bulkBase = config.bulkThreshold !== null && /^(app|plugin):$/.test(location.protocol) && randomToken
  ? new URL("/.weft/bulk/", location.href).href
  : null;
// On the bulk lane, strings this long travel as UTF-8 parts, never inside
// the JSON (host/weft/ipc/bulk.py LONG_TEXT).
const LONG_TEXT = protocol.bulk.longText;

// Up: the body is stored with the host first, in chunks of CHUNK bytes with
// IN_FLIGHT requests at once (Chromium moves one request body at a time
// per request; several overlap); only then does the "bulk" frame standing
// for it leave, and frames after it wait (see flush). Each request declares
// the whole body (its size, and its segments: the JSON, then each part) so
// the host can put every chunk in place as it comes
// (host/weft/ipc/bulk.py Assembly).
const CHUNK = protocol.bulk.chunkBytes;
const IN_FLIGHT = protocol.bulk.chunksInFlight;
const MAX_SEGMENTS = protocol.bulk.maxSegments;

function upload(encoded, onFail) {
  // ArrayBuffer views as bodies: Chromium hands them to the host as bytes
  // in memory. (A Blob body reaches Qt's handler as a data pipe, which Qt
  // 6.11 can only read by spinning on the main thread: it can hang for ever.)
  const head = encodeText(encoded.text);
  const texts = [];
  const pieces = [head, ...encoded.parts.map(([, part], index) => {
    if (typeof part !== "string") return part instanceof ArrayBuffer ? new Bytes(part) : new Bytes(part.buffer, part.byteOffset, part.byteLength);
    texts.push(index);
    return encodeText(part);
  })];
  const sizes = pieces.map((piece) => piece.length);
  const size = sizes.reduce((total, n) => total + n, 0);
  if (size > config.maxBulkBytes) {
    throw new errors.PayloadError(`message of ${size} bytes is over the limit of ${config.maxBulkBytes}`);
  }
  const token = randomToken();
  const entry = { text: null, dead: false };
  const frame = { k: KIND.bulk, i: token, n: sizes, b: encoded.parts.map(([path]) => path), t: texts };
  const segments = sizes.length <= MAX_SEGMENTS ? sizes.join(",") : String(size);
  uploads += 1;
  const overRequests = () => storeChunks(`${bulkBase}${frame.i}?n=${size}&s=${segments}&c=`, pieces, size);
  const stored = socketState !== "ready" ? overRequests() : storeOverSocket(token, pieces, size, segments).catch((err) => {
    if (!err.retry) throw err;
    frame.i = randomToken(); // the host may hold part of it under the old token
    return overRequests();
  });
  openSocket();
  stored.then(() => {
    entry.text = stringify(frame);
  }).catch((err) => {
    entry.dead = true;
    onFail(new errors.PayloadError(`the host did not take a message of ${size} bytes (${err.message})`));
  }).finally(scheduleFlush);
  return entry;
}

// Resolves once every chunk of the body made of `pieces` is stored; at most
// IN_FLIGHT requests at once; the first failure rejects and stops the rest.
function storeChunks(base, pieces, size) {
  const count = Math.max(1, Math.ceil(size / CHUNK));
  return new Promise((resolve, reject) => {
    let next = 0;
    let stored = 0;
    let failed = false;
    const launch = () => {
      if (failed) return;
      if (stored === count) resolve();
      while (next < count && next - stored < IN_FLIGHT) {
        const index = next++;
        const begin = index * CHUNK;
        storeBody(base + index, slice(pieces, begin, Math.min(size, begin + CHUNK))).then((response) => {
          if (!response.ok) throw new Error(`status ${response.status}`);
          stored += 1;
          launch();
        }).catch((err) => {
          failed = true;
          reject(err);
        });
      }
    };
    launch();
  });
}

// Bytes `begin` to `end` of the pieces laid end to end: a view when one
// piece holds them all, else a copy of them.
function slice(pieces, begin, end) {
  let offset = 0;
  let out = null;
  for (const piece of pieces) {
    const low = Math.max(begin, offset);
    const high = Math.min(end, offset + piece.length);
    if (high > low) {
      if (out === null && low === begin && high === end) return piece.subarray(low - offset, high - offset);
      if (out === null) out = new Bytes(end - begin);
      out.set(piece.subarray(low - offset, high - offset), low - begin);
    }
    offset += piece.length;
    if (offset >= end) break;
  }
  return out === null ? new Bytes(0) : out;
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
// stands for is delivered in its place once fetched (see inbound.js). The
// body is read as it comes into one array of the size the frame declares
// (response.arrayBuffer() would gather the pieces, then copy them).
function download(ref) {
  const total = ref.n.reduce((sum, n) => sum + n, 0);
  const body = ref.i.startsWith(PUSHED) ? takePushed(ref.i) : fetchBody(bulkBase + ref.i).then((response) => {
    if (!response.ok) throw new errors.ProtocolError(`bulk body ${ref.i} is gone (status ${response.status})`);
    return readAll(response, total);
  });
  return body.then((whole) => {
    if (whole.length !== total) throw new errors.ProtocolError(`bulk body has ${whole.length} bytes, not ${total}`);
    const buffer = whole.buffer;
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

// A response's body, which must be `total` bytes, in one new Uint8Array.
function readAll(response, total) {
  const out = new Bytes(total);
  const reader = getReader.call(bodyOf.call(response));
  let offset = 0;
  const next = () => readChunk.call(reader).then(({ done, value }) => {
    if (done) {
      if (offset !== total) throw new errors.ProtocolError(`bulk body has ${offset} bytes, not ${total}`);
      return out;
    }
    if (offset + value.length > total) throw new errors.ProtocolError(`bulk body is longer than ${total} bytes`);
    out.set(value, offset);
    offset += value.length;
    return next();
  });
  return next();
}

// Streams: a Python handler that returns an async iterator of bytes answers
// with a "stream" frame; its invoke resolves to a ReadableStream of
// Uint8Array. Each pull is one request for the next chunk, answered when
// Python's iterator gives it, so Python makes no chunk the page has not
// asked for (the stream keeps at most one read ahead). Cancelling the
// stream closes the iterator in Python (host/weft/ipc/streams.py).
const Stream = ReadableStream;
const headersOf = Object.getOwnPropertyDescriptor(Response.prototype, "headers").get;
const headerOf = Headers.prototype.get;
const bufferOf = Response.prototype.arrayBuffer;
const STREAM_END = "application/x-weft-end";
const STREAM_ERROR = "application/x-weft-error";

function openStream(token) {
  const url = `${bulkBase}s/${token}`;
  let ended = false;
  return new Stream({
    pull(controller) {
      return fetchBody(url).then((response) => {
        if (!response.ok) throw new errors.ProtocolError(`stream ${token} is gone (status ${response.status})`);
        const kind = headerOf.call(headersOf.call(response), "content-type");
        return bufferOf.call(response).then((buffer) => {
          if (kind === STREAM_END) {
            ended = true;
            controller.close();
          } else if (kind === STREAM_ERROR) {
            throw errorFromWire(parse(utf8.decode(new Bytes(buffer))));
          } else {
            controller.enqueue(new Bytes(buffer));
          }
        });
      }).catch((err) => {
        ended = true;
        controller.error(err);
      });
    },
    // Settles once Python has closed the iterator: the page's
    // `await stream.cancel()` frees its place among the open streams.
    cancel() {
      if (ended) return undefined;
      ended = true;
      return fetchBody(`${url}?cancel`).then(() => {}, () => {});
    },
  }, { highWaterMark: 1 });
}
