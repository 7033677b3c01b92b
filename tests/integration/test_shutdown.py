"""Shutting a runtime down with pages open ends everything cleanly."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import weft
from tests.conftest import next_event, open_page

FOCUS = ("focus", "blur")
"""Window events the window system sends as a window goes, or not."""


def test_shutdown_ends_iterators_calls_and_windows(arun: Any) -> None:
    rt = weft.Runtime()

    async def main() -> None:
        win = await open_page(rt, """<script>
            runtime.handle("never", () => { runtime.send("asked", "never"); return new Promise(() => {}); });
        </script>""")
        events = rt.window_events_for(win.id)
        channel = rt.channel_events("tick")
        await win.evaluate("runtime.send('tick', 1)")
        assert (await next_event(channel)).payload == 1
        first = asyncio.ensure_future(rt.recv_window_event())  # starts the inbox
        await asyncio.sleep(0)
        await win.evaluate("runtime.send('tick', 2)")
        assert (await first).payload == 2  # type: ignore[union-attr]
        pending = asyncio.ensure_future(rt.invoke(win.id, "never", timeout=None))
        asked = await asyncio.wait_for(rt.recv_window_event(), 10)  # the call is out: the page is answering it
        assert (asked.channel, asked.payload) == ("asked", "never")  # type: ignore[union-attr]
        waiting = asyncio.ensure_future(rt.recv_window_event())
        drained = asyncio.ensure_future(_drain(events))
        await rt.shutdown()
        with pytest.raises(weft.DisconnectedError):
            await pending
        # Each subscription ends after what it held. (Focus changes as the
        # window goes are the window system's: left out.)
        held = [(e.channel, e.payload) for e in await asyncio.wait_for(drained, 5) if e.type not in FOCUS]
        assert held == [("tick", 1), ("tick", 2), ("asked", "never"), ("close", None)]
        assert [e.payload async for e in channel] == [2]
        # What the inbox holds (the close shutdown caused) comes first, then None.
        waited = await waiting
        left = [waited.type] if waited is not None else []
        while (event := await rt.recv_window_event()) is not None:
            left.append(event.type)
            assert len(left) < 10
        assert [t for t in left if t not in FOCUS] == ["close"]
        assert await rt.recv_window_event() is None
        assert win.closed and rt.windows == ()
        with pytest.raises(weft.RuntimeClosedError):
            await rt.create_window(html="x")
        with pytest.raises(weft.RuntimeClosedError):
            await rt.send_to_window(win.id, "x")

    arun(main())


async def _drain(events: Any) -> list[weft.IpcEvent]:
    return [event async for event in events]


def test_a_subscriber_past_its_bound_sees_an_error_with_the_count(arun: Any) -> None:
    rt = weft.Runtime(subscriber_bound=10)

    async def main() -> None:
        win = await open_page(rt, "<p>x</p>")
        sub = rt.channel_events("n")
        done = rt.channel_events("done")
        await win.evaluate("for (let i = 0; i < 50; i++) runtime.send('n', i); runtime.send('done')")
        await next_event(done)
        got = []
        with pytest.raises(weft.SubscriberOverflowError) as info:
            async for event in sub:
                got.append(event.payload)
        assert got == list(range(10))
        assert info.value.dropped == 40
        assert rt.dropped_events == 40

    try:
        arun(main())
    finally:
        arun(rt.shutdown())
