"""The router, without Qt: a fake port stands in for a page."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from weft import (
    ChannelError,
    DisconnectedError,
    HandlerError,
    HandlerExistsError,
    NoHandlerError,
    PermissionDeniedError,
    RuntimeClosedError,
    SubscriberOverflowError,
    WindowNotFoundError,
)
from weft.ipc import IpcEvent, Limits, Router, codec


class FakePage:
    """Collects what the router writes, frame by frame."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []

    def write(self, batch: str) -> None:
        self.batches.append(json.loads(batch))

    @property
    def frames(self) -> list[dict[str, Any]]:
        return [frame for batch in self.batches for frame in batch]


def post(router: Router, window_id: str, *frames: dict[str, Any]) -> None:
    router.receive(window_id, json.dumps(list(frames)))


async def turn() -> None:
    """Let call_soon callbacks and ready tasks run."""
    for _ in range(3):
        await asyncio.sleep(0)


def connected(router: Router, window_id: str = "w") -> FakePage:
    page = FakePage()
    router.attach(window_id, page)
    post(router, window_id, {"k": "hello"})
    return page


def test_messages_wait_for_hello_then_arrive_in_one_batch() -> None:
    async def main() -> None:
        router = Router()
        page = FakePage()
        router.attach("w", page)
        for n in range(3):
            await router.send_to_window("w", "tick", n)
        await turn()
        assert page.batches == []
        post(router, "w", {"k": "hello"})
        await turn()
        assert page.batches == [[{"k": "send", "c": "tick", "p": n} for n in range(3)]]

    asyncio.run(main())


def test_every_subscriber_sees_every_event_in_order() -> None:
    async def main() -> None:
        router = Router()
        connected(router)
        seen_cb: list[Any] = []
        seen_async: list[Any] = []
        router.on_channel("n", lambda payload, wid: seen_cb.append(payload))

        async def slow(payload: Any, wid: str) -> None:
            await asyncio.sleep(0)
            seen_async.append(payload)

        router.on_channel("n", slow)
        everything = router.window_events()
        only_w = router.window_events_for("w")
        only_n = router.channel_events("n")
        post(router, "w", *({"k": "send", "c": "n", "p": i} for i in range(500)))
        for _ in range(600):
            await asyncio.sleep(0)
        assert seen_cb == list(range(500))
        assert seen_async == list(range(500))
        for sub in (everything, only_w, only_n):
            got = [(await sub.next()).payload for _ in range(500)]  # type: ignore[union-attr]
            assert got == list(range(500))

    asyncio.run(main())


def test_filters() -> None:
    async def main() -> None:
        router = Router()
        connected(router, "a")
        connected(router, "b")
        for_a = router.window_events_for("a")
        on_x = router.channel_events("x")
        post(router, "a", {"k": "send", "c": "y", "p": 1})
        post(router, "b", {"k": "send", "c": "x", "p": 2})
        assert await for_a.next() == IpcEvent(window_id="a", channel="y", payload=1)
        assert await on_x.next() == IpcEvent(window_id="b", channel="x", payload=2)

    asyncio.run(main())


def test_slow_iterator_gets_an_overflow_error_with_the_count() -> None:
    async def main() -> None:
        router = Router(bound=10)
        connected(router)
        sub = router.window_events()
        post(router, "w", *({"k": "send", "c": "n", "p": i} for i in range(50)))
        got = []
        with pytest.raises(SubscriberOverflowError) as info:
            async for event in sub:
                got.append(event.payload)
        assert got == list(range(10))
        assert info.value.dropped == 40
        assert router.hub.dropped == 40
        # It was closed: later events are no longer collected for it.
        post(router, "w", {"k": "send", "c": "n", "p": 99})
        assert await sub.next() is None

    asyncio.run(main())


def test_slow_async_callback_drops_past_its_bound_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        router = Router(bound=5)
        connected(router)
        release = asyncio.Event()
        seen = []

        async def slow(payload: Any, wid: str) -> None:
            await release.wait()
            seen.append(payload)

        router.on_channel("n", slow)
        post(router, "w", *({"k": "send", "c": "n", "p": i} for i in range(10)))
        release.set()
        for _ in range(20):
            await asyncio.sleep(0)
        assert seen == list(range(6))  # the running one, then its backlog of 5
        assert router.hub.dropped == 4

    with caplog.at_level(logging.ERROR, logger="weft.ipc"):
        asyncio.run(main())
    assert "events behind" in caplog.text


def test_a_backlog_is_bounded_in_bytes_too(caplog: pytest.LogCaptureFixture) -> None:
    """Events may be large (binary values, long strings up to
    Limits.max_bulk_bytes): a slow subscriber's backlog holds at most
    ``max_backlog_bytes`` besides its first event, which is always kept.
    Each of these is about 430 bytes of its batch."""
    big = "x" * 400

    async def main() -> None:
        router = Router(Limits(max_backlog_bytes=1_000))
        connected(router)
        sub = router.window_events()
        release = asyncio.Event()
        seen = []

        async def slow(payload: Any, wid: str) -> None:
            await release.wait()
            seen.append(payload["i"])

        router.on_channel("n", slow)
        post(router, "w", *({"k": "send", "c": "n", "p": {"i": i, "text": big}} for i in range(6)))
        got = []
        with pytest.raises(SubscriberOverflowError, match="fell 1,000 bytes behind; 3 later events") as info:
            async for event in sub:
                got.append(event.payload["i"])
        assert got == [0, 1, 2] and info.value.dropped == 3  # the first, then 2 x 430 bytes
        release.set()
        for _ in range(20):
            await asyncio.sleep(0)
        assert seen == [0, 1, 2, 3]  # the running one, then 1,000 bytes' worth behind it
        assert router.hub.dropped == 3 + 2

    with caplog.at_level(logging.ERROR, logger="weft.ipc"):
        asyncio.run(main())
    assert "is 1,000 bytes behind; dropped an event on 'n' from w" in caplog.text


def test_a_message_s_size_is_what_its_page_posted_for_it() -> None:
    """Its share of its batch, or its bulk body: known without walking the
    payload, which cost 3 us an event on a subscriber that had fallen behind."""
    raw = json.dumps([{"k": "send", "c": "a", "p": "x" * 1000}, {"k": "send", "c": "b", "p": 1}])
    frames = codec.decode_batch(raw, Limits())
    assert [frame.size for frame in frames] == [len(raw) // 2] * 2
    assert frames[0] == codec.Send(channel="a", payload="x" * 1000)  # (not part of equality)
    bulk = codec.decode_bulk('{"k":"send","c":"a","p":null}', [], Limits(), size=12_345)
    assert isinstance(bulk, codec.Send) and bulk.size == 12_345


def test_broken_callback_is_logged_and_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> list[Any]:
        router = Router()
        connected(router)
        heard: list[Any] = []
        router.on_event(lambda e: 1 / 0)
        router.on_event(lambda e: heard.append(e.payload))
        post(router, "w", {"k": "send", "c": "n", "p": 1})
        return heard

    assert asyncio.run(main()) == [1]
    assert "ZeroDivisionError" in caplog.text


def test_a_failing_listener_is_logged_by_its_own_name_with_the_event(caplog: pytest.LogCaptureFixture) -> None:
    def on_click(payload: Any, window_id: str) -> None:
        raise ValueError("sync")

    async def on_save(payload: Any, window_id: str) -> None:
        await asyncio.sleep(0)
        raise ValueError("async")

    async def main() -> None:
        router = Router()
        connected(router)
        router.on_channel("click", on_click)
        router.on_channel("save", on_save)
        post(router, "w", {"k": "send", "c": "click", "p": 1}, {"k": "send", "c": "save", "p": 2})
        for _ in range(5):
            await turn()

    with caplog.at_level(logging.ERROR, logger="weft.ipc"):
        asyncio.run(main())
    failures = [record.getMessage() for record in caplog.records if "failed" in record.getMessage()]
    assert len(failures) == 2
    assert failures[0].startswith("listener <function test_a_failing_listener_is_logged_by_its_own_name_with_the_"
                                  "event.<locals>.on_click at ") and failures[0].endswith(" failed on 'click' from w")
    assert ".on_save at " in failures[1] and failures[1].endswith(" failed on 'save' from w")


def test_unsubscribe() -> None:
    async def main() -> None:
        router = Router()
        connected(router)
        heard: list[Any] = []
        stop = router.on_channel("n", lambda p, w: heard.append(p))
        post(router, "w", {"k": "send", "c": "n", "p": 1})
        stop()
        stop()  # twice is harmless
        post(router, "w", {"k": "send", "c": "n", "p": 2})
        assert heard == [1]

    asyncio.run(main())


def test_abandoned_iterator_stops_collecting() -> None:
    async def main() -> None:
        router = Router()
        connected(router)
        router.window_events()  # dropped at once
        post(router, "w", {"k": "send", "c": "n"})
        assert len(router.hub._subscriptions) == 0

    asyncio.run(main())


def test_page_invoke_gets_the_handler_result_or_its_error() -> None:
    async def main() -> None:
        router = Router()
        page = connected(router)

        async def slow_double(payload: Any, wid: str) -> Any:
            await asyncio.sleep(0)
            return {"double": payload * 2, "from": wid}

        def denied(payload: Any, wid: str) -> Any:
            raise PermissionDeniedError("not you")

        router.handle("double", slow_double)
        router.handle("denied", denied)
        router.handle("bad", lambda p, w: ValueError("x") if p else {1, 2})
        router.handle("raises", lambda p, w: int("nope"))
        post(router, "w",
             {"k": "invoke", "i": 1, "c": "double", "p": 21},
             {"k": "invoke", "i": 2, "c": "denied"},
             {"k": "invoke", "i": 3, "c": "missing"},
             {"k": "invoke", "i": 4, "c": "bad", "p": 0},
             {"k": "invoke", "i": 5, "c": "raises"})
        for _ in range(5):
            await turn()
        answers = {frame["i"]: frame for frame in page.frames}
        assert answers[1] == {"k": "result", "i": 1, "v": {"double": 42, "from": "w"}}
        assert answers[2]["e"] == {"type": "PermissionDeniedError", "message": "not you"}
        assert answers[3]["e"]["type"] == "NoHandlerError"
        assert answers[4]["e"]["type"] == "PayloadError"
        assert answers[5]["e"]["type"] == "ValueError"

    asyncio.run(main())


def test_handle_refuses_a_second_handler_and_reserved_channels() -> None:
    router = Router()
    stop = router.handle("x", lambda p, w: None)
    with pytest.raises(HandlerExistsError):
        router.handle("x", lambda p, w: None)
    stop()
    router.handle("x", lambda p, w: None)
    with pytest.raises(ValueError):
        router.handle("close", lambda p, w: None)


def test_python_invoke_settles_with_result_error_or_timeout() -> None:
    async def main() -> None:
        router = Router()
        page = connected(router)
        calls = [asyncio.ensure_future(router.invoke("w", c, i)) for i, c in enumerate(["ok", "err", "no"])]
        await turn()
        ids = [frame["i"] for frame in page.frames]
        post(router, "w",
             {"k": "result", "i": ids[0], "v": "fine"},
             {"k": "error", "i": ids[1], "e": {"type": "TypeError", "message": "bad"}},
             {"k": "error", "i": ids[2], "e": {"type": "NoHandlerError", "message": "none"}})
        assert await calls[0] == "fine"
        with pytest.raises(HandlerError) as info:
            await calls[1]
        assert info.value.type == "TypeError"
        with pytest.raises(NoHandlerError):
            await calls[2]
        with pytest.raises(TimeoutError, match="did not answer"):
            await router.invoke("w", "silent", timeout=0.01)

    asyncio.run(main())


def test_pending_calls_fail_when_the_page_unloads_or_closes() -> None:
    async def main() -> None:
        router = Router()
        connected(router)
        reload = asyncio.ensure_future(router.invoke("w", "a"))
        await turn()
        router.unload("w", "navigated")
        with pytest.raises(DisconnectedError, match="navigated"):
            await reload
        close = asyncio.ensure_future(router.invoke("w", "a"))
        await turn()
        router.detach("w")
        with pytest.raises(DisconnectedError, match="closed"):
            await close
        with pytest.raises(WindowNotFoundError):
            await router.send_to_window("w", "a")

    asyncio.run(main())


def test_an_answer_for_an_unloaded_document_is_dropped() -> None:
    async def main() -> None:
        router = Router()
        page = connected(router)
        release = asyncio.Event()

        async def slow(payload: Any, wid: str) -> str:
            await release.wait()
            return "late"

        router.handle("slow", slow)
        post(router, "w", {"k": "invoke", "i": 1, "c": "slow"})
        await turn()
        router.unload("w", "reloaded")
        post(router, "w", {"k": "hello"})
        release.set()
        await turn()
        assert page.frames == []

    asyncio.run(main())


def test_broadcast_reports_each_window() -> None:
    async def main() -> None:
        router = Router()
        pages = {wid: connected(router, wid) for wid in ("a", "b")}
        result = await router.broadcast(["a", "ghost", "b", "a"], "theme", {"dark": True})
        assert result.delivered == ("a", "b")
        assert list(result.failed) == ["ghost"]
        assert isinstance(result.failed["ghost"], WindowNotFoundError)
        assert not result.ok
        await turn()
        for page in pages.values():
            assert page.frames == [{"k": "send", "c": "theme", "p": {"dark": True}}]
        with pytest.raises(TypeError):
            await router.broadcast("a", "theme")  # type: ignore[arg-type]

    asyncio.run(main())


def test_bad_input_gets_a_notice_and_the_router_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        router = Router(Limits(max_batch_chars=1000))
        page = connected(router)
        heard: list[Any] = []
        router.on_event(lambda e: heard.append(e))
        router.receive("w", "not json")
        router.receive("w", "x" * 2000)
        router.receive("w", 42)
        post(router, "w", {"k": "send", "c": "close"}, {"k": "invoke", "i": 5, "c": "a", "p": 1, "q": 2})
        post(router, "w", {"k": "send", "c": "fine"})
        await turn()
        kinds = [(f["k"], f["e"]["type"]) for f in page.frames]
        assert kinds == [("notice", "ProtocolError")] * 4 + [("error", "ProtocolError")]
        assert page.frames[-1]["i"] == 5
        assert [e.channel for e in heard] == ["fine"]
        await router.shutdown()  # logs the summary of the refusals after the first

    asyncio.run(main())
    assert "unreadable batch" in caplog.text and "bad frame" in caplog.text


def test_shutdown_ends_iterators_and_pending_calls() -> None:
    async def main() -> None:
        router = Router()
        connected(router)
        sub = router.window_events()
        pending = asyncio.ensure_future(router.invoke("w", "a"))
        receiver = asyncio.ensure_future(router.recv_window_event())
        waiting = asyncio.ensure_future(router.recv_window_event())
        await turn()
        post(router, "w", {"k": "send", "c": "last"})
        await router.shutdown()
        assert (await receiver).channel == "last"  # type: ignore[union-attr]
        assert await waiting is None
        assert [e.channel async for e in sub] == ["last"]
        with pytest.raises(DisconnectedError):
            await pending
        assert await router.recv_window_event() is None
        with pytest.raises(RuntimeClosedError):
            await router.send_to_window("w", "x")

    asyncio.run(main())


@pytest.mark.parametrize("channel", ["resize", "close", "crashed", "load-failed", "runtime:error", "weft:x"])
def test_python_may_not_send_on_reserved_channels_either(channel: str) -> None:
    async def main() -> None:
        router = Router()
        page = FakePage()
        router.attach("a", page)
        with pytest.raises(ChannelError, match="reserved"):
            await router.send_to_window("a", channel, {"width": 1})
        with pytest.raises(ChannelError, match="reserved"):
            await router.broadcast(["a"], channel)
        with pytest.raises(ChannelError, match="reserved"):
            await router.invoke("a", channel, timeout=1)
        await turn()
        assert page.frames == []

    asyncio.run(main())
