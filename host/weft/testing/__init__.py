"""weft.testing: a pytest plugin for testing weft apps headless.

Installed with weft (entry point ``pytest11``, plugin name ``weft``; turn it
off with ``-p no:weft``). An app's test opens its windows and talks to them::

    import pytest
    from weft.testing import evaluate

    @pytest.mark.weft
    async def test_greeting(weft_app):
        win = await weft_app.window()            # main() ran; its window is ready
        assert await evaluate(win, 'runtime.invoke("greet", {name: "x"})') == "Hello, x!"

Fixtures: ``weft_app_dir`` (the app folder), ``weft_runtime`` (a fresh
:class:`weft.Runtime` serving it, active for the test, shut down after),
``weft_app`` (the app's ``main()`` running on that runtime, see :class:`App`),
``weft_run`` (run a coroutine on weft's loop from a plain test) and
``weft_loop`` (the session's one qasync loop). ``async def`` tests marked
``@pytest.mark.weft``, or asking for ``weft_runtime`` / ``weft_app``, run on
that loop. Helpers: :func:`open_window`, :func:`evaluate`, :func:`wait_for`,
:func:`next_event`; :func:`click` and :func:`type_text` (real mouse and
key events through Qt); for the desktop, :func:`answer_dialog` (answers the
next weft.dialog through Qt's own widgets), :func:`pick_menu_item` (opens a
window's menus and clicks the item) and :func:`menu_items`
(:mod:`weft.testing.pointer`, :mod:`weft.testing.dialogs` and
:mod:`weft.testing.menus` have the rest).
The fixture ``weft_dialogs`` fails a test that leaves a dialog open.

Loading the plugin imports no Qt: only a session that collected a test
using weft sets ``QT_QPA_PLATFORM=offscreen`` (unless set), decides
Chromium's sandbox and registers weft's URL schemes, before any
QApplication exists. As root, where Chromium's sandbox cannot run, it opts
out with ``WEFT_NO_SANDBOX=1`` (unless that is set already) and says so.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import os
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterator, TypeVar

import attrs
import pytest

from ..errors import Error, ScriptError

if TYPE_CHECKING:
    from ..ipc.events import IpcEvent
    from ..ipc.subscriptions import Subscription
    from ..runtime import Runtime
    from ..window import Window

T = TypeVar("T")
_ANY: Any = object()
"""A parameter left out (where None means something)."""

#: The fixtures that make a test a weft test (its session then prepares Qt).
FIXTURES = ("weft_loop", "weft_run", "weft_runtime", "weft_app", "weft_dialogs")
DEFAULT_TIMEOUT = 30.0
#: What marks a folder as a weft app, when looking for the app of a test.
APP_FILES = ("weft.toml", "main.py")
_APPS = pytest.StashKey[list["App"]]()

# The desktop helpers import Qt: they load on first use, so that loading
# this plugin does not.
_LAZY = {"answer_dialog": "dialogs", "next_dialog": "dialogs", "dismiss_dialogs": "dialogs",
         "DialogSeen": "dialogs", "pick_menu_item": "menus", "menu_items": "menus", "wait_for_popup": "menus",
         "click": "pointer", "type_text": "pointer", "ElementError": "pointer"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'weft.testing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


@attrs.define
class _Session:
    prepared: bool = False
    """Qt's platform, the sandbox and the schemes are decided."""
    loop: asyncio.AbstractEventLoop | None = None
    """weft's loop, once a test asked for it."""
    in_weft_test: bool = False
    """A weft test is running (set-up to teardown)."""


_session = _Session()


# -- plugin hooks ----------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("weft_app_dir", "the app folder weft's fixtures serve, relative to the rootdir "
                  "(default: the nearest folder above the test with weft.toml or main.py)")
    parser.addini("weft_timeout", "seconds an async weft test, or one weft_run call, may take",
                  default=str(DEFAULT_TIMEOUT))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "weft(app_dir=None, timeout=None): run an async test on weft's loop; app_dir (relative to the "
        "test file's folder) is the app it serves, timeout its limit in seconds",
    )


def _uses_weft(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("weft") is not None or any(name in names for name in FIXTURES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # An async test marked weft runs on weft's loop even if it asks for no fixture.
        names = getattr(item, "fixturenames", None)
        if item.get_closest_marker("weft") is not None and names is not None and "weft_loop" not in names:
            names.append("weft_loop")


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(_uses_weft(item) for item in session.items):
        _prepare(session.config)


def _prepare(config: pytest.Config) -> None:
    """Set up what must precede the QApplication (pytest-qt's too, if a test
    asks for it later): the platform, the sandbox decision, the schemes."""
    if _session.prepared:
        return
    _session.prepared = True
    from ..webengine.chromium import OPT_OUT_ENV

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and OPT_OUT_ENV not in os.environ:
        os.environ[OPT_OUT_ENV] = "1"
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"weft.testing: running as root, where Chromium's sandbox cannot run: "
                                f"pages run without it ({OPT_OUT_ENV}=1)")
    try:
        from .. import app

        app.prepare()
    except (ImportError, Error):
        pass  # weft_loop raises it again, where the tests that need it see it


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    # Qt's event loop is weft's asyncio loop, and Qt may turn it between
    # weft's own runs: pytest-qt processes events after each phase of a
    # test. A page's message or a timer handled then must find its loop
    # running (as in qasync's already_running mode), or routing fails with
    # "no running event loop". So during a weft test the loop is marked
    # running, except while _run runs it for real.
    if not _uses_weft(item):
        return (yield)
    _session.in_weft_test = True
    _mark_running()
    try:
        return (yield)
    finally:
        _session.in_weft_test = False
        asyncio._set_running_loop(None)


def _mark_running() -> None:
    loop = _session.loop
    if _session.in_weft_test and loop is not None and not loop.is_closed():
        asyncio._set_running_loop(loop)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj) or not _uses_weft(pyfuncitem):
        return None
    loop = pyfuncitem.funcargs["weft_loop"]  # every weft fixture needs it; the marker adds it
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    _run(loop, pyfuncitem.obj(**arguments), _timeout(pyfuncitem), pyfuncitem)
    return True


# -- fixtures --------------------------------------------------------------


@pytest.fixture(scope="session")
def weft_loop(pytestconfig: pytest.Config) -> Iterator[asyncio.AbstractEventLoop]:
    """The session's one qasync loop, on weft's QApplication."""
    _prepare(pytestconfig)
    from .. import app

    refused = None
    try:
        qapp = app.application(["pytest"])
    except Error as exc:  # as root without the opt-out, a QApplication made too early
        refused = str(exc)
    if refused is not None:
        pytest.fail(refused, pytrace=False)
    qapp.setQuitOnLastWindowClosed(False)
    loop = _session.loop = app.event_loop(qapp)
    asyncio.set_event_loop(loop)
    _mark_running()
    yield loop
    _session.loop = None
    asyncio._set_running_loop(None)
    asyncio.set_event_loop(None)
    loop.close()
    app.release_desktop()  # as weft.run does


@pytest.fixture
def weft_run(weft_loop: asyncio.AbstractEventLoop, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``weft_run(coro, timeout=...)``: run ``coro`` on weft's loop from a
    plain (not async) test and return its result; ``TimeoutError`` after
    ``timeout`` s (default: the marker's, else ini ``weft_timeout``, 30)."""
    default = _timeout(request.node)

    def run(awaitable: Awaitable[T], timeout: float | None = _ANY) -> T:
        if timeout is _ANY:
            return _run(weft_loop, awaitable, default, request.node)
        return _run(weft_loop, awaitable, timeout, request.node, limit_set_by="weft_run's timeout=")

    return run


@pytest.fixture
def weft_dialogs(weft_loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Fails the test if it leaves a weft dialog open (and closes it)."""
    yield
    from .dialogs import dismiss_dialogs

    assert dismiss_dialogs() == 0, "the test left a weft dialog open"


@pytest.fixture
def weft_app_dir(request: pytest.FixtureRequest) -> Path:
    """The app folder: the marker's ``app_dir`` (relative to the test file's
    folder), else ini ``weft_app_dir`` (relative to the rootdir), else the
    nearest folder from the test's up to the rootdir holding ``weft.toml`` or
    ``main.py``, else the rootdir. Override the fixture to choose otherwise."""
    marker = request.node.get_closest_marker("weft")
    if marker is not None and marker.kwargs.get("app_dir") is not None:
        return (request.path.parent / marker.kwargs["app_dir"]).resolve()
    config = request.config
    configured = config.getini("weft_app_dir")
    if configured:
        return (config.rootpath / configured).resolve()
    root = config.rootpath.resolve()
    folder = request.path.parent.resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / name).is_file() for name in APP_FILES):
            return candidate
        if candidate == root:
            break
    return root


@pytest.fixture
def weft_runtime(weft_app_dir: Path, weft_run: Callable[..., Any], tmp_path: Path) -> Iterator[Runtime]:
    """A fresh :class:`weft.Runtime` serving the app folder, active for the
    test (``weft.ipc`` and ``weft.window`` act on it), shut down after. It
    keeps windows' state (``create_window(remember=...)``) in the test's
    ``tmp_path``, so each test's windows start from their defaults."""
    from ..runtime import Runtime

    runtime = Runtime(app_dir=weft_app_dir, state_dir=tmp_path / "window-state")
    with runtime.activated():
        yield runtime
        weft_run(runtime.shutdown())


@pytest.fixture
def weft_app(weft_runtime: Runtime, weft_app_dir: Path, weft_run: Callable[..., Any],
             request: pytest.FixtureRequest) -> Iterator[App]:
    """The app's ``async def main()`` (from its ``main.py``, loaded as
    ``weft run`` loads it) running on ``weft_runtime``; see :class:`App`."""
    from .. import appconfig
    from ..cli import UsageError, _load_main
    from ..errors import ConfigError

    try:
        config = appconfig.load(weft_app_dir)  # a weft.toml that `weft run` refuses fails the test too
        main, _, _ = _load_main(weft_app_dir)
    except (ConfigError, UsageError) as exc:
        refused = str(exc)
    else:
        refused = None
    if refused is not None:
        pytest.fail(f"weft_app: {refused}", pytrace=False)
    app = App(runtime=weft_runtime, main_fn=main)
    request.node.stash.setdefault(_APPS, []).append(app)
    # Named as weft.run names it: dialogs' titles, as people see them.
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    qt_app = QCoreApplication.instance()
    names = (qt_app.applicationName(), QGuiApplication.applicationDisplayName())
    qt_app.setApplicationName(config.name)
    QGuiApplication.setApplicationDisplayName(config.name)
    try:
        yield app
        weft_run(app.stop())
    finally:
        qt_app.setApplicationName(names[0])
        QGuiApplication.setApplicationDisplayName(names[1])


def _timeout(item: pytest.Item) -> float | None:
    marker = item.get_closest_marker("weft")
    if marker is not None and "timeout" in marker.kwargs:
        return marker.kwargs["timeout"]  # type: ignore[no-any-return]
    return float(item.config.getini("weft_timeout"))


_LIMIT_SET_BY = "@pytest.mark.weft(timeout=...) or ini weft_timeout"


def _run(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T], timeout: float | None, item: pytest.Item, *,
         limit_set_by: str = _LIMIT_SET_BY) -> T:
    if loop.is_running():
        pytest.fail("weft_run() cannot run inside an async test: await the coroutine instead", pytrace=False)
    limit = asyncio.timeout(timeout)

    async def run() -> T:
        for app in item.stash.get(_APPS, ()):
            app.start()
        async with limit:
            return await awaitable

    asyncio.set_event_loop(loop)
    asyncio._set_running_loop(None)  # see pytest_runtest_protocol
    # Not loop.run_until_complete: qasync's (0.28) turns Qt's loop once more
    # after it has stopped, with no running loop, where a page's message
    # fails to route ("no running event loop").
    future = asyncio.ensure_future(run(), loop=loop)
    future.add_done_callback(_stop)
    try:
        loop.run_forever()
    finally:
        future.remove_done_callback(_stop)
        _mark_running()
    try:
        return future.result()
    except TimeoutError as exc:
        if limit.expired():
            raise TimeoutError(f"still running after {timeout} s ({limit_set_by} sets the limit)") from exc
        raise


def _stop(future: asyncio.Future[Any]) -> None:
    future.get_loop().stop()


# -- the app under test ----------------------------------------------------


@attrs.define(eq=False)
class App:
    """An app whose ``main()`` runs on a test's runtime. ``main`` is a task:
    it may return (having opened its windows) or run for the whole test; it
    is cancelled when the test ends, and an error it raised fails the test."""

    runtime: Runtime
    """The runtime it runs on (``weft_runtime``)."""
    main_fn: Callable[[], Awaitable[Any]]
    """The app's ``async def main()``."""
    main: asyncio.Future[Any] | None = attrs.field(default=None, init=False)
    """The task running ``main()``: None until the test first runs on
    weft's loop (an async test's body, or its first ``weft_run``)."""
    _reported: bool = attrs.field(default=False, init=False)

    @property
    def module(self) -> types.ModuleType:
        """The app's ``main.py``, as loaded for this test: its classes and
        functions (``weft_app.module.Task``)."""
        return sys.modules[self.main_fn.__module__]

    def start(self) -> None:
        """Start ``main()`` (from inside the loop)."""
        # Never at fixture set-up: pytest-qt processes Qt's events between
        # set-up and the test, where main's first step would find no loop.
        if self.main is None:
            self.main = asyncio.ensure_future(self.main_fn())

    async def window(self, id: str | None = None, *, timeout: float = 10.0) -> Window:
        """The app's first open window (or the one with ``id``), once its
        page's ``window.runtime`` is connected. Raises what ``main()`` raised
        if it failed first."""
        self.start()
        assert self.main is not None
        returned = False
        try:
            async with asyncio.timeout(timeout):
                while True:
                    if self.main.done() and not self.main.cancelled() and self.main.exception() is not None:
                        self._reported = True
                        raise self.main.exception()  # type: ignore[misc]
                    found = [win for win in self.runtime.windows if id is None or win.id == id]
                    if found:
                        break
                    if self.main.done():
                        returned = True
                        break
                    await asyncio.sleep(0.01)  # main() runs on this loop: give it a turn
                if found:
                    await found[0].wait_ready(timeout=None)
        except TimeoutError:
            raise TimeoutError(f"no {_which(id)} was ready within {timeout} s") from None
        if returned:
            pytest.fail(f"main() returned without opening {_which(id)}", pytrace=False)
        return found[0]

    async def stop(self) -> None:
        """Cancel ``main()`` if it still runs; raise what it raised, unless
        :meth:`window` did already."""
        if self.main is None:
            return
        if not self.main.done():
            self.main.cancel()
        try:
            await self.main
        except asyncio.CancelledError:
            pass
        except Exception:
            if not self._reported:
                raise


def _which(id: str | None) -> str:
    return "a window" if id is None else f"window {id!r}"


# -- helpers ---------------------------------------------------------------


async def open_window(url: str | None = "app://index.html", *, html: str | None = None,
                      timeout: float = 10.0, **options: Any) -> Window:
    """Open a window on the running runtime (``weft_runtime``), showing
    ``url`` or ``html``, and wait until its page's runtime is connected.
    ``options`` are :func:`weft.window.create_window`'s."""
    from .. import window

    if html is not None:
        url = None
    options.setdefault("title", "test")
    win = await window.create_window(url=url, html=html, **options)
    await win.wait_ready(timeout=timeout)
    return win


_keys = itertools.count(1)


def _script() -> str:
    from ..webengine.scripts import asset  # read once, as every renderer asset is

    return asset("testing.js")


async def evaluate(win: Window, expression: str, *, timeout: float = 10.0) -> Any:
    """The value of a JavaScript ``expression`` in the page, awaited if it
    is a Promise (``runtime.invoke(...)``, an ``(async () => {...})()``).
    Raises :class:`weft.ScriptError` if it throws or rejects ("HandlerError
    (ValueError): bad" for a Python handler's ValueError), or its value is not
    JSON; ``TimeoutError`` after ``timeout`` s."""
    script, key = _script(), f"k{next(_keys)}"

    def call(op: str) -> str:  # the arguments cross as JSON literals, as Window.evaluate's do
        return script + "(" + ", ".join(json.dumps(arg) for arg in (op, key, expression)) + ")"

    await win.evaluate(call("start"))
    try:
        async with asyncio.timeout(timeout):
            while (outcome := await win.evaluate(call("take"))) is None:
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise TimeoutError(f"{expression!r} did not settle within {timeout} s") from None
    if "error" in outcome:
        error = outcome["error"]
        kind = f"{error['name']} ({error['type']})" if error.get("type") else error["name"]
        raise ScriptError(f"{kind}: {error['message']}")
    return outcome["value"]


# The truthy form's value: one that is not JSON (a DOM element) is true.
_TRUTHY = """(async () => {
  const value = await (0, eval)(%s);
  if (!value || typeof value !== "object" && typeof value !== "function") return value === undefined ? null : value;
  const proto = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  return Array.isArray(value) || proto === Object.prototype || proto === null ? value : true;
})()"""


async def wait_for(win: Window, expression: str, expected: Any = _ANY, *, timeout: float = 10.0) -> Any:
    """Evaluate ``expression`` in the page (as :func:`evaluate` does: a
    Promise is awaited) until it equals ``expected`` (or, without one, until
    it is truthy: a value that is not JSON, such as an element, counts and
    is returned as True); return its value. A throw or a rejection does not
    end the wait (the element may not be there yet). Fails after
    ``timeout`` s with the last value or error seen."""
    source = expression if expected is not _ANY else _TRUTHY % json.dumps(expression)
    seen = "was not evaluated"
    try:
        async with asyncio.timeout(timeout):
            while True:
                try:
                    value = await evaluate(win, source, timeout=timeout)
                except ScriptError as exc:
                    seen = f"threw {exc}"
                else:
                    if (value == expected) if expected is not _ANY else bool(value):
                        return value
                    seen = f"was {value!r}"
                await asyncio.sleep(0.02)
    except TimeoutError:
        pass
    wanted = "truthy" if expected is _ANY else repr(expected)
    pytest.fail(f"{expression} {seen}, not {wanted}, after {timeout} s")


async def next_event(events: Subscription, *, timeout: float = 10.0) -> IpcEvent:
    """The next event of a subscription (``runtime.channel_events(...)``, ...);
    ``TimeoutError`` if none comes within ``timeout`` s."""
    try:
        async with asyncio.timeout(timeout):
            event = await events.next()
    except TimeoutError:
        raise TimeoutError(f"no event within {timeout} s") from None
    if event is None:
        pytest.fail("the subscription ended (its runtime shut down)")
    return event
