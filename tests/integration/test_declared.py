"""Declared channels (weft.ipc.handler / weft.ipc.channel) with real pages:
a declared handler gets its payload as the hinted type, a bad one is refused
naming the field, and what Python sends on a declared channel is checked
before it leaves."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import AsyncIterator
from typing import Any, Literal, TypedDict

import pytest

import weft
from tests.conftest import in_page, open_page
from weft import ipc
from weft.testing import next_event


class AddArgs(TypedDict):
    a: int
    b: int


@dataclasses.dataclass
class Sum:
    total: int
    kind: Literal["sum"] = "sum"


seen: list[Any] = []


@ipc.handler("declared:add")
def add(p: AddArgs, window_id: str) -> Sum:
    seen.append(p)
    return Sum(total=p["a"] + p["b"])


@ipc.handler("declared:bytes")
async def size(p: bytes, window_id: str) -> int:
    return len(p)


@dataclasses.dataclass
class Update:
    count: int


ipc.channel("declared:update", Update, direction="to_page")


@ipc.handler("declared:download")
async def download(size: int, window_id: str) -> AsyncIterator[bytes]:
    for start in range(0, size, 1000):
        yield bytes([start // 1000]) * min(1000, size - start)


@ipc.handler("declared:bad-result")
def bad_result(p: int, window_id: str) -> int:
    return "not an int"  # type: ignore[return-value]


@ipc.handler("declared:not-a-stream")
def not_a_stream(p: None, window_id: str) -> AsyncIterator[bytes]:
    return b"bytes, not a stream"  # type: ignore[return-value]


@dataclasses.dataclass
class Note:
    text: str
    pinned: bool = False


ipc.channel("declared:note", Note, direction="to_python")


def test_a_declared_handler_gets_its_payload_as_the_hinted_type(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        outcome = await in_page(runtime, win, 'return await runtime.invoke("declared:add", {a: 2, b: 3});')
        assert (outcome["ok"], outcome["value"]) == (True, {"total": 5, "kind": "sum"})
        assert seen[-1] == {"a": 2, "b": 3}
        outcome = await in_page(runtime, win, 'return await runtime.invoke("declared:bytes", new Uint8Array(70000));')
        assert (outcome["ok"], outcome["value"]) == (True, 70000)

    arun(main())


@pytest.mark.parametrize(("payload", "says"), [
    ('{a: 2, b: "3"}', 'payload.b: expected an integer, got "3"'),
    ("{a: 2}", 'payload: missing field "b"'),
    ("{a: 2, b: 3, c: 4}", "unexpected field"),
])
def test_a_bad_payload_is_refused_naming_the_field(runtime: weft.Runtime, arun: Any, payload: str, says: str) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        count = len(seen)
        outcome = await in_page(runtime, win, f'return await runtime.invoke("declared:add", {payload});')
        assert outcome["ok"] is False and outcome["name"] == "PayloadError", outcome
        assert says in outcome["message"], outcome
        assert len(seen) == count  # the handler never ran

    arun(main())


def test_what_python_sends_on_a_declared_channel_is_checked(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        await ipc.send_to_window(win.id, "declared:update", Update(count=3))  # made JSON as it leaves
        with pytest.raises(weft.PayloadError, match="payload.count: expected an integer"):
            await ipc.send_to_window(win.id, "declared:update", Update(count="three"))  # type: ignore[arg-type]
        with pytest.raises(weft.PayloadError, match="expected an instance of Update, got a dict"):
            await ipc.send_to_window(win.id, "declared:update", {"count": 3})  # the declared type, not a dict
        await ipc.send_to_window(win.id, "undeclared", {"anything": object.__name__})  # as before

    arun(main())


def test_what_a_page_sends_on_a_declared_channel_arrives_converted_or_is_refused(
        runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        notes = runtime.channel_events("declared:note")
        outcome = await in_page(runtime, win, """
            const refused = new Promise((resolve) => runtime.on("runtime:error", (e) => resolve(e)));
            runtime.send("declared:note", {text: 7});
            runtime.send("declared:note", {text: "kept"});
            const e = await refused;
            return {name: e.name, message: e.message};""")
        assert outcome["value"]["name"] == "PayloadError", outcome
        assert outcome["value"]["message"] == (
            "runtime.send('declared:note'): payload.text: expected a string, got 7"), outcome
        event = await next_event(notes)  # the refused one never reached Python
        assert event.payload == Note(text="kept") and event.window_id == win.id
        notes.close()

    arun(main())


@dataclasses.dataclass
class Stamp:
    when: datetime.datetime  # not a hint the boundary checks


@dataclasses.dataclass
class Entry:
    stamp: Stamp


def test_unsupported_hints_are_refused_when_declared_naming_where() -> None:
    unsupported = "cannot be checked at the boundary: use Any, None"
    with pytest.raises(weft.ArgumentError, match=rf"^ipc.handler\('declared:bad'\) on .*bad, parameter p: set\[int\] "
                                                  rf"{unsupported}"):
        @ipc.handler("declared:bad")
        def bad(p: set[int], window_id: str) -> None: ...

    with pytest.raises(weft.ArgumentError, match=r"^ipc.handler\('declared:stamp'\) on .*stamp, its return hint: "
                                                 r"field .*Entry.stamp > .*Stamp.when: <class 'datetime.datetime'> "
                                                 + unsupported):
        @ipc.handler("declared:stamp")
        def stamp(p: int, window_id: str) -> Entry: ...

    with pytest.raises(weft.ArgumentError, match=r"^ipc.channel\('declared:tick'\): dict\[int, str\] " + unsupported):
        ipc.channel("declared:tick", dict[int, str])


def test_a_result_its_declaration_does_not_allow_is_said_in_python_too(
        runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> dict[str, Any]:
        win = await open_page(runtime, "<p>x</p>")
        return await in_page(runtime, win, 'return await runtime.invoke("declared:bad-result", 1);')

    with caplog.at_level(logging.WARNING, logger="weft.ipc"):
        outcome = arun(main())
    assert (outcome["name"], outcome["message"]) == ("PayloadError", 'result: expected an integer, got "not an int"')
    assert [r.getMessage() for r in caplog.records if r.name == "weft.ipc"] == [
        "handler bad_result for 'declared:bad-result' returned what its declaration does not allow: "
        'result: expected an integer, got "not an int"']


def test_an_explicit_handler_takes_a_declared_channel_over_and_is_checked_too(
        runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        stand_in: list[Any] = []
        undo = runtime.handle("declared:add", lambda p, window_id: stand_in.append(p) or Sum(total=-1))
        outcome = await in_page(runtime, win, 'return await runtime.invoke("declared:add", {a: 1, b: 2});')
        assert outcome["value"] == {"total": -1, "kind": "sum"} and stand_in == [{"a": 1, "b": 2}]
        outcome = await in_page(runtime, win, 'return await runtime.invoke("declared:add", {a: 1});')
        assert outcome["name"] == "PayloadError" and len(stand_in) == 1  # the declaration still checks
        with pytest.raises(weft.HandlerExistsError):
            runtime.handle("declared:add", lambda p, window_id: 0)  # two explicit ones: as before
        undo()  # the declared function answers again
        outcome = await in_page(runtime, win, 'return await runtime.invoke("declared:add", {a: 1, b: 2});')
        assert outcome["value"] == {"total": 3, "kind": "sum"}

    arun(main())


def test_a_declared_streaming_handler_is_read_as_a_stream(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        outcome = await in_page(runtime, win, """
            const stream = await runtime.invoke("declared:download", 2500);
            const reader = stream.getReader();
            const got = [];
            for (;;) { const {done, value} = await reader.read(); if (done) break; got.push(value.length, value[0]); }
            return got;""")
        assert outcome["value"] == [1000, 0, 1000, 1, 500, 2], outcome
        outcome = await in_page(runtime, win, 'return await runtime.invoke("declared:download", "big");')
        assert outcome["name"] == "PayloadError" and "expected an integer" in outcome["message"]
        outcome = await in_page(runtime, win, 'return await runtime.invoke("declared:not-a-stream");')
        assert outcome["name"] == "PayloadError" and "expected an async iterator of bytes, got a bytes" in outcome["message"]

    arun(main())
