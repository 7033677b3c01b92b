"""Menus: a window's menu bar, context menus, and a tray icon's menu::

    from weft import menu

    m = menu.Menu([menu.Submenu("&File", [menu.Item("Open…", id="open", accelerator="Ctrl+O"),
                                          menu.Separator(),
                                          menu.Item("Dark", id="dark", checkable=True)])])
    win.set_menu(m)                                   # or create_window(..., menu=m)
    unsubscribe = menu.on_item(lambda item_id, window_id: print(item_id, window_id))
    chosen = await menu.popup(menu.Menu([menu.Item("Copy", id="copy")]), window=win)  # "copy" | None

A :class:`Menu` is a description: the same one may be a window's menu bar,
a popup and a tray's menu at once. Each of those is a Qt copy built from it;
the state a person or the app changes (checked, enabled) lives in the Menu,
and every copy follows it.

Decisions:

- An :class:`Item` needs an ``id`` or an ``on_click`` (an item nothing hears
  is a mistake); a checkable one needs an ``id`` (its state is asked by id).
  Items without an id reach only their own ``on_click``, never
  :func:`on_item` subscribers, and :func:`popup` returns None for them.
- Ids are unique within a menu, submenus included.
- A menu *bar*'s top-level entries are all :class:`Submenu` s (a bare item or
  separator in a menu bar is not a thing macOS can show); popups and tray
  menus take any entries.
- Labels follow Qt and Electron: ``&`` marks the mnemonic letter, ``&&`` is
  a literal ampersand.
- An accelerator is a Qt key sequence in portable text (``"Ctrl+O"``,
  ``"Ctrl+Shift+F5"``; Ctrl is Cmd on macOS). In a menu bar it is a shortcut
  of that window, also while its page has the focus.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Callable, Sequence, Union

import attrs
import shiboken6
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMenuBar, QWidget

from .callbacks import Callbacks, run_callback
from .errors import ArgumentError, RuntimeClosedError
from .window import Window, native_of

__all__ = ["Entry", "Item", "Menu", "Separator", "Submenu", "build", "check_bar", "install", "on_item", "popup"]

log = logging.getLogger("weft.menu")

#: ``callback(item_id, window_id)``: sync, or async (run as a task).
ItemCallback = Callable[[Any, Any], Any]


def _check_label(entry: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise ArgumentError(f"a menu entry's label is a string, not {value!r}")


def _entries(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise ArgumentError(f"menu entries are a list of Item, Separator and Submenu, not {value!r}")
    return tuple(value)


def _check_accelerator(item: Item, attribute: Any, value: str | None) -> None:
    if value is None:
        return
    sequence = QKeySequence.fromString(value, QKeySequence.SequenceFormat.PortableText) if isinstance(value, str) else None
    # Qt parses what it cannot read into Key_unknown, which prints as "".
    if sequence is None or sequence.isEmpty() or not sequence.toString(QKeySequence.SequenceFormat.PortableText):
        raise ArgumentError(f"menu item {item.label!r}: accelerator {value!r} is not a key sequence "
                            "(write it as \"Ctrl+O\", \"Ctrl+Shift+F5\")")


@attrs.frozen
class Item:
    """A menu entry a person can choose; ``on_click(item_id, window_id)``
    runs when they do (as :func:`on_item` subscribers do)."""

    label: str = attrs.field(validator=_check_label)
    id: str | None = attrs.field(default=None, kw_only=True)
    """How :func:`on_item`, :func:`popup` and :class:`Menu`'s state name it."""
    accelerator: str | None = attrs.field(default=None, kw_only=True, validator=_check_accelerator)
    checkable: bool = attrs.field(default=False, kw_only=True)
    checked: bool = attrs.field(default=False, kw_only=True)
    """The initial state; the Menu holds the current one."""
    enabled: bool = attrs.field(default=True, kw_only=True)
    on_click: ItemCallback | None = attrs.field(default=None, kw_only=True, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.id is not None and (not isinstance(self.id, str) or not self.id):
            raise ArgumentError(f"menu item {self.label!r}: id is a non-empty string, not {self.id!r}")
        if self.on_click is not None and not callable(self.on_click):
            raise ArgumentError(f"menu item {self.label!r}: on_click is not callable: {self.on_click!r}")
        if self.id is None and self.on_click is None:
            raise ArgumentError(f"menu item {self.label!r} has neither an id nor an on_click: nothing would hear it")
        if self.checkable and self.id is None:
            raise ArgumentError(f"checkable menu item {self.label!r} needs an id (its state is asked by id)")
        if self.checked and not self.checkable:
            raise ArgumentError(f"menu item {self.label!r} is checked but not checkable")


@attrs.frozen
class Separator:
    """A line between entries."""


@attrs.frozen
class Submenu:
    """A nested menu, opened from an entry labelled ``label``."""

    label: str = attrs.field(validator=_check_label)
    items: tuple[Entry, ...] = attrs.field(converter=_entries)
    enabled: bool = attrs.field(default=True, kw_only=True)


Entry = Union[Item, Separator, Submenu]


def _walk(entries: Sequence[Any], where: str) -> list[Item]:
    """Every Item below ``entries``, checking each entry's kind."""
    found: list[Item] = []
    for entry in entries:
        if isinstance(entry, Item):
            found.append(entry)
        elif isinstance(entry, Submenu):
            found += _walk(entry.items, f"{where} > {entry.label}")
        elif not isinstance(entry, Separator):
            raise ArgumentError(f"{where}: a menu holds Item, Separator and Submenu entries, not {entry!r}")
    return found


@attrs.define(eq=False)
class Menu:
    """A menu's entries, and the state of its items: whether each is
    checked and enabled. Changing the state (here, or a person toggling a
    checkable item) updates every Qt copy of the menu."""

    items: tuple[Entry, ...] = attrs.field(converter=_entries)
    _checked: dict[str, bool] = attrs.field(factory=dict, init=False)
    _enabled: dict[str, bool] = attrs.field(factory=dict, init=False)
    _by_id: dict[str, Item] = attrs.field(factory=dict, init=False)
    _copies: list[Callable[[str], None]] = attrs.field(factory=list, init=False)
    """Each installed Qt copy's refresh(item_id); a copy removes its own."""

    def __attrs_post_init__(self) -> None:
        for item in _walk(self.items, "menu"):
            if item.id is None:
                continue
            if item.id in self._by_id:
                raise ArgumentError(f"menu item id {item.id!r} is used twice in one menu")
            self._by_id[item.id] = item
            self._enabled[item.id] = item.enabled
            if item.checkable:
                self._checked[item.id] = item.checked

    def item(self, item_id: str) -> Item:
        """The Item with this id; :class:`weft.ArgumentError` if there is none."""
        try:
            return self._by_id[item_id]
        except KeyError:
            raise ArgumentError(f"the menu has no item {item_id!r}") from None

    def is_checked(self, item_id: str) -> bool:
        """Whether the checkable item ``item_id`` is checked now."""
        self._checkable(item_id)
        return self._checked[item_id]

    def set_checked(self, item_id: str, checked: bool) -> None:
        """Check or uncheck the checkable item ``item_id`` everywhere the menu is shown."""
        self._checkable(item_id)
        self._change(self._checked, item_id, bool(checked))

    def is_enabled(self, item_id: str) -> bool:
        """Whether item ``item_id`` can be chosen now."""
        self.item(item_id)
        return self._enabled[item_id]

    def set_enabled(self, item_id: str, enabled: bool) -> None:
        """Enable or disable item ``item_id`` everywhere the menu is shown."""
        self.item(item_id)
        self._change(self._enabled, item_id, bool(enabled))

    def _checkable(self, item_id: str) -> None:
        if not self.item(item_id).checkable:
            raise ArgumentError(f"menu item {item_id!r} is not checkable")

    def _change(self, states: dict[str, bool], item_id: str, value: bool) -> None:
        if states[item_id] != value:
            states[item_id] = value
            for refresh in tuple(self._copies):
                refresh(item_id)


# -- dispatch ---------------------------------------------------------------

_subscribers = Callbacks("menu.on_item", log, app_wide=True)


def on_item(callback: ItemCallback) -> Callable[[], None]:
    """Call ``callback(item_id, window_id)`` (sync or async) whenever a person
    chooses a menu item with an id, in any menu; ``window_id`` is the weft
    window the menu belongs to (None for tray menus and window-less popups).
    Returns the function that unsubscribes it."""
    return _subscribers.add(callback)


def _dispatch(item: Item, window_id: str | None) -> None:
    if item.on_click is not None:
        run_callback(log, item.on_click, item.id, window_id)
    if item.id is not None:
        _subscribers.call(item.id, window_id)


# -- Qt copies ----------------------------------------------------------------


class _Copy:
    """One Qt copy of a Menu (a menu bar, a popup, a tray menu): its actions
    by item id, kept in step with the Menu's state until its root widget goes."""

    def __init__(self, menu: Menu, window_id: str | None, root: QWidget) -> None:
        self.menu = menu
        self.window_id = window_id
        self.root = root
        self.actions: dict[str, QAction] = {}
        menu._copies.append(self.refresh)
        root.destroyed.connect(self._forget)

    def _forget(self, *_: Any) -> None:
        if self.refresh in self.menu._copies:
            self.menu._copies.remove(self.refresh)

    def refresh(self, item_id: str) -> None:
        action = self.actions.get(item_id)
        if action is None or not shiboken6.isValid(action):
            self._forget()
            return
        action.setEnabled(self.menu._enabled[item_id])
        if item_id in self.menu._checked:
            action.setChecked(self.menu._checked[item_id])

    def fill(self, container: QMenu | QMenuBar, entries: Sequence[Entry]) -> None:
        for entry in entries:
            if isinstance(entry, Separator):
                container.addSeparator()
            elif isinstance(entry, Submenu):
                submenu = QMenu(entry.label, container)
                submenu.setEnabled(entry.enabled)
                self.fill(submenu, entry.items)
                container.addMenu(submenu)
            else:
                container.addAction(self._action(entry, container))

    def _action(self, item: Item, parent: QWidget) -> QAction:
        action = QAction(item.label, parent)
        if item.accelerator:
            action.setShortcut(QKeySequence.fromString(item.accelerator, QKeySequence.SequenceFormat.PortableText))
        action.setCheckable(item.checkable)
        action.setEnabled(item.enabled)
        if item.id is not None:
            action.setData(item.id)
            self.actions[item.id] = action
            self.refresh(item.id)
        if item.checkable:
            action.toggled.connect(functools.partial(self._on_toggled, item.id))
        action.triggered.connect(functools.partial(self._on_triggered, item))
        return action

    def _on_toggled(self, item_id: str, checked: bool) -> None:
        # A person toggled this copy: the Menu, and so every other copy, follows.
        self.menu._change(self.menu._checked, item_id, checked)

    def _on_triggered(self, item: Item, *_: Any) -> None:
        _dispatch(item, self.window_id)


def _application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeClosedError("no QApplication: start weft with weft.run(main) before using menus")
    return app


def build(m: Menu, window_id: str | None, parent: QWidget | None = None) -> QMenu:
    """A QMenu built from ``m`` whose choices are dispatched with
    ``window_id`` (weft.tray's menus, :func:`popup`). The caller owns it."""
    _application()
    if not isinstance(m, Menu):
        raise ArgumentError(f"expected a weft.menu.Menu, not {m!r}")
    qmenu = QMenu(parent)
    _Copy(m, window_id, qmenu).fill(qmenu, m.items)
    return qmenu


def check_bar(m: Menu | None) -> None:
    """:class:`weft.ArgumentError` unless ``m`` can be a menu bar: a Menu of
    Submenus (or None). For checking ``create_window(menu=...)`` early."""
    if m is None:
        return
    if not isinstance(m, Menu):
        raise ArgumentError(f"menu= takes a weft.menu.Menu or None, not {m!r}")
    for entry in m.items:
        if not isinstance(entry, Submenu):
            raise ArgumentError(f"a menu bar holds Submenus only (File, Edit, ...); {entry!r} is not one")


def install(main_window: QMainWindow, m: Menu | None, window_id: str) -> None:
    """Give ``main_window`` a menu bar built from ``m`` (None: none), the
    choices dispatched with ``window_id``. Its accelerators are shortcuts of
    that window. Replaces (and deletes) the menu bar it had."""
    _application()
    check_bar(m)
    old = main_window.menuWidget()
    if m is None:
        main_window.setMenuWidget(None)  # type: ignore[arg-type]
    else:
        bar = QMenuBar(main_window)
        _Copy(m, window_id, bar).fill(bar, m.items)
        main_window.setMenuWidget(bar)  # not setMenuBar: PySide6 makes a default bar first, to delete it
        bar.show()  # a child added to a shown window stays hidden, and so would its shortcuts
    if old is not None and shiboken6.isValid(old):
        old.hide()
        old.deleteLater()


async def popup(m: Menu, *, window: Window | str | None = None, x: int | None = None,
                y: int | None = None) -> str | None:
    """Show ``m`` as a context menu at (``x``, ``y``) in ``window``'s page
    coordinates (CSS pixels, as a ``contextmenu`` event's clientX/clientY;
    without a window, screen coordinates; None: where the cursor is). Returns
    the chosen item's id, or None when it was dismissed, or at once when the
    menu has nothing to show (no entries, only separators: Qt shows no empty
    menu). The chosen item also reaches its ``on_click`` and :func:`on_item`.
    The loop runs on while the menu is open."""
    if (x is None) != (y is None):
        raise ArgumentError("popup takes both x and y, or neither")
    parent = native_of(window)
    window_id = window if isinstance(window, str) else window.id if window is not None else None
    qmenu = build(m, window_id, parent)
    if x is None:
        where = QCursor.pos()
    elif parent is None:
        where = QPoint(int(x), int(y))  # type: ignore[arg-type]
    else:
        page = parent.centralWidget() if isinstance(parent, QMainWindow) else None
        where = (page or parent).mapToGlobal(QPoint(int(x), int(y)))  # type: ignore[arg-type]
    chosen: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def settle(value: str | None) -> None:
        if not chosen.done():
            chosen.set_result(value)

    # Qt hides the menu before it triggers the chosen action: "dismissed"
    # waits a turn of the loop so that a choice made by that click wins.
    qmenu.triggered.connect(lambda action: settle(action.data() or None))
    qmenu.aboutToHide.connect(lambda: asyncio.get_event_loop().call_soon(settle, None))
    qmenu.destroyed.connect(lambda *_: settle(None))
    qmenu.popup(where)
    if not qmenu.isVisible():
        settle(None)  # Qt refused to show it: nothing would ever hide it
    try:
        return await chosen
    finally:
        if shiboken6.isValid(qmenu):
            qmenu.hide()
            qmenu.deleteLater()
