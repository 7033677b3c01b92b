"""Messages between Python and windows: the snake_case ``runtime:ipc``.

Every function here acts on the running :class:`weft.Runtime` (the one
``weft.run`` made, or one you activated); a ``Runtime`` offers the same calls
as methods. Nothing in this package imports Qt.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from . import active
from .codec import Limits
from .events import EventType, IpcEvent
from .router import DEFAULT_INVOKE_TIMEOUT, BroadcastResult, Router
from .subscriptions import DEFAULT_BOUND, Subscription

__all__ = [
    "DEFAULT_BOUND",
    "DEFAULT_INVOKE_TIMEOUT",
    "BroadcastResult",
    "EventType",
    "IpcEvent",
    "Limits",
    "Router",
    "Subscription",
    "broadcast",
    "channel_events",
    "handle",
    "invoke",
    "on_channel",
    "on_event",
    "recv_window_event",
    "send_to_window",
    "window_events",
    "window_events_for",
]


async def send_to_window(window_id: str, channel: str, payload: Any = None) -> None:
    """Deliver to one window's ``runtime.on(channel)`` listeners.

    Raises :class:`weft.WindowNotFoundError` for an unknown window and
    :class:`weft.PayloadError` for a payload that is not a JSON value. A page
    still loading gets the message as soon as its runtime is up.
    """
    await active.router().send_to_window(window_id, channel, payload)


async def broadcast(window_ids: Iterable[str], channel: str, payload: Any = None) -> BroadcastResult:
    """Deliver to several windows; the result says which got it and why the
    others did not (each failure is also logged)."""
    return await active.router().broadcast(window_ids, channel, payload)


def window_events(*, bound: int | None = None) -> Subscription:
    """Async iterator over every :class:`IpcEvent` from now on."""
    return active.router().window_events(bound=bound)


def window_events_for(window_id: str, *, bound: int | None = None) -> Subscription:
    """Async iterator over the events of one window."""
    return active.router().window_events_for(window_id, bound=bound)


def channel_events(channel: str, *, bound: int | None = None) -> Subscription:
    """Async iterator over the events on one channel."""
    return active.router().channel_events(channel, bound=bound)


def on_event(callback: Callable[[IpcEvent], Any]) -> Callable[[], None]:
    """Call ``callback(event)`` for every event; returns an unsubscribe function."""
    return active.router().on_event(callback)


def on_channel(channel: str, callback: Callable[[Any, str], Any]) -> Callable[[], None]:
    """Call ``callback(payload, window_id)`` for every event on ``channel``;
    returns an unsubscribe function."""
    return active.router().on_channel(channel, callback)


async def recv_window_event() -> IpcEvent | None:
    """The next event, or None once the runtime has shut down."""
    return await active.router().recv_window_event()


def handle(channel: str, fn: Callable[[Any, str], Any]) -> Callable[[], None]:
    """Answer the renderer's ``runtime.invoke(channel, payload)`` with
    ``fn(payload, window_id)`` (sync or async); its return value, or the error
    it raises, goes back to the page. Returns an unregister function."""
    return active.router().handle(channel, fn)


async def invoke(
    window_id: str, channel: str, payload: Any = None, *, timeout: float | None = DEFAULT_INVOKE_TIMEOUT
) -> Any:
    """Ask a window's ``runtime.handle(channel, fn)``; return its answer.

    Raises :class:`weft.HandlerError` (or the matching weft error) if the page's
    handler threw, :class:`weft.NoHandlerError` if it has none,
    :class:`weft.DisconnectedError` if the page went away first, and
    ``TimeoutError`` after ``timeout`` seconds (None waits for ever).
    """
    return await active.router().invoke(window_id, channel, payload, timeout=timeout)
