"""Broadcast targets: extra windows that acknowledge each message on receipt.

Each system opens its targets once (``open``) and reuses them for every
broadcast; ``broadcast(count, n)`` sends ``n`` to the first ``count`` of them
and returns the seconds until every one has acknowledged it.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView

import weft

import rawchannel
from measure import CALL_TIMEOUT, OPEN_TIMEOUT, BenchmarkError, within
from pages import page_html


class Acks:
    """Counts the acknowledgements of the one broadcast in flight."""

    def __init__(self) -> None:
        self._number: Any = None
        self._left = 0
        self._done: asyncio.Future[None] | None = None

    def expect(self, number: int, count: int) -> asyncio.Future[None]:
        """A future done once ``count`` windows acknowledged broadcast ``number``."""
        self._number, self._left = number, count
        self._done = asyncio.get_running_loop().create_future()
        return self._done

    def hit(self, number: Any) -> None:
        if number != self._number or self._done is None or self._done.done():
            return
        self._left -= 1
        if self._left == 0:
            self._done.set_result(None)


async def delete_later(obj: QObject, what: str) -> None:
    """Delete ``obj`` from within the loop (as weft deletes its own profile)
    and wait until it is gone."""
    gone = asyncio.get_running_loop().create_future()
    obj.destroyed.connect(lambda: gone.done() or gone.set_result(None))
    obj.deleteLater()
    await within(OPEN_TIMEOUT, gone, f"{what} to be deleted")


class WeftFan:
    """weft windows running js/weft_fan.js, reached with ``runtime.broadcast``."""

    def __init__(self, runtime: weft.Runtime) -> None:
        self._runtime = runtime
        self._windows: list[weft.Window] = []
        self._acks = Acks()
        self._unsubscribe = runtime.on_channel("bench:ack", lambda payload, window_id: self._acks.hit(payload))

    async def open(self, count: int) -> None:
        for number in range(count):
            window = await self._runtime.create_window(
                title=f"bench weft fan {number}", width=200, height=150, html=page_html("weft_fan.js")
            )
            self._windows.append(window)
            try:
                await window.wait_ready(timeout=OPEN_TIMEOUT)
            except TimeoutError as exc:
                raise BenchmarkError(f"weft broadcast target {number} did not connect: {exc}") from None

    async def broadcast(self, count: int, number: int) -> float:
        ids = [window.id for window in self._windows[:count]]
        acknowledged = self._acks.expect(number, count)
        start = time.perf_counter()
        result = await self._runtime.broadcast(ids, "bench:ping", number)
        if not result.ok:
            raise BenchmarkError(f"weft broadcast failed for some windows: {result.failed}")
        await within(CALL_TIMEOUT, acknowledged, f"{count} weft windows to acknowledge a broadcast")
        return time.perf_counter() - start

    async def close(self) -> None:
        self._unsubscribe()
        for window in self._windows:
            await within(OPEN_TIMEOUT, window.close(), "a weft broadcast target to close")


class RawFan:
    """Raw QWebChannel views running js/raw_fan.js, reached by emitting each
    view's ``deliver`` signal in turn."""

    def __init__(self, profile: QWebEngineProfile) -> None:
        self._profile = profile
        self._views: list[QWebEngineView] = []
        self._bridges: list[rawchannel.RawBridge] = []
        self._acks = Acks()
        self._ready: asyncio.Future[None] | None = None

    async def open(self, count: int) -> None:
        for number in range(count):
            self._ready = asyncio.get_running_loop().create_future()
            view, bridge = rawchannel.open_view(self._profile, page_html("raw_fan.js"), self._on_post)
            self._views.append(view)
            self._bridges.append(bridge)
            await within(OPEN_TIMEOUT, self._ready, f"raw broadcast target {number} to connect")

    def _on_post(self, text: str) -> None:
        message = json.loads(text)
        if message["k"] == "ack":
            self._acks.hit(message["p"])
        elif message["k"] == "ready" and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    async def broadcast(self, count: int, number: int) -> float:
        acknowledged = self._acks.expect(number, count)
        start = time.perf_counter()
        text = json.dumps({"k": "ping", "p": number})
        for bridge in self._bridges[:count]:
            bridge.deliver.emit(text)
        await within(CALL_TIMEOUT, acknowledged, f"{count} raw windows to acknowledge a broadcast")
        return time.perf_counter() - start

    async def close(self) -> None:
        for view in self._views:
            if shiboken6.isValid(view):
                view.close()
                await delete_later(view, "a raw broadcast target")
