"""The event loop's callbacks (weft.app.timers): asyncio's order and
cancellation on ``QTimer.singleShot``, and nothing left running once a loop
is closed. That a start builds no Qt enums is tests/e2e/test_startup.py's."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

import pytest

from weft.app import timers


def test_the_loop_is_weft_s(loop: asyncio.AbstractEventLoop) -> None:
    assert isinstance(loop, timers.EventLoop)


def test_call_soon_runs_in_order_and_call_later_by_due_time(arun: Callable[..., Any],
                                                            loop: asyncio.AbstractEventLoop) -> None:
    seen: list[str] = []

    async def scenario() -> None:
        done = loop.create_future()
        loop.call_later(0.03, seen.append, "later")
        loop.call_later(0.01, seen.append, "sooner")
        loop.call_later(0.05, done.set_result, None)
        for name in "abc":
            loop.call_soon(seen.append, name)
        await done

    arun(scenario(), timeout=10)
    assert seen == ["a", "b", "c", "sooner", "later"]


def test_a_cancelled_callback_never_runs(arun: Callable[..., Any], loop: asyncio.AbstractEventLoop) -> None:
    seen: list[str] = []

    async def scenario() -> None:
        done = loop.create_future()
        loop.call_soon(seen.append, "cancelled").cancel()
        loop.call_later(0.01, seen.append, "cancelled later").cancel()
        loop.call_later(0.02, done.set_result, None)  # due after both: they have had their turn
        await done
        seen.append("after")

    arun(scenario(), timeout=10)
    assert seen == ["after"]


def test_a_closed_loop_runs_nothing_still_due(arun: Callable[..., Any], loop: asyncio.AbstractEventLoop,
                                             qapp: Any) -> None:
    other = timers.EventLoop(qapp)
    seen: list[str] = []
    other.call_soon(seen.append, "after close")
    other.close()

    async def turn() -> None:
        await asyncio.sleep(0)  # posted after the other loop's callback: that one's turn came first

    arun(turn(), timeout=10)
    assert seen == []


def test_debug_mode_names_a_slow_callback(arun: Callable[..., Any], loop: asyncio.AbstractEventLoop,
                                         caplog: pytest.LogCaptureFixture) -> None:
    before = loop.get_debug(), loop.slow_callback_duration
    loop.set_debug(True)
    loop.slow_callback_duration = 0.0  # every callback is "slow": no clock involved
    try:
        with caplog.at_level(logging.WARNING, logger="weft.loop"):
            arun(asyncio.sleep(0), timeout=10)
    finally:
        loop.set_debug(before[0])
        loop.slow_callback_duration = before[1]
    assert any(record.getMessage().startswith("Executing ") for record in caplog.records)


def test_cancelled_timers_do_not_pile_up(arun: Callable[..., Any], loop: asyncio.AbstractEventLoop) -> None:
    # A call's timeout, cancelled when it is answered, must not wait in the
    # heap until it would have fired.
    heap = loop._timers._later  # type: ignore[attr-defined]
    before = len(heap)

    async def scenario() -> None:
        for _ in range(5 * timers.COMPACT_AT):
            loop.call_later(3600, lambda: None).cancel()
        fired = loop.create_future()
        loop.call_later(0.01, fired.set_result, None)
        await fired

    arun(scenario(), timeout=10)
    assert len(loop._timers._later) - before <= 2 * timers.COMPACT_AT  # type: ignore[attr-defined]


def test_callbacks_run_in_the_context_they_were_given_and_call_at_is_absolute(
    arun: Callable[..., Any], loop: asyncio.AbstractEventLoop
) -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[str] = []

    async def scenario() -> None:
        done = loop.create_future()
        given = contextvars.copy_context()
        given.run(var.set, "given")
        loop.call_soon(lambda: seen.append(var.get()), context=given)
        loop.call_later(0, lambda: seen.append(var.get()))
        loop.call_at(loop.time() + 0.02, done.set_result, None)
        loop.call_at(loop.time() + 0.01, lambda: seen.append("at"), context=given)
        var.set("task's")
        loop.call_soon(lambda: seen.append(var.get()))  # the current context: the task's
        await done

    arun(scenario(), timeout=10)
    assert seen == ["given", "unset", "task's", "at"]


def test_debug_mode_refuses_a_coroutine_function_as_a_callback(loop: asyncio.AbstractEventLoop) -> None:
    # Outside debug mode the loop skips the check, as asyncio's own loops do
    # (it cost qasync ≈ 1.5 µs a callback, three times a round trip).
    async def coroutine_function() -> None: ...

    loop.set_debug(True)
    try:
        for schedule in (loop.call_soon, lambda fn: loop.call_later(1, fn), lambda fn: loop.call_at(loop.time(), fn)):
            with pytest.raises(TypeError, match="coroutines cannot be used"):
                schedule(coroutine_function)
    finally:
        loop.set_debug(False)
