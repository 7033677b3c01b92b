"""The bulk lane in the router, without Qt: a fake lane stands in for the
page's origin, so refusals of hostile bulk frames can be checked exactly."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Sequence

import pytest

from weft import PayloadError
from weft.ipc import Limits, Router
from weft.ipc.bulk import THRESHOLD
from tests.unit.test_router import FakePage, post, turn


class FakeLane:
    """Bodies a page stored (by token) and bodies Python staged for it."""

    def __init__(self, served: bool = True) -> None:
        self.served = served
        self.stored: dict[str, bytes] = {}
        self.staged: dict[str, bytes] = {}
        self.discarded = 0

    def stage(self, chunks: Sequence[Any]) -> str | None:
        if not self.served:
            return None
        token = f"token-{len(self.staged):010d}"
        self.staged[token] = b"".join(bytes(chunk) for chunk in chunks)
        return token

    def claim(self, token: str) -> memoryview | None:
        body = self.stored.pop(token, None)
        return memoryview(body) if body is not None else None

    def discard(self) -> None:
        self.staged.clear()
        self.discarded += 1

    def store(self, token: str, frame: dict[str, Any], *parts: bytes) -> dict[str, Any]:
        """Store a body as a page's runtime would; return its bulk frame."""
        head = json.dumps(frame).encode()
        self.stored[token] = head + b"".join(parts)
        paths = [path for path, _ in _nulls(frame)]
        return {"k": "bulk", "i": token, "n": [len(head), *map(len, parts)], "b": paths, "t": []}


def _nulls(frame: dict[str, Any]) -> list[tuple[list[Any], None]]:
    payload = frame.get("p", frame.get("v"))
    key = "p" if "p" in frame else "v"
    if payload is None:
        return [([key], None)]
    return [([key, k], None) for k, v in payload.items() if v is None]


def setup(served: bool = True) -> tuple[Router, FakePage, FakeLane]:
    router = Router()
    page, lane = FakePage(), FakeLane(served)
    router.attach("w", page, lane=lane)
    post(router, "w", {"k": "hello"})
    return router, page, lane


def test_a_stored_body_becomes_the_frame_with_bytes_in_place() -> None:
    async def main() -> None:
        router, _page, lane = setup()
        seen: list[Any] = []
        router.on_channel("up", lambda payload, window_id: seen.append(payload))
        frame = lane.store("t" * 20, {"k": "send", "c": "up", "p": {"a": None, "b": None, "n": 1}}, b"\x00\x01", b"")
        post(router, "w", {"k": "send", "c": "up", "p": 0}, frame, {"k": "send", "c": "up", "p": 2})
        await turn()
        assert seen == [0, {"a": b"\x00\x01", "b": b"", "n": 1}, 2]
        assert lane.stored == {}  # claimed once

    asyncio.run(main())


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"k": "bulk", "i": "short", "n": [2], "b": [], "t": []}, "16 to 64"),
        ({"k": "bulk", "i": "x" * 20, "n": [2, 1], "b": [], "t": []}, "one size"),
        ({"k": "bulk", "i": "x" * 20, "n": [-1], "b": [], "t": []}, "integers"),
        ({"k": "bulk", "i": "x" * 20, "n": [2, 1], "b": [["k"]], "t": []}, "starts at 'p' or 'v'"),
        ({"k": "bulk", "i": "x" * 20, "n": [2], "b": [], "extra": 1}, "exactly the fields"),
        ({"k": "bulk", "i": "x" * 20, "n": [2**40], "b": [], "t": []}, "at most"),
        ({"k": "bulk", "i": "y" * 20, "n": [2], "b": [], "t": []}, "no bulk body"),
        ({"k": "bulk", "i": "x" * 20, "n": [2, 1], "b": [["p"]], "t": [1]}, "indices of its parts"),
    ],
)
def test_bad_bulk_frames_are_refused_with_a_notice(frame: dict[str, Any], expected: str) -> None:
    async def main() -> None:
        router, page, lane = setup()
        lane.stored["x" * 20] = b"{}"
        post(router, "w", frame, {"k": "send", "c": "after", "p": 1})
        await turn()
        notices = [f for f in page.frames if f["k"] == "notice"]
        assert len(notices) == 1 and expected in notices[0]["e"]["message"]

    asyncio.run(main())


@pytest.mark.parametrize(
    ("body", "paths", "expected"),
    [
        (b'{"k":"hello"}', [], "one send, invoke, result or error"),
        (b'{"k":"bulk","i":"x","n":[1],"b":[]}', [], "one send, invoke, result or error"),
        (b'{"k":"send","c":"up","p":{"a":1}}', [["p", "a"]], "null slot"),
        (b'{"k":"send","c":"up","p":{"a":null}}', [["p", "zz", "a"]], "outside the frame"),
        (b'{"k":"send","c":"up","p":NaN}', [], "NaN"),
        (b'\xff\xfe', [], "UTF-8"),
        (b'{"k":"send","c":"close","p":null}', [], "reserved"),
    ],
)
def test_bad_bodies_are_refused(body: bytes, paths: list[list[Any]], expected: str) -> None:
    async def main() -> None:
        router, page, lane = setup()
        lane.stored["z" * 20] = body + b"\x01" * len(paths)
        post(router, "w", {"k": "bulk", "i": "z" * 20, "n": [len(body), *([1] * len(paths))], "b": paths, "t": []})
        await turn()
        notices = [f for f in page.frames if f["k"] == "notice"]
        assert len(notices) == 1 and expected in notices[0]["e"]["message"], page.frames

    asyncio.run(main())


def test_a_bad_bulk_invoke_fails_that_call() -> None:
    async def main() -> None:
        router, page, lane = setup()
        body = b'{"k":"invoke","i":7,"c":"x","p":{"a":5}}'
        lane.stored["q" * 20] = body + b"\x01"
        post(router, "w", {"k": "bulk", "i": "q" * 20, "n": [len(body), 1], "b": [["p", "a"]], "t": []})
        await turn()
        assert [(f["k"], f.get("i")) for f in page.frames] == [("error", 7)]

    asyncio.run(main())


def test_python_bytes_and_long_text_are_staged_and_ordered() -> None:
    async def main() -> None:
        router, page, lane = setup()
        await router.send_to_window("w", "down", 1)
        await router.send_to_window("w", "down", {"b": b"xyz"})
        await router.send_to_window("w", "down", "x" * (THRESHOLD + 1))
        await router.send_to_window("w", "down", 3)
        await turn()
        kinds = [f["k"] for f in page.frames]
        assert kinds == ["send", "bulk", "bulk", "send"]
        first = page.frames[1]
        body = lane.staged[first["i"]]
        assert first["b"] == [["p", "b"]] and body[first["n"][0]:] == b"xyz"
        assert json.loads(body[: first["n"][0]]) == {"k": "send", "c": "down", "p": {"b": None}}

    asyncio.run(main())


def test_pages_without_a_lane_get_long_text_inline_and_refuse_bytes() -> None:
    async def main() -> None:
        router, page, _lane = setup(served=False)
        with pytest.raises(PayloadError, match="served by weft"):
            await router.send_to_window("w", "down", b"x")
        await router.send_to_window("w", "down", "x" * (THRESHOLD + 1))
        await turn()
        assert page.frames[-1]["p"] == "x" * (THRESHOLD + 1)

    asyncio.run(main())


def test_unload_discards_what_the_old_document_never_fetched() -> None:
    async def main() -> None:
        router, _page, lane = setup()
        await router.send_to_window("w", "down", b"never fetched")
        router.unload("w", "page reloaded")
        assert lane.staged == {} and lane.discarded == 1

    asyncio.run(main())


def test_the_bulk_size_limit_is_a_limit() -> None:
    async def main() -> None:
        router = Router(Limits(max_bulk_bytes=10))
        page, lane = FakePage(), FakeLane()
        router.attach("w", page, lane=lane)
        post(router, "w", {"k": "hello"}, {"k": "bulk", "i": "x" * 20, "n": [11], "b": [], "t": []})
        await turn()
        assert "at most 10 bytes" in page.frames[-1]["e"]["message"]

    asyncio.run(main())


def test_a_bulk_body_is_not_held_to_the_bridge_batch_limit() -> None:
    async def main() -> None:
        router = Router(Limits(max_batch_chars=1000))
        page, lane = FakePage(), FakeLane()
        router.attach("w", page, lane=lane)
        seen: list[Any] = []
        router.on_channel("up", lambda payload, window_id: seen.append(len(payload)))
        head = json.dumps({"k": "send", "c": "up", "p": "x" * 5000}).encode()
        lane.stored["b" * 20] = head
        post(router, "w", {"k": "hello"}, {"k": "bulk", "i": "b" * 20, "n": [len(head)], "b": [], "t": []})
        await turn()
        assert seen == [5000]

    asyncio.run(main())


def test_long_strings_travel_as_text_parts_both_ways() -> None:
    async def main() -> None:
        from weft.ipc.bulk import LONG_TEXT

        router, page, lane = setup()
        long = "é" * LONG_TEXT
        await router.send_to_window("w", "down", {"a": long, "b": "short", "c": b"\x01"})
        await turn()
        frame = page.frames[-1]
        assert frame["b"] == [["p", "a"], ["p", "c"]] and frame["t"] == [0]
        body = lane.staged[frame["i"]]
        head, text = body[: frame["n"][0]], body[frame["n"][0]: frame["n"][0] + frame["n"][1]]
        assert json.loads(head)["p"] == {"a": None, "b": "short", "c": None} and text.decode() == long
        seen: list[Any] = []
        router.on_channel("up", lambda payload, window_id: seen.append(payload))
        head = json.dumps({"k": "send", "c": "up", "p": [None, None]}).encode()
        lane.stored["s" * 20] = head + long.encode() + b"\x02"
        post(router, "w", {"k": "bulk", "i": "s" * 20, "n": [len(head), len(long.encode()), 1],
                           "b": [["p", 0], ["p", 1]], "t": [0]})
        await turn()
        assert seen == [[long, b"\x02"]]

    asyncio.run(main())
