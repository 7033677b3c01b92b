"""weft.ipc.declared without pages: how a declared handler is wrapped."""

from __future__ import annotations

import asyncio
import inspect
from typing import TypedDict

import pytest

from weft import ArgumentError, PayloadError, ipc
from weft.ipc import declared


class Pair(TypedDict):
    a: int
    b: int


@ipc.handler("unit:sum")
def add(p: Pair, window_id: str) -> int:
    return p["a"] + p["b"]


@ipc.handler("unit:sum-later")
async def add_later(p: Pair, window_id: str) -> int:
    return p["a"] + p["b"]


def _declaration(channel: str) -> declared.Declaration:
    return next(d for d in declared.declarations() if d.declared.channel == channel)


def test_a_synchronous_handler_stays_synchronous_when_checked() -> None:
    # An awaitable would cost a task per call (the benchmark saw +140 µs a round trip).
    answer = declared.checked(_declaration("unit:sum"))({"a": 1, "b": 2}, "w")
    assert not inspect.isawaitable(answer) and answer == 3
    with pytest.raises(PayloadError, match="payload.b"):
        declared.checked(_declaration("unit:sum"))({"a": 1, "b": "2"}, "w")


def test_an_async_handler_is_checked_when_it_is_done() -> None:
    pending = declared.checked(_declaration("unit:sum-later"))({"a": 1, "b": 2}, "w")
    assert inspect.isawaitable(pending)
    assert asyncio.run(pending) == 3


@pytest.mark.parametrize("name", ["close", "runtime:x", "weft:y", ""])
def test_a_reserved_or_bad_channel_name_is_refused_when_declared(name: str) -> None:
    from weft import ChannelError

    with pytest.raises((ChannelError, ArgumentError)):
        ipc.handler(name)
    with pytest.raises((ChannelError, ArgumentError)):
        ipc.channel(name, int, direction="to_python")


def test_a_hint_that_does_not_resolve_is_an_argument_error() -> None:
    def handler(p: "Missing", window_id: str) -> int:  # noqa: F821
        return 0

    with pytest.raises(ArgumentError, match="cannot resolve the hints of"):
        ipc.handler("unit:unresolved")(handler)


def test_a_handler_that_cannot_take_payload_and_window_id_is_refused_when_declared() -> None:
    def one(text: str) -> str:
        return text

    with pytest.raises(ArgumentError, match=r"ipc.handler\('unit:arity'\): one\(text\) cannot take "
                                            r"\(payload, window_id\); a handler is called with both"):
        ipc.handler("unit:arity")(one)

    def three(text: str, window_id: str, extra: int) -> str:
        return text

    with pytest.raises(ArgumentError, match="cannot take"):
        ipc.handler("unit:arity")(three)
