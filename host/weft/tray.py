"""An icon in the system tray (notification area), with a menu::

    from weft import menu, tray

    icon = tray.Tray(icon="assets/tray.png", tooltip="My App",
                     menu=menu.Menu([menu.Item("Quit", id="quit")]))
    icon.on_click(lambda: print("clicked"))
    if not icon.show():     # False where the desktop has no tray (headless, minimal desktops)
        ...

Its menu's choices reach :func:`weft.menu.on_item` with window id None.
A shown Tray stays, even with no reference to it, until :meth:`Tray.remove`
(or the end of ``weft.run``, which removes every tray).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import logging
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from . import icons
from . import menu as menus
from .callbacks import Callbacks
from .errors import ArgumentError, RuntimeClosedError
from .icons import Icon

__all__ = ["Tray", "available", "release"]

log = logging.getLogger("weft.tray")

_shown: set[Tray] = set()
"""Trays shown and not yet removed: kept here so that none vanishes when
the app drops its last reference."""


def _application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeClosedError("no QApplication: start weft with weft.run(main) before using the tray")
    return app


def available() -> bool:
    """Whether this desktop has a system tray to show icons in."""
    _application()
    return QSystemTrayIcon.isSystemTrayAvailable()


def _weft_icon() -> Path | None:
    """weft's own icon: the package data ``weft.packaging/icons/weft.png``, or
    ``packaging/`` beside ``host/`` in a checkout (whose editable install does
    not map that data-only package)."""
    if importlib.util.find_spec("weft.packaging") is not None:
        candidate = importlib.resources.files("weft.packaging").joinpath("icons/weft.png")
        if candidate.is_file():
            return Path(str(candidate))
    checkout = Path(__file__).resolve().parents[2] / "packaging" / "icons" / "weft.png"
    return checkout if checkout.is_file() else None


def _icon(source: Icon | None) -> QIcon:
    if source is not None:
        return icons.load(source, "tray icon")
    app_icon = _application().windowIcon()
    if not app_icon.isNull():
        return app_icon
    path = _weft_icon()
    return QIcon(str(path)) if path is not None else QIcon()


class Tray:
    """One tray icon: an icon, a tooltip, a menu, and clicks. Made hidden;
    :meth:`show` puts it in the tray."""

    def __init__(self, icon: Icon | None = None, tooltip: str = "", menu: menus.Menu | None = None) -> None:
        app = _application()
        # Parented to the application so that Qt, not Python's collector,
        # ends it when the application ends.
        self._native = QSystemTrayIcon(_icon(icon), app)
        self._native.setToolTip(str(tooltip))
        self._native.activated.connect(self._on_activated)
        self._menu: menus.Menu | None = None
        self._qmenu: QMenu | None = None
        self._clicks = Callbacks("Tray.on_click", log)
        self._removed = False
        self.set_menu(menu)

    def __repr__(self) -> str:
        if self._removed:
            return "<weft.tray.Tray removed>"
        return f"<weft.tray.Tray {self._native.toolTip()!r} {'shown' if self in _shown else 'hidden'}>"

    @property
    def native(self) -> QSystemTrayIcon:
        """The QSystemTrayIcon: an escape hatch for what weft does not wrap."""
        self._live()
        return self._native

    @property
    def menu(self) -> menus.Menu | None:
        return self._menu

    @property
    def visible(self) -> bool:
        return not self._removed and self._native.isVisible()

    def _live(self) -> None:
        if self._removed:
            raise ArgumentError("this tray icon was removed; make a new Tray")

    def set_tooltip(self, tooltip: str) -> None:
        self._live()
        self._native.setToolTip(str(tooltip))

    def set_icon(self, icon: Icon | None) -> None:
        """A new icon (same forms as the constructor's)."""
        self._live()
        self._native.setIcon(_icon(icon))

    def set_menu(self, menu: menus.Menu | None) -> None:
        """The menu shown on a right click (None: none)."""
        self._live()
        qmenu = menus.build(menu, None) if menu is not None else None
        self._native.setContextMenu(qmenu)  # type: ignore[arg-type]
        if self._qmenu is not None:
            self._qmenu.deleteLater()
        self._menu, self._qmenu = menu, qmenu

    def on_click(self, callback: Callable[[], Any]) -> Callable[[], None]:
        """Call ``callback()`` (sync or async) when the icon is clicked
        (activated: a left click on most desktops). Returns the function
        that unsubscribes it."""
        return self._clicks.add(callback)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self._clicks.call()

    def show(self) -> bool:
        """Put the icon in the tray. True when shown; False (and one log
        line) where the desktop has no tray or the icon was removed."""
        if self._removed:
            log.warning("this tray icon was removed; make a new Tray to show one")
            return False
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.warning("no system tray on this desktop (Qt platform %r): the tray icon is not shown",
                        QApplication.platformName())
            return False
        self._native.show()
        _shown.add(self)
        return True

    def hide(self) -> None:
        """Take the icon out of the tray, keeping it to show again."""
        if not self._removed:
            self._native.hide()
        _shown.discard(self)

    def remove(self) -> None:
        """Take the icon out of the tray and release it; it cannot be shown
        again. Idempotent."""
        if self._removed:
            return
        self._native.hide()
        self._native.setContextMenu(None)  # type: ignore[arg-type]
        self._native.deleteLater()
        if self._qmenu is not None:
            self._qmenu.deleteLater()
        self._qmenu = None
        self._removed = True
        _shown.discard(self)


def release() -> None:
    """Remove every shown tray icon, and delete them now (``weft.run`` calls
    this as it ends, before the QApplication goes)."""
    for tray in tuple(_shown):
        tray.remove()
    if QCoreApplication.instance() is not None:
        # deleteLater's events: delivered now, as the loop that would is ending.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
