"""The events Python receives from windows."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from .. import protocol

EventType = Literal["close", "focus", "blur", "resize", "move", "unresponsive", "responsive", "crashed", "load-failed",
                    "drop"]

#: Channels that carry window system events (``EventType``'s values; from
#: protocol.json). A page may not send on them, so ``on_channel("close", ...)``
#: hears only real closes.
SYSTEM_CHANNELS: frozenset[str] = protocol.SYSTEM_CHANNELS


@attrs.frozen(kw_only=True)
class IpcEvent:
    """One message from a window, or one window system event."""

    window_id: str
    """Id of the window (or plugin, ``"plugin:<id>"``) it came from; bound by
    the runtime when the page was made, never read from the payload."""
    channel: str
    """Channel it was sent on; for a system event, equal to ``type``."""
    payload: Any = None
    """The JSON value sent (``None`` when nothing was)."""
    type: EventType | None = None
    """Set for window system events: ``close``, ``focus``, ``blur``,
    ``resize`` (payload ``{"width", "height"}``), ``move`` (``{"x", "y"}``);
    and from the runtime's watch over pages: ``unresponsive`` (its page did
    not answer the heartbeat in time; ``{"seconds"}``), ``responsive`` (it
    answers again) and ``crashed`` (its renderer process died;
    ``{"status", "exit_code"}``); and ``load-failed`` (its page could not be
    loaded; ``{"url", "error", "code"}``); ``drop``: files were dropped on
    the window (``{"paths", "x", "y"}``: absolute paths, and where, in the
    page's CSS pixels)."""


def system_event(window_id: str, type: EventType, payload: Any = None) -> IpcEvent:
    """A window system event: its channel is its type."""
    return IpcEvent(window_id=window_id, channel=type, payload=payload, type=type)
