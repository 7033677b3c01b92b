"""Tasks the runtime starts on its own behalf, tracked so none is lost."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Coroutine

import attrs

log = logging.getLogger("weft.ipc")


def cancelled_from_outside() -> bool:
    """Whether the running task was asked to stop: in an ``except
    CancelledError``, True when the cancellation is the task's own (weft or
    the app cancelled it), False when it came from something the task
    awaited, which the task's code should answer like any other error."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


@attrs.define(eq=False)
class Tasks:
    """Holds a strong reference to every task it spawns until it finishes,
    logs what a task raised, and cancels the rest on :meth:`shutdown`."""

    _running: set[asyncio.Task[Any]] = attrs.field(factory=set, init=False)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._running.add(task)
        task.add_done_callback(self._on_done)
        return task

    def _on_done(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    def __len__(self) -> int:
        return len(self._running)

    def names(self) -> list[str]:
        """The names of the tasks still running (for tests and diagnostics)."""
        return sorted(task.get_name() for task in self._running)

    async def shutdown(self) -> None:
        """Cancel what is still running and wait for it to finish."""
        running = tuple(self._running)
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
