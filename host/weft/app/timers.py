"""The event loop's callbacks on one ``QTimer``, never ``killTimer``.

qasync (0.28) runs every ``call_soon``/``call_later`` callback on a
``QObject.startTimer`` timer and stops it with ``QObject.killTimer`` after it
fires. In PySide6 6.11.3 the process's first ``killTimer`` builds the Python
enum classes of Qt's whole ``Qt`` namespace (the call has a
``killTimer(Qt.TimerId)`` overload to tell apart): 15–45 ms, spent before
``main()`` starts. Starting and stopping a ``QTimer`` builds nothing, and one
timer event runs every callback that is due (``await asyncio.sleep(0)`` in a
loop: ≈ 40 % more turns a second than on qasync's timers).

``call_soon``, ``call_later`` and ``call_at`` check their callback only in
debug mode, as asyncio's own loops do; qasync checks each one with
``asyncio.iscoroutinefunction`` (a future set and awaited: 12.2 → 9.3 µs,
``sleep(0)`` turns a second: +26 %).

This leans on one seam of qasync's ``_QEventLoop``: ``_add_callback(handle,
delay)``, through which ``call_soon``, ``call_later`` and ``call_at`` all
pass. If a qasync release renames or bypasses it, callbacks go back to
qasync's own timer (still correct, only slower to start):
``tests/e2e/test_startup.py`` then sees the ``Qt`` namespace built and fails.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import heapq
import itertools
import logging
import math
import time
from typing import Callable

import qasync
import shiboken6
from PySide6.QtCore import QObject, QTimer

log = logging.getLogger("weft.loop")
COMPACT_AT = 256
"""Pending ``call_later`` handles past which the heap is first rid of cancelled ones."""


class Timers(QObject):
    """Runs the loop's handles on one ``QTimer``: those due now in the order
    they came, then those whose time has come, by due time and then in
    order; like qasync's, they run from a timer event (so Qt's own events
    keep their place between them), but a pending ``call_later`` holds no Qt
    timer, and a burst of ``call_soon`` costs one timer event."""

    def __init__(self) -> None:
        super().__init__()
        self._stopped = False
        self._debug = False
        self._ready: collections.deque[asyncio.Handle] = collections.deque()
        self._later: list[tuple[float, int, asyncio.Handle]] = []
        self._compact_at = COMPACT_AT
        self._order = itertools.count()
        self._clock = QTimer(self)
        self._clock.setSingleShot(True)
        self._clock.timeout.connect(self._on_clock)

    def add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        # Milliseconds as qasync counts them (truncated), so timing is as before.
        milliseconds = int(max(0, delay) * 1000)
        if milliseconds == 0:
            self._ready.append(handle)
            if len(self._ready) == 1:
                self._clock.start(0)
            return handle
        heapq.heappush(self._later, (time.monotonic() + milliseconds / 1000, next(self._order), handle))
        if len(self._later) > self._compact_at:
            self._compact()
        if not self._ready and self._later[0][2] is handle:
            self._arm()
        return handle

    def _compact(self) -> None:
        """Drop cancelled handles from the heap. A cancelled ``call_later``
        would wait there until its time (qasync's handles do not tell the
        loop they were cancelled): a call's 30 s timeout, cancelled when it
        is answered, at thousands of calls a second. Rebuilt when it has
        doubled since the last time: amortized, a constant per push."""
        self._later = [entry for entry in self._later if not entry[2]._cancelled]
        heapq.heapify(self._later)
        self._compact_at = max(COMPACT_AT, 2 * len(self._later))

    def _arm(self) -> None:
        if self._ready:
            self._clock.start(0)
        elif self._later:
            self._clock.start(max(0, math.ceil((self._later[0][0] - time.monotonic()) * 1000)))

    def _on_clock(self) -> None:
        # What arrives while these run waits for the next timer event, as in asyncio.
        for _ in range(len(self._ready)):
            self._fire(self._ready.popleft())
        now = time.monotonic()  # a coarse QTimer may fire a little early: what is not yet due waits
        while self._later and self._later[0][0] <= now:
            self._fire(heapq.heappop(self._later)[2])
        if not self._stopped:
            self._arm()

    def _fire(self, handle: asyncio.Handle) -> None:
        if self._stopped or handle._cancelled:
            return
        if not self._debug:
            handle._run()
            return
        loop = handle._loop
        loop._current_handle = handle  # what asyncio's debug messages name
        started = time.monotonic()
        try:
            handle._run()
        finally:
            loop._current_handle = None
        if (took := time.monotonic() - started) >= loop.slow_callback_duration:
            log.warning("Executing %s took %.3f seconds", handle, took)

    def stop(self) -> None:
        """The loop is closing: what is still due never runs."""
        self._stopped = True
        self._ready.clear()
        self._later.clear()
        if shiboken6.isValid(self._clock):  # not at exit, after Qt's objects have gone
            self._clock.stop()

    def set_debug(self, enabled: bool) -> None:
        self._debug = enabled


class EventLoop(qasync.QEventLoop):  # type: ignore[misc, valid-type]
    """qasync's loop, its callbacks run by :class:`Timers`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._timers = Timers()
        super().__init__(*args, **kwargs)

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        return self._timers.add_callback(handle, delay)

    # qasync checks every callback with asyncio.iscoroutinefunction (about
    # 1.5 µs, three times a round trip); asyncio's own loops check only in
    # debug mode, and so do these.
    def call_soon(self, callback: Callable[..., object], *args: object,
                  context: contextvars.Context | None = None) -> asyncio.Handle:
        if self._debug:
            return super().call_soon(callback, *args, context=context)  # type: ignore[no-any-return]
        return self._timers.add_callback(asyncio.Handle(callback, args, self, context), 0)

    def call_later(self, delay: float, callback: Callable[..., object], *args: object,
                   context: contextvars.Context | None = None) -> asyncio.Handle:
        if self._debug:
            return super().call_later(delay, callback, *args, context=context)  # type: ignore[no-any-return]
        return self._timers.add_callback(asyncio.Handle(callback, args, self, context), delay)

    def call_at(self, when: float, callback: Callable[..., object], *args: object,
                context: contextvars.Context | None = None) -> asyncio.Handle:
        return self.call_later(when - self.time(), callback, *args, context=context)

    def set_debug(self, enabled: bool) -> None:
        super().set_debug(enabled)
        self._timers.set_debug(enabled)

    def close(self) -> None:
        if not self.is_running() and not self.is_closed():
            self._timers.stop()
        super().close()
