"""Raw QWebChannel: the bare PySide6 floor weft is built on.

One QWebEngineView with its own page, Qt's ``qwebchannel.js`` injected at
document creation into the page's main world, and one QObject registered on
the channel: a slot ``post(str)`` the page calls with hand-written JSON, and a
signal ``deliver(str)`` that answers. No batching, no validation, no isolated
world: this is what a minimal hand-rolled bridge costs.

Shared by the in-process round trips and the startup child script.
"""

from __future__ import annotations

import functools
from typing import Callable

from PySide6.QtCore import QFile, QIODevice, QObject, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineScript
from PySide6.QtWebEngineWidgets import QWebEngineView


class RawBridge(QObject):
    """The one object the raw page reaches."""

    deliver = Signal(str)
    """A JSON message for the page."""

    def __init__(self, receive: Callable[[str], None], parent: QObject) -> None:
        super().__init__(parent)
        self._receive = receive

    @Slot(str)
    def post(self, text: str) -> None:
        """Called by the page with one JSON message."""
        self._receive(text)


@functools.cache
def _qwebchannel_js() -> str:
    file = QFile(":/qtwebchannel/qwebchannel.js")
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError("Qt's qwebchannel.js resource is missing from this PySide6")
    return bytes(file.readAll().data()).decode("utf-8")


def _qwebchannel_script(world: QWebEngineScript.ScriptWorldId = QWebEngineScript.ScriptWorldId.MainWorld,
                        after: str = "") -> QWebEngineScript:
    script = QWebEngineScript()
    script.setName("qwebchannel")
    script.setSourceCode(_qwebchannel_js() + "\n" + after)
    script.setWorldId(world)
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setRunsOnSubFrames(False)
    return script


def open_view(profile: QWebEngineProfile, html: str, receive: Callable[[str], None], *,
              isolated_transport: str | None = None) -> tuple[QWebEngineView, RawBridge]:
    """Show ``html`` in a new 400×300 window whose page posts to ``receive``.
    With ``isolated_transport`` (JavaScript run after qwebchannel.js), the
    channel lives in an isolated world with that transport, as weft's does.

    The page is a child of the view: deleting the view deletes the page, which
    must happen before ``profile`` is deleted.
    """
    view = QWebEngineView()
    page = QWebEnginePage(profile, view)
    world = QWebEngineScript.ScriptWorldId.MainWorld
    if isolated_transport is not None:
        world = QWebEngineScript.ScriptWorldId.ApplicationWorld
    page.scripts().insert(_qwebchannel_script(world, isolated_transport or ""))
    channel = QWebChannel(page)
    bridge = RawBridge(receive, channel)
    channel.registerObject("bridge", bridge)
    page.setWebChannel(channel, world)  # the main world, where the page's own script runs, unless isolated
    view.setPage(page)
    view.resize(400, 300)
    page.setHtml(html)
    view.show()
    return view, bridge
