"""Callbacks an app registers with weft (menu choices, tray clicks, a second
launch, a deep link): sync or async, each isolated from the others::

    clicks = Callbacks("tray.on_click", logging.getLogger("weft.tray"))
    unsubscribe = clicks.add(callback)
    clicks.call()          # every callback, now; an async one as a task

Qt-free.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from typing import Any, Callable

from .errors import ArgumentError

_tasks: set[asyncio.Future[Any]] = set()
"""Callbacks' tasks still running, kept so that none is collected midway."""


def run_callback(logger: logging.Logger, callback: Callable[..., Any], *args: Any) -> None:
    """Call ``callback(*args)``; an awaitable it returns runs as a task on
    the loop. What it raises is logged on ``logger`` and goes no further, so
    one failing callback does not stop the others."""
    try:
        result = callback(*args)
    except Exception:
        logger.exception("callback %r failed", callback)
        return
    if inspect.isawaitable(result):
        task = asyncio.ensure_future(result)
        _tasks.add(task)
        task.add_done_callback(functools.partial(_on_task_done, logger, callback))


def _on_task_done(logger: logging.Logger, callback: Any, task: asyncio.Future[Any]) -> None:
    _tasks.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("callback %r failed", callback, exc_info=task.exception())


_app_wide: list[Callbacks] = []
"""The module-level registries (menu choices, second launches, deep links)."""


def end_run() -> None:
    """Forget what the app registered in the module-level registries: its
    runtime shut down, and the next one (the next test's) starts clean."""
    for callbacks in _app_wide:
        callbacks.clear()


class Callbacks:
    """The callbacks registered for one thing, in the order they came.
    ``app_wide``: a module-level registry, emptied by :func:`end_run`."""

    def __init__(self, what: str, logger: logging.Logger, *, app_wide: bool = False) -> None:
        self._what = what
        self._logger = logger
        self._callbacks: list[Callable[..., Any]] = []
        if app_wide:
            _app_wide.append(self)

    def __bool__(self) -> bool:
        return bool(self._callbacks)

    def add(self, callback: Callable[..., Any]) -> Callable[[], None]:
        """Register ``callback``; returns the function that unregisters it
        (calling it again does nothing). :class:`weft.ArgumentError` if it is
        not callable."""
        if not callable(callback):
            raise ArgumentError(f"{self._what} takes a callable, not {callback!r}")
        self._callbacks.append(callback)

        def remove() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return remove

    def call(self, *args: Any) -> None:
        """Call each with ``args`` (see :func:`run_callback`)."""
        for callback in tuple(self._callbacks):
            run_callback(self._logger, callback, *args)

    def clear(self) -> None:
        self._callbacks.clear()
