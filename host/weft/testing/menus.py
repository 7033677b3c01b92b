"""Choosing menu items in tests, through Qt's own widgets as a person would::

    from weft.testing.menus import menu_items, pick_menu_item

    await pick_menu_item(win, "open")            # clicks File in the menu bar, then Open…
    chosen = asyncio.ensure_future(menu.popup(m, window=win))
    await pick_menu_item(None, "copy")           # in the popup that is open, or opens next
    assert await chosen == "copy"
    menu_items(win)[0]["items"][0]           # {"label": "Open…", "id": "open", "enabled": True, ...}

A target is a weft :class:`~weft.Window` (its menu bar), a
:class:`~weft.tray.Tray` (its menu, popped up where the icon is, since a
headless desktop has no tray to click), a ``QMenuBar`` or ``QMenu``, or
None: the popup menu that is open, or the next one to open.
"""

from __future__ import annotations

import asyncio
from typing import Any, Union

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMenuBar

from ..errors import ArgumentError, PlatformError
from ..tray import Tray
from ..window import Window

__all__ = ["menu_items", "pick_menu_item", "wait_for_popup"]

Target = Union[Window, Tray, QMenuBar, QMenu, None]


async def pick_menu_item(target: Target, item_id: str, *, timeout: float = 10.0) -> None:
    """Open ``target``'s menus down to item ``item_id`` and click it, with
    real mouse clicks on Qt's widgets, so the item's ``triggered`` fires as
    it would for a person. :class:`weft.ArgumentError` if the item is not
    there or is disabled; ``TimeoutError`` if no menu opens in time."""
    try:
        async with asyncio.timeout(timeout):
            container = await _root(target)
            path = _path(container, item_id)
            for action in path:
                if not action.isEnabled() or not action.isVisible():
                    raise ArgumentError(f"menu item {item_id!r} cannot be chosen: {action.text()!r} is disabled")
            for action in path[:-1]:
                container = await _open_submenu(container, action)
            _click(container, path[-1])
    except TimeoutError:
        raise TimeoutError(f"pick_menu_item({item_id!r}): no menu opened within {timeout} s") from None


async def wait_for_popup(timeout: float = 10.0) -> QMenu:
    """The popup menu that is open, or the next one to open (to press
    Escape in it, or look at it); ``TimeoutError`` if none opens in time."""
    try:
        async with asyncio.timeout(timeout):
            return _open_popup() or await _next_popup()
    except TimeoutError:
        raise TimeoutError(f"no popup menu opened within {timeout} s") from None


def menu_items(target: Target) -> list[dict[str, Any]]:
    """What ``target`` shows, read from its Qt widgets: one dict per entry,
    ``{"label", "id", "enabled", "checkable", "checked", "accelerator"}``
    for items, ``{"label", "enabled", "items": [...]}`` for submenus,
    ``{"separator": True}`` for separators. None: the popup open now."""
    if target is None:
        container = _open_popup()
        if container is None:
            raise ArgumentError("menu_items(None): no popup menu is open")
        return _describe(container)
    return _describe(_container_of(target))


# -- finding -------------------------------------------------------------------


def _container_of(target: Target) -> QMenuBar | QMenu:
    if isinstance(target, (QMenuBar, QMenu)):
        return target
    if isinstance(target, Window):
        widget = target.native
        bar = widget.menuWidget() if isinstance(widget, QMainWindow) else None
        if not isinstance(bar, QMenuBar):
            raise ArgumentError(f"{target!r} has no menu bar (set one with Window.set_menu)")
        return bar
    if isinstance(target, Tray):
        menu = target.native.contextMenu()
        if menu is None:
            raise ArgumentError(f"{target!r} has no menu")
        return menu
    raise ArgumentError(f"a menu target is a weft Window, a Tray, a QMenuBar, a QMenu or None, not {target!r}")


def _open_popup() -> QMenu | None:
    """The popup menu open now (its outermost menu, if submenus are open)."""
    menu = QApplication.activePopupWidget()
    if not isinstance(menu, QMenu):
        return None
    while isinstance(menu.parentWidget(), QMenu) and menu.parentWidget().isVisible():
        menu = menu.parentWidget()
    return menu


async def _root(target: Target) -> QMenuBar | QMenu:
    if target is None:
        return _open_popup() or await _next_popup()
    container = _container_of(target)
    if isinstance(container, QMenuBar) and not container.isVisible():
        # QTest's clicks need the window on screen (a hidden one has no native window: a crash).
        raise ArgumentError("the menu bar's window is not shown: show it before picking from its menus")
    if isinstance(container, QMenu) and not container.isVisible():
        # A tray's menu: no tray to right-click headless, so show it where a person would.
        geometry = target.native.geometry() if isinstance(target, Tray) else None
        shown = _shown(container)
        container.popup(geometry.center() if geometry and geometry.isValid() else QCursor.pos())
        await shown
    return container


async def _next_popup() -> QMenu:
    # Polled: an application-wide event filter, the signal-shaped way, crashes
    # PySide6 6.11 when a popup opens over a QtWebEngine window.
    while True:
        menu = _open_popup()
        if menu is not None:
            return menu
        await asyncio.sleep(0.01)


def _path(container: QMenuBar | QMenu, item_id: str) -> list[QAction]:
    """The actions from ``container`` down to the item: submenus, then it."""
    for action in container.actions():
        if action.data() == item_id and action.menu() is None:
            return [action]
        if action.menu() is not None:
            try:
                return [action, *_path(action.menu(), item_id)]
            except ArgumentError:
                continue
    raise ArgumentError(f"the menu has no item {item_id!r}")


# -- clicking ------------------------------------------------------------------


def _shown(menu: QMenu) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def settle() -> None:
        if not future.done():
            future.set_result(None)
        menu.aboutToShow.disconnect(settle)

    menu.aboutToShow.connect(settle)
    return future


async def _open_submenu(container: QMenuBar | QMenu, action: QAction) -> QMenu:
    submenu = action.menu()
    if not submenu.isVisible():
        shown = _shown(submenu)
        # A menu bar opens it at once; a menu after a short delay, as for a person's click.
        _mouse_click(container, action)
        await shown
    return submenu


def _mouse_click(container: QMenuBar | QMenu, action: QAction) -> None:
    where: QPoint = container.actionGeometry(action).center()
    QTest.mouseClick(container, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)


def _click(container: QMenuBar | QMenu, action: QAction) -> None:
    fired: list[bool] = []

    def on_triggered(*_: Any) -> None:
        fired.append(True)

    action.triggered.connect(on_triggered)
    try:
        _mouse_click(container, action)
    finally:
        action.triggered.disconnect(on_triggered)
    if not fired:
        raise PlatformError(f"clicking {action.text()!r} did not choose it (is its menu on screen?)")


# -- describing ----------------------------------------------------------------


def _describe(container: QMenuBar | QMenu) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for action in container.actions():
        if action.isSeparator():
            entries.append({"separator": True})
        elif action.menu() is not None:
            entries.append({"label": action.text(), "enabled": action.isEnabled(), "items": _describe(action.menu())})
        else:
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
            entries.append({"label": action.text(), "id": action.data(), "enabled": action.isEnabled(),
                            "checkable": action.isCheckable(), "checked": action.isChecked(),
                            "accelerator": shortcut or None})
    return entries
