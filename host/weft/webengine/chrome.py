"""Frameless windows: moved by the page's drag regions, resized from the edges.

A frameless window has no title bar or borders of the window system's. Its
page marks what moves the window with ``data-weft-drag-region``; this module
watches the mouse on the page's render widget:

- a press on a drag region starts a move (double-click: maximize/restore);
- a press within :data:`EDGE` pixels of the window's edge starts a resize.

Both ask the window system first (``QWindow.startSystemMove`` /
``startSystemResize``, which snap and animate as the desktop does); where it
cannot (no window manager, the offscreen platform), the window follows the
mouse itself. Whether a point is on a drag region is asked of the page, in
weft's isolated world, when the button goes down; a click that ends before
the answer (a few milliseconds) moves nothing.
"""

from __future__ import annotations

import json

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWebEngineCore import QWebEngineScript
from PySide6.QtWidgets import QMainWindow, QWidget

from .scripts import asset

EDGE = 6
"""How far in from a frameless window's edge a press resizes it, in pixels."""

_Edge = Qt.Edge
_CURSORS = {
    _Edge.LeftEdge: Qt.CursorShape.SizeHorCursor, _Edge.RightEdge: Qt.CursorShape.SizeHorCursor,
    _Edge.TopEdge: Qt.CursorShape.SizeVerCursor, _Edge.BottomEdge: Qt.CursorShape.SizeVerCursor,
    _Edge.LeftEdge | _Edge.TopEdge: Qt.CursorShape.SizeFDiagCursor,
    _Edge.RightEdge | _Edge.BottomEdge: Qt.CursorShape.SizeFDiagCursor,
    _Edge.RightEdge | _Edge.TopEdge: Qt.CursorShape.SizeBDiagCursor,
    _Edge.LeftEdge | _Edge.BottomEdge: Qt.CursorShape.SizeBDiagCursor,
}


def edges_at(point: QPoint, size: tuple[int, int], edge: int = EDGE) -> Qt.Edge:
    """The window edges a point (in window coordinates) is within ``edge`` of."""
    width, height = size
    found = Qt.Edge(0)
    if point.x() < edge:
        found |= _Edge.LeftEdge
    elif point.x() >= width - edge:
        found |= _Edge.RightEdge
    if point.y() < edge:
        found |= _Edge.TopEdge
    elif point.y() >= height - edge:
        found |= _Edge.BottomEdge
    return found


class FramelessChrome(QObject):
    """Moves and resizes one frameless window from its page (an event filter
    on the page's render widgets)."""

    def __init__(self, frame: QMainWindow, view: QWidget) -> None:
        super().__init__(frame)
        self._frame = frame
        self._view = view
        self._pressed = 0  # counts presses, so a late answer knows its press is over
        self._down = False
        self._moving: tuple[QPoint, QPoint] | None = None  # (mouse, window position) at the start
        self._resizing: tuple[Qt.Edge, QPoint, QRect] | None = None
        # The page's render widget is a child of the view, made anew when
        # the renderer restarts: watch each as it comes.
        view.installEventFilter(self)
        for child in view.findChildren(QWidget):
            self._watch(child)

    def _watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)
        widget.setMouseTracking(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if watched is self._view:
            if kind == QEvent.Type.ChildAdded and isinstance(child := event.child(), QWidget):  # type: ignore[attr-defined]
                self._watch(child)
            return False
        if kind not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                        QEvent.Type.MouseMove, QEvent.Type.MouseButtonDblClick):
            return False
        assert isinstance(event, QMouseEvent) and isinstance(watched, QWidget)
        if kind == QEvent.Type.MouseMove:
            return self._on_move(watched, event)
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if kind == QEvent.Type.MouseButtonRelease:
            self._down = False
            was_ours = self._moving is not None or self._resizing is not None
            self._moving = self._resizing = None
            return was_ours
        at = watched.mapTo(self._frame, event.position().toPoint())
        if kind == QEvent.Type.MouseButtonDblClick:
            self._ask_drag_region(watched, event, self._toggle_maximized)
            return False
        self._down = True
        self._pressed += 1
        edges = self._edges(at)
        if edges:
            self._start_resize(edges, event)
            return True
        press, mouse = self._pressed, event.globalPosition().toPoint()
        self._ask_drag_region(watched, event, lambda: self._start_move(press, mouse))
        return False

    # -- resizing ------------------------------------------------------------

    def _edges(self, at: QPoint) -> Qt.Edge:
        frame = self._frame
        if frame.isMaximized() or frame.isFullScreen() or frame.minimumSize() == frame.maximumSize():
            return Qt.Edge(0)
        return edges_at(at, (frame.width(), frame.height()))

    def _start_resize(self, edges: Qt.Edge, event: QMouseEvent) -> None:
        handle = self._frame.windowHandle()
        if handle is None or not handle.startSystemResize(edges):
            self._resizing = (edges, event.globalPosition().toPoint(), self._frame.geometry())

    def _on_move(self, watched: QWidget, event: QMouseEvent) -> bool:
        mouse = event.globalPosition().toPoint()
        if self._moving is not None:
            start, origin = self._moving
            self._frame.move(origin + (mouse - start))
            return True
        if self._resizing is not None:
            frame = self._frame
            frame.setGeometry(_resized(*self._resizing, mouse, frame.minimumSize(), frame.maximumSize()))
            return True
        if event.buttons() == Qt.MouseButton.NoButton:
            edges = self._edges(watched.mapTo(self._frame, event.position().toPoint()))
            if edges:
                watched.setCursor(_CURSORS[edges])
                return True  # the page would set its own cursor over ours
            if watched.testAttribute(Qt.WidgetAttribute.WA_SetCursor):
                watched.unsetCursor()
        return False

    # -- moving ----------------------------------------------------------------

    def _ask_drag_region(self, watched: QWidget, event: QMouseEvent, then: object) -> None:
        page = self._view.page()  # type: ignore[attr-defined]
        zoom = page.zoomFactor() or 1.0
        at = watched.mapTo(self._view, event.position().toPoint())
        source = asset("drag-region.js") + "(" + json.dumps(at.x() / zoom) + "," + json.dumps(at.y() / zoom) + ")"

        def answered(on_region: object) -> None:
            if on_region is True and shiboken6.isValid(self):
                then()  # type: ignore[operator]

        page.runJavaScript(source, QWebEngineScript.ScriptWorldId.ApplicationWorld.value, answered)

    def _start_move(self, press: int, mouse: QPoint) -> None:
        if press != self._pressed or not self._down:
            return  # that click is over
        handle = self._frame.windowHandle()
        if handle is not None and handle.startSystemMove():
            return
        self._moving = (mouse, self._frame.pos())

    def _toggle_maximized(self) -> None:
        self._frame.showNormal() if self._frame.isMaximized() else self._frame.showMaximized()


def _resized(edges: Qt.Edge, start: QPoint, geometry: QRect, mouse: QPoint, smallest: QSize,
             largest: QSize) -> QRect:
    """``geometry`` with its ``edges`` dragged as far as the mouse moved from
    ``start``, within the window's size limits (the opposite edges stay)."""
    dx, dy = mouse.x() - start.x(), mouse.y() - start.y()
    width, height = geometry.width(), geometry.height()
    if edges & (_Edge.LeftEdge | _Edge.RightEdge):
        width = _clamp(width + (-dx if edges & _Edge.LeftEdge else dx), smallest.width(), largest.width())
    if edges & (_Edge.TopEdge | _Edge.BottomEdge):
        height = _clamp(height + (-dy if edges & _Edge.TopEdge else dy), smallest.height(), largest.height())
    left = geometry.right() + 1 - width if edges & _Edge.LeftEdge else geometry.left()
    top = geometry.bottom() + 1 - height if edges & _Edge.TopEdge else geometry.top()
    return QRect(left, top, width, height)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
