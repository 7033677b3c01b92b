"""One page's Peer on its own, without a router or Qt: its state changes,
its inbox, and the one outbound path (:meth:`Peer.send`)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from weft import DisconnectedError, PayloadError, RateLimitError
from weft.ipc import bulk
from weft.ipc.codec import Failure, Hello, Invoke, Notice, Ping, Pong, Result, Send
from weft.ipc.flow import SLICE
from weft.ipc.peer import Peer, encode
from tests.unit.test_bulk import FakeLane
from tests.unit.test_router import FakePage, turn


def peer(page: FakePage | None = None, lane: FakeLane | None = None) -> Peer:
    return Peer("w", page or FakePage(), asyncio.get_running_loop(), lane=lane)


def test_frames_wait_until_ready_then_leave_in_one_batch() -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)
        for n in range(3):
            p.send(Send(channel="tick", payload=n))
        await turn()
        assert page.batches == []
        p.mark_ready()
        await turn()
        assert page.batches == [[{"k": "send", "c": "tick", "p": n} for n in range(3)]]

    asyncio.run(main())


def test_a_lone_frame_leaves_at_once_and_the_rest_of_the_turn_is_batched() -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)
        p.mark_ready()
        p.send(Send(channel="a"))
        assert page.batches == [[{"k": "send", "c": "a", "p": None}]]
        p.send(Send(channel="b"))
        p.send(Send(channel="c"))
        assert len(page.batches) == 1
        await turn()
        assert page.batches[1] == [{"k": "send", "c": "b", "p": None}, {"k": "send", "c": "c", "p": None}]

    asyncio.run(main())


def test_every_outbound_kind_goes_through_send() -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)
        p.mark_ready()
        p.send(Send(channel="c", payload=1))
        p.send(Invoke(call_id=1, channel="c", payload=2))
        p.send(Result(call_id=2, value=3))
        p.send(Failure(call_id=3, error={"type": "Error", "message": "no"}))
        p.send(Notice(error={"type": "Error", "message": "hm"}))
        p.send(Ping(beat=4))
        await turn()
        assert [frame["k"] for frame in page.frames] == ["send", "invoke", "result", "error", "notice", "ping"]

    asyncio.run(main())


def test_a_payload_that_cannot_go_raises_and_queues_nothing() -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)  # no bulk lane: bytes cannot go
        with pytest.raises(PayloadError):
            p.send(Send(channel="c", payload=float("nan")))
        with pytest.raises(PayloadError):
            p.send(Send(channel="c", payload=b"\x00"))
        assert p.outbox == []
        p.mark_ready()
        await turn()
        assert page.batches == []

    asyncio.run(main())


def test_messages_take_the_bulk_lane_and_what_the_host_says_never_does() -> None:
    async def main() -> None:
        page, lane = FakePage(), FakeLane()
        p = peer(page, lane)
        p.mark_ready()
        long = "x" * (bulk.THRESHOLD + 1)
        p.send(Send(channel="c", payload=long))
        p.send(Result(call_id=1, value=b"\x01"))
        p.send(Failure(call_id=2, error={"type": "Error", "message": long}))
        p.send(Notice(error={"type": "Error", "message": long}))
        await turn()
        assert [frame["k"] for frame in page.frames] == ["bulk", "bulk", "error", "notice"]
        assert len(lane.staged) == 2
        assert page.frames[2]["e"]["message"] == long

    asyncio.run(main())


def test_one_encoding_serves_many_pages_each_on_its_own_lane() -> None:
    async def main() -> None:
        served, inline, unserved = FakePage(), FakePage(), FakePage()
        lane = FakeLane()
        pages = [peer(served, lane), peer(inline), peer(unserved, FakeLane(served=False))]
        for p in pages:
            p.mark_ready()
        long = encode(Send(channel="c", payload="y" * (bulk.THRESHOLD + 1)))
        for p in pages:
            p.send(long)
        assert served.frames[0]["k"] == "bulk" and len(lane.staged) == 1
        assert inline.frames == unserved.frames == [{"k": "send", "c": "c", "p": "y" * (bulk.THRESHOLD + 1)}]
        binary = encode(Send(channel="c", payload=b"\x02"))
        with pytest.raises(PayloadError):
            pages[1].send(binary)
        pages[0].send(binary)
        assert len(lane.staged) == 2

    asyncio.run(main())


def test_unload_holds_frames_fails_calls_cancels_handlers_and_starts_a_new_document() -> None:
    async def main() -> None:
        page, lane = FakePage(), FakeLane()
        p = peer(page, lane)
        p.mark_ready()
        p.send_ping(1, 0.0)
        p.mark_unresponsive()
        call = p.start_call(1)
        handler = asyncio.get_running_loop().create_task(asyncio.sleep(60))
        p.track(handler)
        generation = p.generation
        p.unload("page reloaded")
        assert not p.ready and not p.connected.is_set()
        assert p.generation == generation + 1 and not p.current(generation) and p.current(p.generation)
        assert p.ping is None and not p.unresponsive
        assert p.pending == {} and p.running == set()
        await turn()
        assert handler.cancelled()
        assert lane.discarded == 1
        with pytest.raises(DisconnectedError, match="page reloaded"):
            call.result()
        written = len(page.batches)
        p.send(Send(channel="later"))
        await turn()
        assert len(page.batches) == written
        p.mark_ready()
        await turn()
        assert page.batches[-1] == [{"k": "send", "c": "later", "p": None}]

    asyncio.run(main())


def test_detach_is_for_good_and_says_what_it_dropped(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)
        call = p.start_call(1)
        p.send(Send(channel="never"))
        waiting = asyncio.ensure_future(p.wait_ready())
        await turn()
        with caplog.at_level(logging.WARNING, logger="weft.ipc"):
            p.detach("window closed")
        assert "never took 1 frame(s)" in caplog.text
        assert p.detached and not p.ready and p.connected.is_set() and p.outbox == []
        assert not p.current(p.generation)
        with pytest.raises(DisconnectedError, match="closed before its page was ready"):
            await waiting
        with pytest.raises(DisconnectedError, match="window closed"):
            call.result()
        handled: list[Any] = []
        p.take([Hello()], lambda _, frame: handled.append(frame))
        await turn()
        assert handled == [] and page.batches == []

    asyncio.run(main())


def test_rebind_writes_to_the_new_port_and_cuts_calls_off_until_hello() -> None:
    async def main() -> None:
        old, new = FakePage(), FakePage()
        p = peer(old)
        p.mark_ready()
        p.rebind(new)
        assert p.cut_off is not None and "cut off" in p.cut_off
        p.send(Send(channel="c"))
        await turn()
        assert old.batches == [] and new.frames == [{"k": "send", "c": "c", "p": None}]
        p.mark_ready()
        assert p.cut_off is None

    asyncio.run(main())


def test_calls_settle_with_a_result_an_error_or_not_at_all() -> None:
    async def main() -> None:
        p = peer()
        ok, bad, gone = p.start_call(1), p.start_call(2), p.start_call(3)
        assert p.expected(Result(call_id=1)) == ("call", 1)
        p.settle(Result(call_id=1, value="fine"))
        p.settle(Failure(call_id=2, error={"type": "RateLimitError", "message": "slow down"}))
        p.end_call(3)
        p.settle(Result(call_id=3, value="late"))  # nobody waits: dropped
        assert ok.result() == "fine"
        with pytest.raises(RateLimitError, match="slow down"):
            bad.result()
        assert not gone.done() and p.pending == {}
        assert p.expected(Result(call_id=1)) is None

    asyncio.run(main())


def test_a_refused_call_frame_is_answered_where_someone_waits() -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)
        p.mark_ready()
        python_call = p.start_call(5)
        assert p.refuse_call(("invoke", 7), RateLimitError("over"))
        assert p.refuse_call(("result", 5), RateLimitError("answer refused"))
        assert not p.refuse_call(None, RateLimitError("no call"))
        await turn()
        assert page.frames == [{"k": "error", "i": 7, "e": {"type": "RateLimitError", "message": "over"}}]
        with pytest.raises(RateLimitError, match="answer refused"):
            python_call.result()

    asyncio.run(main())


def test_pings_and_pongs() -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)
        p.mark_ready()
        call = p.start_call(1)
        p.send_ping(7, 10.0)
        assert p.ping == (7, 10.0) and page.frames == [{"k": "ping", "i": 7}]
        assert p.expected(Pong(beat=7)) == ("ping", 7) and p.expected(Pong(beat=6)) is None
        assert not p.take_pong(6) and p.ping == (7, 10.0)
        p.mark_unresponsive()
        with pytest.raises(DisconnectedError, match="unresponsive"):
            call.result()
        assert p.take_pong(7) and p.ping is None and not p.unresponsive
        assert not p.take_pong(7)  # answered already
        p.send_ping(8, 11.0)
        assert not p.take_pong(8)  # it answered in time: it was never unresponsive

    asyncio.run(main())


def test_the_inbox_is_handled_in_order_a_slice_per_turn() -> None:
    async def main() -> None:
        page = FakePage()
        p = peer(page)
        p.mark_ready()
        handled: list[int] = []

        def handle(_: Peer, frame: Any) -> None:
            handled.append(frame.beat)
            p.send(Result(call_id=frame.beat))

        p.take([Pong(beat=n) for n in range(SLICE + 5)], handle)
        assert handled == list(range(SLICE))
        assert p.draining and len(page.batches) == 1  # the answers of this turn, in one batch
        p.take([Pong(beat=SLICE + 5)], handle)  # joins the queue behind the rest
        assert len(handled) == SLICE
        await turn()
        assert handled == list(range(SLICE + 6)) and not p.draining
        assert [frame["i"] for frame in page.frames] == list(range(SLICE + 6))

    asyncio.run(main())


def test_what_leaves_is_exactly_one_json_batch_per_write() -> None:
    async def main() -> None:
        class Raw:
            def __init__(self) -> None:
                self.writes: list[str] = []

            def write(self, batch: str) -> None:
                self.writes.append(batch)

        port = Raw()
        p = Peer("w", port, asyncio.get_running_loop())
        p.mark_ready()
        for n in range(3):
            p.send(Send(channel="c", payload={"n": n}))
        await turn()
        assert [json.loads(batch) for batch in port.writes] == [
            [{"k": "send", "c": "c", "p": {"n": 0}}],
            [{"k": "send", "c": "c", "p": {"n": 1}}, {"k": "send", "c": "c", "p": {"n": 2}}],
        ]

    asyncio.run(main())
