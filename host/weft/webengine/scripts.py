"""The scripts injected into every app page, loaded from renderer_assets."""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtWebEngineCore import QWebEngineScript

from .. import protocol
from ..errors import StartupError


#: runtime.js's parts, files in renderer_assets/runtime/, in the order they run.
RUNTIME_PARTS = ("captures", "errors", "codec", "bulk", "socket", "relay", "inbound", "api")
#: The line of runtime.js whose place the parts take.
_PARTS_SLOT = "  /* runtime/*.js */\n"


@functools.cache
def asset(name: str) -> str:
    """The text of one file of ``renderer_assets`` (shipped as weft.renderer_assets);
    ``name`` may name a file in a subfolder (``runtime/api.js``)."""
    path = importlib.resources.files("weft.renderer_assets")
    for step in name.split("/"):
        path = path.joinpath(step)
    return path.read_text("utf-8")


@functools.cache
def _runtime_js() -> str:
    """runtime.js with its parts in place: still one function expression, so
    the parts share one closure and nothing reaches the page's globals."""
    head, slot, tail = asset("runtime.js").partition(_PARTS_SLOT)
    if not slot or _PARTS_SLOT in tail:
        raise StartupError("runtime.js must have exactly one line where its parts go")
    return head + "".join(asset(f"runtime/{part}.js") for part in RUNTIME_PARTS) + tail


@functools.cache
def _qwebchannel_js() -> str:
    file = QFile(":/qtwebchannel/qwebchannel.js")
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise StartupError("Qt's qwebchannel.js resource is missing from this PySide6")
    return bytes(file.readAll().data()).decode("utf-8")


def _script(name: str, source: str, world: int, *, subframes: bool = False) -> QWebEngineScript:
    script = QWebEngineScript()
    script.setName(name)
    script.setSourceCode(source)
    script.setWorldId(world)
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setRunsOnSubFrames(subframes)
    return script


def lockdown_script() -> QWebEngineScript:
    """For plugin pages, in every frame: no WebRTC or WebTransport, no
    resource hints, no document.write, new frames locked before their
    parent can reach them (see renderer_assets/lockdown.js)."""
    return _script("weft-lockdown", asset("lockdown.js"), QWebEngineScript.ScriptWorldId.MainWorld, subframes=True)


def geolocation_denied_script() -> QWebEngineScript:
    """For plugin pages not granted geolocation: its requests are denied at
    once (a hidden page's would wait for ever; see the asset)."""
    return _script("weft-geolocation-denied", asset("geolocation-denied.js"),
                   QWebEngineScript.ScriptWorldId.MainWorld, subframes=True)


def bridge_scripts(config: dict[str, Any]) -> list[QWebEngineScript]:
    """The transport (isolated world) and ``window.runtime`` (page world).

    Data crosses as JSON only: runtime.js (with its parts) is a function
    expression, and the only thing appended to it is the call with two JSON
    arguments, protocol.json (:data:`weft.protocol.PAGE_JSON`) and ``config``.
    """
    transport = _qwebchannel_js() + "\n" + asset("transport.js")
    runtime = _runtime_js() + "(" + protocol.PAGE_JSON + ", " + json.dumps(config) + ");\n"
    return [
        _script("weft-transport", transport, QWebEngineScript.ScriptWorldId.ApplicationWorld),
        _script("weft-runtime", runtime, QWebEngineScript.ScriptWorldId.MainWorld),
    ]
