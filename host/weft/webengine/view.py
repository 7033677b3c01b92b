"""A top-level window showing one page, reporting window system events.

The window is a :class:`WindowFrame` (a QMainWindow, so it can carry a menu
bar) around a :class:`PageView`, the QWebEngineView that shows the page.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Callable

from PySide6.QtCore import QEvent
from PySide6.QtGui import QCloseEvent, QDropEvent, QMoveEvent, QResizeEvent
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWebEngineWidgets import QWebEngineView

from ..ipc.events import IpcEvent, system_event


class PageView(QWebEngineView):
    """The page's view. Files dropped on it are published as a ``drop``
    event (``{"paths", "x", "y"}``, in the page's CSS pixels) before Chromium
    handles the drop, so the page's own DOM drop events fire as well."""

    def __init__(self, frame: WindowFrame, window_id: str, publish: Callable[[IpcEvent], None]) -> None:
        super().__init__(frame)
        self._window_id = window_id
        self._publish = publish

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        # Only files dropped from outside the app: a drag that began in a page
        # (a link to file:///..., a script's text/uri-list) has this app as its
        # source, and would let page content name any path as dropped.
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths and event.source() is None:
            zoom = self.zoomFactor() or 1.0
            where = event.position()
            self._publish(system_event(self._window_id, "drop", {
                "paths": paths, "x": round(where.x() / zoom), "y": round(where.y() / zoom)}))
        super().dropEvent(event)


def _devtools() -> ModuleType | None:
    """:mod:`weft.webengine.devtools` once something has imported it (``weft
    dev``, a window's ``open_devtools()``). Before that no window has F12 or
    a DevTools window to close, and startup does not load it."""
    return sys.modules.get(f"{__package__}.devtools")


class WindowFrame(QMainWindow):
    """Publishes ``close``, ``focus``, ``blur``, ``resize`` and ``move`` as
    IpcEvents, and calls ``on_closed`` once when the window has closed."""

    def __init__(self, window_id: str, publish: Callable[[IpcEvent], None], on_closed: Callable[[], None]) -> None:
        super().__init__()
        self._window_id = window_id
        self._publish = publish
        self._on_closed = on_closed
        self._active = False
        self.view = PageView(self, window_id, publish)
        self.setCentralWidget(self.view)
        self.setFocusProxy(self.view)
        devtools = _devtools()
        if devtools is not None:
            devtools.attach(self)  # F12, under `weft dev`

    def page(self) -> QWebEnginePage:
        return self.view.page()

    def setPage(self, page: QWebEnginePage) -> None:  # noqa: N802 (as QWebEngineView's)
        self.view.setPage(page)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        # Ours first: QWebEngineView's own handler may end the renderer, and
        # pending calls should fail as "window closed", not as a crash.
        self._publish(system_event(self._window_id, "close"))
        self._on_closed()
        devtools = _devtools()
        if devtools is not None:
            devtools.detach(self)  # before the page goes: Chromium keeps an inspected page alive
        super().closeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        size = event.size()
        self._publish(system_event(self._window_id, "resize", {"width": size.width(), "height": size.height()}))

    def moveEvent(self, event: QMoveEvent) -> None:  # noqa: N802
        super().moveEvent(event)
        pos = event.pos()
        self._publish(system_event(self._window_id, "move", {"x": pos.x(), "y": pos.y()}))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() != self._active:
            self._active = self.isActiveWindow()
            self._publish(system_event(self._window_id, "focus" if self._active else "blur"))
