"""Windows: ``await window.create_window(...)`` and the :class:`Window` it returns."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

import attrs
import shiboken6
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QWidget

from .errors import WindowNotFoundError, WindowOptionError
from .ipc import active
from .ipc.router import Router
from .webengine.schemes import APP_HOST, APP_SCHEME, app_url

if TYPE_CHECKING:
    from .webengine.view import WindowView

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

    def __init__(self, host: WindowHost, window_id: str, view: WindowView) -> None:
        self._host = host
        self._id = window_id
        self._view = view
        self._closed = False

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
    def native(self) -> QWidget:
        """The window's top-level Qt widget: an escape hatch for what weft
        does not wrap. weft owns it; closing or deleting it is :meth:`close`'s
        job, and its page is weft's."""
        return self._live_view()

    def _live_view(self) -> WindowView:
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
        self._live_view().setWindowTitle(title)

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
        self._live_view().resize(_positive("width", width), _positive("height", height))

    @property
    def position(self) -> tuple[int, int]:
        pos = self._live_view().pos()
        return pos.x(), pos.y()

    def set_position(self, x: int, y: int) -> None:
        self._live_view().move(int(x), int(y))

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


def _positive(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise WindowOptionError(f"{name} is a positive whole number of pixels, not {value!r}")
    return value


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
) -> Window:
    """Open a window on the running runtime; see :meth:`weft.Runtime.create_window`."""
    maker: _Windows = active.current()
    return await maker.create_window(
        title=title, width=width, height=height, url=url, html=html, id=id, x=x, y=y, visible=visible,
        permissions=permissions,
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
