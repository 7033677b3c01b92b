"""The ``weft.ipc`` calls, written once.

:class:`Calls` is the API: ``weft.ipc``'s module-level functions are the
methods of one instance that acts on the running runtime, and
:class:`weft.Runtime` inherits them to act on its own router. The router
implements them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from . import declared
from .events import IpcEvent
from .router import DEFAULT_INVOKE_TIMEOUT, BroadcastResult, Router
from .subscriptions import Subscription


class Calls:
    """The ``weft.ipc`` calls, acting on :meth:`_router`."""

    def _router(self) -> Router:
        raise NotImplementedError

    async def send_to_window(self, window_id: str, channel: str, payload: Any = None) -> None:
        """Deliver to one window's ``runtime.on(channel)`` listeners.

        Raises :class:`weft.WindowNotFoundError` for an unknown window and
        :class:`weft.PayloadError` for a payload that is not a JSON value. A page
        still loading gets the message as soon as its runtime is up.
        """
        await self._router().send_to_window(window_id, channel, declared.to_page(channel, payload))

    async def broadcast(self, window_ids: Iterable[str], channel: str, payload: Any = None) -> BroadcastResult:
        """Deliver to several windows; the result says which got it and why the
        others did not (each failure is also logged)."""
        return await self._router().broadcast(window_ids, channel, declared.to_page(channel, payload))

    def window_events(self, *, bound: int | None = None) -> Subscription:
        """Async iterator over every :class:`IpcEvent` from now on."""
        return self._router().window_events(bound=bound)

    def window_events_for(self, window_id: str, *, bound: int | None = None) -> Subscription:
        """Async iterator over the events of one window."""
        return self._router().window_events_for(window_id, bound=bound)

    def channel_events(self, channel: str, *, bound: int | None = None) -> Subscription:
        """Async iterator over the events on one channel."""
        return self._router().channel_events(channel, bound=bound)

    def on_event(self, callback: Callable[[IpcEvent], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns an unsubscribe function."""
        return self._router().on_event(callback)

    def on_channel(self, channel: str, callback: Callable[[Any, str], Any]) -> Callable[[], None]:
        """Call ``callback(payload, window_id)`` for every event on ``channel``;
        returns an unsubscribe function."""
        return self._router().on_channel(channel, callback)

    async def recv_window_event(self) -> IpcEvent | None:
        """The next event, or None once the runtime has shut down."""
        return await self._router().recv_window_event()

    def handle(self, channel: str, fn: Callable[[Any, str], Any]) -> Callable[[], None]:
        """Answer the renderer's ``runtime.invoke(channel, payload)`` with
        ``fn(payload, window_id)`` (sync or async); its return value, or the error
        it raises, goes back to the page. Returns an unregister function.
        On a channel declared with ``@ipc.handler``, ``fn`` answers in place
        of the declared function (until unregistered) and is checked by the
        declaration all the same."""
        return self._router().handle(channel, fn)

    async def invoke(
        self, window_id: str, channel: str, payload: Any = None, *, timeout: float | None = DEFAULT_INVOKE_TIMEOUT
    ) -> Any:
        """Ask a window's ``runtime.handle(channel, fn)``; return its answer.

        Raises :class:`weft.HandlerError` (or the matching weft error) if the page's
        handler threw, :class:`weft.NoHandlerError` if it has none,
        :class:`weft.DisconnectedError` if the page went away first, and
        ``TimeoutError`` after ``timeout`` seconds (None waits for ever).
        """
        return await self._router().invoke(window_id, channel, payload, timeout=timeout)
