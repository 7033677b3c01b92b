"""The one object a page reaches through QWebChannel.

This is the only module that touches QWebChannel. The channel is bound to the
isolated script world, so the page's own scripts cannot reach the transport;
and the bridge's surface is one slot in (``post``) and one signal out
(``deliver``). Everything a page posts goes straight to the router, which
never trusts it.
"""

from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineScript

log = logging.getLogger("weft.ipc")


class Bridge(QObject):
    """Carries batch strings between one page and the router."""

    deliver = Signal(str)
    """A batch for the page (connected to in transport.js)."""

    def __init__(self, receive: Callable[[str], None], parent: QObject) -> None:
        super().__init__(parent)
        self._receive = receive

    @Slot(str)
    def post(self, batch: str) -> None:
        """Called by the page with one batch string."""
        try:
            self._receive(batch)
        except Exception:  # a slot must not raise into Qt
            log.exception("router failed on a batch")

    def write(self, batch: str) -> None:
        """The router's Port: send a batch to the page."""
        self.deliver.emit(batch)


def connect_bridge(page: QWebEnginePage, receive: Callable[[str], None]) -> Bridge:
    """Give ``page`` a bridge whose posts go to ``receive``."""
    channel = QWebChannel(page)
    bridge = Bridge(receive, channel)
    channel.registerObject("bridge", bridge)
    page.setWebChannel(channel, QWebEngineScript.ScriptWorldId.ApplicationWorld)
    return bridge
