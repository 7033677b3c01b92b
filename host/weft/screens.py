"""The screens of the desktop, in device-independent pixels::

    from weft import screens

    main = screens.primary()
    print(main.width, main.height, main.scale, main.available.height)
"""

from __future__ import annotations

import attrs
from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication, QScreen

from .errors import PlatformError, RuntimeClosedError


@attrs.frozen(kw_only=True)
class Rect:
    """A rectangle on the virtual desktop."""

    x: int
    y: int
    width: int
    height: int


@attrs.frozen(kw_only=True)
class Screen:
    """One screen, as it was when asked (a later change makes a new one)."""

    name: str
    """The system's name for it (``"DP-1"``, ``"\\\\.\\DISPLAY1"``); may be empty."""
    x: int
    y: int
    width: int
    height: int
    available: Rect
    """What windows may use: the screen less its panels, docks and task bars."""
    scale: float
    """Device pixels per device-independent pixel (2.0 on a "Retina"/200% screen)."""


def _rect(rect: QRect) -> Rect:
    return Rect(x=rect.x(), y=rect.y(), width=rect.width(), height=rect.height())


def describe(screen: QScreen) -> Screen:
    """A :class:`Screen` of Qt's ``screen`` as it is now (for ``Window.screen``)."""
    geometry = screen.geometry()
    return Screen(name=screen.name(), x=geometry.x(), y=geometry.y(), width=geometry.width(),
                  height=geometry.height(), available=_rect(screen.availableGeometry()),
                  scale=float(screen.devicePixelRatio()))


def _application() -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is None:
        raise RuntimeClosedError("no QApplication: start weft with weft.run(main) before asking for screens")
    return app


def all() -> list[Screen]:  # noqa: A001 (the public name is screens.all)
    """Every screen, the primary first."""
    _application()
    primary = QGuiApplication.primaryScreen()
    found = QGuiApplication.screens()
    return [describe(s) for s in sorted(found, key=lambda s: s is not primary)]


def primary() -> Screen:
    """The primary screen, where new windows open."""
    _application()
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        raise PlatformError("the desktop reports no screen")
    return describe(screen)
