// -- the socket lane ---------------------------------------------------
// An app page's bodies go over a WebSocket to weft on 127.0.0.1 once it is
// up: at 10 MB it is faster than requests to the scheme handler
// (host/weft/webengine/sockets.py has the messages). It opens when the
// page first moves a body, never at start; until it is up, and wherever it
// cannot open (plugins have no socket lane), bodies take the requests above.
// The socket gives the bulk key first and is of no use to the host without
// it; like the key, it lives only in this closure and is used only through
// what was captured at document creation.
const Socket = typeof WebSocket === "function" ? WebSocket : null;
// sendOn(socket, data): the captured send, called without a lookup of
// Function.prototype.call, which page script may have replaced by now
// (the key goes through it).
const sendOn = Socket && Function.prototype.call.bind(Socket.prototype.send);
const socketSetter = (name) => Socket && Object.getOwnPropertyDescriptor(Socket.prototype, name).set;
const setBinaryType = socketSetter("binaryType");
const setOnOpen = socketSetter("onopen");
const setOnMessage = socketSetter("onmessage");
const setOnClose = socketSetter("onclose");
const messageData = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data").get;
const responseText = Response.prototype.text;
const PUSHED = protocol.bulk.pushedPrefix;
// What the host's text messages say, by name (SOCKET.ok is "ok"), as KIND.
const SOCKET = { __proto__: null };
for (const kind of protocol.bulk.socketKinds) SOCKET[kind] = kind;
freeze(SOCKET);

let socket = null;
let socketState = bulkBase !== null && Socket !== null ? "none" : "off"; // none → opening → ready; off for good
const storing = new Map(); // token → { resolve, reject }: bodies going up
const pushed = new Map(); // token → body coming down (see pushedBody)
let receiving = null; // the pushed body whose chunks come next

function openSocket() {
  if (socketState !== "none") return;
  socketState = "opening";
  fetchBody(`${bulkBase}socket`, { __proto__: null, headers: { __proto__: null, "x-weft-bulk": bulkKey } })
    .then((response) => (response.ok ? responseText.call(response) : null))
    .then((text) => {
      const port = text === null ? null : parse(text).port;
      if (!(typeof port === "number" && port > 0 && port <= 0xffff && port % 1 === 0)) {
        socketState = "off";
        return;
      }
      const ws = new Socket(`ws://127.0.0.1:${port}/`);
      setBinaryType.call(ws, "arraybuffer");
      setOnOpen.call(ws, () => sendOn(ws, bulkKey));
      setOnMessage.call(ws, (event) => onSocketMessage(ws, messageData.call(event)));
      setOnClose.call(ws, () => onSocketClosed(ws));
      socket = ws;
    })
    .catch(() => { socketState = "off"; });
}

function onSocketMessage(ws, data) {
  if (ws !== socket) return;
  if (typeof data !== "string") {
    pushedChunk(data);
    return;
  }
  const message = parse(data);
  if (message.k === SOCKET.ok) {
    socketState = "ready";
  } else if (message.k === SOCKET.stored || message.k === SOCKET.refused) {
    const entry = storing.get(message.i);
    storing.delete(message.i);
    if (entry && message.k === SOCKET.stored) entry.resolve();
    else if (entry) entry.reject(new Error(message.e));
  } else if (message.k === SOCKET.body) {
    if (receiving !== null || !(message.n >= 0 && message.n <= config.maxBulkBytes)) {
      onSocketClosed(ws);
      return;
    }
    receiving = pushedBody(message.i);
    receiving.out = new Bytes(message.n);
    if (message.n === 0) pushedChunk(new ArrayBuffer(0)); // an empty body has no messages
  }
}

function onSocketClosed(ws) {
  if (ws !== socket) return;
  socket = null;
  socketState = "off";
  receiving = null;
  const lost = new Error("the bulk socket closed");
  lost.retry = true;
  for (const entry of storing.values()) entry.reject(lost);
  storing.clear();
  for (const [token, entry] of pushed) {
    if (entry.reject) entry.reject(new errors.ProtocolError(`bulk body ${token} was lost: the socket closed`));
  }
  pushed.clear();
}

// Up: the header, then the pieces' bytes in views of at most MESSAGE bytes
// (no copies here), all queued in the socket at once (a body's messages
// must not interleave with another's); resolves when the host says it has
// the whole body. If the socket closes first, the body goes again over
// requests (err.retry); a body the host refused does not.
const MESSAGE = protocol.bulk.socketMessageBytes;
function storeOverSocket(token, pieces, size, segments) {
  return new Promise((resolve, reject) => {
    storing.set(token, { resolve, reject });
    sendOn(socket, stringify({ i: token, n: String(size), s: segments }));
    for (const piece of pieces) {
      for (let at = 0; at < piece.length; at += MESSAGE) sendOn(socket, piece.subarray(at, at + MESSAGE));
    }
  });
}

// Down: the host pushes a body down the socket, and a "bulk" frame whose
// token starts with PUSHED stands for it on the bridge. Either may come
// first; the frame's download waits for the body.
function pushedBody(token) {
  let entry = pushed.get(token);
  if (!entry) {
    entry = { out: null, filled: 0, complete: false, resolve: null, reject: null };
    pushed.set(token, entry);
  }
  return entry;
}

function pushedChunk(buffer) {
  const entry = receiving;
  const bytes = new Bytes(buffer);
  if (entry === null || entry.filled + bytes.length > entry.out.length) {
    onSocketClosed(socket);
    return;
  }
  entry.out.set(bytes, entry.filled);
  entry.filled += bytes.length;
  if (entry.filled === entry.out.length) {
    receiving = null;
    entry.complete = true;
    if (entry.resolve) entry.resolve(entry.out);
  }
}

function takePushed(token) {
  if (socketState === "off" && !pushed.has(token)) {
    return Promise.reject(new errors.ProtocolError(`bulk body ${token} was lost: the socket closed`));
  }
  const entry = pushedBody(token);
  return new Promise((resolve, reject) => {
    if (entry.complete) {
      pushed.delete(token);
      resolve(entry.out);
      return;
    }
    entry.resolve = (out) => {
      pushed.delete(token);
      resolve(out);
    };
    entry.reject = reject;
  });
}
