"""Bounded host work per page.

What one page can make the host do is bounded, and a flood of refusals
does not flood the log:

* at most ``Limits.max_running_calls`` of its invokes run Python handlers at
  once; past that, its invokes fail with RateLimitError;
* the handlers still answering a page are cancelled when it goes (reload,
  navigation, crash: ``Router.unload``; closed, plugin stopped:
  ``Router.detach``);
* every frame it posts spends its rate limit, whatever its kind, bad or
  unreadable ones too, and a call refused for the limit is failed, not left
  waiting;
* repeated refusals make a first record and then one summary a second with
  the count, on ``weft.ipc`` and on the ``weft.audit`` trail.

Most tests drive the Qt-free router with a fake page and a clock they set;
the last one uses a real offscreen page.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

import pytest

import weft
from tests import conftest
from tests.conftest import in_page, js_value_until, open_page, write_plugin
from tests.unit.test_bulk import FakeLane
from tests.unit.test_router import FakePage, connected, post, turn
from weft import plugins
from weft.ipc import Limits, Router
from weft.ipc.capabilities import Grant


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def until(condition: Callable[[], bool], turns: int = 1000) -> None:
    """Let the loop run (no timers involved) until ``condition`` holds."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


def errors(page: FakePage) -> dict[int, dict[str, str]]:
    """The page's calls that failed: call id → error."""
    return {frame["i"]: frame["e"] for frame in page.frames if frame["k"] == "error"}


# -- running handler calls ------------------------------------------------------


def test_the_documented_default_is_1000_running_calls() -> None:
    assert Limits().max_running_calls == 1_000


def test_invokes_past_the_running_calls_limit_fail_with_rate_limit_error() -> None:
    async def main() -> None:
        router = Router(Limits(max_running_calls=3))
        page = connected(router)
        release = asyncio.Event()
        started: list[int] = []

        async def hang(payload: int, window_id: str) -> int:
            started.append(payload)
            await release.wait()
            return payload

        router.handle("hang", hang)
        router.handle("sync", lambda payload, window_id: started.append(payload))
        post(router, "w", *({"k": "invoke", "i": i, "c": "hang", "p": i} for i in range(1, 6)),
             {"k": "invoke", "i": 6, "c": "sync", "p": 6})
        await turn()
        assert started == [1, 2, 3]  # the handler was not even called for the others
        refused = errors(page)
        assert sorted(refused) == [4, 5, 6]
        assert {e["type"] for e in refused.values()} == {"RateLimitError"}
        assert "3 Python handler calls running" in refused[4]["message"]
        release.set()
        await until(lambda: len([f for f in page.frames if f["k"] == "result"]) == 3)
        # Calls that finished gave their places back.
        post(router, "w", {"k": "invoke", "i": 7, "c": "hang", "p": 7})
        await until(lambda: 7 in started)

    asyncio.run(main())


@pytest.mark.parametrize("goes", ["unload", "detach"])
def test_a_page_that_goes_has_its_running_handlers_cancelled(goes: str) -> None:
    async def main() -> None:
        router = Router(Limits(max_running_calls=2))
        connected(router, "a")
        connected(router, "b")
        started: list[str] = []
        cancelled: list[str] = []

        async def hang(payload: Any, window_id: str) -> None:
            started.append(window_id)
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(window_id)
                raise

        router.handle("hang", hang)
        post(router, "a", {"k": "invoke", "i": 1, "c": "hang"}, {"k": "invoke", "i": 2, "c": "hang"})
        post(router, "b", {"k": "invoke", "i": 1, "c": "hang"})
        await until(lambda: len(started) == 3)
        if goes == "unload":
            router.unload("a", "page is reloading")
        else:
            router.detach("a", "window closed")
        await until(lambda: len(router.tasks) == 1)
        assert cancelled == ["a", "a"]  # b's call runs on
        if goes == "unload":
            # The next document has its whole budget at once.
            post(router, "a", {"k": "hello"}, {"k": "invoke", "i": 1, "c": "hang"}, {"k": "invoke", "i": 2, "c": "hang"})
            await until(lambda: len(started) == 5)
        await router.shutdown()
        assert router.tasks.names() == []

    asyncio.run(main())


# -- the rate limit ---------------------------------------------------------------

BURST = 10
OVER = 7


def _bulk_sends(lane: FakeLane) -> list[dict[str, Any]]:
    return [lane.store(f"token-{n:016d}", {"k": "send", "c": "x", "p": None}, b"\x01")
            for n in range(BURST + OVER)]


FLOODS: dict[str, Callable[[FakeLane], list[dict[str, Any]]]] = {
    "send": lambda lane: [{"k": "send", "c": "x", "p": n} for n in range(BURST + OVER)],
    "invoke": lambda lane: [{"k": "invoke", "i": n, "c": "x"} for n in range(BURST + OVER)],
    "bulk": _bulk_sends,
    "bad frame": lambda lane: [{"k": "teleport"}] * (BURST + OVER),
    "bad invoke": lambda lane: [{"k": "invoke", "i": n, "c": "close"} for n in range(BURST + OVER)],
    "hello": lambda lane: [{"k": "hello"}] * (BURST + OVER),
    "bye": lambda lane: [{"k": "bye"}] * (BURST + OVER),
    "unasked result": lambda lane: [{"k": "result", "i": 424242, "v": 1}] * (BURST + OVER),
    "unasked error": lambda lane: [{"k": "error", "i": 424242, "e": {}}] * (BURST + OVER),
    "unasked pong": lambda lane: [{"k": "pong", "i": 424242}] * (BURST + OVER),
}


@pytest.mark.parametrize("flood", list(FLOODS.values()), ids=list(FLOODS))
def test_every_frame_kind_spends_the_rate_limit(flood: Callable[[FakeLane], list[dict[str, Any]]]) -> None:
    async def main() -> None:
        router = Router(Limits(rate=1.0, burst=BURST), clock=Clock())
        page, lane = FakePage(), FakeLane()
        router.attach("w", page, lane=lane)
        frames = flood(lane)
        post(router, "w", *frames[:BURST])  # the burst (the first may be its hello)
        post(router, "w", {"k": "hello"}, *frames[BURST:])
        await turn()
        assert router.rate_limited("w") == OVER + 1
        assert lane.stored == {}  # refused bodies are not kept

    asyncio.run(main())


def test_unreadable_batches_spend_the_rate_limit() -> None:
    async def main() -> None:
        router = Router(Limits(rate=1.0, burst=BURST), clock=Clock())
        page = connected(router)
        for _ in range(BURST - 1 + OVER):
            router.receive("w", "not json")
        await turn()
        assert router.rate_limited("w") == OVER
        notices = [frame["e"]["type"] for frame in page.frames if frame["k"] == "notice"]
        assert notices == ["ProtocolError"] * (BURST - 1) + ["RateLimitError"] * OVER

    asyncio.run(main())


def test_calls_refused_for_the_rate_limit_fail_at_once() -> None:
    async def main() -> None:
        clock = Clock()
        router = Router(Limits(rate=1.0, burst=BURST), clock=clock)
        page, lane = FakePage(), FakeLane()
        router.attach("w", page, lane=lane)
        heard: list[Any] = []
        router.handle("x", lambda payload, window_id: heard.append(payload))
        asked = [asyncio.ensure_future(router.invoke("w", "ask", n)) for n in range(3)]
        await turn()
        post(router, "w", {"k": "hello"}, *({"k": "send", "c": "spend", "p": n} for n in range(BURST - 1)))
        await turn()
        call_ids = [frame["i"] for frame in page.frames if frame["k"] == "invoke"]
        # The bucket is empty now: each kind of call is refused and failed.
        post(router, "w",
             {"k": "invoke", "i": 1, "c": "x", "p": "over"},
             lane.store("b" * 20, {"k": "invoke", "i": 2, "c": "x", "p": None}, b"bytes"),
             {"k": "invoke", "i": 3, "c": "close"},
             # An answer Python waits for is never refused (once per call) ...
             {"k": "result", "i": call_ids[0], "v": "answered"},
             {"k": "result", "i": call_ids[0], "v": "again"},
             # ... but an answer that comes as a bulk body is refused unread.
             lane.store("c" * 20, {"k": "result", "i": call_ids[1], "v": None}, b"bytes"))
        await turn()
        assert heard == []
        refused = errors(page)
        assert sorted(refused) == [1, 2, 3]
        assert {e["type"] for e in refused.values()} == {"RateLimitError"}
        assert await asked[0] == "answered"
        with pytest.raises(weft.RateLimitError, match="answer was refused"):
            await asked[1]
        assert router.rate_limited("w") == 5  # all but the first answer
        assert lane.stored == {}
        # A second later the page may post again.
        clock.now += 1.0
        post(router, "w", {"k": "invoke", "i": 4, "c": "x", "p": "later"})
        await turn()
        assert heard == ["later"]
        asked[2].cancel()

    asyncio.run(main())


# -- the log -------------------------------------------------------------------------


def test_a_flood_of_refusals_is_logged_as_a_first_record_then_a_summary(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        clock = Clock()
        router = Router(Limits(rate=20_000, burst=20_000), clock=clock)
        router.refusals.schedule = None  # this test moves the clock itself
        page = connected(router)
        for _ in range(5):
            post(router, "w", *[{"k": "teleport"}] * 10_000)
        await until(lambda: not router._peers["w"].inbox)
        records = [r for r in caplog.records if r.name == "weft.ipc"]
        assert len(records) == 1 and "bad frame" in records[0].getMessage()
        clock.now += 1.0
        post(router, "w", {"k": "teleport"})  # a second on: the summary goes out
        records = [r for r in caplog.records if r.name == "weft.ipc"]
        assert len(records) == 2
        first, summary = records
        assert (first.count, summary.count) == (1, 50_000)  # type: ignore[attr-defined]
        assert sum(summary.counts.values()) == 50_000  # type: ignore[attr-defined]
        assert set(summary.counts) == {"bad frame", "over the rate limit"}  # type: ignore[attr-defined]
        assert "50,000 more refusal(s)" in summary.getMessage()
        assert page.frames  # every refusal was still answered (notices)

    with caplog.at_level(logging.WARNING, logger="weft"):
        asyncio.run(main())


def test_capability_denials_are_audited_first_then_in_summary(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        router = Router(Limits(rate=100_000, burst=100_000), clock=Clock())
        router.refusals.schedule = None
        page = FakePage()
        router.attach("plugin:x", page, Grant(owner="x", send=frozenset({"allowed"})))
        post(router, "plugin:x", {"k": "hello"})
        heard: list[Any] = []
        router.on_event(heard.append)
        for _ in range(5):
            post(router, "plugin:x", *({"k": "send", "c": "secret", "p": n} for n in range(10_000)))
        await until(lambda: not router._peers["plugin:x"].inbox)
        assert len([r for r in caplog.records if r.name == "weft.audit"]) == 1
        router.detach("plugin:x")  # a page that goes gets its summary at once
        audit = [r for r in caplog.records if r.name == "weft.audit"]
        assert len(audit) == 2
        for record in audit:
            assert (record.plugin, record.direction, record.channel) == (  # type: ignore[attr-defined]
                "x", "page → host", "secret")
            assert "capabilities.send" in record.reason  # type: ignore[attr-defined]
        assert [r.count for r in audit] == [1, 49_999]  # type: ignore[attr-defined]
        assert heard == []
        denied = [f for f in page.frames if f["k"] == "notice"]
        assert len(denied) == 50_000 and denied[0]["e"]["type"] == "PermissionDeniedError"

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        asyncio.run(main())


# -- a real page ------------------------------------------------------------------------


def test_a_page_past_its_running_calls_is_refused_and_its_handlers_end_with_it(arun: Any) -> None:
    rt = weft.Runtime(limits=weft.ipc.Limits(max_running_calls=3))

    async def main() -> None:
        started: list[str] = []
        cancelled: list[str] = []
        changed = asyncio.Event()

        async def hang(payload: Any, window_id: str) -> None:
            started.append(window_id)
            changed.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(window_id)
                changed.set()
                raise

        async def until_seen(condition: Callable[[], bool]) -> None:
            async with asyncio.timeout(10):
                while not condition():
                    changed.clear()
                    await changed.wait()

        rt.handle("py:hang", hang)
        win = await open_page(rt, "<p>busy</p>", id="busy")
        out = await in_page(rt, win, """
            for (let i = 0; i < 3; i++) runtime.invoke("py:hang").catch(() => {});
            return await runtime.invoke("py:hang");""")
        assert out["ok"] is False, out
        assert (out["name"], out["weft"]) == ("RateLimitError", True), out
        assert "3 Python handler calls running" in out["message"]
        assert started == ["busy"] * 3

        win.reload()
        await until_seen(lambda: len(cancelled) == 3)
        await win.wait_ready()
        await win.evaluate('for (let i = 0; i < 3; i++) runtime.invoke("py:hang").catch(() => {}); 1')
        await until_seen(lambda: len(started) == 6)
        await win.close()
        await until_seen(lambda: len(cancelled) == 6)
        assert cancelled == ["busy"] * 6

    try:
        arun(main(), timeout=60)
    finally:
        arun(rt.shutdown())


@pytest.mark.parametrize("lane", ["json", "bulk"])
def test_a_real_page_past_its_burst_has_its_invokes_refused(arun: Any, lane: str) -> None:
    # A bucket that refills one token in 1,000 s, and no heartbeat (whose
    # pongs spend tokens too): the page's hello spends one token of the
    # burst, then exactly BURST - 1 of its 30 invokes are let in, on either
    # lane. (Bytes take the bulk lane, each uploaded on its own: there the
    # calls arrive in the order their uploads end.)
    rt = weft.Runtime(limits=weft.ipc.Limits(rate=0.001, burst=BURST), heartbeat=None)
    let_in, refused = BURST - 1, 30 - (BURST - 1)

    async def main() -> None:
        handled: list[int] = []
        rt.handle("py:count", lambda payload, window_id: handled.append(payload[0] if lane == "bulk" else payload))
        win = await open_page(rt, "<p>busy</p>")
        # Read with evaluate: a message about the outcome would be refused too.
        await win.evaluate("""window.outcome = null;
            Promise.allSettled(Array.from({length: 30}, (_, i) => runtime.invoke("py:count", %s)))
              .then((all) => { window.outcome = all.map((r) => r.status === "fulfilled" ? "answered" : r.reason.name); });
            1""" % ("new Uint8Array([i])" if lane == "bulk" else "i"))
        outcome = await js_value_until(win, "window.outcome")
        assert sorted(outcome) == ["RateLimitError"] * refused + ["answered"] * let_in, outcome
        assert sorted(handled) == [i for i, result in enumerate(outcome) if result == "answered"]
        if lane == "json":
            assert handled == list(range(let_in))  # in order: the first ones
        assert rt.rate_limited(win.id) == refused

    try:
        arun(main(), timeout=60)
    finally:
        arun(rt.shutdown())


def test_a_plugins_console_flood_is_cut_and_counted_not_logged(
    runtime: weft.Runtime, arun: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A plugin's console reaches the host's log: at most BURST lines a
    second, each cut to MAX_CHARS, and one line a second says how many
    more there were. An app window's console is logged whole."""
    from weft.webengine import console

    flood = "<script>console.error('x'.repeat(5000)); for (let i = 0; i < 20000; i++) console.error('line ' + i);</script>"

    def loud() -> tuple[list[str], list[str]]:
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("[plugin:loud]")]
        summaries = [line for line in lines if "more console messages" in line]
        return [line for line in lines if line not in summaries], summaries

    def counted() -> int:
        logged, summaries = loud()
        return len(logged) + sum(int(line.split()[1]) for line in summaries)

    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "loud", flood))
        await plugin.start()
        await conftest.until(lambda: counted() >= 20001, timeout=30)  # every message is logged or counted: none unsaid
        app = await open_page(runtime, "<script>console.error('y'.repeat(5000))</script>")
        await js_value_until(app, "true")

    with caplog.at_level(logging.INFO, logger="weft.console"):
        arun(main(), timeout=60)
    logged, summaries = loud()
    assert counted() == 20001 and len(logged) < 20001 // 4  # BURST a second: a few hundred at most
    assert summaries[0].endswith("not shown (a plugin logs at most 50 a second)")
    assert "x" * console.MAX_CHARS + "… (3,000 more characters not shown)" in logged[0]
    assert any("y" * 5000 in r.getMessage() for r in caplog.records)  # the app's own page: whole
