"""Admission on its own, without a router or Qt: a Peer with a small rate
limit on a clock that stands still, and a fake port."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from weft import PermissionDeniedError, ProtocolError
from weft.ipc import admission, capabilities
from weft.ipc.capabilities import Grant
from weft.ipc.codec import BadFrame, Hello, Invoke, Pong, Result, Send
from weft.ipc.flow import TokenBucket
from weft.ipc.peer import Peer
from weft.ipc.refusals import RefusalLog
from tests.unit.test_router import FakePage, turn


def limited(burst: int) -> tuple[Peer, FakePage]:
    page = FakePage()
    peer = Peer("w", page, asyncio.get_running_loop(), bucket=TokenBucket(1.0, burst, clock=lambda: 0.0))
    peer.mark_ready()
    return peer, page


def sends(n: int) -> list[Any]:
    return [Send(channel="c", payload=i) for i in range(n)]


def test_frames_past_the_limit_are_refused_with_one_notice_per_batch(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        peer, page = limited(3)
        with caplog.at_level(logging.WARNING, logger="weft.ipc"):
            admitted = admission.admit(peer, sends(5), RefusalLog())
        assert admitted == sends(3)
        assert peer.bucket is not None and peer.bucket.refused == 2
        await turn()
        assert [frame["k"] for frame in page.frames] == ["notice"]
        assert page.frames[0]["e"] == {"type": "RateLimitError",
                                       "message": "2 message(s) over this page's rate limit were refused"}
        assert "2 messages over its rate limit refused" in caplog.text

    asyncio.run(main())


def test_a_refused_invoke_fails_at_once_and_a_refused_answer_fails_python_s_call() -> None:
    async def main() -> None:
        peer, page = limited(0)
        python_call = peer.start_call(9)
        admitted = admission.admit(peer, [Invoke(call_id=4, channel="c"), Result(call_id=9, value=1),
                                          Result(call_id=9, value=2)], RefusalLog())
        # The first answer to a call the host waits for is let in without a token; a repeat is not.
        assert admitted == [Result(call_id=9, value=1)]
        assert not python_call.done()
        await turn()
        failed = [frame for frame in page.frames if frame["k"] == "error"]
        assert failed == [{"k": "error", "i": 4, "e": {"type": "RateLimitError",
                                                       "message": "1 message(s) over this page's rate limit were "
                                                                  "refused"}}]

    asyncio.run(main())


def test_the_pong_the_host_waits_for_is_let_in_and_still_spends_a_token() -> None:
    async def main() -> None:
        peer, _ = limited(1)
        peer.send_ping(3, 0.0)
        assert admission.admit(peer, [Pong(beat=3), Hello()], RefusalLog()) == [Pong(beat=3)]
        assert peer.bucket is not None and peer.bucket.refused == 1
        peer, _ = limited(0)
        peer.send_ping(3, 0.0)
        assert admission.admit(peer, [Pong(beat=2), Pong(beat=3)], RefusalLog()) == [Pong(beat=3)]

    asyncio.run(main())


def test_an_unreadable_batch_spends_one_token() -> None:
    async def main() -> None:
        peer, page = limited(1)
        refusals = RefusalLog()
        admission.refuse_unreadable(peer, ProtocolError("not valid JSON"), refusals)
        admission.refuse_unreadable(peer, ProtocolError("not valid JSON"), refusals)
        await turn()
        assert [frame["e"]["type"] for frame in page.frames] == ["ProtocolError", "RateLimitError"]
        assert peer.bucket is not None and peer.bucket.refused == 1

    asyncio.run(main())


def test_a_bad_frame_fails_its_call_or_gets_a_notice() -> None:
    async def main() -> None:
        peer, page = limited(10)
        refusals = RefusalLog()
        python_call = peer.start_call(2)
        admission.refuse_bad(peer, BadFrame(error=ProtocolError("bad invoke"), call_id=1, kind="invoke"), refusals)
        admission.refuse_bad(peer, BadFrame(error=ProtocolError("bad result"), call_id=2, kind="result"), refusals)
        admission.refuse_bad(peer, BadFrame(error=ProtocolError("no call")), refusals)
        await turn()
        assert page.frames == [
            {"k": "error", "i": 1, "e": {"type": "ProtocolError", "message": "bad invoke"}},
            {"k": "notice", "e": {"type": "ProtocolError", "message": "no call"}},
        ]
        with pytest.raises(ProtocolError, match="the page's answer was refused: bad result"):
            python_call.result()

    asyncio.run(main())


def test_a_denial_is_audited_and_names_what_was_denied(caplog: pytest.LogCaptureFixture) -> None:
    denial = Grant(owner="notes", send=frozenset({"notes:save"})).check_inbound("secrets")
    assert denial is not None
    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        error = capabilities.deny(denial, "plugin:notes", RefusalLog())
    assert isinstance(error, PermissionDeniedError)
    assert "'notes' may not use channel 'secrets'" in str(error)
    (record,) = caplog.records
    assert record.name == "weft.audit"
    assert (record.plugin, record.channel, record.window_id) == (  # type: ignore[attr-defined]
        "notes", "secrets", "plugin:notes")
