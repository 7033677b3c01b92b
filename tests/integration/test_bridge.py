"""window.runtime against real offscreen QtWebEngine pages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import weft
from tests.conftest import in_page, next_event, open_page

PROBE = """<script>
runtime.send("probe", {
  type: typeof window.runtime,
  keys: Object.keys(window.runtime).sort(),
  qt: typeof qt,
  transport: typeof window.QWebChannel,
  windowId: runtime.windowId,
});
for (let i = 0; i < 200; i++) runtime.send("early", i);
</script>"""


def test_runtime_is_there_from_the_first_line_and_early_calls_are_kept(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        probes = runtime.channel_events("probe")
        early = runtime.channel_events("early")
        win = await runtime.create_window(title="probe", width=300, height=200, html=PROBE, id="probe-window")
        probe = (await next_event(probes)).payload
        assert probe == {
            "type": "object",
            "keys": ["errors", "handle", "invoke", "off", "on", "once", "send", "windowId"],
            "qt": "undefined",  # the transport lives in the isolated world
            "transport": "undefined",
            "windowId": "probe-window",
        }
        assert [(await next_event(early)).payload for _ in range(200)] == list(range(200))
        assert win.id == "probe-window"

    arun(main())


def test_runtime_cannot_be_replaced_or_changed(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        outcome = await in_page(runtime, win, """
            const before = window.runtime;
            try { window.runtime = {}; } catch (e) {}
            try { delete window.runtime; } catch (e) {}
            try { runtime.send = () => {}; } catch (e) {}
            return [window.runtime === before, Object.isFrozen(runtime), typeof runtime.send];
        """)
        assert outcome == {"id": outcome["id"], "ok": True, "value": [True, True, "function"]}

    arun(main())


def test_send_reaches_every_kind_of_subscriber_in_order(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        heard_cb: list[Any] = []
        heard_events: list[weft.IpcEvent] = []
        heard_async: list[Any] = []

        async def async_cb(payload: Any, window_id: str) -> None:
            await asyncio.sleep(0)
            heard_async.append(payload)

        runtime.on_channel("n", lambda payload, window_id: heard_cb.append((payload, window_id)))
        runtime.on_channel("n", async_cb)
        runtime.on_event(heard_events.append)
        all_events = runtime.window_events()
        win = await open_page(runtime, "<p>x</p>")
        for_win = runtime.window_events_for(win.id)
        on_n = runtime.channel_events("n")
        first = asyncio.ensure_future(runtime.recv_window_event())  # starts the inbox ...
        await asyncio.sleep(0)  # ... now, before the page sends (else, on a busy machine, after)
        await in_page(runtime, win, "for (let i = 0; i < 1000; i++) runtime.send('n', i);")
        received = [await first]
        while len([e for e in received if e.channel == "n"]) < 2:
            received.append(await runtime.recv_window_event())
        assert [e.payload for e in received if e.channel == "n"] == [0, 1]
        for sub in (for_win, on_n):
            assert [(await next_event(sub)).payload for _ in range(1000)] == list(range(1000))
        n_events = [e async for e in _take(all_events, lambda e: e.channel == "n", 1000)]
        assert [e.payload for e in n_events] == list(range(1000))
        assert heard_cb == [(i, win.id) for i in range(1000)]
        assert [e.payload for e in heard_events if e.channel == "n"] == list(range(1000))
        assert all(isinstance(e, weft.IpcEvent) and e.window_id == win.id for e in heard_events)
        async with asyncio.timeout(10):  # the async callbacks run as tasks
            while len(heard_async) < 1000:
                await asyncio.sleep(0.01)
        assert heard_async == list(range(1000))

    arun(main())


async def _take(sub: Any, keep: Any, count: int) -> Any:
    taken = 0
    while taken < count:
        event = await next_event(sub)
        if keep(event):
            taken += 1
            yield event


def test_send_to_window_reaches_on_once_and_not_off(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, """<script>
            const got = {on: [], once: [], off: []};
            const offed = (p) => got.off.push(p);
            runtime.on("msg", (p) => got.on.push(p));
            runtime.once("msg", (p) => got.once.push(p));
            runtime.on("msg", offed);
            runtime.off("msg", offed);
            runtime.on("done", () => runtime.send("got", got));
        </script>""")
        got = runtime.channel_events("got")
        for payload in ({"a": 1}, [1, "two", None], "three", None):
            await runtime.send_to_window(win.id, "msg", payload)
        await runtime.send_to_window(win.id, "done")
        assert (await next_event(got)).payload == {
            "on": [{"a": 1}, [1, "two", None], "three", None], "once": [{"a": 1}], "off": []}
        with pytest.raises(weft.WindowNotFoundError):
            await runtime.send_to_window("nobody", "msg")
        with pytest.raises(weft.PayloadError):
            await runtime.send_to_window(win.id, "msg", {"set": {1, 2}})

    arun(main())


def test_module_level_ipc_acts_on_the_active_runtime(runtime: weft.Runtime, arun: Any) -> None:
    from weft import ipc, window

    async def main() -> None:
        win = await window.create_window(title="t", width=300, height=200, html="""<script>
            runtime.on("ping", (p) => runtime.send("pong", p + 1));</script>""")
        pongs = ipc.channel_events("pong")
        await win.wait_ready()
        await ipc.send_to_window(win.id, "ping", 41)
        assert (await next_event(pongs)).payload == 42
        assert window.windows() == (win,)

    arun(main())


def test_broadcast_reaches_each_window_and_reports_the_rest(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        page = '<script>runtime.on("theme", (t) => runtime.send("applied", t));</script>'
        wins = [await open_page(runtime, page) for _ in range(3)]
        applied = runtime.channel_events("applied")
        result = await runtime.broadcast([w.id for w in wins] + ["ghost"], "theme", {"dark": True})
        assert result.delivered == tuple(w.id for w in wins)
        assert isinstance(result.failed["ghost"], weft.WindowNotFoundError)
        events = [await next_event(applied) for _ in wins]
        assert sorted(e.window_id for e in events) == sorted(w.id for w in wins)
        assert all(e.payload == {"dark": True} for e in events)
        # The channel and the payload swapped: the channel is refused by name, every call alike.
        for call in (runtime.broadcast([wins[0].id], {"dark": True}, "theme"),  # type: ignore[arg-type]
                     runtime.send_to_window(wins[0].id, {"dark": True}, "theme"),  # type: ignore[arg-type]
                     runtime.invoke(wins[0].id, {"dark": True}, "theme")):  # type: ignore[arg-type]
            with pytest.raises(weft.ChannelError, match=r"a channel is a non-empty string, not \{'dark': True\}"):
                await call

    arun(main())


def test_renderer_invoke_gets_python_results_and_typed_errors(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        async def slow_add(payload: Any, window_id: str) -> Any:
            await asyncio.sleep(0)
            return {"sum": payload["a"] + payload["b"], "window": window_id}

        def denied(payload: Any, window_id: str) -> None:
            raise weft.PermissionDeniedError("not for you")

        runtime.handle("add", slow_add)
        runtime.handle("sync", lambda payload, window_id: [payload, "sync"])
        runtime.handle("fails", lambda payload, window_id: int("x"))
        runtime.handle("denied", denied)
        runtime.handle("not-json", lambda payload, window_id: {1, 2})
        win = await open_page(runtime, "<p>x</p>")
        ok = await in_page(runtime, win, """
            return [await runtime.invoke("add", {a: 2, b: 3}), await runtime.invoke("sync", "x")];""")
        assert ok["value"] == [{"sum": 5, "window": win.id}, ["x", "sync"]]
        fails = await in_page(runtime, win, 'await runtime.invoke("fails");')
        assert fails["name"] == "HandlerError" and fails["type"] == "ValueError" and fails["weft"]
        assert "invalid literal" in fails["message"]
        denied_out = await in_page(runtime, win, 'await runtime.invoke("denied");')
        assert (denied_out["name"], denied_out["message"]) == ("PermissionDeniedError", "not for you")
        missing = await in_page(runtime, win, 'await runtime.invoke("missing");')
        assert missing["name"] == "NoHandlerError" and "ipc.handle" in missing["message"]
        bad = await in_page(runtime, win, 'await runtime.invoke("not-json");')
        assert bad["name"] == "PayloadError"
        typed = await in_page(runtime, win, """
            try { await runtime.invoke("denied"); }
            catch (e) { return [e instanceof runtime.errors.PermissionDeniedError, e instanceof Error]; }""")
        assert typed["value"] == [True, True]

    arun(main())


def test_renderer_invoke_timeout_option(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        never = asyncio.Event()

        async def hang(payload: Any, window_id: str) -> None:
            await never.wait()

        runtime.handle("hang", hang)
        win = await open_page(runtime, "<p>x</p>")
        out = await in_page(runtime, win, 'await runtime.invoke("hang", null, {timeout: 50});')
        assert out["name"] == "TimeoutError" and "50 ms" in out["message"]
        # No timeout, however it is said (past setTimeout's longest wait too): the call waits, here
        # past a 20 ms timer of the page's (an overflowed timer fires after 1 ms), until Python answers.
        gate = asyncio.Event()

        async def gated(payload: Any, window_id: str) -> Any:
            await gate.wait()
            return payload

        runtime.handle("gated", gated)
        runtime.handle("open-gate", lambda payload, window_id: gate.set())
        for options in ["{timeout: Infinity}", "{timeout: 3e9}", "{timeout: 2 ** 31}", "{timeout: null}", "{}", "null"]:
            gate.clear()
            out = await in_page(runtime, win, f"""
                const call = runtime.invoke("gated", {options!r}, {options});
                const early = await Promise.race([call.then(() => "answered", (e) => e.name),
                                                  new Promise((r) => setTimeout(() => r("waiting"), 20))]);
                await runtime.invoke("open-gate");
                return [early, await call];""")
            assert out == {**out, "ok": True, "value": ["waiting", options]}, out
        # A bad one is refused at once, and the call is never made.
        calls = []
        runtime.handle("counted", lambda payload, window_id: calls.append(payload))
        for options, error, says in [
            ("{timeout: -1}", "RangeError", "invoke's timeout is a number of ms, 0 or more (or Infinity), not -1"),
            ('{timeout: "abc"}', "RangeError", "not abc"),
            ("{timeout: NaN}", "RangeError", "not NaN"),
            ("200", "TypeError", "invoke's third argument is an options object like {timeout: 5000}, not number"),
        ]:
            out = await in_page(runtime, win, f'await runtime.invoke("counted", 1, {options});')
            assert out["name"] == error and out["message"].endswith(says), (options, out)
        assert (await in_page(runtime, win, 'return await runtime.invoke("counted", 2);'))["ok"]
        assert calls == [2]

    arun(main())


def test_python_invoke_gets_page_results_and_typed_errors(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, """<script>
            runtime.handle("mul", (p) => p.x * p.y);
            runtime.handle("later", async (p) => { await new Promise((r) => setTimeout(r, 5)); return {later: p}; });
            runtime.handle("throws", () => { throw new TypeError("nope"); });
            runtime.handle("rejects", async () => { throw new runtime.errors.PermissionDeniedError("mine"); });
            runtime.handle("nan", () => NaN);
            runtime.handle("never", (p) => { runtime.send("asked", p); return new Promise(() => {}); });
        </script>""")
        asked = runtime.channel_events("asked")
        assert await runtime.invoke(win.id, "mul", {"x": 6, "y": 7}) == 42
        assert await runtime.invoke(win.id, "later", [1]) == {"later": [1]}
        with pytest.raises(weft.HandlerError) as info:
            await runtime.invoke(win.id, "throws")
        assert (info.value.type, str(info.value)) == ("TypeError", "nope")
        with pytest.raises(weft.PermissionDeniedError, match="mine"):
            await runtime.invoke(win.id, "rejects")
        with pytest.raises(weft.PayloadError):
            await runtime.invoke(win.id, "nan")
        with pytest.raises(weft.NoHandlerError):
            await runtime.invoke(win.id, "missing")
        with pytest.raises(TimeoutError):
            await runtime.invoke(win.id, "never", timeout=0.2)
        assert (await next_event(asked)).payload is None  # it timed out while the page held it
        with pytest.raises(weft.WindowNotFoundError):
            await runtime.invoke("ghost", "mul")
        stuck = asyncio.ensure_future(runtime.invoke(win.id, "never", "stuck", timeout=None))
        assert (await next_event(asked)).payload == "stuck"  # the call is out: the page is answering it
        win.reload()
        with pytest.raises(weft.DisconnectedError):
            await stuck
        await win.wait_ready()
        assert await runtime.invoke(win.id, "mul", {"x": 2, "y": 2}) == 4  # the reloaded page

    arun(main())


def test_page_side_checks_payloads_and_channels(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        cases = {
            'runtime.send("a", NaN)': "PayloadError",
            'runtime.send("a", {n: Infinity})': "PayloadError",
            'runtime.send("a", {s: Symbol("s")})': "PayloadError",
            'runtime.send("a", new Map())': "PayloadError",
            'runtime.send("a", {f: () => 1})': "PayloadError",
            'runtime.send("a", 10n)': "PayloadError",
            'const o = {}; o.o = o; runtime.send("a", o)': "PayloadError",
            'runtime.send("close")': "ChannelError",
            'runtime.send("runtime:error")': "ChannelError",
            'runtime.send("")': "ChannelError",
            'await runtime.invoke("resize")': "ChannelError",
            'runtime.handle("h", () => 1); runtime.handle("h", () => 2)': "HandlerExistsError",
        }
        for body, name in cases.items():
            out = await in_page(runtime, win, body)
            assert (out["ok"], out["name"]) == (False, name), body
        out = await in_page(runtime, win, 'runtime.send("")')
        assert out["message"] == 'a channel is a non-empty string, not ""'

    arun(main())


@pytest.mark.parametrize(
    "detail, needle",
    [
        ('"not json"', "not valid JSON"),
        ('"{}"', "JSON array"),
        ('JSON.stringify([{k: "teleport"}])', "unknown frame kind"),
        ('JSON.stringify([{k: "send"}])', "exactly the fields"),
        ('JSON.stringify([{k: "send", c: "close"}])', "reserved"),
        ("'[{\"k\":\"send\",\"c\":\"a\",\"p\":NaN}]'", "NaN"),
        ("'[{\"k\":\"send\",\"c\":\"a\",\"p\":{\"x\":1,\"x\":2}}]'", "duplicate key"),
        ("'[{\"k\":\"send\",\"c\":\"a\",\"p\":{\"__proto__\":{\"admin\":true}}}]'", "__proto__"),
        ("'[{\"k\":\"send\",\"c\":\"a\",\"p\":' + '['.repeat(300) + ']'.repeat(300) + '}]'", "nesting deeper"),
        ('"[" + " ".repeat(3000) + "]"', "over the limit"),
    ],
)
def test_hostile_batches_get_a_clear_error_and_break_nothing(
    detail: str, needle: str, arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    rt = weft.Runtime(limits=weft.ipc.Limits(max_batch_chars=2000))

    async def main() -> None:
        heard: list[weft.IpcEvent] = []
        rt.on_event(heard.append)
        win = await open_page(rt, """<script>
            runtime.on("runtime:error", (e) => runtime.send("saw-error", {name: e.name, message: e.message}));
        </script>""")
        errors = rt.channel_events("saw-error")
        # What a compromised renderer could post (a page script cannot: its
        # runtime's port is private), posted as transport.js posts a batch.
        win._view.page()._bridge.post(await win.evaluate(detail))
        error = (await next_event(errors)).payload
        assert error["name"] == "ProtocolError" and needle in error["message"]
        from_page = [e.channel for e in heard if e.type is None]
        assert from_page == ["saw-error"]  # the hostile batch delivered nothing
        await in_page(rt, win, 'runtime.send("still-works", 1)')
        assert "still-works" in [e.channel for e in heard]

    try:
        arun(main())
    finally:
        arun(rt.shutdown())
    assert needle in caplog.text


def test_forged_frames_cannot_claim_another_identity(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        await open_page(runtime, "<p>a</p>", id="victim")
        attacker = await open_page(runtime, "<p>b</p>", id="attacker")
        events = runtime.channel_events("hello")
        await in_page(runtime, attacker, 'runtime.send("hello", {windowId: "victim", window_id: "victim"})')
        event = await next_event(events)
        assert event.window_id == "attacker"

    arun(main())


def test_messages_sent_while_the_page_loads_reach_listeners_its_scripts_add(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        html = """<script>
            runtime.on("early", (p) => runtime.send("heard", ["inline", p]));
            runtime.handle("who", () => "inline handler");
            document.addEventListener("DOMContentLoaded", () => {
                runtime.on("early", (p) => runtime.send("heard", ["on-ready", p]));
            });
        </script><p>body</p>"""
        heard = runtime.channel_events("heard")
        win = await runtime.create_window(title="t", width=300, height=200, html=html)
        # Sent at once, before the page has loaded or connected.
        await runtime.send_to_window(win.id, "early", 1)
        answer = asyncio.ensure_future(runtime.invoke(win.id, "who"))
        got = {tuple((await next_event(heard)).payload) for _ in range(2)}
        assert got == {("inline", 1), ("on-ready", 1)}
        assert await answer == "inline handler"

    arun(main())
