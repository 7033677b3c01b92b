"""The bulk lane: bytes ↔ Uint8Array and long messages, both ways, in order,
against real pages (the format is in host/weft/ipc/bulk.py)."""

from __future__ import annotations

import asyncio
import weakref
import hashlib
from typing import Any

import pytest

import weft
from weft.ipc.bulk import LONG_TEXT, THRESHOLD
from weft import plugins
from tests.conftest import in_page, next_event, open_page, plugin_eval, until, write_plugin

# A page-side helper: a Uint8Array of n bytes, byte i = (i * 7 + seed) % 251.
PATTERN = """
const pattern = (n, seed = 0) => { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = (i * 7 + seed) % 251; return a; };
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
"""


def pattern(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + seed) % 251 for i in range(n))


def test_page_binary_reaches_python_as_bytes_in_nested_payloads(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        events = runtime.channel_events("bin")
        win = await open_page(runtime, "<p>bin</p>")
        outcome = await in_page(runtime, win, PATTERN + """
            runtime.send("bin", pattern(5));
            runtime.send("bin", {name: "pic", data: pattern(3, 1), list: [1, pattern(0), new Uint16Array([1, 2]).buffer]});
            runtime.send("bin", [new DataView(pattern(4, 2).buffer, 1, 2), null]);
        """)
        assert outcome["ok"], outcome
        assert (await next_event(events)).payload == pattern(5)
        assert (await next_event(events)).payload == {
            "name": "pic", "data": pattern(3, 1), "list": [1, b"", bytes([1, 0, 2, 0])],
        }
        assert (await next_event(events)).payload == [pattern(4, 2)[1:3], None]

    arun(main())


def test_python_bytes_reach_the_page_as_uint8array(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>bin</p>")
        await win.evaluate("""window.got = []; runtime.on("bin", (p) => window.got.push(p)); null""")
        await runtime.send_to_window(win.id, "bin", {"a": b"\x00\x01\xff", "b": [bytearray(b"xy"), memoryview(b"z")]})
        await runtime.send_to_window(win.id, "bin", b"")
        outcome = await in_page(runtime, win, """
            while (window.got.length < 2) await new Promise((r) => setTimeout(r, 5));
            const [first, second] = window.got;
            return [first.a instanceof Uint8Array, Array.from(first.a), Array.from(first.b[0]), Array.from(first.b[1]),
                    second instanceof Uint8Array, second.length];
        """)
        assert outcome["value"] == [True, [0, 1, 255], [120, 121], [122], True, 0]

    arun(main())


def test_invoke_both_ways_echoes_binary(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        runtime.handle("digest", lambda payload, _w: {"sha": hashlib.sha256(payload["data"]).hexdigest(),
                                                      "back": payload["data"][::-1]})
        win = await open_page(runtime, "<p>bin</p>")
        outcome = await in_page(runtime, win, PATTERN + """
            const answer = await runtime.invoke("digest", {data: pattern(100000)});
            runtime.handle("reverse", (data) => data.slice().reverse());
            const expected = pattern(100000).reverse();
            return [answer.sha, same(answer.back, expected)];
        """)
        assert outcome["value"] == [hashlib.sha256(pattern(100000)).hexdigest(), True]
        reversed_ = await runtime.invoke(win.id, "reverse", pattern(70000, 3))
        assert reversed_ == pattern(70000, 3)[::-1]

    arun(main())


def test_long_strings_take_the_lane_both_ways_and_arrive_whole(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        text = "é" + "x" * (THRESHOLD * 3) + "✓"
        runtime.handle("length", lambda payload, _w: [len(payload), payload[:1], payload[-1:]])
        runtime.handle("long", lambda payload, _w: text)
        win = await open_page(runtime, "<p>long</p>")
        outcome = await in_page(runtime, win, f"""
            const text = "é" + "x".repeat({THRESHOLD * 3}) + "✓";
            const back = await runtime.invoke("long");
            return [await runtime.invoke("length", text), back === text];
        """)
        assert outcome["value"] == [[len(text), "é", "✓"], True]

    arun(main())


def test_order_holds_across_lanes_from_the_page(runtime: weft.Runtime, arun: Any) -> None:
    """Small messages sent right after a big one wait for it."""
    async def main() -> None:
        events = runtime.channel_events("mixed")
        win = await open_page(runtime, "<p>order</p>")
        outcome = await in_page(runtime, win, PATTERN + """
            for (let i = 0; i < 60; i++) {
              if (i % 10 === 3) runtime.send("mixed", {i, data: pattern(300000 + i)});
              else if (i % 10 === 7) runtime.send("mixed", {i, text: "y".repeat(400000)});
              else runtime.send("mixed", {i});
            }
        """)
        assert outcome["ok"], outcome
        seen = [(await next_event(events, timeout=20)).payload for _ in range(60)]
        assert [p["i"] for p in seen] == list(range(60))
        assert all(p["data"] == pattern(300000 + p["i"]) for p in seen if "data" in p)

    arun(main())


def test_order_holds_across_lanes_to_the_page(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>order</p>")
        await win.evaluate("""window.order = []; runtime.on("mixed", (p) => window.order.push(
            [p.i, p.data ? p.data.length : p.text ? p.text.length : 0])); null""")
        expected = []
        for i in range(60):
            if i % 10 == 3:
                payload: dict[str, Any] = {"i": i, "data": pattern(200000 + i)}
                size = 200000 + i
            elif i % 10 == 7:
                payload, size = {"i": i, "text": "y" * 400000}, 400000
            else:
                payload, size = {"i": i}, 0
            expected.append([i, size])
            await runtime.send_to_window(win.id, "mixed", payload)
        outcome = await in_page(runtime, win, """
            while (window.order.length < 60) await new Promise((r) => setTimeout(r, 5));
            return window.order;
        """, timeout=20)
        assert outcome["value"] == expected

    arun(main())


def test_broadcast_of_bytes_reaches_every_window(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        wins = [await open_page(runtime, "<p>fan</p>") for _ in range(3)]
        for win in wins:
            await win.evaluate("""runtime.on("fan", (p) => { window.fan = Array.from(p.slice(0, 3)).concat(p.length); }); null""")
        result = await runtime.broadcast([w.id for w in wins], "fan", bytes([9, 8, 7]) * 1000)
        assert result.ok
        for win in wins:
            assert await win_value(win, "window.fan") == [9, 8, 7, 3000]

    arun(main())


async def win_value(win: weft.Window, expression: str, timeout: float = 10.0) -> Any:
    async with asyncio.timeout(timeout):
        while (value := await win.evaluate(expression)) is None:
            await asyncio.sleep(0.01)
    return value


def test_a_slow_listener_holds_what_its_byte_bound_allows_of_a_page_s_large_messages(
    arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A page's messages may each be up to max_bulk_bytes; an app that reads
    slowly held every one of them (a plugin pinned 1.6 GiB with 30 x 32 MiB
    to a listener taking 2 s each). Its backlog keeps max_backlog_bytes."""
    mib = 1024 * 1024

    async def main() -> None:
        rt = weft.Runtime(limits=weft.ipc.Limits(max_backlog_bytes=20 * mib))
        with rt.activated():
            try:
                release = asyncio.Event()
                sizes: list[int] = []

                async def slow(payload: Any, window_id: str) -> None:
                    await release.wait()
                    sizes.append(len(payload))

                rt.on_channel("blob", slow)
                done = rt.channel_events("sent")
                win = await open_page(rt, "<p>blobs</p>")
                await win.evaluate("""(async () => {
                    for (let i = 0; i < 10; i++) runtime.send("blob", new Uint8Array(8 * 1024 * 1024).fill(i));
                    runtime.send("sent", 10);
                })(); 1""")
                await next_event(done, 30)
                await until(lambda: rt.router.hub.dropped == 6, 30)
                release.set()
                # The running one, the first waiting (kept whatever its size), then 16 MiB behind it.
                await until(lambda: len(sizes) == 4)
                assert sizes == [8 * mib] * 4 and rt.router.hub.dropped == 6
            finally:
                await rt.shutdown()

    with caplog.at_level("ERROR", logger="weft.ipc"):
        arun(main(), timeout=90)
    assert "is 20,971,520 bytes behind; dropped an event on 'blob'" in caplog.text


def test_upload_over_the_limit_fails_the_call_and_nothing_else(arun: Any) -> None:
    async def main() -> None:
        rt = weft.Runtime(limits=weft.ipc.Limits(max_bulk_bytes=100_000))
        with rt.activated():
            try:
                events = rt.channel_events("after")
                win = await open_page(rt, "<p>limit</p>")
                outcome = await in_page(rt, win, PATTERN + """
                    try { await runtime.invoke("nobody", pattern(200000)); return "sent"; }
                    catch (err) { runtime.send("after", "still works"); return [err.name, err.message]; }
                """)
                name, message = outcome["value"]
                assert name == "PayloadError" and "over the limit of 100000" in message
                assert (await next_event(events)).payload == "still works"
                # Python's bodies have the same limit: the send fails, a handler's
                # answer becomes the page's PayloadError, and the page goes on.
                with pytest.raises(weft.PayloadError, match="over the limit of 100,000"):
                    await rt.send_to_window(win.id, "big", bytes(200_000))
                rt.handle("big", lambda payload, _w: bytes(200_000))
                rt.handle("small", lambda payload, _w: payload)
                outcome = await in_page(rt, win, """
                    try { await runtime.invoke("big"); return "answered"; }
                    catch (err) { return [err.name, err.message, Array.from(await runtime.invoke("small", new Uint8Array([7])))]; }
                """)
                name, message, small = outcome["value"]
                assert name == "PayloadError" and "over the limit of 100,000" in message and small == [7]
            finally:
                await rt.shutdown()

    arun(main())


def test_plugin_pages_have_the_lane_too(runtime: weft.Runtime, arun: Any, tmp_path: Any) -> None:
    """...as requests only: a plugin's request lock has no hole for a
    loopback port, so its store offers no socket (the socket lane is app
    pages'), and its bodies still move, body after body."""
    async def main() -> None:
        folder = write_plugin(tmp_path, "binplug", "<p>plugin</p>", send=["up"], receive=["down"])
        plugin = await plugins.load(folder)
        events = runtime.channel_events("up")
        await plugin.start()
        await plugin.wait_ready()
        await plugin_eval(plugin, """runtime.on("down", (p) => runtime.send("up", p.slice().reverse())); null""")
        for _ in range(3):
            await runtime.send_to_window(plugin.window_id, "down", b"abc" * 100000)
            assert (await next_event(events)).payload == (b"abc" * 100000)[::-1]
        lane = runtime.router._peers[plugin.window_id].lane
        assert lane._store._server is None and lane._store.connection_for(lane.key) is None
        await plugin.stop()

    arun(main(), timeout=60)


def test_long_strings_inside_payloads_keep_every_character(runtime: weft.Runtime, arun: Any) -> None:
    """Long strings travel as UTF-8 parts: a BOM, astral characters and
    strings beside binary values and ordinary fields come back intact."""
    async def main() -> None:
        runtime.handle("mirror", lambda payload, _w: payload)
        win = await open_page(runtime, "<p>text</p>")
        outcome = await in_page(runtime, win, """
            const long = "\\ufeff" + "😀é\\u0000\\"\\\\".repeat(30000) + "end";
            const sent = {long, list: [long, "short", new Uint8Array([1, 2])], n: 1};
            const back = await runtime.invoke("mirror", sent);
            return [back.long === long, back.list[0] === long, back.list[1], Array.from(back.list[2]), back.n];
        """)
        assert outcome["value"] == [True, True, "short", [1, 2], 1]
        long = "\ufeff" + "😀é\x00\"\\" * 30000 + "end"
        await win.evaluate("""runtime.handle("mirror", (p) => p); null""")
        back = await runtime.invoke(win.id, "mirror", {"long": long, "list": [long, b"\x03"]})
        assert back == {"long": long, "list": [long, b"\x03"]}

    arun(main())


def test_lone_surrogates_arrive_as_sent_on_the_lane_both_ways(runtime: weft.Runtime, arun: Any) -> None:
    """What os.listdir gives for an undecodable file name (surrogateescape)
    beside bytes, and a long string holding one, which UTF-8 cannot carry:
    both stay in the JSON, escaped, instead of turning into U+FFFD."""
    name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")
    long = "ab\ud800" + "x" * LONG_TEXT

    async def main() -> None:
        runtime.handle("mirror", lambda payload, _w: payload)
        win = await open_page(runtime, "<p>text</p>")
        await win.evaluate("""runtime.handle("mirror", (p) => p); null""")
        sent = {"name": name, "thumb": b"\x89PNG", "long": long, "longs": [long, b"\x01"]}
        assert await runtime.invoke(win.id, "mirror", sent) == sent
        outcome = await in_page(runtime, win, f"""
            const long = "ab\\ud800" + "x".repeat({LONG_TEXT});
            const sent = {{name: "caf\\udce9.txt", thumb: new Uint8Array([137]), long, longs: [long, "\\udc00"]}};
            const back = await runtime.invoke("mirror", sent);
            return [back.name === sent.name, back.long === long, back.longs[0] === long, back.longs[1] === "\\udc00"];
        """)
        assert outcome["value"] == [True, True, True, True]

    arun(main())


def test_page_script_cannot_store_bodies_itself(runtime: weft.Runtime, arun: Any) -> None:
    """Only the runtime (which holds the key) stores bodies, always as one
    ArrayBuffer: a Blob could reach Qt as a data pipe, which Qt reads by
    spinning on the main thread. Such a body is refused unread."""
    async def main() -> None:
        win = await open_page(runtime, "<p>forge</p>")
        outcome = await in_page(runtime, win, """
            const token = crypto.randomUUID();
            const tries = [
              fetch(`/.weft/bulk/${token}?n=3`, {method: "POST", body: new Blob(["abc"])}),
              fetch(`/.weft/bulk/${token}?n=3`, {method: "POST", body: "abc", headers: {"x-weft-bulk": "guess"}}),
            ];
            const results = await Promise.allSettled(tries);
            const echoed = await runtime.invoke("echo-bytes", new Uint8Array([1, 2, 3]));
            return [results.map((r) => r.status === "rejected" || !r.value.ok), Array.from(echoed)];
        """)
        assert outcome["value"] == [[True, True], [1, 2, 3]]

    runtime.handle("echo-bytes", lambda payload, _w: payload)
    arun(main())


# -- the chunk protocol's limits (host/weft/ipc/bulk.py Assembly) -------------

# Page script that stores chunks as weft's runtime would, with the key the
# test hands it: each request is [token, query, size]; resolves with whether
# the host took each one (in order, one at a time).
STORE_CHUNKS = """
const key = %s;
const took = [];
for (const [token, query, size] of %s) {
  const response = await fetch(`/.weft/bulk/${token}?${query}`,
    {method: "POST", body: new Uint8Array(size).fill(7), headers: {"x-weft-bulk": key}}).catch(() => null);
  took.push(response !== null && response.ok);
}
return took;
"""


def _lane(rt: weft.Runtime, win: weft.Window) -> Any:
    return rt.router._peers[win.id].lane


async def _store_chunks(rt: weft.Runtime, win: weft.Window, requests: list[tuple[str, str, int]]) -> list[bool]:
    import json
    outcome = await in_page(rt, win, STORE_CHUNKS % (json.dumps(_lane(rt, win).key), json.dumps(requests)))
    assert outcome["ok"], outcome
    return outcome["value"]


def test_each_chunk_must_fit_the_body_its_first_chunk_declared(arun: Any) -> None:
    """The total is declared up front and enforced, the chunk count and each
    chunk's size follow from it, a chunk comes once, and a chunk declaring
    another body than its token's first is refused."""
    from weft.ipc.bulk import CHUNK

    async def main() -> None:
        rt = weft.Runtime(limits=weft.ipc.Limits(max_bulk_bytes=3 * CHUNK))
        with rt.activated():
            try:
                win = await open_page(rt, "<p>chunks</p>")
                big = f"n={2 * CHUNK + 10}&s=10,{2 * CHUNK}"
                took = await _store_chunks(rt, win, [
                    ("a" * 20, f"n={3 * CHUNK + 1}&s={3 * CHUNK + 1}&c=0", CHUNK),  # over the limit
                    ("b" * 20, "n=10&s=4,5&c=0", 10),            # segments do not add up
                    ("c" * 20, "n=10&s=10&c=1", 10),             # a 10-byte body has one chunk
                    ("d" * 20, "n=10&s=10&c=0", 9),              # short chunk
                    ("e" * 20, "n=10&s=10&c=0", 11),             # long chunk
                    ("f" * 20, big + "&c=0", CHUNK),             # fine: chunk 0 of 3
                    ("f" * 20, big + "&c=0", CHUNK),             # chunk 0 again
                    ("f" * 20, f"n={2 * CHUNK + 10}&s={2 * CHUNK + 10}&c=1", CHUNK),  # another body
                    ("g" * 20, f"n={CHUNK}&s={CHUNK}&c=0", CHUNK),  # over what may wait with f's reserved
                    ("f" * 20, big + "&c=2", 10),                # fine
                    ("f" * 20, big + "&c=1", CHUNK),             # fine: f is complete
                    ("h" * 20, "n=10&s=10", 10),                 # no chunk index
                ])
                assert took == [False, False, False, False, False, True, False, False, False, True, True, False]
                body = _lane(rt, win).claim("f" * 20)
                assert [len(segment) for segment in body] == [10, 2 * CHUNK] and type(body[1]) is bytes
                assert body[0] == b"\x07" * 10 and body[1].count(7) == 2 * CHUNK
                assert _lane(rt, win).claim("f" * 20) is None  # once
            finally:
                await rt.shutdown()

    arun(main())


def test_a_body_belongs_to_the_page_that_stored_it(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        first = await open_page(runtime, "<p>one</p>")
        second = await open_page(runtime, "<p>two</p>")
        assert _lane(runtime, first)._store is _lane(runtime, second)._store  # one origin, one store
        assert await _store_chunks(runtime, first, [("m" * 20, "n=3&s=3&c=0", 3)]) == [True]
        assert _lane(runtime, second).claim("m" * 20) is None
        assert _lane(runtime, first).claim("m" * 20) == [b"\x07\x07\x07"]

    arun(main())


def test_too_many_bodies_at_once_are_refused(runtime: weft.Runtime, arun: Any, monkeypatch: Any) -> None:
    from weft.webengine import bulk as lane_module

    monkeypatch.setattr(lane_module, "MAX_BODIES", 2)

    async def main() -> None:
        win = await open_page(runtime, "<p>many</p>")
        took = await _store_chunks(runtime, win, [(c * 20, "n=1&s=1&c=0", 1) for c in "pqr"])
        assert took == [True, True, False]

    arun(main())



def test_a_body_whose_chunks_stop_coming_is_dropped_and_its_memory_freed(runtime: weft.Runtime, arun: Any) -> None:
    """...after incomplete_seconds without a chunk; a complete one nobody
    claims after unclaimed_seconds. Both by the store's own timer: no
    later request is needed to notice."""
    from weft.ipc.bulk import CHUNK

    async def main() -> None:
        win = await open_page(runtime, "<p>stalled</p>")
        store = _lane(runtime, win)._store
        store.incomplete_seconds = 0.3
        store.unclaimed_seconds = 0.6
        assert await _store_chunks(runtime, win, [("s" * 20, f"n={CHUNK + 1}&s={CHUNK + 1}&c=0", CHUNK),
                                                  ("u" * 20, "n=2&s=2&c=0", 2)]) == [True, True]
        assert store.waiting_bytes() == CHUNK + 3
        stalled = weakref.ref(store._uploads["s" * 20].assembly)  # holds the body's bytes, and only it
        await until(lambda: store.waiting_bytes() == 2)  # the stalled one went first
        assert store.claim("s" * 20, _lane(runtime, win).key) is None
        await until(lambda: store.waiting_bytes() == 0)
        assert stalled() is None and store._uploads == {}

    arun(main())
