// Two weft-runtime adapters over an in-memory bridge, with the real
// @remote-ui/rpc and no weft host in between (the "plain" setting).
// Run: cd tests/remote && node --test node/
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createEndpoint } from "@remote-ui/rpc";
import { PROTOCOL_VERSION, eachSession, fromDesktopIpc } from "weft-runtime";
import { bridgePair, settle } from "./bridge.mjs";

const CH = "vue-remote:rpc";

for (const sync of [false, true]) {
  describe(`plain setting, ${sync ? "synchronous" : "asynchronous"} bridge`, () => {
    test("calls a function the other side exposes, with a callback across", async () => {
      const [a, b] = bridgePair({ sync });
      const host = createEndpoint(fromDesktopIpc(a, CH));
      const plugin = createEndpoint(fromDesktopIpc(b, CH));
      plugin.expose({
        async run(callback, x) {
          return { got: await callback(x * 2), protocol: PROTOCOL_VERSION };
        },
      });
      host.expose({ twice: (s) => s + s });
      assert.deepEqual(await host.call.run((v) => `host saw ${v}`, 21), { got: "host saw 42", protocol: 1 });
      assert.equal(await plugin.call.twice("ab"), "abab");
    });

    test("both sides open with the same session id", async () => {
      const [a, b] = bridgePair({ sync });
      const one = fromDesktopIpc(a, CH);
      const two = fromDesktopIpc(b, CH);
      const [id1, id2] = await Promise.all([one.ready, two.ready]);
      assert.equal(id1, id2);
      assert.match(id1, /^peer:/);
      assert.ok(one.isOpen && two.isOpen);
    });

    test("messages posted before open arrive in order", async () => {
      const [a, b] = bridgePair({ sync });
      const early = fromDesktopIpc(a, CH);
      for (let i = 0; i < 5; i += 1) early.postMessage([9, i]);
      assert.equal(early.isOpen, false);
      await settle(); // its hello was lost: nobody listened on b yet
      const late = fromDesktopIpc(b, CH);
      const got = [];
      late.addEventListener("message", (event) => got.push(event.data));
      for (let i = 5; i < 8; i += 1) late.postMessage([8, i]);
      const heard = [];
      early.addEventListener("message", (event) => heard.push(event.data));
      await Promise.all([early.ready, late.ready]);
      await settle();
      assert.deepEqual(got, [0, 1, 2, 3, 4].map((i) => [9, i]));
      assert.deepEqual(heard, [5, 6, 7].map((i) => [8, i]));
    });

    test("the late starter: one side starts, the other much later", async () => {
      const [a, b] = bridgePair({ sync });
      const first = createEndpoint(fromDesktopIpc(a, CH));
      first.expose({ hi: (name) => `hi ${name}` });
      const pending = first.call.whoAreYou();
      await settle();
      const second = createEndpoint(fromDesktopIpc(b, CH));
      second.expose({ whoAreYou: () => "the late one" });
      assert.equal(await pending, "the late one");
      assert.equal(await second.call.hi("late"), "hi late");
    });

    for (const order of ["together", "late"]) {
      test(`a version mismatch is refused on both sides (${order})`, async () => {
        const [a, b] = bridgePair({ sync });
        const errors = silenceErrors();
        try {
          const one = fromDesktopIpc(a, CH);
          if (order === "late") await settle();
          const two = fromDesktopIpc(b, CH, { protocol: 99 });
          const reasons = await Promise.all([one.closed, two.closed]);
          for (const reason of reasons) assert.match(reason, /^refused: the peer speaks protocol (99|1); this side speaks (1|99)$/);
          await assert.rejects(one.ready, /ended before it opened: refused/);
          await assert.rejects(two.ready, /ended before it opened: refused/);
          assert.ok(!one.isOpen && !two.isOpen);
          assert.equal(a.listenerCount(CH) + b.listenerCount(CH), 0);
          assert.ok(errors.length >= 2);
        } finally {
          errors.restore();
        }
      });
    }

    for (const who of ["rpc endpoint", "messenger"]) test(`terminate on one side ends the other (${who})`, async () => {
      const [a, b] = bridgePair({ sync });
      const hostMessenger = fromDesktopIpc(a, CH);
      const pluginMessenger = fromDesktopIpc(b, CH);
      const host = createEndpoint(hostMessenger);
      const plugin = createEndpoint(pluginMessenger);
      plugin.expose({ ping: () => "pong" });
      assert.equal(await host.call.ping(), "pong");
      if (who === "messenger") hostMessenger.terminate(); // no rpc TERMINATE: the adapter tells the peer
      else host.terminate();
      assert.equal(await pluginMessenger.closed, "the peer terminated");
      assert.equal(await hostMessenger.closed, "terminated");
      assert.equal(pluginMessenger.isOpen, false);
      assert.equal(a.listenerCount(CH) + b.listenerCount(CH), 0);
      // The peer's rpc endpoint is terminated: its calls go nowhere.
      await assert.rejects(plugin.call.anything(), /terminated/);
    });

    test("eachSession re-pairs across 3 peer restarts, a fresh rpc endpoint each time", async () => {
      const [a, b] = bridgePair({ sync });
      const seen = [];
      const cleanups = [];
      const loop = eachSession(a, CH, (messenger) => {
        const rpc = createEndpoint(messenger);
        const n = seen.length;
        seen.push(rpc);
        rpc.expose({ whoami: () => `host session ${n}` });
        return (reason) => cleanups.push([n, reason]);
      });
      for (let round = 0; round < 3; round += 1) {
        const messenger = fromDesktopIpc(b, CH);
        const plugin = createEndpoint(messenger);
        assert.equal(await plugin.call.whoami(), `host session ${round}`);
        plugin.terminate(); // the plugin stops
        await messenger.closed;
        await settle();
      }
      assert.equal(loop.sessions, 4); // one per plugin run, and one waiting for the next
      assert.equal(new Set(seen).size, 4);
      assert.deepEqual(cleanups, [0, 1, 2].map((n) => [n, "the peer terminated"]));
      loop.stop();
      await settle();
      assert.equal(loop.sessions, 4);
      assert.equal(a.listenerCount(CH), 0);
    });

    test("eachSession re-pairs when the peer crashes and restarts without a word", async () => {
      const [a, b] = bridgePair({ sync });
      const reasons = [];
      const loop = eachSession(a, CH, (messenger) => {
        createEndpoint(messenger).expose({ ok: () => true });
        return (reason) => reasons.push(reason);
      });
      for (let round = 0; round < 3; round += 1) {
        const plugin = createEndpoint(fromDesktopIpc(b, CH));
        assert.equal(await plugin.call.ok(), true);
        b.reset(); // a crash: the page's listeners are gone, nobody said terminate
      }
      const last = createEndpoint(fromDesktopIpc(b, CH));
      assert.equal(await last.call.ok(), true);
      assert.deepEqual(reasons, Array(3).fill("the peer adapter restarted"));
      assert.equal(loop.sessions, 4);
      loop.stop();
    });

    test("eachSession does not loop after a refusal, and pairs with a matching peer later", async () => {
      const [a, b] = bridgePair({ sync });
      const errors = silenceErrors();
      try {
        const loop = eachSession(a, CH, () => {});
        const old = eachSession(b, CH, () => {}, { protocol: 0 });
        await settle(50);
        // Each side was refused once and now waits quietly for the other to speak.
        assert.deepEqual([loop.sessions, old.sessions], [2, 2]);
        old.stop();
        b.reset();
        const fixed = fromDesktopIpc(b, CH);
        assert.match(await fixed.ready, /^peer:/);
        assert.equal(loop.sessions, 2);
        loop.stop();
      } finally {
        errors.restore();
      }
    });
  });
}

test("eachSession's stop() ends the waiting endpoint before any peer came", async () => {
  const [a] = bridgePair();
  let endpoint;
  const loop = eachSession(a, CH, (messenger) => { endpoint = messenger; });
  endpoint.postMessage([1]);
  loop.stop();
  assert.equal(await endpoint.closed, "terminated");
  await settle();
  assert.equal(loop.sessions, 1);
  assert.equal(a.listenerCount(CH), 0);
});

function silenceErrors() {
  const original = console.error;
  const errors = [];
  console.error = (...args) => errors.push(args.join(" "));
  errors.restore = () => { console.error = original; };
  return errors;
}
