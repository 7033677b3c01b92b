// The bare transports of bulk_bare.py, in a page of its own profile served
// by a bare scheme handler (after loop.js and loads.js): each transport is a
// `call(bytes)` echoing a Uint8Array through Python, timed by loads.js's
// timeLargeEchoes like weft's. Python starts a task with
// runBare(id, transport, settings); the page posts its report to
// /.bare/report/<id>.
"use strict";
const CHUNK = 4 * 1024 * 1024;
const IN_FLIGHT = 4;
const WS_MESSAGE = 1024 * 1024;
let nextToken = 1;

// A response's body read into one array of `total` bytes as it comes.
async function readInto(response, total) {
  const out = new Uint8Array(total);
  const reader = response.body.getReader();
  let offset = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, offset);
    offset += value.length;
  }
  if (offset !== total) throw new Error(`read ${offset} of ${total} bytes`);
  return out;
}

async function ok(promise) {
  const response = await promise;
  if (!response.ok) throw new Error(`status ${response.status}`);
  return response;
}

const TRANSPORTS = {
  // One POST of the whole body, then one GET of Python's answer.
  async scheme(data) {
    const url = `/.bare/one/${nextToken++}`;
    await ok(fetch(`${url}?n=${data.length}`, { method: "POST", body: data }));
    return new Uint8Array(await (await ok(fetch(url))).arrayBuffer());
  },
  // POSTs of CHUNK bytes, IN_FLIGHT at once, into one preallocated buffer;
  // the answer read from response.body into a preallocated array.
  async chunked(data) {
    const url = `/.bare/chunk/${nextToken++}`;
    const count = Math.max(1, Math.ceil(data.length / CHUNK));
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const index = next++;
        const body = data.subarray(index * CHUNK, (index + 1) * CHUNK);
        await ok(fetch(`${url}?n=${data.length}&c=${index}`, { method: "POST", body }));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    return readInto(await ok(fetch(url)), data.length);
  },
  // A WebSocket to QWebSocketServer on 127.0.0.1: the size as text, the
  // bytes as WS_MESSAGE messages; Python answers the same way.
  websocket(data) {
    return new Promise((resolve, reject) => {
      const out = new Uint8Array(data.length);
      let offset = 0;
      socket.onmessage = (event) => {
        const piece = new Uint8Array(event.data);
        out.set(piece, offset);
        offset += piece.length;
        if (offset === data.length) resolve(out);
      };
      socket.onerror = () => reject(new Error("websocket error"));
      socket.send(String(data.length));
      for (let at = 0; at < data.length; at += WS_MESSAGE) socket.send(data.subarray(at, at + WS_MESSAGE));
      if (data.length === 0) resolve(out);
    });
  },
};

let socket = null;
function openSocket(port) {
  return new Promise((resolve, reject) => {
    socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    socket.binaryType = "arraybuffer";
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error("the WebSocket did not open"));
  });
}

async function runBare(id, transport, settings) {
  const report = await reportOf(transport === "open" ? openSocket(settings.port).then(() => ({}))
    : timeLargeEchoes(TRANSPORTS[transport], settings));
  await fetch(`/.bare/report/${id}`, { method: "POST", body: new TextEncoder().encode(JSON.stringify(report)) });
}
