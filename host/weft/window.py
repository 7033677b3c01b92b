"""Windows: ``await window.create_window(...)`` and the :class:`Window` it returns."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

import attrs
import shiboken6
from PySide6.QtCore import QSize, QUrl
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QMainWindow, QWidget

from .errors import ArgumentError, WindowNotFoundError, WindowOptionError
from .ipc import active
from .ipc.router import Router
from .webengine.schemes import APP_HOST, APP_SCHEME, app_url

# Icons, screens, menus and DevTools are imported where they are used:
# a window that uses none of them does not load them at startup.
if TYPE_CHECKING:
    from . import icons, screens
    from .menu import Menu
    from .webengine.view import WindowFrame

__all__ = ["Window", "WindowHost", "create_window", "native_of", "windows"]


@attrs.frozen(kw_only=True)
class WindowHost:
    """What a window needs of the runtime that made it."""

    router: Router
    add_document: Callable[[str, str], str]
    """``add_document(window_id, html)`` serves ``html`` from memory on the
    app origin; returns its path."""


class Window:
    """One open window. Made by :func:`create_window`; its ``id`` is how
    ``weft.ipc`` addresses it."""

    def __init__(self, host: WindowHost, window_id: str, view: WindowFrame) -> None:
        self._host = host
        self._id = window_id
        self._view = view
        self._closed = False
        self._resizable = True

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<weft.Window {self._id!r} {state}>"

    @property
    def id(self) -> str:
        return self._id

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def native(self) -> QMainWindow:
        """The window's top-level Qt widget (a QMainWindow whose central
        widget shows the page): an escape hatch for what weft does not wrap.
        weft owns it: close it with :meth:`close`, and leave its page and
        menu bar to weft."""
        return self._live_view()

    def _live_view(self) -> WindowFrame:
        if self._closed or not shiboken6.isValid(self._view):
            raise WindowNotFoundError(f"window {self._id!r} is closed")
        return self._view

    # -- lifetime --------------------------------------------------------

    async def close(self) -> None:
        """Close the window (subscribers see its ``close`` event)."""
        if not self._closed:
            self._live_view().close()

    def _mark_closed(self) -> None:
        self._closed = True

    async def wait_ready(self, timeout: float | None = 10.0) -> None:
        """Wait until the page's ``window.runtime`` is connected. Sending does
        not need this (messages wait for the page); tests and timing do.

        Raises :class:`weft.LoadError` if the page could not be loaded.
        """
        page = self._live_view().page()
        # Chromium's error page gets a runtime too, and may connect before
        # the failure is reported: the load has the last word.
        async with asyncio.timeout(timeout):
            await page.wait_loaded()
            if page.load_error is not None:
                raise page.load_error
            await self._host.router.wait_ready(self._id, timeout=None)

    # -- what it shows -----------------------------------------------------

    @property
    def title(self) -> str:
        return self._live_view().windowTitle()

    def set_title(self, title: str) -> None:
        self._live_view().setWindowTitle(_title(title))

    @property
    def url(self) -> str:
        return self._live_view().page().url().toString()

    def load_url(self, url: str) -> None:
        """Navigate to ``url`` (``app://...`` or a path in the app folder)."""
        view = self._live_view()
        view.page().open(app_url(url))

    def set_html(self, html: str) -> None:
        """Show ``html``, served from memory on the app origin."""
        view = self._live_view()
        path = self._host.add_document(self._id, html)
        view.page().open(QUrl(f"{APP_SCHEME}://{APP_HOST}{path}"))

    def reload(self) -> None:
        """Reload the page; messages sent meanwhile go to the new document.
        After a crash, this brings the page back with a new renderer."""
        self._live_view().page().reload_document()

    def kill_renderer(self) -> bool:
        """End the page's renderer process, for a page that hangs (the
        ``unresponsive`` event): pending calls fail, a ``crashed`` event
        follows, and :meth:`reload` brings the page back."""
        return self._live_view().page().kill_renderer()

    async def evaluate(self, source: str, *, timeout: float = 10.0) -> Any:
        """Run JavaScript in the page's own world and return its value, which
        must be JSON-serialisable (a Promise is not awaited).

        For tests and tools; app code talks to its page through ``weft.ipc``.
        """
        return await self._live_view().page().evaluate(source, timeout=timeout)

    # -- geometry and state ------------------------------------------------

    @property
    def size(self) -> tuple[int, int]:
        size = self._live_view().size()
        return size.width(), size.height()

    def set_size(self, width: int, height: int) -> None:
        """Resize the window (one made with ``resizable=False`` too: only
        the person cannot resize it)."""
        size = QSize(_positive("width", width), _positive("height", height))
        view = self._live_view()
        view.setFixedSize(size) if not self._resizable else view.resize(size)

    @property
    def position(self) -> tuple[int, int]:
        pos = self._live_view().pos()
        return pos.x(), pos.y()

    def set_position(self, x: int, y: int) -> None:
        self._live_view().move(_coordinate("x", x), _coordinate("y", y))

    def show(self) -> None:
        self._live_view().show()

    def hide(self) -> None:
        self._live_view().hide()

    @property
    def visible(self) -> bool:
        return self._live_view().isVisible()

    def focus(self) -> None:
        """Raise the window and ask the window system to activate it."""
        view = self._live_view()
        view.raise_()
        view.activateWindow()

    def minimize(self) -> None:
        self._live_view().showMinimized()

    def maximize(self) -> None:
        self._live_view().showMaximized()

    def restore(self) -> None:
        self._live_view().showNormal()

    def center(self) -> None:
        """Move the window to the middle of the screen it is on."""
        view = self._live_view()
        area = (view.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        frame = view.frameGeometry()
        frame.moveCenter(area.center())
        view.move(frame.topLeft())

    @property
    def screen(self) -> screens.Screen:
        """The screen the window is on (most of it, when it spans two)."""
        from . import screens

        screen = self._live_view().screen() or QGuiApplication.primaryScreen()
        return screens.describe(screen)

    @property
    def fullscreen(self) -> bool:
        return self._live_view().isFullScreen()

    def set_fullscreen(self, fullscreen: bool) -> None:
        """Fill the screen, without the window's frame (False: back as it was)."""
        view = self._live_view()
        view.showFullScreen() if _flag("fullscreen", fullscreen) else view.showNormal()

    @property
    def always_on_top(self) -> bool:
        return bool(self._live_view().windowFlags() & _window_type().WindowStaysOnTopHint)

    def set_always_on_top(self, on_top: bool) -> None:
        """Keep the window above others (a hint: the window manager decides)."""
        view = self._live_view()
        visible = view.isVisible()
        view.setWindowFlag(_window_type().WindowStaysOnTopHint, _flag("always_on_top", on_top))
        if visible:  # changing a window's flags hides it
            view.show()

    def set_icon(self, icon: icons.Icon | None) -> None:
        """The window's icon: a path to an image file or PNG bytes (None:
        the application's)."""
        from . import icons

        self._live_view().setWindowIcon(QIcon() if icon is None else icons.load(icon, "icon"))

    def set_menu(self, menu: Menu | None) -> None:
        """Show ``menu`` as the window's menu bar (None: remove it); its
        items are reported by :func:`weft.menu.on_item` with this window's id."""
        from . import menu as menus

        menus.install(self._live_view(), menu, self._id)

    # -- tools -------------------------------------------------------------

    def open_devtools(self) -> None:
        """Open Chromium's DevTools on this window's page, in a window of its own."""
        from .webengine import devtools

        devtools.open_for(self._live_view())

    def close_devtools(self) -> None:
        """Close this window's DevTools, if open."""
        from .webengine import devtools

        devtools.close_for(self._live_view())

    # -- what create_window set up -------------------------------------------

    def _dress(self, chrome: Chrome, width: int, height: int) -> None:
        """Apply the chrome options, before the window is first shown."""
        view = self._live_view()
        if chrome.frameless:
            view.setWindowFlag(_window_type().FramelessWindowHint, True)
            from .webengine.chrome import FramelessChrome  # its edges need Qt's enums: see _window_type

            FramelessChrome(view, view.view)
        if chrome.always_on_top:
            view.setWindowFlag(_window_type().WindowStaysOnTopHint, True)
        if chrome.min_size is not None:
            view.setMinimumSize(*chrome.min_size)
        if chrome.max_size is not None:
            view.setMaximumSize(*chrome.max_size)
        if not chrome.resizable:
            self._resizable = False
            view.setFixedSize(QSize(width, height).expandedTo(view.minimumSize()).boundedTo(view.maximumSize()))
        if chrome.icon is not None:
            self.set_icon(chrome.icon)
        if chrome.menu is not None:
            self.set_menu(chrome.menu)


def _window_type() -> Any:
    """``Qt.WindowType``, imported when a window needs a flag: the first use
    of PySide6's ``Qt`` namespace builds all its enum classes (15–45 ms),
    which a plain window never needs (so not at import or start; see
    :mod:`weft.app.timers`)."""
    from PySide6.QtCore import Qt

    return Qt.WindowType


def _positive(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise WindowOptionError(f"{name} is a positive whole number of pixels, not {value!r}")
    return value


def _title(value: str) -> str:
    if not isinstance(value, str):
        raise WindowOptionError(f"title is a string, not {value!r}")
    return value


def _coordinate(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise WindowOptionError(f"{name} is a whole number of pixels, not {value!r}")
    return value


def _flag(name: str, value: bool) -> bool:
    if not isinstance(value, bool):
        raise WindowOptionError(f"{name} is True or False, not {value!r}")
    return value


def _size(name: str, value: tuple[int, int] | None) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise WindowOptionError(f"{name} is (width, height) in pixels, not {value!r}")
    return _positive(f"{name} width", value[0]), _positive(f"{name} height", value[1])


@attrs.frozen(kw_only=True)
class Chrome:
    """How a window looks and behaves as a window (``create_window``'s
    options beyond its page); checked as it is made."""

    frameless: bool = attrs.field(default=False, validator=lambda _, a, v: _flag(a.name, v))
    always_on_top: bool = attrs.field(default=False, validator=lambda _, a, v: _flag(a.name, v))
    resizable: bool = attrs.field(default=True, validator=lambda _, a, v: _flag(a.name, v))
    fullscreen: bool = attrs.field(default=False, validator=lambda _, a, v: _flag(a.name, v))
    min_size: tuple[int, int] | None = attrs.field(default=None, converter=lambda v: _size("min_size", v))
    max_size: tuple[int, int] | None = attrs.field(default=None, converter=lambda v: _size("max_size", v))
    icon: icons.Icon | None = None
    menu: Menu | None = None

    def __attrs_post_init__(self) -> None:
        if self.min_size and self.max_size and (self.min_size[0] > self.max_size[0]
                                                or self.min_size[1] > self.max_size[1]):
            raise WindowOptionError(f"min_size {self.min_size} is larger than max_size {self.max_size}")
        if self.icon is not None:
            from . import icons

            try:
                icons.load(self.icon, "icon")
            except ArgumentError as error:
                raise WindowOptionError(str(error)) from None
        if self.menu is not None:
            from . import menu as menus

            try:
                menus.check_bar(self.menu)
            except ArgumentError as error:
                raise WindowOptionError(f"menu: {error}") from None


async def create_window(
    *,
    title: str = "weft",
    width: int = 800,
    height: int = 600,
    url: str | None = None,
    html: str | None = None,
    id: str | None = None,
    x: int | None = None,
    y: int | None = None,
    visible: bool = True,
    permissions: Iterable[str] | None = None,
    frameless: bool = False,
    always_on_top: bool = False,
    resizable: bool = True,
    min_size: tuple[int, int] | None = None,
    max_size: tuple[int, int] | None = None,
    fullscreen: bool = False,
    icon: icons.Icon | None = None,
    menu: Menu | None = None,
    remember: str | None = None,
) -> Window:
    """Open a window on the running runtime; see :meth:`weft.Runtime.create_window`.

    ``remember="main"`` brings it back as it was last seen under that name
    (size, place, maximized or fullscreen), in this run or an earlier one;
    the ``x``/``y``/``width``/``height`` given here are used until something
    is saved (see :mod:`weft.windowstate`).
    """
    maker: _Windows = active.current()
    return await maker.create_window(
        title=title, width=width, height=height, url=url, html=html, id=id, x=x, y=y, visible=visible,
        permissions=permissions, frameless=frameless, always_on_top=always_on_top, resizable=resizable,
        min_size=min_size, max_size=max_size, fullscreen=fullscreen, icon=icon, menu=menu, remember=remember,
    )


def native_of(window: Window | str | None) -> QWidget | None:
    """The top-level widget of a weft :class:`Window` or window id (None:
    None), for what is modal to a window; :class:`weft.WindowNotFoundError`
    if it is not open."""
    if window is None:
        return None
    if isinstance(window, str):
        maker: _Windows = active.current()
        window = maker.window(window)
    if not isinstance(window, Window):
        raise WindowNotFoundError(f"window= takes a weft Window or a window id, not {window!r}")
    return window.native


def windows() -> tuple[Window, ...]:
    """The running runtime's open windows, oldest first."""
    maker: _Windows = active.current()
    return maker.windows


class _Windows(Protocol):
    """The running runtime, in the role the functions above need."""

    async def create_window(self, **options: Any) -> Window: ...

    @property
    def windows(self) -> tuple[Window, ...]: ...

    def window(self, window_id: str) -> Window: ...
