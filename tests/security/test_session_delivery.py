"""Remote sessions deliver every message or tell the sender why not.

Session messages take the same outbound path as any message to a page, so
binary values travel on the receiving page's bulk lane; a message that
cannot be delivered (the other page cannot take it, the session is not open
yet) is answered to its sender with a notice and logged, never dropped in
silence, and the session goes on. The Qt-free router, with fake pages and
lanes (tests/integration/test_remote_sessions.py sends bytes between real
pages).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

import weft
from tests.unit.test_bulk import FakeLane
from tests.unit.test_router import FakePage, post, turn
from weft.ipc import Router
from weft.ipc.sessions import Link, Session

RPC = "rpc"


def hello() -> dict[str, Any]:
    return {"k": "send", "c": RPC, "p": {"$weft": "hello", "protocol": 1}}


async def paired(*, remote_served: bool = True, say_hello: bool = True) -> tuple[
        Router, Session, dict[str, tuple[FakePage, FakeLane]]]:
    router = Router()
    pages = {}
    for window_id, served in (("host", True), ("remote", remote_served)):
        page, lane = FakePage(), FakeLane(served)
        router.attach(window_id, page, lane=lane)
        post(router, window_id, {"k": "hello"})
        pages[window_id] = (page, lane)
    session = router.open_session(Link(window_id="host", channel=RPC), Link(window_id="remote", channel=RPC))
    if say_hello:
        for window_id in pages:
            post(router, window_id, hello())
        await session.wait_open(timeout=1)
    await turn()
    return router, session, pages


def notices(page: FakePage) -> list[dict[str, str]]:
    return [frame["e"] for frame in page.frames if frame["k"] == "notice"]


def received(page: FakePage, lane: FakeLane) -> list[Any]:
    """The session's data messages the page was sent, binary parts in place."""
    payloads = []
    for frame in page.frames:
        if frame["k"] == "bulk":
            body, sizes = lane.staged[frame["i"]], frame["n"]
            inner = json.loads(body[: sizes[0]])
            offset = sizes[0]
            for path, size in zip(frame["b"], sizes[1:]):
                node = inner
                for step in path[:-1]:
                    node = node[step]
                node[path[-1]] = body[offset:offset + size]
                offset += size
            frame = inner
        if frame["k"] == "send" and not (isinstance(frame["p"], dict) and "$weft" in frame["p"]):
            payloads.append(frame["p"])
    return payloads


def test_bytes_in_a_session_message_reach_the_other_page_both_ways() -> None:
    async def main() -> None:
        router, session, pages = await paired()
        (host, host_lane), (remote, remote_lane) = pages["host"], pages["remote"]
        blob = bytes(range(256)) * 4
        post(router, "host", host_lane.store("h" * 20, {"k": "send", "c": RPC, "p": {"image": None, "n": 1}}, blob))
        post(router, "remote", remote_lane.store("r" * 20, {"k": "send", "c": RPC, "p": {"echo": None}}, blob[::-1]))
        await turn()
        assert received(remote, remote_lane) == [{"image": blob, "n": 1}]
        assert received(host, host_lane) == [{"echo": blob[::-1]}]
        assert session.messages == 2
        assert notices(host) == notices(remote) == []

    asyncio.run(main())


def test_a_message_the_other_page_cannot_take_is_refused_to_its_sender(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        # The remote page is not served by weft: it has no bulk lane, so
        # binary values cannot reach it.
        router, session, pages = await paired(remote_served=False)
        (host, host_lane), (remote, remote_lane) = pages["host"], pages["remote"]
        post(router, "host", host_lane.store("h" * 20, {"k": "send", "c": RPC, "p": None}, b"\x00\x01"))
        post(router, "host", {"k": "send", "c": RPC, "p": "text still goes"})
        await turn()
        told = notices(host)
        assert [e["type"] for e in told] == ["PayloadError"]
        assert "'remote' cannot take this message" in told[0]["message"]
        assert received(remote, remote_lane) == ["text still goes"]
        assert session.state == "open" and session.messages == 1

    with caplog.at_level(logging.WARNING, logger="weft.ipc"):
        asyncio.run(main())
    assert "was not delivered" in caplog.text


def test_data_before_the_session_opens_is_refused_to_its_sender() -> None:
    async def main() -> None:
        router, session, pages = await paired(say_hello=False)
        (host, _), (remote, remote_lane) = pages["host"], pages["remote"]
        post(router, "host", {"k": "send", "c": RPC, "p": "too early"})
        post(router, "host", {"k": "send", "c": RPC, "p": {"$weft": "no-such-control"}})
        await turn()
        told = notices(host)
        assert [e["type"] for e in told] == ["ProtocolError", "ProtocolError"]
        assert "not open yet" in told[0]["message"] and "reserved" in told[1]["message"]
        assert received(remote, remote_lane) == []
        for window_id in pages:
            post(router, window_id, hello())
        await session.wait_open(timeout=1)

    asyncio.run(main())


def test_messages_held_for_a_page_that_never_came_up_are_not_dropped_unsaid(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Not a session message, but the same rule: a page that closes while
    # still loading drops what was held for it, and the log says so.
    async def main() -> None:
        router = Router()
        router.attach("loading", FakePage())
        await router.send_to_window("loading", "hello", 1)
        call = asyncio.ensure_future(router.invoke("loading", "ask"))
        await turn()
        router.detach("loading", "window closed")
        with pytest.raises(weft.DisconnectedError, match="window closed"):
            await call  # a call is failed ...

    with caplog.at_level(logging.WARNING, logger="weft.ipc"):
        asyncio.run(main())
    assert "never took 2 frame(s) held for it; dropped" in caplog.text  # ... and the log counts both
