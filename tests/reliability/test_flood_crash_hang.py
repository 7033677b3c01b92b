"""Floods, crashes and hangs against real pages: survived, nothing lost
silently. Figures are printed (run with -s to see them)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import weft
from tests.conftest import host_rss_mib, in_page, js_value_until, next_event, open_page
from weft.ipc.flow import Heartbeat

ECHO = '<script>runtime.handle("echo", (p) => p); runtime.on("ping", (p) => runtime.send("pong", p));</script>'


class LagMonitor:
    """A timer that should fire every ``period`` s; records its worst lateness."""

    def __init__(self, period: float = 0.02) -> None:
        self.period = period
        self.worst = 0.0
        self.ticks = 0
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.period
            await asyncio.sleep(self.period)
            self.worst = max(self.worst, loop.time() - due)
            self.ticks += 1

    def stop(self) -> None:
        self._task.cancel()


def test_a_flood_is_delivered_in_order_or_refused_and_counted(arun: Any) -> None:
    rt = weft.Runtime()

    async def main() -> None:
        delivered: list[int] = []
        rt.on_channel("flood", lambda payload, window_id: delivered.append(payload))
        # The page only records the notice: a message sent about it would be
        # rate-limited (and counted) too.
        win = await open_page(rt, """<script>
            window.limitNotice = null;
            runtime.on("runtime:error", (e) => { if (e.name === "RateLimitError") window.limitNotice = e.message; });
        </script>""")
        rss_before = host_rss_mib()
        lag = LagMonitor()
        await win.evaluate("for (let i = 0; i < 100000; i++) runtime.send('flood', i); 1")
        assert "rate limit" in await js_value_until(win, "window.limitNotice", timeout=30)
        refused = 0
        async with asyncio.timeout(60):
            while len(delivered) + (refused := rt.rate_limited(win.id)) < 100_000:
                await asyncio.sleep(0.05)
        lag.stop()
        rss_after = host_rss_mib()
        print(f"\nflood: {len(delivered):,} delivered, {refused:,} refused by the rate limit; "
              f"worst timer lateness {lag.worst * 1000:.0f} ms over {lag.ticks} ticks; "
              f"host RSS {rss_before:.0f} → {rss_after:.0f} MiB")
        # Refused messages are never kept, so memory follows what was
        # accepted (a few MiB here), not what was sent.
        assert rss_after - rss_before < 64
        assert len(delivered) + refused == 100_000
        assert delivered == sorted(delivered) and len(set(delivered)) == len(delivered)  # in order, no repeats
        assert delivered[:20_000] == list(range(20_000))  # the burst gets through whole
        assert refused > 0
        # The host stayed responsive throughout (a generous bound: the point
        # is that no single turn handles the whole flood).
        assert lag.worst < 1.0
        # The page still works afterwards.
        pongs = rt.channel_events("ping-back")
        await win.evaluate("runtime.on('p', (x) => runtime.send('ping-back', x)); 1")
        await rt.send_to_window(win.id, "p", "after")
        assert (await next_event(pongs)).payload == "after"

    try:
        arun(main(), timeout=120)
    finally:
        arun(rt.shutdown())


def test_a_steady_stream_under_the_limit_loses_nothing(arun: Any) -> None:
    rt = weft.Runtime(limits=weft.ipc.Limits(rate=50_000, burst=5_000))

    async def main() -> None:
        delivered: list[int] = []
        rt.on_channel("steady", lambda payload, window_id: delivered.append(payload))
        win = await open_page(rt, "<p>x</p>")
        await in_page(rt, win, """
            for (let i = 0; i < 30000; i += 1000) {
              for (let j = i; j < i + 1000; j++) runtime.send('steady', j);
              await new Promise((r) => setTimeout(r, 40));   // ~25,000 messages per second
            }""", timeout=60)
        async with asyncio.timeout(30):
            while len(delivered) < 30_000:
                await asyncio.sleep(0.02)
        assert delivered == list(range(30_000))
        assert rt.rate_limited(win.id) == 0

    try:
        arun(main(), timeout=90)
    finally:
        arun(rt.shutdown())


def test_a_renderer_crash_fails_calls_tells_the_host_and_reload_recovers(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        running = asyncio.Event()
        cancelled = asyncio.Event()

        async def slow(payload: Any, window_id: str) -> str:
            running.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return "never"

        runtime.handle("slow", slow)
        victim = await open_page(runtime, ECHO + """<script>
            runtime.handle("never", () => { runtime.send("asked", "never"); return new Promise(() => {}); });
        </script>""")
        bystander = await open_page(runtime, ECHO)
        events = runtime.window_events_for(victim.id)
        asked = runtime.channel_events("asked")
        await victim.evaluate("runtime.invoke('slow').catch(() => {}); 1")  # page → Python, pending
        pending = asyncio.ensure_future(runtime.invoke(victim.id, "never", timeout=None))  # Python → page
        # Both calls are out: Python's handler runs, and the page holds Python's call.
        await asyncio.wait_for(running.wait(), 10)
        assert (await next_event(asked)).window_id == victim.id
        assert victim.kill_renderer()
        with pytest.raises(weft.DisconnectedError):
            await asyncio.wait_for(pending, 10)
        while (event := await next_event(events)).type != "crashed":
            pass
        assert event.payload["status"] in ("KilledTerminationStatus", "CrashedTerminationStatus")
        await asyncio.wait_for(cancelled.wait(), 10)  # the handler of the dead page's call ends with it
        assert await runtime.invoke(bystander.id, "echo", "fine") == "fine"  # other windows never noticed
        victim.reload()
        await victim.wait_ready()
        assert await runtime.invoke(victim.id, "echo", "back") == "back"

    arun(main())


def test_a_hung_page_is_reported_unresponsive_and_can_be_recovered(arun: Any) -> None:
    rt = weft.Runtime(heartbeat=Heartbeat(interval=0.2, timeout=1.0))

    async def main() -> None:
        win = await open_page(rt, ECHO + '<script>runtime.on("spin", () => { while (true) {} });</script>')
        other = await open_page(rt, ECHO)
        events = rt.window_events_for(win.id)
        flagged: list[str] = []
        rt.on_event(lambda event: flagged.append(event.window_id) if event.type == "unresponsive" else None)
        loop = asyncio.get_running_loop()
        await rt.send_to_window(win.id, "spin")
        started = loop.time()
        pending = asyncio.ensure_future(rt.invoke(win.id, "echo", 1, timeout=None))
        while (event := await next_event(events, timeout=10)).type != "unresponsive":
            pass
        detected = loop.time() - started
        print(f"\nhang detected after {detected:.2f} s (interval 0.2 s, timeout 1.0 s)")
        assert event.payload["seconds"] >= 1.0
        with pytest.raises(weft.DisconnectedError, match="unresponsive"):
            await asyncio.wait_for(pending, 5)
        assert await rt.invoke(other.id, "echo", "fine") == "fine"
        # The other page, pinged on the same beats all along, answered each.
        assert flagged == [win.id]
        assert win.kill_renderer()
        while (await next_event(events)).type != "crashed":
            pass
        win.reload()
        await win.wait_ready()
        assert await rt.invoke(win.id, "echo", "back") == "back"

    try:
        arun(main(), timeout=60)
    finally:
        arun(rt.shutdown())


def test_shutdown_mid_traffic_ends_everything_cleanly(arun: Any) -> None:
    rt = weft.Runtime()

    async def main() -> None:
        stored: dict[str, list[int]] = {}
        flowing = asyncio.Event()

        def store(payload: int, window_id: str) -> int:
            stored.setdefault(window_id, []).append(payload)
            if len(stored) == 2 and min(map(len, stored.values())) >= 10:
                flowing.set()
            return payload

        rt.handle("store", store)
        pages = [await open_page(rt, """<script>
            runtime.handle("never", () => { runtime.send("asked", "never"); return new Promise(() => {}); });
        </script>""") for _ in range(2)]
        asked = rt.channel_events("asked")
        streams = [rt.channel_events("tick") for _ in range(3)]
        for page in pages:
            await page.evaluate("""(async () => { for (let i = 0; ; i++) {
                runtime.send('tick', i);
                try { await runtime.invoke('store', i); } catch (e) { break; } } })(); 1""")
        await asyncio.wait_for(flowing.wait(), 10)  # both pages' traffic is flowing
        pending = asyncio.ensure_future(rt.invoke(pages[0].id, "never", timeout=None))
        assert (await next_event(asked)).window_id == pages[0].id  # the call is out
        await rt.shutdown()
        held = [[(event.window_id, event.payload) async for event in stream] for stream in streams]
        # Each stream ends (after what it holds), none raises; each holds the
        # same ticks, each page's in order from its first, and a tick for
        # every call that was stored (the page sends it first), at most one more.
        assert held[0] == held[1] == held[2]
        for page in pages:
            ticks = [payload for window_id, payload in held[0] if window_id == page.id]
            assert ticks == list(range(len(ticks)))
            assert stored[page.id] == list(range(len(stored[page.id])))
            assert len(ticks) - len(stored[page.id]) in (0, 1), (len(ticks), len(stored[page.id]))
        with pytest.raises(weft.DisconnectedError):
            await pending
        assert await rt.recv_window_event() is None
        assert rt.router.tasks.names() == []

    arun(main(), timeout=60)
