"""The exceptions weft raises.

Every error weft raises on purpose is a :class:`weft.Error`. Errors that cross
the bridge travel as ``{"type", "message"}`` and are rebuilt on the other side
as the class of the same name (see :func:`error_from_wire`), so a page's
``PermissionDeniedError`` and Python's are the same idea with the same name.
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import protocol


class Error(Exception):
    """Base class of every error weft raises."""


class WindowNotFoundError(Error, LookupError):
    """No open window has this id."""


class DisconnectedError(Error):
    """The page that was to answer went away: closed, navigated, crashed, or
    the runtime shut down before it answered."""


class PermissionDeniedError(Error):
    """A capability check refused the message; nothing was delivered."""


class ProtocolError(Error):
    """A frame broke the wire protocol: not JSON, wrong shape, unknown kind,
    oversize, too deep, NaN, duplicate or ``__proto__`` keys."""


class RateLimitError(Error):
    """A page sent more messages than its rate limit allows; the excess was
    refused (and counted), none of it delivered."""


class PayloadError(Error, ValueError):
    """A payload cannot cross the bridge (not a JSON value, too large)."""


class ChannelError(Error, ValueError):
    """A channel name is empty, too long, has control characters, or is
    reserved for the runtime (``close``, ``focus``, ``runtime:...``)."""


class HandlerError(Error):
    """The handler on the other side raised.

    ``type`` is the name of what it raised (``"ValueError"``, ``"TypeError"``).
    """

    def __init__(self, message: str, *, type: str = "Error") -> None:
        super().__init__(message)
        self.type = type


class NoHandlerError(Error, LookupError):
    """Nothing on the other side handles this channel."""


class HandlerExistsError(Error, ValueError):
    """A channel already has a handler; unregister it first."""


class SubscriberOverflowError(Error):
    """A subscriber fell more than its bound behind; the events past the bound
    were dropped for it (``dropped`` says how many) and it was closed."""

    def __init__(self, message: str, *, dropped: int) -> None:
        super().__init__(message)
        self.dropped = dropped


class RuntimeClosedError(Error):
    """The runtime has shut down, or none is running."""


class _FileFieldError(Error, ValueError):
    """A file of settings is invalid: ``path`` is the file, ``field`` the
    dotted name of the field at fault (empty when the file as a whole is)."""

    def __init__(self, path: object, field: str, problem: str) -> None:
        where = f"{path}: {field}: " if field else f"{path}: "
        super().__init__(where + problem)
        self.path = path
        self.field = field


class ManifestError(_FileFieldError):
    """A plugin's ``plugin.toml`` is missing, unreadable or invalid
    (``path``: the manifest file; ``field``: the field at fault)."""


# Names a peer may send back as an error "type" that map onto our classes:
# protocol.json's error classes, but HandlerError (the fallback below, which
# keeps the peer's type name) and those Python raises as its own built-ins.
# Anything else arrives as a HandlerError carrying the foreign type name.
_WIRE_CLASSES: dict[str, type[Error]] = {
    name: globals()[name]
    for name in protocol.ERROR_CLASSES
    if name != "HandlerError" and name not in protocol.PYTHON_BUILTIN_ERRORS
}


def error_to_wire(exc: BaseException) -> dict[str, str]:
    """What crosses the bridge for an exception: its type name and message."""
    if isinstance(exc, HandlerError):
        return {"type": exc.type, "message": _message(exc)}
    return {"type": type(exc).__name__, "message": _message(exc)}


def _message(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception as failure:  # an exception's own __str__ may be broken; the call is answered anyway
        return f"(its message could not be made: {type(failure).__name__} in {type(exc).__name__}.__str__)"
    if not text and isinstance(exc, asyncio.CancelledError):
        return "the Python handler was cancelled (it awaited something that was cancelled, or raised CancelledError)"
    return text


def error_from_wire(data: Any) -> Error:
    """Rebuild a peer's error: our own class when the name is ours, else a
    :class:`HandlerError` that keeps the peer's type name."""
    if not isinstance(data, dict):
        return ProtocolError(f"malformed error from peer: {data!r:.200}")
    name = str(data.get("type") or "Error")
    message = str(data.get("message") or "")
    cls = _WIRE_CLASSES.get(name)
    if cls is not None:
        return cls(message)
    return HandlerError(message, type=name)


class WindowOptionError(Error, ValueError):
    """A window was given something it cannot use: a size, an id, a url
    and html at once, or a ``file://`` url."""


class PluginStateError(Error, ValueError):
    """A plugin cannot do that in its state (one of the same id is running)."""


class ConfigError(_FileFieldError):
    """An app's ``weft.toml``, or a setting given in its place, is invalid
    (``path``: the file, or what gave the setting; ``field``: the field at fault)."""


class StartupError(Error, RuntimeError):
    """weft cannot start as asked (set-up out of order, a Qt part missing)."""


class LoadError(Error):
    """A window's page could not be loaded (a file missing from the app
    folder, a bad URL, a network error)."""


class ScriptError(Error):
    """JavaScript run by ``Window.evaluate`` threw, or gave back something
    that is not a JSON value (a DOM node, a function)."""


class ArgumentError(Error, TypeError):
    """A call was given an argument of the wrong kind: one window id where
    a list of them goes, a handler that is not callable."""


class PlatformError(Error):
    """The desktop cannot do what was asked: it lacks the service (no trash,
    no screen, no file manager), or the service refused."""


class SessionError(Error, ValueError):
    """A remote session cannot be opened as asked: both ends on one page, or
    an end already in another session on that channel."""
