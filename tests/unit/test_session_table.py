"""The router's session table on its own, without a router or Qt: two
Peers with fake ports, paired on a channel."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from weft import DisconnectedError, PermissionDeniedError
from weft.ipc.peer import Peer
from weft.ipc.refusals import RefusalLog
from weft.ipc.sessions import Link, SessionTable
from tests.unit.test_router import FakePage, turn

RPC = "rpc"
HOST, REMOTE = Link(window_id="host", channel=RPC), Link(window_id="remote", channel=RPC)


def pages() -> tuple[dict[str, Peer], dict[str, FakePage]]:
    peers, written = {}, {}
    for window_id in ("host", "remote"):
        written[window_id] = FakePage()
        peers[window_id] = Peer(window_id, written[window_id], asyncio.get_running_loop())
        peers[window_id].mark_ready()
    return peers, written


def allow(link: Link) -> None:
    pass


def data(page: FakePage) -> list[Any]:
    return [frame["p"] for frame in page.frames if frame["k"] == "send"]


def test_a_session_is_opened_on_both_ends_and_carries_data_to_the_pair_only() -> None:
    async def main() -> None:
        peers, written = pages()
        table = SessionTable(peers, RefusalLog())
        session = table.open(HOST, REMOTE, allow)
        assert table.all() == (session,)
        for window_id in peers:
            assert table.route(peers[window_id], RPC, {"$weft": "hello", "protocol": 1})
        await session.wait_open(timeout=1)
        assert table.route(peers["host"], RPC, {"n": 1})
        assert not table.route(peers["host"], "other", {"n": 2})  # not a session's end: the router publishes it
        await turn()
        assert data(written["remote"])[-1] == {"n": 1}
        assert {"n": 1} not in data(written["host"]) and {"n": 2} not in data(written["remote"])
        assert [p["$weft"] for p in data(written["host"])] == ["probe", "open"]
        assert session.messages == 1

    asyncio.run(main())


def test_opening_checks_each_end_and_an_end_is_in_one_session_only() -> None:
    async def main() -> None:
        peers, _ = pages()
        table = SessionTable(peers, RefusalLog())
        with pytest.raises(ValueError, match="two different pages"):
            table.open(HOST, Link(window_id="host", channel="other"), allow)
        checked: list[Link] = []

        def deny_remote(link: Link) -> None:
            checked.append(link)
            if link.window_id == "remote":
                raise PermissionDeniedError("not granted")

        with pytest.raises(PermissionDeniedError):
            table.open(HOST, REMOTE, deny_remote)
        assert checked == [HOST, REMOTE] and table.all() == ()
        first = table.open(HOST, REMOTE, allow)
        with pytest.raises(ValueError, match=f"'host' is already in {first.id} on 'rpc'"):
            table.open(HOST, Link(window_id="remote", channel="second"), allow)
        assert table.all() == (first,)

    asyncio.run(main())


def test_an_undelivered_message_is_logged_and_answered_to_its_sender(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        peers, written = pages()
        table = SessionTable(peers, RefusalLog())
        table.open(HOST, REMOTE, allow)
        with caplog.at_level(logging.WARNING, logger="weft.ipc"):
            assert table.route(peers["host"], RPC, "too early")
        await turn()
        notices = [frame["e"] for frame in written["host"].frames if frame["k"] == "notice"]
        assert [e["type"] for e in notices] == ["ProtocolError"] and "not open yet" in notices[0]["message"]
        assert "too early" not in data(written["remote"])
        assert "was not delivered" in caplog.text

    asyncio.run(main())


def test_a_page_going_away_closes_its_sessions_and_tells_the_other_side() -> None:
    async def main() -> None:
        peers, written = pages()
        table = SessionTable(peers, RefusalLog())
        session = table.open(HOST, REMOTE, allow)
        table.close_for("remote", "page reloaded")
        await turn()
        assert session.state == "closed" and session.reason == "remote: page reloaded"
        assert await session.wait_closed() == "remote: page reloaded"
        assert table.all() == ()  # released: both ends are free again
        assert data(written["host"])[-1] == {"$weft": "closed", "reason": "remote: page reloaded"}
        assert all(p["$weft"] != "closed" for p in data(written["remote"]))
        assert not table.route(peers["host"], RPC, "after")
        table.open(HOST, REMOTE, allow)

    asyncio.run(main())


def test_a_message_for_a_side_that_is_gone_is_answered_to_its_sender() -> None:
    async def main() -> None:
        peers, written = pages()
        table = SessionTable(peers, RefusalLog())
        session = table.open(HOST, REMOTE, allow)
        for window_id in list(peers):
            table.route(peers[window_id], RPC, {"$weft": "hello", "protocol": 1})
        await session.wait_open(timeout=1)
        del peers["remote"]  # the router forgot it (and, here, was not told to close its sessions)
        assert table.route(peers["host"], RPC, "x")
        await turn()
        notices = [frame["e"] for frame in written["host"].frames if frame["k"] == "notice"]
        assert notices == [{"type": DisconnectedError.__name__, "message": "window 'remote' has closed"}]
        assert "x" not in data(written["remote"]) and session.messages == 0

    asyncio.run(main())


def test_a_handshake_that_times_out_leaks_no_error_and_a_session_prints_short() -> None:
    unretrieved: list[Any] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: unretrieved.append(context))
        peers, written = pages()
        table = SessionTable(peers, RefusalLog())
        session = table.open(HOST, REMOTE, allow)
        assert repr(session) == f"<weft Session {session.id} opening: host (rpc) <-> remote (rpc), 0 messages>"
        with pytest.raises(TimeoutError, match="no hello from"):
            await session.wait_open(timeout=0)
        session.close("the handshake timed out")  # what remote.open_session does then
        assert repr(session).startswith(f"<weft Session {session.id} closed:")

    asyncio.run(main())
    import gc

    gc.collect()  # an unretrieved error is reported when its future is collected
    assert unretrieved == []
