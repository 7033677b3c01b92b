"""The Runtime: one router, its windows, and the Qt parts behind them.

``weft.run(main)`` makes one and activates it, so the module-level
``weft.ipc`` and ``weft.window`` functions act on it. Tests and embedders make
their own and call its methods directly (or activate it).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from PySide6.QtCore import QUrl

from . import callbacks, notifications, windowstate
from .errors import ArgumentError, PluginStateError, RuntimeClosedError, WindowNotFoundError, WindowOptionError
from .ipc import active
from .ipc.api import Calls
from .ipc.codec import Limits
from .ipc.flow import Heartbeat
from .ipc.router import Router
from .ipc.subscriptions import DEFAULT_BOUND
from .webengine.engine import Engine
from .webengine.permissions import APP_DEFAULT
from .webengine.schemes import APP_HOST, APP_SCHEME, app_url
from .window import Chrome, Window, WindowHost, _coordinate, _flag, _positive, _title

if TYPE_CHECKING:
    from . import icons, remote
    from .menu import Menu
    from .plugins.manifest import Manifest
    from .plugins.plugin import Plugin, PluginHost

# Plugins and remote sessions are imported when first used, not by a start
# that opens only app windows (see tests/e2e/test_startup.py).


class Runtime(Calls):
    """A weft runtime: windows, plugins, and the ``weft.ipc`` calls as
    methods (inherited from :class:`weft.ipc.api.Calls`).

    ``app_dir`` is the folder ``app://localhost/`` serves (None: none).
    ``limits`` bounds what a page may post (sizes, nesting, rate);
    ``subscriber_bound`` is how many events a slow subscriber may fall behind
    before it gets :class:`~weft.SubscriberOverflowError`; ``heartbeat`` is
    how pages are watched for hangs (None: not watched).

    What is kept across runs (``weft.run`` gives all three, under
    :data:`weft.app.paths`; None keeps nothing):

    - ``storage``: the folder of the app windows' web profile, where their
      ``localStorage``, IndexedDB, cookies and HTTP cache stay (None: an
      off-the-record profile). One runtime at a time may use a folder.
    - ``plugin_storage``: the folder under which each plugin whose manifest
      asks for ``[storage] persistent = true`` has its own profile, in
      ``<plugin_storage>/<plugin id>`` (None: such plugins run
      off-the-record, with one warning).
    - ``state_dir``: the folder of ``windows.json``, the state of windows
      made with ``create_window(remember=...)`` (None: ``remember=`` is
      refused).
    """

    def __init__(
        self,
        *,
        app_dir: str | Path | None = None,
        limits: Limits | None = None,
        subscriber_bound: int = DEFAULT_BOUND,
        heartbeat: Heartbeat | None = Heartbeat(),
        storage: str | Path | None = None,
        plugin_storage: str | Path | None = None,
        state_dir: str | Path | None = None,
    ) -> None:
        self.app_dir = Path(app_dir).resolve() if app_dir is not None else None
        self.storage = _folder("storage", storage)
        """The app windows' web storage folder (None: off-the-record)."""
        self.plugin_storage = _folder("plugin_storage", plugin_storage)
        """Where persistent plugins keep their profiles, one folder per id."""
        self.state_dir = _folder("state_dir", state_dir)
        """Where remembered windows' state is kept."""
        self._state_file = windowstate.StateFile(self.state_dir) if self.state_dir is not None else None
        self._remembered: dict[str, str] = {}  # remember= name -> the open window using it
        self.router = Router(limits or Limits(), subscriber_bound)
        self._heartbeat = heartbeat
        self._engine: Engine | None = None
        self._windows: dict[str, Window] = {}
        self._plugins: dict[str, Plugin] = {}
        self._ids = itertools.count(1)
        self._all_closed = asyncio.Event()
        self._closed = False
        self._window_host = WindowHost(router=self.router, add_document=self._add_document)
        self._plugin_host: PluginHost | None = None

    def _router(self) -> Router:
        return self.router

    # -- activation --------------------------------------------------------

    @contextlib.contextmanager
    def activated(self) -> Iterator[Runtime]:
        """Make this the runtime the module-level functions act on."""
        with active.activated(self):
            yield self

    # -- windows -----------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeClosedError("the runtime has shut down")

    def _engine_for_window(self) -> Engine:
        self._check_open()
        if self._engine is None:
            self._engine = Engine(self.app_dir, self.router, self.storage)
            notifications.attach(self._engine.profile)  # a page's Notification shows as weft.notifications.send
            self._start_watching()
        return self._engine

    def _start_watching(self) -> None:
        if self._heartbeat is not None:
            self.router.start_heartbeat(self._heartbeat)
            self._heartbeat = None

    def _new_id(self, wanted: str | None) -> str:
        if wanted is None:
            while True:
                candidate = f"window-{next(self._ids)}"
                if not self.router.has_window(candidate):
                    return candidate
        if not isinstance(wanted, str) or not wanted or not wanted.isprintable() or len(wanted) > 128:
            raise WindowOptionError(f"a window id is a printable string of 1 to 128 characters, not {wanted!r}")
        if wanted.startswith("plugin:"):
            raise WindowOptionError("window ids starting with 'plugin:' belong to plugins")
        if self.router.has_window(wanted):
            raise WindowOptionError(f"window id {wanted!r} is already in use")
        return wanted

    async def create_window(
        self,
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
        """Open a window showing ``url`` (``app://index.html`` or a path in the
        app folder) or ``html`` (served from memory on the app origin).

        Returns once the window exists; its page keeps loading, and messages
        sent to it meanwhile are delivered when its runtime is up.

        ``permissions`` are the web permissions its page is granted, by the
        plugin manifest's names (default: ``notifications`` and
        ``clipboard-read-write``); every other request is denied at once.

        As a window: ``frameless`` (no title bar or borders: the page's
        ``data-weft-drag-region`` elements move it, its edges resize it),
        ``always_on_top``, ``resizable`` (by the person), ``min_size`` and
        ``max_size`` (``(width, height)``), ``fullscreen``, ``icon`` (a path
        to an image file or PNG bytes) and ``menu`` (a :class:`weft.menu.Menu`
        shown as its menu bar).

        ``remember`` (a name, such as ``"main"``) brings the window back with
        the size, place and maximized or fullscreen state it had when last
        seen under that name, in this run or an earlier one, put onto a
        screen that exists now; ``x``, ``y``, ``width``, ``height`` and
        ``fullscreen`` are its defaults until something is saved (a window
        that is not ``resizable`` keeps its ``width`` and ``height``). One
        open window at a time may use a name. Needs the runtime's
        ``state_dir`` (``weft.run`` gives it).
        """
        if (url is None) == (html is None):
            raise WindowOptionError("give exactly one of url= or html=")
        _title(title)
        _positive("width", width)
        _positive("height", height)
        for name, coordinate in (("x", x), ("y", y)):
            if coordinate is not None:
                _coordinate(name, coordinate)
        _flag("visible", visible)
        if remember is not None:
            windowstate.check_name(remember)
            if self._state_file is None:
                raise WindowOptionError(
                    "remember= needs a folder to keep window state in: weft.run gives one (weft.app.paths.config); "
                    "a Runtime made by hand needs Runtime(state_dir=...)")
            if remember in self._remembered:
                raise WindowOptionError(
                    f"remember={remember!r} is in use by open window {self._remembered[remember]!r}: "
                    "one open window at a time may use a name")
        chrome = Chrome(frameless=frameless, always_on_top=always_on_top, resizable=resizable, min_size=min_size,
                        max_size=max_size, fullscreen=fullscreen, icon=icon, menu=menu)
        granted = APP_DEFAULT if permissions is None else frozenset(permissions)
        if permissions is not None and (unknown := sorted(granted - _known_permissions())):
            raise WindowOptionError(f"unknown web permissions {unknown}; known: {sorted(_known_permissions())}")
        target = app_url(url) if url is not None else None
        saved = self._saved_placement(remember, resizable, width, height)
        engine = self._engine_for_window()
        window_id = self._new_id(id)
        view = engine.create_view(window_id, self.router.publish, lambda: self._on_closed(window_id), granted)
        window = Window(self._window_host, window_id, view)
        self._windows[window_id] = window
        self._all_closed.clear()
        view.setWindowTitle(title)
        maximized = False
        if saved is not None:  # what was saved wins over the defaults given here
            x, y, width, height = saved.x, saved.y, saved.width, saved.height
            maximized, fullscreen = saved.maximized, saved.fullscreen
        view.resize(width, height)
        window._dress(chrome, width, height)
        if x is not None and y is not None:
            view.move(x, y)
        if remember is not None and self._state_file is not None:
            windowstate.Keeper(view, remember, self._state_file)
            self._remembered[remember] = window_id
        if target is None:
            target = QUrl(f"{APP_SCHEME}://{APP_HOST}{self._add_document(window_id, html or '')}")
        view.page().open(target)
        if visible:
            view.showFullScreen() if fullscreen else view.showMaximized() if maximized else view.show()
        elif fullscreen or maximized:
            from PySide6.QtCore import Qt  # not at import: see weft.window._window_type

            state = Qt.WindowState.WindowFullScreen if fullscreen else Qt.WindowState.WindowMaximized
            view.setWindowState(view.windowState() | state)
        return window

    def _saved_placement(self, remember: str | None, resizable: bool, width: int,
                         height: int) -> windowstate.Placement | None:
        """The placement saved under ``remember``, put on today's screens
        (a window that is not resizable keeps the size it was given)."""
        if remember is None or self._state_file is None:
            return None
        saved = self._state_file.load(remember)
        if saved is None:
            return None
        if not resizable:
            saved = windowstate.Placement(x=saved.x, y=saved.y, width=width, height=height,
                                          maximized=saved.maximized, fullscreen=saved.fullscreen)
        return windowstate.fit_on_screens(saved)

    def _add_document(self, window_id: str, html: str) -> str:
        return self._engine_for_window().add_document(window_id, html)

    def _on_closed(self, window_id: str) -> None:
        window = self._windows.pop(window_id, None)
        if window is None:
            return
        window._mark_closed()
        self._remembered = {name: owner for name, owner in self._remembered.items() if owner != window_id}
        self.router.detach(window_id)
        if self._engine is not None:
            self._engine.release_view(window._view, window_id)
        if not self._windows:
            self._all_closed.set()

    def window(self, window_id: str) -> Window:
        """The open window with this id."""
        try:
            return self._windows[window_id]
        except KeyError:
            raise WindowNotFoundError(f"no open window has id {window_id!r}") from None

    @property
    def windows(self) -> tuple[Window, ...]:
        """The open windows, oldest first."""
        return tuple(self._windows.values())

    @property
    def dropped_events(self) -> int:
        """Events dropped for subscribers that fell past their bound."""
        return self.router.hub.dropped

    def rate_limited(self, window_id: str) -> int:
        """How many messages from this page its rate limit refused."""
        return self.router.rate_limited(window_id)

    async def wait_until_closed(self) -> None:
        """Return once no window is open."""
        await self._all_closed.wait()

    # -- plugins -----------------------------------------------------------

    def load_plugin(self, manifest: Manifest) -> Plugin:
        """A :class:`~weft.plugins.Plugin` for a validated manifest (not started).

        Plugin ids are unique per runtime; a plugin of the same id that is
        not running is replaced (starting it then is an error), a running one
        is an error.
        """
        from .plugins.plugin import Plugin, PluginHost, PluginState

        self._check_open()
        if self._plugin_host is None:
            self._plugin_host = PluginHost(router=self.router, ensure_open=self._check_open, loaded=self._plugins.get,
                                           start_watching=self._start_watching, storage=self.plugin_storage)
        existing = self._plugins.get(manifest.id)
        if existing is not None and existing.state is PluginState.RUNNING:
            raise PluginStateError(f"a plugin with id {manifest.id!r} is already running; stop it first")
        plugin = Plugin(manifest, self._plugin_host)
        self._plugins[manifest.id] = plugin
        return plugin

    @property
    def plugins(self) -> tuple[Plugin, ...]:
        """The loaded plugins, in the order they were loaded."""
        return tuple(self._plugins.values())

    # -- remote sessions ---------------------------------------------------

    async def open_session(self, host_window_id: str, remote_page: Any, **options: Any) -> remote.Session | remote.Pairing:
        """Pair a host window with a remote page (``reconnect=True``: a
        :class:`~weft.remote.Pairing` that pairs them again after the remote
        side restarts); see :func:`weft.remote.open_session`."""
        from . import remote

        return await remote.open_session_on(self.router, host_window_id, remote_page, **options)

    # -- shutdown ----------------------------------------------------------

    async def shutdown(self) -> None:
        """Close every window, end every iterator and pending call, and
        release the Qt parts (pages before their profile)."""
        if self._closed:
            return
        self._closed = True
        for plugin in tuple(self._plugins.values()):
            await plugin.stop()
        if self._engine is not None:
            await self._engine.shutdown()
            self._engine = None
        await self.router.shutdown()
        callbacks.end_run()  # menu choices, second launches, deep links registered during this run
        self._all_closed.set()


def _known_permissions() -> frozenset[str]:
    from .plugins.manifest import PERMISSIONS

    return PERMISSIONS


def _folder(name: str, value: str | Path | None) -> Path | None:
    """A folder argument as an absolute path (made when first used)."""
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or not str(value):
        raise ArgumentError(f"{name} is a folder (a str or Path) or None, not {value!r}")
    return Path(value).expanduser().resolve()
