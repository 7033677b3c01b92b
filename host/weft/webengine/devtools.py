"""DevTools for weft's windows, in ``weft dev``: F12 in a window opens a
DevTools window on its page, and F12 again (in either) closes it.

Off until :func:`enable`: every :class:`~weft.webengine.view.WindowFrame`
(app windows and plugins' windows alike) calls :func:`attach` as it is made,
which does nothing unless DevTools are on.
"""

from __future__ import annotations

import asyncio
import logging
import os

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWebEngineWidgets import QWebEngineView

from .lifetime import delete_later

if TYPE_CHECKING:
    from .view import WindowFrame

log = logging.getLogger("weft.devtools")

KEY = QKeySequence("F12")  # not Qt.Key: PySide6 builds all of Qt's enums on its first use

_tools: DevTools | None = None


def enable(*, open_at_start: bool = False) -> DevTools:
    """Turn DevTools on for windows made from now on; ``open_at_start``
    opens one for every window as it first shows."""
    global _tools
    if _tools is None:
        _tools = DevTools(open_at_start=open_at_start)
    return _tools


def attach(view: WindowFrame) -> None:
    """Give a new window F12 (if DevTools are on)."""
    if _tools is not None:
        _tools.attach(view)


def detach(view: WindowFrame) -> None:
    """A window is closing: close its DevTools window, if it has one."""
    close_for(view)


_asked: DevTools | None = None
"""DevTools windows opened by ``Window.open_devtools()`` outside ``weft dev``."""


def open_for(view: WindowFrame) -> None:
    """Show DevTools for ``view``'s page (``Window.open_devtools``), with or
    without ``weft dev``; raised if already open."""
    global _asked
    if not frontend_shipped():
        log.warning("DevTools are not in this build: weft package leaves their front end out unless it is "
                    "given --keep-devtools")
        return
    if _tools is not None:
        _tools.open(view)
        return
    if _asked is None:
        _asked = DevTools(open_at_start=False)
    _asked.open(view)


FRONTEND_PAK = "qtwebengine_devtools_resources.pak"


def frontend_shipped() -> bool:
    """Whether QtWebEngine's resources include DevTools' front end (a build
    made by ``weft package`` without ``--keep-devtools`` does not). Where
    the resources cannot be found, it is assumed there."""
    from PySide6.QtCore import QLibraryInfo

    folders = [os.environ.get("QTWEBENGINE_RESOURCES_PATH", ""),
               os.path.join(QLibraryInfo.path(QLibraryInfo.LibraryPath.DataPath), "resources")]
    for folder in filter(None, folders):
        if os.path.isfile(os.path.join(folder, "qtwebengine_resources.pak")):
            return os.path.isfile(os.path.join(folder, FRONTEND_PAK))
    return True


def close_for(view: WindowFrame) -> None:
    """Close the DevTools window on ``view``'s page, if one is open."""
    for keeper in (_tools, _asked):
        if keeper is not None and (tools := keeper.view_for(view)) is not None:
            tools.close()


class _FrontendPage(QWebEnginePage):
    """The DevTools front end's own page. Its console is DevTools' business,
    not the app's: nothing of it reaches the terminal."""

    def javaScriptConsoleMessage(self, *_: object) -> None:  # noqa: N802 (Qt override)
        pass


class DevToolsView(QWebEngineView):
    """A top-level window showing DevTools for one page (in the default,
    off-the-record profile: the inspected page's profile may be a plugin's
    sandbox, and DevTools is no part of it)."""

    def __init__(self, inspected: QWebEnginePage, title: str) -> None:
        super().__init__()
        from PySide6.QtCore import Qt

        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setPage(_FrontendPage(self))
        inspected.setDevToolsPage(self.page())
        self.inspected = inspected
        self.setWindowTitle(f"DevTools: {title}")
        self.resize(1000, 700)
        QShortcut(KEY, self, self.close)
        # The inspected window closed: so does its DevTools.
        inspected.destroyed.connect(self.close)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        # Let go of the page at once, not when Qt deletes this window: a page
        # still inspected cannot be discarded, and Qt warns when it closes.
        if shiboken6.isValid(self.inspected):
            self.inspected.setDevToolsPage(None)
        super().closeEvent(event)


class DevTools:
    """This process's DevTools windows, one per inspected page at most."""

    def __init__(self, *, open_at_start: bool) -> None:
        self.open_at_start = open_at_start
        self._views: list[DevToolsView] = []

    def attach(self, view: WindowFrame) -> None:
        QShortcut(KEY, view, lambda: self.toggle(view))
        if self.open_at_start:
            # After the window's maker has set its page and shown it.
            QTimer.singleShot(0, view, lambda: view.isVisible() and self.open(view))

    def _live(self) -> list[DevToolsView]:
        self._views = [view for view in self._views if shiboken6.isValid(view)]
        return self._views

    def view_for(self, view: WindowFrame) -> DevToolsView | None:
        """The DevTools window open on ``view``'s page, if one is."""
        page = view.page()
        return next((tools for tools in self._live() if tools.inspected is page), None)

    def open(self, view: WindowFrame) -> DevToolsView:
        """Show DevTools for ``view``'s page (raised, if already open)."""
        tools = self.view_for(view)
        if tools is None:
            tools = DevToolsView(view.page(), view.windowTitle() or view.page().url().toString())
            self._views.append(tools)
            log.info("DevTools opened for %s", getattr(view.page(), "window_id", view.windowTitle()))
            tools.show()
        else:
            tools.raise_()
        return tools

    def toggle(self, view: WindowFrame) -> None:
        tools = self.view_for(view)
        if tools is None:
            self.open(view)
        else:
            tools.close()

    async def shutdown(self) -> None:
        """Close every DevTools window and wait until Qt has deleted them
        (before the profiles go); F12 does nothing from now on."""
        global _tools
        if _tools is self:
            _tools = None
        views = self._live()
        self._views = []
        gone = [delete_later(view) for view in views]
        for view in views:
            view.hide()
        if gone:
            await asyncio.wait(gone, timeout=10)
