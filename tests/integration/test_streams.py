"""Streams: a Python handler's async iterator of bytes read by a real page
as a ReadableStream of Uint8Array, with backpressure, cancellation both
ways, and errors (weft.ipc.streams; the lane in webengine/bulk.py)."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, AsyncIterator, Callable

import weft
from tests.conftest import in_page, open_page, until

READ_ALL = """
const stream = await runtime.invoke(%s, %s);
const reader = stream.getReader();
const sizes = [];
let first = null;
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  if (first === null) first = Array.from(value.slice(0, 3));
  sizes.push(value instanceof Uint8Array ? value.length : -1);
}
return [stream instanceof ReadableStream, sizes, first];
"""



def test_an_async_generator_handler_streams_its_chunks(runtime: weft.Runtime, arun: Any) -> None:
    async def chunks(payload: Any, window_id: str) -> AsyncIterator[bytes]:
        for index in range(payload["count"]):
            yield bytes([index]) * payload["size"]

    async def main() -> None:
        runtime.handle("chunks", chunks)
        win = await open_page(runtime, "<p>stream</p>")
        outcome = await in_page(runtime, win, READ_ALL % ('"chunks"', '{count: 5, size: 300000}'))
        assert outcome["value"] == [True, [300000] * 5, [0, 0, 0]], outcome

    arun(main())


class Countdown:
    """An async iterator that is not a generator: a plain object with __anext__."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __aiter__(self) -> Countdown:
        return self

    async def __anext__(self) -> bytes:
        if self.count == 0:
            raise StopAsyncIteration
        self.count -= 1
        return bytearray([self.count])


def test_sync_and_async_handlers_may_return_an_async_iterator(runtime: weft.Runtime, arun: Any) -> None:
    async def later(payload: Any, window_id: str) -> Countdown:
        await asyncio.sleep(0)
        return Countdown(2)

    async def main() -> None:
        runtime.handle("now", lambda payload, window_id: Countdown(3))
        runtime.handle("later", later)
        win = await open_page(runtime, "<p>stream</p>")
        assert (await in_page(runtime, win, READ_ALL % ('"now"', "null")))["value"] == [True, [1, 1, 1], [2]]
        assert (await in_page(runtime, win, READ_ALL % ('"later"', "null")))["value"] == [True, [1, 1], [1]]

    arun(main())


def test_python_makes_no_chunk_the_page_has_not_asked_for(runtime: weft.Runtime, arun: Any) -> None:
    """A slow reader holds the producer: after k reads Python has made k + 1
    chunks (one read ahead), however long the page takes to read on."""
    produced = 0

    async def endless(payload: Any, window_id: str) -> AsyncIterator[bytes]:
        nonlocal produced
        while True:
            produced += 1
            yield b"x" * 100_000

    async def main() -> None:
        runtime.handle("endless", endless)
        runtime.handle("tick", lambda payload, window_id: payload)
        win = await open_page(runtime, "<p>slow</p>")
        outcome = await in_page(runtime, win, """
            const reader = (await runtime.invoke("endless")).getReader();
            for (let i = 0; i < 3; i++) await reader.read();
            for (let i = 0; i < 50; i++) await runtime.invoke("tick", i);  // the page dawdles
            return "read 3";
        """)
        assert outcome["value"] == "read 3"
        assert produced == 4

    arun(main())


def _closing(closed: asyncio.Event) -> Callable[[Any, str], AsyncIterator[bytes]]:
    """A handler whose iterator sets ``closed`` when closed. The app keeps
    a reference to each (as one might, to report progress), so it is not
    garbage that asyncio would close anyway: weft must close it."""
    kept = []

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"chunk"
        finally:
            closed.set()

    def stream(payload: Any, window_id: str) -> AsyncIterator[bytes]:
        kept.append(chunks())
        return kept[-1]

    return stream


def test_the_page_cancelling_its_stream_closes_the_iterator(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        closed = asyncio.Event()
        runtime.handle("cancel-me", _closing(closed))
        win = await open_page(runtime, "<p>cancel</p>")
        outcome = await in_page(runtime, win, """
            const stream = await runtime.invoke("cancel-me");
            const reader = stream.getReader();
            const { value } = await reader.read();
            await reader.cancel("enough");
            return value.length;
        """)
        assert outcome["value"] == 5
        async with asyncio.timeout(10):
            await closed.wait()

    arun(main())


def test_closing_the_window_closes_the_iterator(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        closed = asyncio.Event()
        runtime.handle("held", _closing(closed))
        win = await open_page(runtime, "<p>held</p>")
        outcome = await in_page(runtime, win, """
            window.held = (await runtime.invoke("held")).getReader();
            return (await window.held.read()).value.length;
        """)
        assert outcome["value"] == 5 and not closed.is_set()
        await win.close()
        async with asyncio.timeout(10):
            await closed.wait()

    arun(main())


def test_an_error_mid_stream_reaches_the_reader_naming_the_exception(runtime: weft.Runtime, arun: Any) -> None:
    async def failing(payload: Any, window_id: str) -> AsyncIterator[bytes]:
        yield b"ok"
        raise OSError("the disk went away")

    async def wrong(payload: Any, window_id: str) -> AsyncIterator[Any]:
        yield "text, not bytes"

    async def cancelled(payload: Any, window_id: str) -> AsyncIterator[bytes]:
        yield b"first"
        job = asyncio.ensure_future(asyncio.sleep(10))
        asyncio.get_running_loop().call_soon(job.cancel)  # another part of the app cancels what it waits on
        await job
        yield b"never"

    async def main() -> None:
        runtime.handle("failing", failing)
        runtime.handle("wrong", wrong)
        runtime.handle("cancelled", cancelled)
        win = await open_page(runtime, "<p>errors</p>")
        outcome = await in_page(runtime, win, """
            const outcomes = [];
            for (const channel of ["failing", "wrong", "cancelled"]) {
              const reader = (await runtime.invoke(channel)).getReader();
              try {
                for (;;) { const { done, value } = await reader.read(); if (done) break; outcomes.push(value.length); }
              } catch (err) {
                outcomes.push([err instanceof runtime.errors.WeftError, err.name, err.type, err.message]);
              }
            }
            return outcomes;
        """)
        assert outcome["value"] == [
            2, [True, "HandlerError", "OSError", "the disk went away"],
            [True, "PayloadError", "PayloadError", "stream wrong#2 yielded str, not bytes"],  # call 2 of the page
            5, [True, "HandlerError", "CancelledError", "the Python handler was cancelled (it awaited something "
                                                        "that was cancelled, or raised CancelledError)"],
        ], outcome

    arun(main())


def test_the_reference_file_example_runs_as_written(runtime: weft.Runtime, arun: Any, tmp_path: Any) -> None:
    """docs/reference.md's streamed file with progress, both halves as written."""
    import hashlib
    import re
    from pathlib import Path

    reference = (Path(__file__).resolve().parents[2] / "docs" / "reference.md").read_text("utf-8")
    python = next(b for b in re.findall(r"```python\n(.*?)```", reference, re.S) if '"read-file"' in b)
    page = next(b for b in re.findall(r"```js\n(.*?)```", reference, re.S) if "function readFile" in b)
    data = bytes(range(256)) * 13_000 + b"end"  # 3.3 MB: four chunks
    file = tmp_path / "big.bin"
    file.write_bytes(data)

    async def main() -> None:
        sample: dict[str, Any] = {}
        exec(compile(python, "docs/reference.md", "exec"), sample)
        await sample["main"]()  # registers on the active runtime, as weft.run's would
        win = await open_page(runtime, "<p>file</p>")
        outcome = await in_page(runtime, win, page + f"""
            const progress = [];
            const got = await readFile({json.dumps(str(file))}, (fraction) => progress.push(fraction));
            const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", got));
            return [Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""), progress];
        """)
        digest, progress = outcome["value"]
        assert digest == hashlib.sha256(data).hexdigest()
        assert len(progress) == 4 and progress == sorted(progress) and progress[-1] == 1
        missing = json.dumps(str(tmp_path / "missing.bin"))
        refused = await in_page(runtime, win, f"""
            try {{ await runtime.invoke("read-file", {{ path: {missing} }}); return "resolved"; }}
            catch (e) {{ return [e.name, e.type]; }}""")
        assert refused["value"] == ["HandlerError", "FileNotFoundError"]  # at the invoke, not at a read

    arun(main())


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_page_holds_at_most_max_open_streams_and_the_host_s_files_with_them(runtime: weft.Runtime,
                                                                               arun: Any) -> None:
    """Each read waiting on Python holds a request, and two of the host's
    file descriptors: a page that opened streams without end and never read
    them ran the host out of descriptors (Chromium then aborts)."""
    limit = runtime.router.limits.max_open_streams
    opened = 0
    closed = 0

    class Feed:
        """A live feed with nothing new, ever."""

        def __aiter__(self) -> Feed:
            return self

        async def __anext__(self) -> bytes:
            await asyncio.Event().wait()
            return b""

        async def aclose(self) -> None:
            nonlocal closed
            closed += 1

    def feed(payload: Any, window_id: str) -> Feed:
        nonlocal opened
        opened += 1
        return Feed()

    async def main() -> None:
        runtime.handle("feed", feed)
        win = await open_page(runtime, "<p>feeds</p>")
        before = _open_fds()
        outcome = await in_page(runtime, win, """
            window.held = [];
            const refused = [];
            for (let i = 0; i < %d; i++) {
              try { window.held.push(await runtime.invoke("feed")); }
              catch (error) { refused.push(`${error.name}: ${error.message}`); }
            }
            return [window.held.length, refused.length, refused[0]];
        """ % (limit + 100), timeout=60)
        held, refused, first = outcome["value"]
        assert (held, refused) == (limit, 100), outcome
        assert first.startswith(f"RateLimitError: window '{win.id}' has {limit} streams open, its limit"), first
        assert opened == limit + 100
        await until(lambda: closed == 100)  # each refused one closed unread
        assert _open_fds() - before < limit * 2 + 64, (before, _open_fds())
        # A stream read to its end, or cancelled, makes room for another.
        outcome = await in_page(runtime, win, """
            await window.held.pop().cancel("enough");
            const again = await runtime.invoke("feed");
            return again instanceof ReadableStream;
        """)
        assert outcome["value"] is True, outcome
        await win.close()
        await until(lambda: closed == opened)

    arun(main(), timeout=120)
