"""Messages between Python and windows: the snake_case ``runtime:ipc``.

Every function here acts on the running :class:`weft.Runtime` (the one
``weft.run`` made, or one you activated); a ``Runtime`` offers the same calls
as methods (both come from :class:`weft.ipc.api.Calls`). Nothing in this
package imports Qt.
"""

from __future__ import annotations

from . import active
from .declared import channel, handler
from .api import Calls
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
    "channel",
    "channel_events",
    "handle",
    "handler",
    "invoke",
    "on_channel",
    "on_event",
    "recv_window_event",
    "send_to_window",
    "window_events",
    "window_events_for",
]


class _Running(Calls):
    """The calls, on whichever runtime is running when they are made."""

    def _router(self) -> Router:
        return active.router()


_running = _Running()
send_to_window = _running.send_to_window
broadcast = _running.broadcast
window_events = _running.window_events
window_events_for = _running.window_events_for
channel_events = _running.channel_events
on_event = _running.on_event
on_channel = _running.on_channel
recv_window_event = _running.recv_window_event
handle = _running.handle
invoke = _running.invoke
