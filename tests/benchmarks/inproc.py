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
from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView

import weft
from weft import app as weft_app

import rawchannel
from measure import (
    CALL_TIMEOUT,
    OPEN_TIMEOUT,
    BenchmarkError,
    LoopSettings,
    Round,
    RoundTrips,
    from_page_report,
    time_python_round_trips,
    within,
)
from pages import page_html
from startup import MARKER, script_command

T = TypeVar("T")


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


class WeftSystem:
    """weft through its public API: ``Runtime``, ``handle``, ``invoke``."""

    name = "weft"
    optional = False

    @staticmethod
    def startup_command() -> list[str]:
        return script_command("startup_weft.py", MARKER)

    def __init__(self) -> None:
        self._runtime = weft.Runtime()
        self._window: weft.Window | None = None

    async def open(self) -> None:
        self._runtime.handle("echo", lambda payload, window_id: payload)
        self._window = await self._runtime.create_window(
            title="bench weft", width=400, height=300, html=page_html("loop.js", "weft_page.js")
        )
        try:
            await self._window.wait_ready(timeout=OPEN_TIMEOUT)
        except TimeoutError as exc:
            raise BenchmarkError(f"weft page did not connect: {exc}") from None

    async def round(self, settings: LoopSettings) -> Round:
        renderer = await self._renderer_round_trips(settings)
        python = await within(
            settings.timeout, time_python_round_trips(self._invoke, settings), "weft Python → renderer loop"
        )
        return Round(renderer=renderer, python=python)

    async def _renderer_round_trips(self, settings: LoopSettings) -> RoundTrips:
        assert self._window is not None
        async with self._runtime.channel_events("bench:report") as reports:
            await self._runtime.send_to_window(self._window.id, "bench:start", settings.as_json())
            event = await within(settings.timeout, reports.next(), "the weft page's timed loop")
        if event is None:
            raise BenchmarkError("weft shut down before the page reported")
        return from_page_report(event.payload, "weft")

    async def _invoke(self, payload: dict[str, int]) -> Any:
        assert self._window is not None
        return await self._runtime.invoke(self._window.id, "echo", payload, timeout=CALL_TIMEOUT)

    async def close(self) -> None:
        await within(OPEN_TIMEOUT, self._runtime.shutdown(), "weft to shut down")


class RawSystem:
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

    async def open(self) -> None:
        ready = self._expect("ready")
        # Off the record, like the profile weft makes for its windows.
        self._profile = QWebEngineProfile()
        self._view, self._bridge = rawchannel.open_view(
            self._profile, page_html("loop.js", "raw_page.js"), self._on_post
        )
        await within(OPEN_TIMEOUT, ready, "the raw page to connect")

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

    async def round(self, settings: LoopSettings) -> Round:
        renderer = await self._renderer_round_trips(settings)
        python = await within(
            settings.timeout, time_python_round_trips(self._call, settings), "raw Python → renderer loop"
        )
        return Round(renderer=renderer, python=python)

    async def _renderer_round_trips(self, settings: LoopSettings) -> RoundTrips:
        report = self._expect("report")
        self._deliver({"k": "start", "p": settings.as_json()})
        payload = await within(settings.timeout, report, "the raw page's timed loop")
        return from_page_report(payload, "raw")

    async def _call(self, payload: dict[str, int]) -> Any:
        call_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        self._deliver({"k": "call", "i": call_id, "p": payload})
        try:
            return await within(CALL_TIMEOUT, future, "the raw page to answer a call")
        finally:
            self._pending.pop(call_id, None)

    async def close(self) -> None:
        # Pages die before their profile: the page is the view's child.
        if self._view is not None and shiboken6.isValid(self._view):
            self._view.close()
            await _delete_later(self._view, "the raw view")
        if self._profile is not None and shiboken6.isValid(self._profile):
            await _delete_later(self._profile, "the raw profile")


async def _delete_later(obj: QObject, what: str) -> None:
    """Delete ``obj`` from within the loop (as weft deletes its own profile)
    and wait until it is gone."""
    gone = asyncio.get_running_loop().create_future()
    obj.destroyed.connect(lambda: gone.done() or gone.set_result(None))
    obj.deleteLater()
    await within(OPEN_TIMEOUT, gone, f"{what} to be deleted")
