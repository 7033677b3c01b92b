"""Calls both ways on their own, without a router or Qt: Python's invoke of
one Peer, and the Handlers answering a page's invokes."""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import pytest

from weft import (
    ArgumentError,
    DisconnectedError,
    HandlerExistsError,
    NoHandlerError,
    PayloadError,
    RateLimitError,
)
from weft.ipc import calls
from weft.ipc.calls import Handlers
from weft.ipc.codec import Invoke, Limits, Result
from weft.ipc.peer import Peer
from weft.ipc.refusals import RefusalLog
from weft.ipc.tasks import Tasks
from tests.unit.test_router import FakePage, turn


def ready_peer() -> tuple[Peer, FakePage]:
    page = FakePage()
    peer = Peer("w", page, asyncio.get_running_loop())
    peer.mark_ready()
    return peer, page


def handlers(**limits: Any) -> Handlers:
    return Handlers(Limits(**limits), Tasks(), RefusalLog())


def call(n: int, channel: str = "c", payload: Any = None) -> Invoke:
    return Invoke(call_id=n, channel=channel, payload=payload)


def test_invoke_sends_the_call_and_returns_the_answer() -> None:
    async def main() -> None:
        peer, page = ready_peer()
        ids = itertools.count(7)
        asking = asyncio.ensure_future(calls.invoke(peer, ids, "sum", [1, 2], timeout=1))
        await turn()
        assert page.frames == [{"k": "invoke", "i": 7, "c": "sum", "p": [1, 2]}]
        peer.settle(Result(call_id=7, value=3))
        assert await asking == 3
        assert peer.pending == {}

    asyncio.run(main())


def test_invoke_of_a_cut_off_page_fails_at_once_and_spends_no_call_id() -> None:
    async def main() -> None:
        peer, page = ready_peer()
        peer.rebind(FakePage())
        ids = itertools.count(1)
        with pytest.raises(DisconnectedError, match="cut off"):
            await calls.invoke(peer, ids, "c", None, timeout=1)
        assert next(ids) == 1 and peer.pending == {}

    asyncio.run(main())


def test_invoke_times_out_by_name_and_forgets_the_call() -> None:
    async def main() -> None:
        peer, _ = ready_peer()
        with pytest.raises(TimeoutError, match="window 'w' did not answer 'c' within 0.01 s"):
            await calls.invoke(peer, itertools.count(1), "c", None, timeout=0.01)
        assert peer.pending == {}

    asyncio.run(main())


def test_invoke_with_a_payload_that_cannot_go_leaves_nothing_waiting() -> None:
    async def main() -> None:
        peer, page = ready_peer()
        with pytest.raises(PayloadError):
            await calls.invoke(peer, itertools.count(1), "c", {1, 2}, timeout=1)
        assert peer.pending == {} and peer.outbox == []
        await turn()
        assert page.frames == []

    asyncio.run(main())


def test_handlers_answer_with_values_errors_and_no_handler(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        peer, page = ready_peer()
        answers = handlers()
        answers.register("sync", lambda payload, window_id: [payload, window_id])

        async def later(payload: Any, window_id: str) -> Any:
            await asyncio.sleep(0)
            return payload * 2

        answers.register("async", later)
        answers.register("raises", lambda payload, window_id: 1 / 0)
        answers.register("odd", lambda payload, window_id: {1, 2})
        for n, channel in enumerate(["sync", "async", "raises", "odd", "none"], 1):
            answers.answer(peer, call(n, channel, n))
        await turn()
        by_id = {frame["i"]: frame for frame in page.frames}
        assert by_id[1] == {"k": "result", "i": 1, "v": [1, "w"]}
        assert by_id[2] == {"k": "result", "i": 2, "v": 4}
        assert by_id[3]["e"]["type"] == "ZeroDivisionError"
        assert by_id[4]["e"]["type"] == "PayloadError" and "handler for 'odd' returned" in by_id[4]["e"]["message"]
        assert by_id[5]["e"]["type"] == "NoHandlerError"

    with caplog.at_level(logging.WARNING, logger="weft.ipc"):
        asyncio.run(main())
    # The app's mistakes are said in Python too, not only to the page: the raise, and the value that cannot cross.
    said = [r.getMessage() for r in caplog.records if r.name == "weft.ipc"]
    assert said[0] == "handler for 'raises' raised"
    assert said[1].startswith("handler for 'odd' returned payload is not a JSON value: Object of type set")


def test_a_channel_has_one_handler_until_it_is_unregistered() -> None:
    answers = handlers()
    unregister = answers.register("c", lambda payload, window_id: None)
    with pytest.raises(HandlerExistsError):
        answers.register("c", lambda payload, window_id: None)
    with pytest.raises(TypeError):
        answers.register("d", "not callable")  # type: ignore[arg-type]
    unregister()
    answers.register("c", lambda payload, window_id: None)
    unregister()  # an old unregister leaves the new handler alone
    with pytest.raises(HandlerExistsError):
        answers.register("c", lambda payload, window_id: None)


def test_past_the_running_limit_calls_fail_without_calling_the_handler(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        peer, page = ready_peer()
        answers = handlers(max_running_calls=2)
        release = asyncio.Event()
        called: list[int] = []

        async def slow(payload: Any, window_id: str) -> int:
            called.append(payload)
            await release.wait()
            return payload

        answers.register("slow", slow)
        with caplog.at_level(logging.WARNING, logger="weft.ipc"):
            for n in range(1, 4):
                answers.answer(peer, call(n, "slow", n))
        await turn()
        assert called == [1, 2] and len(peer.running) == 2
        assert page.frames[0]["i"] == 3 and page.frames[0]["e"]["type"] == "RateLimitError"
        assert "2 Python handler calls running" in caplog.text
        release.set()
        await turn()
        assert sorted(frame["i"] for frame in page.frames[1:]) == [1, 2] and not peer.running

    asyncio.run(main())


def test_an_answer_for_a_gone_document_is_dropped() -> None:
    async def main() -> None:
        peer, page = ready_peer()
        answers = handlers()
        release = asyncio.Event()

        async def slow(payload: Any, window_id: str) -> str:
            await release.wait()
            return "late"

        answers.register("slow", slow)
        answers.answer(peer, call(1, "slow"))
        answers.answer(peer, call(2, "slow"))
        await turn()
        assert len(peer.running) == 2
        peer.unload("reloaded")  # cancels them: nothing answers the old document
        peer.mark_ready()
        release.set()
        await turn()
        assert page.frames == []

    asyncio.run(main())


def test_a_handler_that_raises_is_logged_and_answered(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        peer, page = ready_peer()
        answers = handlers()

        def broken(payload: Any, window_id: str) -> None:
            raise KeyError("oops")

        answers.register("broken", broken)
        answers.register("refuses", lambda payload, window_id: (_ for _ in ()).throw(RateLimitError("no")))
        with caplog.at_level(logging.WARNING, logger="weft.ipc"):
            answers.answer(peer, call(1, "broken"))
            answers.answer(peer, call(2, "refuses"))
        await turn()
        assert [frame["e"]["type"] for frame in page.frames] == ["KeyError", "RateLimitError"]
        # A weft error is an answer, not a fault: only the KeyError is logged.
        assert [r.getMessage() for r in caplog.records] == ["handler for 'broken' raised"]

    asyncio.run(main())


def test_a_call_is_answered_however_its_handler_ends() -> None:
    """guarantees.md's "Calls end": a cancelled await inside a handler, a
    CancelledError raised by a sync one, an exception whose message cannot
    be made, and KeyboardInterrupt (answered, then on its way) all answer."""
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no message")

    async def main() -> None:
        peer, page = ready_peer()
        answers = handlers()

        async def awaits_a_cancelled_job(payload: Any, window_id: str) -> Any:
            job = asyncio.ensure_future(asyncio.sleep(10))
            asyncio.get_running_loop().call_soon(job.cancel)  # another part of the app cancels it
            return await job

        def raises(error: BaseException) -> Any:
            return lambda payload, window_id: (_ for _ in ()).throw(error)

        answers.register("awaits", awaits_a_cancelled_job)
        answers.register("sync-cancelled", raises(asyncio.CancelledError()))
        answers.register("unprintable", raises(Unprintable()))
        answers.register("interrupted", raises(KeyboardInterrupt()))
        for n, channel in enumerate(["awaits", "sync-cancelled", "unprintable"], 1):
            answers.answer(peer, call(n, channel))
        with pytest.raises(KeyboardInterrupt):
            answers.answer(peer, call(4, "interrupted"))
        await turn()
        await turn()
        errors = {frame["i"]: frame["e"] for frame in page.frames}
        assert [errors[n]["type"] for n in (1, 2, 3, 4)] == [
            "CancelledError", "CancelledError", "Unprintable", "KeyboardInterrupt"]
        assert errors[3]["message"] == "(its message could not be made: RuntimeError in Unprintable.__str__)"
        assert errors[1]["message"] == errors[2]["message"] == (
            "the Python handler was cancelled (it awaited something that was cancelled, or raised CancelledError)")

    asyncio.run(main())


def test_a_call_cancelled_from_outside_is_not_answered() -> None:
    """When weft itself cancels a call (its page went, the runtime stops),
    the cancellation goes on: nobody is left to answer."""
    async def main() -> None:
        peer, page = ready_peer()
        answers = handlers()
        started = asyncio.Event()

        async def waits(payload: Any, window_id: str) -> None:
            started.set()
            await asyncio.sleep(10)

        answers.register("waits", waits)
        answers.answer(peer, call(1, "waits"))
        await started.wait()
        (task,) = peer.running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert page.frames == []

    asyncio.run(main())


def test_no_handler_is_named_in_the_answer() -> None:
    async def main() -> None:
        peer, page = ready_peer()
        handlers().answer(peer, call(1, "missing"))
        await turn()
        assert page.frames[0]["e"] == {"type": NoHandlerError.__name__,
                                       "message": "no Python handler for 'missing'; register one with ipc.handle()"}

    asyncio.run(main())


def test_a_handler_that_cannot_take_payload_and_window_id_is_refused_when_registered() -> None:
    registry = handlers()
    with pytest.raises(ArgumentError, match=r"handler for 'unit:one': <lambda>\(p\) cannot take \(payload, window_id\)"):
        registry.register("unit:one", lambda p: p)
    assert not registry.has("unit:one")

    class Answers:
        def method(self, payload: Any, window_id: str) -> Any:
            return payload

    # What can take both is welcome: defaults, *args, bound methods, built-ins Python cannot inspect.
    for name, fn in (("unit:a", lambda p, w=None, x=1: p), ("unit:b", lambda *args: args),
                     ("unit:c", Answers().method), ("unit:d", max)):
        registry.register(name, fn)
        assert registry.has(name)
