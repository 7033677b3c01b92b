"""weft and raw QWebChannel, measured side by side in this process.

Both share one QApplication and one asyncio loop, made by weft as
``weft.run`` makes them (the QApplication must be weft's: its URL schemes are
registered before it exists), and each has a window open for the whole run,
so rounds can alternate between them without reloading anything.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from typing import Any, Coroutine, TypeVar

import shiboken6
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView

import weft
from weft import app as weft_app

import rawchannel
from fanout import RawFan, WeftFan, delete_later
from measure import (
    CALL_TIMEOUT,
    OPEN_TIMEOUT,
    BenchmarkError,
    LoopSettings,
    Round,
    from_page_report,
    page_timing,
    time_python_round_trips,
    within,
)
from pages import page_html, script
from startup import MARKER, script_command

T = TypeVar("T")

UNLIMITED = weft.ipc.Limits(rate=1e9, burst=10**9)
"""weft's per-page rate limit (20,000 messages/s by default) would refuse
most of a pipelined burst; throughput is measured with it out of the way."""
PAGE_SCRIPTS = ("loop.js", "loads.js")
"""The timing code every benchmark page of weft and raw runs first."""


class QtHost:
    """The process's one QApplication and asyncio loop, both made by weft
    (``weft.app.application`` and ``weft.app.event_loop``), as ``weft.run``
    makes them; the raw page runs on the same loop."""

    def __init__(self) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        # Sets QTWEBENGINE_DISABLE_SANDBOX=1 for the process, so it covers the
        # raw page too: Chromium will not start as root with its sandbox on.
        app = weft_app.application(no_sandbox=True)
        self.loop = weft_app.event_loop(app)
        asyncio.set_event_loop(self.loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)


class _PageSystem:
    """What both systems share: one round of serial round trips each way.
    Each system says how its page runs a task and how Python calls it."""

    name: str

    async def page_task(self, task: str, settings: dict[str, Any], timeout: float) -> dict[str, Any]:
        raise NotImplementedError

    async def _python_call(self, payload: Any, timeout: float = CALL_TIMEOUT) -> Any:
        raise NotImplementedError

    async def python_echo(self, payload: Any, timeout: float) -> Any:
        """Python → page → Python with one payload (the load figures)."""
        return await self._python_call(payload, timeout)

    async def round(self, settings: LoopSettings) -> Round:
        renderer = from_page_report(await self.page_task("start", settings.as_json(), settings.timeout))
        python = await within(
            settings.timeout, time_python_round_trips(self._python_call, settings), f"{self.name} Python → renderer loop"
        )
        return Round(renderer=renderer, python=python)


class WeftSystem(_PageSystem):
    """weft through its public API: ``Runtime``, ``handle``, ``invoke``,
    ``broadcast``; its rate limit is lifted (see UNLIMITED)."""

    name = "weft"
    optional = False

    @staticmethod
    def startup_command() -> list[str]:
        return script_command("startup_weft.py", MARKER)

    def __init__(self) -> None:
        self._runtime = weft.Runtime(limits=UNLIMITED)
        self._window: weft.Window | None = None

    async def open(self) -> None:
        self._runtime.handle("echo", lambda payload, window_id: payload)
        self._window = await self._runtime.create_window(
            title="bench weft", width=400, height=300, html=page_html(*PAGE_SCRIPTS, "weft_page.js")
        )
        try:
            await self._window.wait_ready(timeout=OPEN_TIMEOUT)
        except TimeoutError as exc:
            raise BenchmarkError(f"weft page did not connect: {exc}") from None

    async def page_task(self, task: str, settings: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run ``BENCH_TASKS[task]`` (js/loads.js) in the page; its timings."""
        assert self._window is not None
        async with self._runtime.channel_events("bench:report") as reports:
            await self._runtime.send_to_window(self._window.id, f"bench:{task}", settings)
            event = await within(timeout, reports.next(), f"the weft page's {task} task")
        if event is None:
            raise BenchmarkError("weft shut down before the page reported")
        return page_timing(event.payload, "weft")

    @property
    def runtime(self) -> weft.Runtime:
        return self._runtime

    def fanout(self) -> WeftFan:
        """Broadcast targets: windows of this runtime, closed by the caller."""
        return WeftFan(self._runtime)

    binary = True
    """Echoes bytes (Uint8Array in the page) on its bulk lane."""

    async def _python_call(self, payload: Any, timeout: float = CALL_TIMEOUT) -> Any:
        assert self._window is not None
        return await self._runtime.invoke(self._window.id, "echo", payload, timeout=timeout)

    async def close(self) -> None:
        await within(OPEN_TIMEOUT, self._runtime.shutdown(), "weft to shut down")


class RawSystem(_PageSystem):
    """A bare QWebEngineView + QWebChannel page; see :mod:`rawchannel`."""

    name = "raw QWebChannel"
    optional = False

    @staticmethod
    def startup_command() -> list[str]:
        return script_command("startup_raw.py", MARKER)

    def __init__(self) -> None:
        self._profile: QWebEngineProfile | None = None
        self._view: QWebEngineView | None = None
        self._bridge: rawchannel.RawBridge | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        """Python → page calls awaiting their reply."""
        self._expected: dict[str, asyncio.Future[Any]] = {}
        """Page messages ("ready", "report") someone waits for."""

    page_script = "raw_page.js"
    isolated_transport: str | None = None

    async def open(self) -> None:
        ready = self._expect("ready")
        # Off the record, like the profile weft makes for its windows.
        self._profile = QWebEngineProfile()
        self._view, self._bridge = rawchannel.open_view(
            self._profile, page_html(*PAGE_SCRIPTS, "raw_protocol.js", self.page_script), self._on_post,
            isolated_transport=self.isolated_transport,
        )
        await within(OPEN_TIMEOUT, ready, f"the {self.name} page to connect")

    def _expect(self, kind: str) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self._expected[kind] = future
        return future

    def _deliver(self, message: dict[str, Any]) -> None:
        assert self._bridge is not None
        self._bridge.deliver.emit(json.dumps(message))

    def _on_post(self, text: str) -> None:
        message = json.loads(text)
        kind = message["k"]
        if kind == "call":
            self._deliver({"k": "reply", "i": message["i"], "p": message["p"]})
            return
        if kind == "reply":
            future = self._pending.pop(message["i"], None)
        else:
            future = self._expected.pop(kind, None)
        if future is not None and not future.done():
            future.set_result(message.get("p"))

    async def page_task(self, task: str, settings: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run ``BENCH_TASKS[task]`` (js/loads.js) in the page; its timings."""
        report = self._expect("report")
        self._deliver({"k": task, "p": settings})
        payload = await within(timeout, report, f"the raw page's {task} task")
        return page_timing(payload, "raw")

    def fanout(self) -> RawFan:
        """Broadcast targets: views in this system's profile, closed by the
        caller before :meth:`close`."""
        assert self._profile is not None
        return RawFan(self._profile)

    binary = False
    """QWebChannel carries JSON only."""

    async def _python_call(self, payload: Any, timeout: float = CALL_TIMEOUT) -> Any:
        call_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        self._deliver({"k": "call", "i": call_id, "p": payload})
        try:
            return await within(timeout, future, "the raw page to answer a call")
        finally:
            self._pending.pop(call_id, None)

    async def close(self) -> None:
        # Pages die before their profile: the page is the view's child.
        if self._view is not None and shiboken6.isValid(self._view):
            self._view.close()
            await delete_later(self._view, "the raw view")
        if self._profile is not None and shiboken6.isValid(self._profile):
            await delete_later(self._profile, "the raw profile")


class RawIsolatedSystem(RawSystem):
    """Raw QWebChannel built as weft is: the channel in an isolated world,
    the page's own world reaching it through a private port of two text
    nodes (js/raw_isolated_transport.js). No validation, routing or
    batching: what the isolated world and its relay cost, on their own."""

    name = "raw, isolated world"
    page_script = "raw_isolated_page.js"
    isolated_transport = script("raw_isolated_transport.js")
