// weft-runtime: a MessageEndpoint for @remote-ui/rpc and @omnicajs/vue-remote
// over any DesktopBridge (send/on/off/close?), such as weft's window.runtime.
//
// Python's weft.remote pairs two pages in a session and routes the
// session's channel between them. Besides @remote-ui/rpc's own messages,
// the channel carries small control objects, {"$weft": kind, ...}, between
// this adapter and Python:
//   hello {protocol}     adapter → host: here I am, speaking this version
//   probe                host → adapter: a session opened; say hello
//   open {session}       host → adapter: both sides agreed; messages flow
//   refused {reason}     host → adapter: the versions do not match
//   terminate            adapter → host: this side terminated
//   closed {reason}      host → adapter: the other side went away
// Messages posted before the session opens wait here, never lost.

/** The version of the weft session protocol this adapter speaks. */
export const PROTOCOL_VERSION = 1;

// @remote-ui/rpc's message type for TERMINATE ([2]). A messenger with its
// own terminate() must carry the termination to the peer itself.
const RPC_TERMINATE = 2;
const CONTROL = "$weft";

function isControl(payload) {
  return payload !== null && typeof payload === "object" && !Array.isArray(payload)
    && typeof payload[CONTROL] === "string";
}

/**
 * A MessageEndpoint (postMessage, addEventListener("message"),
 * removeEventListener, terminate) over `bridge` on `channel`.
 *
 * Extra members: `ready` (a Promise that resolves with the session id once
 * the host has paired this page with its peer, and rejects if the host
 * refused the pairing), `closed` (a Promise that resolves with the reason
 * once either side ended the session) and `isOpen`.
 */
export function fromDesktopIpc(bridge, channel = "vue-remote:rpc", { protocol = PROTOCOL_VERSION } = {}) {
  const listeners = new Set();
  let state = "waiting"; // waiting → open → closed
  let held = [];
  let settleReady;
  let failReady;
  let settleClosed;
  const ready = new Promise((resolve, reject) => { settleReady = resolve; failReady = reject; });
  const closed = new Promise((resolve) => { settleClosed = resolve; });
  ready.catch(() => {}); // a refusal is also reported through `closed`

  function deliver(data) {
    const event = { data };
    for (const listener of [...listeners]) listener(event);
  }

  function end(reason, { tellHost }) {
    if (state === "closed") return;
    const wasOpen = state === "open";
    state = "closed";
    held = [];
    if (tellHost) bridge.send(channel, { [CONTROL]: "terminate" });
    bridge.off(channel, onPayload);
    if (!wasOpen) failReady(new Error(`weft session on "${channel}" ended before it opened: ${reason}`));
    settleClosed(reason);
  }

  function onControl(message) {
    switch (message[CONTROL]) {
      case "probe":
        if (state === "waiting") bridge.send(channel, { [CONTROL]: "hello", protocol });
        break;
      case "open":
        if (state !== "waiting") break;
        state = "open";
        for (const data of held) bridge.send(channel, data);
        held = [];
        settleReady(message.session);
        break;
      case "refused": {
        const reason = String(message.reason);
        console.error(`weft: session on "${channel}" refused: ${reason}`);
        end(`refused: ${reason}`, { tellHost: false });
        break;
      }
      case "closed":
        // The peer is gone: terminate our side's endpoint as if the peer
        // had sent TERMINATE itself.
        if (state === "open") deliver([RPC_TERMINATE]);
        end(String(message.reason), { tellHost: false });
        break;
    }
  }

  function onPayload(payload) {
    if (isControl(payload)) onControl(payload);
    else if (state === "open") deliver(payload);
  }

  bridge.on(channel, onPayload);
  bridge.send(channel, { [CONTROL]: "hello", protocol });

  return {
    postMessage(message) {
      if (state === "open") bridge.send(channel, message);
      else if (state === "waiting") held.push(message);
    },
    addEventListener(event, listener) {
      if (event === "message") listeners.add(listener);
    },
    removeEventListener(event, listener) {
      if (event === "message") listeners.delete(listener);
    },
    terminate() {
      end("terminated", { tellHost: state !== "closed" });
      listeners.clear();
      if (typeof bridge.close === "function") bridge.close();
    },
    ready,
    closed,
    get isOpen() {
      return state === "open";
    },
  };
}
