// weft-runtime: a MessageEndpoint for @remote-ui/rpc and @omnicajs/vue-remote
// over any DesktopBridge (send/on/off/close?), such as weft's window.runtime.
//
//   import { createEndpoint } from "@remote-ui/rpc";
//   import { fromDesktopIpc } from "weft-runtime";
//   const endpoint = createEndpoint(fromDesktopIpc(window.runtime, "vue-remote:rpc"));
//
// Besides @remote-ui/rpc's own messages, the channel carries small control
// objects, {"$weft": kind, ...}. README.md states the protocol in full.
//
// Router setting: Python's weft.remote pairs two pages and routes the
// channel between them; it answers this adapter, never forwarding a hello:
//   hello {protocol, id}    adapter → host: here I am, speaking this version
//   probe                   host → adapter: a session opened; say hello
//   open {session}          host → adapter: both sides agreed; messages flow
//   refused {reason}        host → adapter: the versions do not match
//   terminate               adapter → host: this side terminated
//   closed {reason}         host → adapter: the other side went away
// Plain setting: two adapters joined by a bridge with nothing in between.
// Receiving a hello means a peer adapter sent it; the two agree themselves:
//   hello {protocol, id, reply?}  peer → peer; a match opens, and a hello
//                                 that is not a reply is answered with one
//                                 (so a side whose hello nobody heard opens)
//   refused {reason}              peer → peer: versions differ; both end
//   terminate                     peer → peer: that side ended; so does this
// Messages posted before the session opens wait here, never lost.

export { OPTIONAL_ELEMENTS, RemoteRefusal, SAFE_ELEMENTS, SAFE_METHODS, guardReceiver } from "./guard.js";

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

function randomId() {
  const crypto = globalThis.crypto;
  if (crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

/**
 * A MessageEndpoint (postMessage, addEventListener("message"),
 * removeEventListener, terminate) over `bridge` on `channel`.
 *
 * Extra members: `ready` (a Promise that resolves with the session id once
 * the session opened, and rejects if it was refused or ended first),
 * `closed` (a Promise that resolves with the reason once either side ended
 * the session) and `isOpen`.
 */
export function fromDesktopIpc(bridge, channel = "vue-remote:rpc", { protocol = PROTOCOL_VERSION } = {}) {
  return createSession(bridge, channel, protocol, { greet: true, ownsBridge: true });
}

// `greet: false` waits for the other side to speak first (a probe or a
// peer's hello): eachSession's endpoint after a refusal, so two sides that
// cannot agree do not refuse each other over and over. `ownsBridge`:
// terminate() closes the bridge (not in eachSession, whose bridge outlives
// its sessions).
function createSession(bridge, channel, protocol, { greet, ownsBridge }) {
  const listeners = new Set();
  const id = randomId();
  let state = "waiting"; // waiting → open → closed
  let peerId = null; // plain setting: the peer adapter's hello id
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

  function hello(fields = {}) {
    bridge.send(channel, { [CONTROL]: "hello", protocol, id, ...fields });
  }

  // `reply`: answer a peer's hello after this side is open (a bridge that
  // delivers at once may bring the peer's held messages in that call) and
  // before our held messages, so the peer is open when they arrive.
  function open(session, { reply = false } = {}) {
    state = "open";
    if (reply) hello({ reply: true });
    for (const data of held) bridge.send(channel, data);
    held = [];
    settleReady(session);
  }

  function end(reason, { tell = null, byOther = true } = {}) {
    if (state === "closed") return;
    const wasOpen = state === "open";
    state = "closed";
    held = [];
    if (tell !== null) bridge.send(channel, tell);
    bridge.off(channel, onPayload);
    // The other side is gone: terminate our side's rpc endpoint as if the
    // peer had sent TERMINATE itself.
    if (wasOpen && byOther) deliver([RPC_TERMINATE]);
    if (!wasOpen) failReady(new Error(`weft session on "${channel}" ended before it opened: ${reason}`));
    settleClosed(reason);
  }

  // `to`: the id of the peer hello being refused (plain setting only).
  function refused(reason, { to = null } = {}) {
    if (state === "closed") return; // both sides refused: the second refusal finds this side ended
    console.error(`weft: session on "${channel}" refused: ${reason}`);
    end(`refused: ${reason}`, { tell: to === null ? null : { [CONTROL]: "refused", reason, to } });
  }

  // Plain setting only: weft's router answers a hello, never forwards one.
  function onPeerHello(message) {
    if (message.id === id) return; // a bridge that echoes our own hello
    if (state === "open") {
      // The same peer (its reply, or its hello crossing ours) is harmless;
      // a new peer's first hello means the old one went away unannounced.
      if (message.id !== peerId && !message.reply) end("the peer adapter restarted");
      return;
    }
    if (state !== "waiting") return;
    if (message.protocol !== protocol) {
      refused(`the peer speaks protocol ${JSON.stringify(message.protocol)}; this side speaks ${protocol}`,
        { to: message.id });
      return;
    }
    peerId = String(message.id);
    open(`peer:${[id, peerId].sort().join(":")}`, { reply: !message.reply });
  }

  function onControl(message) {
    switch (message[CONTROL]) {
      case "probe":
        if (state === "waiting") hello();
        break;
      case "hello":
        onPeerHello(message);
        break;
      case "open":
        if (state === "waiting") open(message.session);
        break;
      case "refused":
        // The router's refusal has no `to`; a peer's names the hello it
        // refused, so a stale one cannot end a newer endpoint.
        if (message.to === undefined || message.to === id) refused(String(message.reason));
        break;
      case "closed":
        end(String(message.reason));
        break;
      case "terminate":
        // Only from the peer this side opened with: a stale one is not ours.
        if (state === "open" && message.id === peerId) end("the peer terminated");
        break;
    }
  }

  function onPayload(payload) {
    if (isControl(payload)) onControl(payload);
    else if (state === "open") deliver(payload);
  }

  bridge.on(channel, onPayload);
  // On a later turn: over a bridge that delivers at once, the answer (and
  // the peer's held messages) must not come before our caller has attached
  // its listeners to the endpoint this function returns.
  if (greet) queueMicrotask(() => { if (state === "waiting") hello(); });

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
      end("terminated", { tell: state === "closed" ? null : { [CONTROL]: "terminate", id }, byOther: false });
      listeners.clear();
      if (ownsBridge && typeof bridge.close === "function") bridge.close();
    },
    ready,
    closed,
    get isOpen() {
      return state === "open";
    },
  };
}

/**
 * Calls `onSession(endpoint)` with a fresh fromDesktopIpc endpoint now and,
 * each time that endpoint's `closed` resolves, runs the cleanup function
 * `onSession` returned (if any) with the reason, then calls `onSession`
 * again with a new endpoint: one session after another, as the other side
 * restarts. Returns `{ stop(), sessions }`: `stop()` ends the current
 * endpoint and re-pairs no more; `sessions` counts the endpoints handed out.
 */
export function eachSession(bridge, channel, onSession, { protocol = PROTOCOL_VERSION } = {}) {
  let stopped = false;
  let sessions = 0;
  let current = null;

  function next(greet) {
    const endpoint = createSession(bridge, channel, protocol, { greet, ownsBridge: false });
    current = endpoint;
    sessions += 1;
    const cleanup = onSession(endpoint);
    endpoint.closed.then(async (reason) => {
      try {
        if (typeof cleanup === "function") await cleanup(reason);
      } catch (error) {
        console.error(`weft: a session cleanup on "${channel}" failed:`, error);
      }
      // After a refusal, wait for the other side to speak first: a retry
      // with the same version would only be refused again.
      if (!stopped) next(!reason.startsWith("refused: "));
    });
  }

  next(true);
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      current.terminate();
    },
    get sessions() {
      return sessions;
    },
  };
}
