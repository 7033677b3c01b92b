// -- the bulk lane -----------------------------------------------------
const fetchBody = fetch.bind(window);
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
    k: KIND.bulk, i: token, n: [head.length, ...pieces.map((piece) => piece.length)],
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
  }).finally(scheduleFlush);
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
// stands for is delivered in its place once fetched (see inbound.js).
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
