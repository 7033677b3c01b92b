// An in-memory DesktopBridge pair for the Node tests: what one end sends on
// a channel reaches the listeners the other end has at delivery time (a
// message sent while nobody listens is lost, as over a real bridge).
// `sync: false` delivers on a later turn of the event loop, in order;
// `sync: true` at once, within send().

export function bridgePair({ sync = false } = {}) {
  const ends = [makeEnd(), makeEnd()];
  const [a, b] = ends;
  a.peer = b;
  b.peer = a;
  return [a, b];

  function makeEnd() {
    const listeners = new Map(); // channel → Set of listeners
    const end = {
      peer: null,
      sent: [],
      send(channel, payload) {
        end.sent.push(payload);
        // A structured clone, as a real bridge copies what crosses it.
        const copy = payload === undefined ? undefined : structuredClone(payload);
        const to = end.peer;
        if (sync) to.dispatch(channel, copy);
        else setImmediate(() => to.dispatch(channel, copy));
      },
      on(channel, listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel).add(listener);
      },
      off(channel, listener) {
        listeners.get(channel)?.delete(listener);
      },
      dispatch(channel, payload) {
        for (const listener of [...(listeners.get(channel) ?? [])]) listener(payload);
      },
      /** Drop every listener, as a page that reloads or crashes does. */
      reset() {
        listeners.clear();
      },
      listenerCount(channel) {
        return listeners.get(channel)?.size ?? 0;
      },
    };
    return end;
  }
}

/** Let pending microtasks and callbacks run (turns of the event loop, not time). */
export async function settle(turns = 20) {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
