"""weft: a Python desktop runtime.

PySide6 hosts QtWebEngine windows; each page talks to Python through one
QWebChannel bridge exposed to it as ``window.runtime``; a qasync loop drives
the Python side, whose :mod:`weft.ipc` module is the snake_case counterpart
of the ``runtime:ipc`` module of Deno-based desktop runtimes::

    import weft
    from weft import ipc, window

    async def main() -> None:
        await window.create_window(title="My App", width=800, height=600, url="app://index.html")
        ipc.on_channel("button-click", on_click)

    weft.run(main)
"""

from __future__ import annotations

from . import ipc, plugins, remote, window
from .app import run
from .errors import (
    ChannelError,
    DisconnectedError,
    Error,
    HandlerError,
    HandlerExistsError,
    ManifestError,
    NoHandlerError,
    PayloadError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RuntimeClosedError,
    SubscriberOverflowError,
    WindowNotFoundError,
)
from .ipc.events import IpcEvent
from .runtime import Runtime
from .webengine.chromium import SandboxError
from .window import Window

__version__ = "0.1.0"

__all__ = [
    "ChannelError",
    "DisconnectedError",
    "Error",
    "HandlerError",
    "HandlerExistsError",
    "IpcEvent",
    "ManifestError",
    "NoHandlerError",
    "PayloadError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "Runtime",
    "RuntimeClosedError",
    "SandboxError",
    "SubscriberOverflowError",
    "Window",
    "WindowNotFoundError",
    "ipc",
    "plugins",
    "remote",
    "run",
    "window",
]
