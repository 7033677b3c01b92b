"""The heartbeat on its own, without a router or Qt: rounds at chosen loop
times over Peers with fake ports."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from weft import DisconnectedError
from weft.ipc import IpcEvent
from weft.ipc.flow import Heartbeat
from weft.ipc.heartbeat import check, on_pong, watch
from weft.ipc.peer import Peer
from tests.unit.test_router import FakePage, turn


def peer(window_id: str, ready: bool = True) -> tuple[Peer, FakePage]:
    page = FakePage()
    p = Peer(window_id, page, asyncio.get_running_loop())
    if ready:
        p.mark_ready()
    return p, page


def test_a_round_pings_ready_pages_that_have_no_ping_waiting() -> None:
    async def main() -> None:
        (a, page_a), (b, page_b), (loading, _) = peer("a"), peer("b"), peer("l", ready=False)
        beats = itertools.count(1)
        events: list[IpcEvent] = []
        check([a, b, loading], 10.0, 5.0, beats, events.append)
        assert page_a.frames == [{"k": "ping", "i": 1}] and page_b.frames == [{"k": "ping", "i": 2}]
        assert loading.ping is None and loading.outbox == []  # a loading page is not pinged
        check([a, b], 11.0, 5.0, beats, events.append)  # pings still waiting: none sent again
        assert len(page_a.frames) == len(page_b.frames) == 1 and events == []
        on_pong(a, 1, events.append)
        check([a, b], 12.0, 5.0, beats, events.append)
        await turn()
        assert page_a.frames[-1] == {"k": "ping", "i": 3} and len(page_b.frames) == 1

    asyncio.run(main())


def test_a_page_silent_past_the_timeout_is_reported_once_then_again_when_it_answers(
        caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        p, _ = peer("w")
        beats = itertools.count(1)
        events: list[IpcEvent] = []
        check([p], 10.0, 5.0, beats, events.append)
        call = p.start_call(1)
        check([p], 15.0, 5.0, beats, events.append)  # 5 s is not past 5 s
        assert events == [] and not call.done()
        with caplog.at_level(logging.WARNING, logger="weft.ipc"):
            check([p], 15.25, 5.0, beats, events.append)
            check([p], 20.0, 5.0, beats, events.append)
        assert events == [IpcEvent(window_id="w", channel="unresponsive", payload={"seconds": 5.25},
                                   type="unresponsive")]
        assert caplog.messages == ["window w is unresponsive (no answer for 5.2 s)"]
        with pytest.raises(DisconnectedError, match="unresponsive"):
            call.result()
        on_pong(p, 2, events.append)  # not the ping it was sent
        assert len(events) == 1 and p.unresponsive
        on_pong(p, 1, events.append)
        on_pong(p, 1, events.append)  # a repeat changes nothing
        assert events[1:] == [IpcEvent(window_id="w", channel="responsive", type="responsive")]
        assert not p.unresponsive and p.ping is None

    asyncio.run(main())


def test_an_unload_forgets_the_ping_and_the_silence() -> None:
    async def main() -> None:
        p, page = peer("w")
        beats = itertools.count(1)
        events: list[IpcEvent] = []
        check([p], 0.0, 1.0, beats, events.append)
        check([p], 2.0, 1.0, beats, events.append)
        assert p.unresponsive
        p.unload("reloaded")
        p.mark_ready()
        check([p], 3.0, 1.0, beats, events.append)
        assert p.ping == (2, 3.0) and not p.unresponsive
        on_pong(p, 2, events.append)
        assert [event.type for event in events] == ["unresponsive"]  # no "responsive": a new document

    asyncio.run(main())


def test_watch_runs_rounds_each_interval_until_closed() -> None:
    async def main() -> None:
        p, page = peer("w")
        closed = False
        rounds = 0

        def peers() -> list[Peer]:
            nonlocal rounds
            rounds += 1
            return [p]

        task = asyncio.ensure_future(watch(Heartbeat(interval=0.001, timeout=60), peers, lambda e: None,
                                           lambda: closed))
        while rounds < 3:
            await asyncio.sleep(0.001)
            if p.ping is not None:
                on_pong(p, p.ping[0], lambda e: None)
        closed = True
        await asyncio.wait_for(task, 1)
        assert [frame["i"] for frame in page.frames][:2] == [1, 2]

    asyncio.run(main())
