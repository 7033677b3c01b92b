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

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot
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
        if shiboken6.isValid(self):
            self.deliver.emit(batch)


def connect_bridge(
    page: QWebEnginePage, receive: Callable[[str], None], on_replaced: Callable[[Bridge], None]
) -> Bridge:
    """Give ``page`` a bridge whose posts go to ``receive``.

    QWebChannel lets a client call ``deleteLater`` on a published object by
    name. Only the page's isolated world could (page scripts cannot reach
    the transport), and it would only cut that page off; still, when the
    bridge goes, a new one is published in its place for the page's next
    document and ``on_replaced`` is told.
    """
    channel = QWebChannel(page)

    def publish() -> Bridge:
        bridge = Bridge(receive, channel)
        channel.registerObject("bridge", bridge)
        bridge.destroyed.connect(replace)
        return bridge

    def replace() -> None:
        if not shiboken6.isValid(channel):
            return  # the page itself is going: nothing to replace
        log.warning("a page deleted its bridge; it is cut off until it reloads")
        # After QWebChannel has finished forgetting the old object, which it
        # does around its destroyed signal, so it cannot forget the new one.
        QTimer.singleShot(0, channel, republish)

    def republish() -> None:
        if shiboken6.isValid(channel):
            on_replaced(publish())

    bridge = publish()
    page.setWebChannel(channel, QWebEngineScript.ScriptWorldId.ApplicationWorld)
    return bridge
