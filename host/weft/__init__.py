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

from typing import TYPE_CHECKING, Any

from . import ipc
from .errors import (
    ArgumentError,
    ChannelError,
    ConfigError,
    DisconnectedError,
    Error,
    HandlerError,
    HandlerExistsError,
    LoadError,
    ManifestError,
    NoHandlerError,
    PayloadError,
    PermissionDeniedError,
    PlatformError,
    PluginStateError,
    ProtocolError,
    RateLimitError,
    RuntimeClosedError,
    ScriptError,
    SessionError,
    StartupError,
    SubscriberOverflowError,
    WindowNotFoundError,
    WindowOptionError,
)
from .ipc.events import IpcEvent
from .webengine.chromium import SandboxError

if TYPE_CHECKING:
    from . import clipboard, dialog, menu, notifications, plugins, remote, screens, shell, tray, window
    from .app import run
    from .runtime import Runtime
    from .window import Window

# What needs Qt loads on first use, so that the Qt-free parts (weft.ipc,
# weft.policy, the manifest, the errors) import without it; plugins and
# remote sessions too, so that an app that opens only windows never loads
# them (tests/e2e/test_startup.py).
_LAZY = {"plugins": ("plugins", None), "remote": ("remote", None),
         "app": ("app", None), "run": ("app", "run"), "Runtime": ("runtime", "Runtime"), "Window": ("window", "Window"),
         "window": ("window", None), "clipboard": ("clipboard", None), "screens": ("screens", None),
         "shell": ("shell", None), "dialog": ("dialog", None), "menu": ("menu", None), "tray": ("tray", None),
         "notifications": ("notifications", None)}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'weft' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(f"{__name__}.{module_name}")
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "ChannelError",
    "ConfigError",
    "DisconnectedError",
    "Error",
    "HandlerError",
    "HandlerExistsError",
    "IpcEvent",
    "LoadError",
    "ManifestError",
    "NoHandlerError",
    "PayloadError",
    "PermissionDeniedError",
    "PlatformError",
    "PluginStateError",
    "ProtocolError",
    "RateLimitError",
    "Runtime",
    "RuntimeClosedError",
    "SandboxError",
    "ScriptError",
    "SessionError",
    "StartupError",
    "SubscriberOverflowError",
    "Window",
    "WindowNotFoundError",
    "WindowOptionError",
    "clipboard",
    "dialog",
    "ipc",
    "menu",
    "notifications",
    "plugins",
    "remote",
    "run",
    "screens",
    "shell",
    "tray",
    "window",
]
