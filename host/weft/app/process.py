"""Running weft: the one QApplication and the one qasync event loop.

:func:`run` is what apps call. :func:`prepare` and :func:`application` are the
same steps for embedders and tests that make their own loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import signal
import socket
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterator, Literal

from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QEventLoop, QSocketNotifier
from PySide6.QtGui import QFileOpenEvent, QIcon
from PySide6.QtWidgets import QApplication

from .. import appconfig
from ..appconfig import AppConfig
from ..errors import ConfigError, PlatformError, StartupError
from ..runtime import Runtime
from ..webengine.chromium import SandboxDecision, SandboxError, decide_sandbox
from ..webengine.quiet import quiet_start
from ..webengine.schemes import register_schemes
from . import identity, lifecycle
from .language import install_translations
from .timers import EventLoop

if TYPE_CHECKING:
    from . import instance

log = logging.getLogger("weft")

EXIT_INTERRUPTED = 130
EXIT_REFUSED = 2
"""A start weft refused (as root without ``--no-sandbox``, set-up out of order)."""
_decision: SandboxDecision | None = None


def _choose_platform() -> None:
    """With no display to show windows on, run offscreen rather than abort
    in Qt's xcb plugin, and say so."""
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
            print("weft: no display found (DISPLAY, WAYLAND_DISPLAY unset); windows run offscreen, unseen.",
                  file=sys.stderr)


def prepare(*, no_sandbox: bool | None = None) -> SandboxDecision:
    """Decide the sandbox and the Qt platform and register weft's URL
    schemes: the steps that must come before the QApplication exists. Safe to
    call more than once."""
    global _decision
    if _decision is None:
        if QApplication.instance() is not None:
            raise StartupError("weft.app.prepare() must run before the QApplication is created")
        _decision = decide_sandbox(no_sandbox)
        _choose_platform()
        register_schemes()
    return _decision


def application(argv: list[str] | None = None, *, no_sandbox: bool | None = None) -> QApplication:
    """The process's QApplication, made after :func:`prepare` if new."""
    existing = QApplication.instance()
    if existing is not None:
        if _decision is None:
            raise StartupError("a QApplication exists but weft.app.prepare() did not run before it")
        return existing  # type: ignore[return-value]
    prepare(no_sandbox=no_sandbox)
    if not log.isEnabledFor(logging.INFO):
        quiet_start()
    app = _Application(argv if argv is not None else sys.argv[:1])
    # weft decides when to stop (its last window closed), not Qt.
    app.setQuitOnLastWindowClosed(False)
    install_translations(app)
    return app


class _Application(QApplication):
    """weft's QApplication. It hears the desktop open one of the app's URLs:
    macOS hands deep links to a running app as FileOpen events, not as
    arguments."""

    def event(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url().toString()
            if deep_links([url], identity.config().protocols):
                lifecycle.open_url(url)
                return True
        return super().event(event)


class _NestedLoopDriver:
    """What qasync drives instead of the QApplication itself.

    qasync runs the Qt loop with ``app.exec()`` and stops it with
    ``app.exit()``, which emits ``aboutToQuit``. QtWebEngine tears its whole
    context down on the first ``aboutToQuit`` and leaves a dangling
    connection behind, so a second ``exit()`` in the same process crashes
    (PySide6 6.11.3; seen with a bare QWebEngineProfile). Running each
    ``run_until_complete`` on a nested QEventLoop never quits the
    application: QtWebEngine lives until the process ends, and any number of
    runs (tests, embedders, repeated ``weft.run``) are safe.
    """

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._loop: QEventLoop | None = None

    def exec(self) -> int:
        self._loop = QEventLoop()
        try:
            return self._loop.exec()
        finally:
            self._loop = None

    def exit(self, code: int = 0) -> None:
        if self._loop is not None:
            self._loop.exit(code)

    def eventDispatcher(self) -> QAbstractEventDispatcher:  # noqa: N802 (Qt's name, called by qasync)
        return self._app.eventDispatcher()


def event_loop(app: QApplication) -> asyncio.AbstractEventLoop:
    """The asyncio loop on Qt's event loop: the one place weft makes it
    (qasync's, its callbacks on weft's timers: see :mod:`weft.app.timers`)."""
    return EventLoop(_NestedLoopDriver(app))


class _Interrupts:
    """Turns SIGINT/SIGTERM into a call on the event loop.

    Qt's loop does not run Python code while it waits, so a plain signal
    handler would only run at the next event; a wakeup fd read by a
    QSocketNotifier wakes it at once.
    """

    def __init__(self, on_signal: Callable[[int], None]) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._on_activated)
        self._on_signal = on_signal
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _on_activated(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        for signum in data:
            self._on_signal(signum)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()


def _home_of(main: Callable[..., Any]) -> Path | None:
    try:
        source = inspect.getsourcefile(main)
    except TypeError:
        return None
    return Path(source).resolve().parent if source else None


async def serve(
    runtime: Runtime, main: Callable[[], Awaitable[Any]], stop: asyncio.Event | None = None, *,
    quit_on_last_window_closed: bool = True,
) -> int:
    """Run ``main()`` on ``runtime`` until the last window closes (or until
    ``main`` returns having opened none, or ``stop`` is set); then shut the
    runtime down, closing what is still open. Without
    ``quit_on_last_window_closed``, only ``stop`` (``weft.app.quit``, a
    signal) ends it."""
    stop = stop or asyncio.Event()
    with runtime.activated():
        main_task = asyncio.ensure_future(main())
        closed = asyncio.ensure_future(runtime.wait_until_closed() if quit_on_last_window_closed else stop.wait())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({main_task, closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if main_task in done:
                main_task.result()
                if runtime.windows or not quit_on_last_window_closed:
                    await asyncio.wait({closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
            return 0
        except Exception:
            traceback.print_exc()
            return 1
        finally:
            for task in (main_task, closed, stopped):
                task.cancel()
            await asyncio.gather(main_task, closed, stopped, return_exceptions=True)
            await runtime.shutdown()


_loading_app: dict[str, Any] | None = None
"""While ``weft run`` (``weft dev``, a frozen app's launcher, ``weft_app``)
imports the app's module: what its own ``weft.run(main, ...)`` asked, once
it has called it (see :func:`run`)."""

#: The options of :func:`run` that an app module's own call hands to the
#: command that loads it, with the value that means "not given".
_MODULE_OPTIONS = {"id": None, "name": None, "version": None, "icon": None, "single_instance": None,
                   "protocols": None, "ephemeral": False, "quit_on_last_window_closed": True, "no_sandbox": None}


@contextlib.contextmanager
def loading_app(folder: Path) -> Iterator[dict[str, Any]]:
    """While the command imports an app module from ``folder``: a
    ``weft.run(main, **options)`` at its end (as README shows, for ``python
    main.py``) leaves the running to the command, which runs that ``main``
    once (``sys.exit(weft.run(main))`` too: that exit is the command's to
    make); and :data:`dir` is ``folder`` from now on.

    Yields a dict that, once the module has run, holds what its call asked:
    ``main``, and each of its options that the command keeps (``id``,
    ``name``, ``version``, ``icon``, ``single_instance``, ``protocols``,
    ``ephemeral``, ``quit_on_last_window_closed``, ``no_sandbox``); empty
    if it made no call. The command's own flags and arguments, and its app
    folder, take precedence."""
    global _loading_app
    asked: dict[str, Any] = {}
    _loading_app = asked
    identity.declare_folder(folder)
    try:
        yield asked
    except SystemExit:
        if not asked:
            raise
    finally:
        _loading_app = None


def under_flags(asked: dict[str, Any], *, no_sandbox: bool | None, ephemeral: bool) -> dict[str, Any]:
    """The options an app module's own ``weft.run(main, ...)`` asked (see
    :func:`loading_app`), under the command's flags: ``--no-sandbox`` and
    ``--ephemeral`` when given."""
    options = dict(asked)
    if no_sandbox is not None:
        options["no_sandbox"] = no_sandbox
    if ephemeral:
        options["ephemeral"] = True
    return options


def _script_flags(main: Callable[..., Any]) -> bool | None:
    """weft's flags from the command line of ``python main.py`` (only for a
    ``main`` defined in the script that was run): ``--no-sandbox`` (True, or
    None to decide as usual), and ``-v``/``--verbose`` (INFO logging)."""
    if getattr(main, "__module__", None) != "__main__":
        return None
    args = sys.argv[1:]
    if ("-v" in args or "--verbose" in args) and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    return True if "--no-sandbox" in args else None


def run(
    main: Callable[[], Awaitable[Any]],
    *,
    app_dir: str | Path | None = None,
    argv: list[str] | None = None,
    no_sandbox: bool | None = None,
    id: str | None = None,  # noqa: A002 (weft.toml's name for it)
    name: str | None = None,
    version: str | None = None,
    icon: str | Path | None = None,
    single_instance: bool | None = None,
    protocols: list[str] | None = None,
    ephemeral: bool = False,
    quit_on_last_window_closed: bool = True,
    args: list[str] | None = None,
) -> int:
    """Run an async ``main()`` in a new weft runtime; return the exit code.

    One QApplication, one qasync loop. ``app_dir`` (default: the folder of the
    file that defines ``main``) is what ``app://localhost/`` serves; its
    ``weft.toml`` says who the app is, and ``id``, ``name``, ``version``,
    ``icon``, ``single_instance`` and ``protocols`` override it (see
    :mod:`weft.app`). ``ephemeral``: app windows get a throwaway web profile
    instead of the one kept under ``weft.app.paths.data``.
    ``quit_on_last_window_closed=False`` keeps the app running with no window
    open (a tray app), until :func:`weft.app.quit`.

    ``args`` are the app's own command-line arguments (default: the
    script's, under ``python main.py``); those that are URLs of one of its
    ``protocols`` reach :func:`weft.app.on_open_url`.

    Returns 0 when the last window closes (or ``app.quit``'s code), 1 if
    ``main`` raised, 130 on Ctrl+C. A start weft refuses (a bad
    ``weft.toml``, as root without ``--no-sandbox``) prints one line and
    exits with code 2 (``SystemExit``).

    Run as ``python main.py``, weft's own flags on its command line count:
    ``--no-sandbox`` and ``-v``/``--verbose``, as for the ``weft`` command.
    """
    if _loading_app is not None:  # see loading_app()
        given = {"id": id, "name": name, "version": version, "icon": icon, "single_instance": single_instance,
                 "protocols": protocols, "ephemeral": ephemeral,
                 "quit_on_last_window_closed": quit_on_last_window_closed, "no_sandbox": no_sandbox}
        _loading_app.update(main=main, **{key: value for key, value in given.items()
                                          if value != _MODULE_OPTIONS[key]})
        log.debug("weft.run(%s) while `weft run` loads the app: left to the command", main)
        return 0
    _refuse_on_import(sys._getframe(1))
    if no_sandbox is None and argv is None:
        no_sandbox = _script_flags(main)
    folder = Path(app_dir).resolve() if app_dir is not None else _home_of(main)
    try:
        config = appconfig.load(identity.config_folder(folder)).replace(
            id=id, name=name, version=version, icon=icon, single_instance=single_instance, protocols=protocols)
        app = application(argv, no_sandbox=no_sandbox)
    except (ConfigError, SandboxError, StartupError) as exc:
        print(f"weft: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED) from None
    identity.settle(config)
    _introduce(app, config)
    app_args = list(args) if args is not None else _script_args(main)
    primary = _claim(config, app_args) if config.single_instance else None
    if primary is False:
        return 0  # the running instance has our arguments
    loop = event_loop(app)
    asyncio.set_event_loop(loop)
    # Named, not made: the runtime makes each folder when it first writes there.
    data, config_dir = (identity.paths().folder(kind, make=False) for kind in ("data", "config"))
    runtime = Runtime(app_dir=folder, storage=None if ephemeral else data / "web",
                      plugin_storage=None if ephemeral else data / "plugins",
                      state_dir=config_dir)  # windows' places are kept even when nothing else is
    stop = asyncio.Event()
    outcome = {"code": 0, "interrupted": False}

    def quit_with(code: int) -> None:
        outcome["code"] = code
        stop.set()

    def on_signal(signum: int) -> None:
        log.info("signal %d: closing all windows", signum)
        outcome["interrupted"] = True
        stop.set()

    lifecycle.started(quit_with, app_args)
    if primary:
        primary.on_message(lambda argv, cwd: lifecycle.second_instance(argv, cwd,
                                                                      deep_links(argv, config.protocols)))
    for url in deep_links(app_args, config.protocols):
        lifecycle.open_url(url)
    interrupts = _Interrupts(on_signal)
    try:
        with loop:
            code = loop.run_until_complete(
                serve(runtime, main, stop, quit_on_last_window_closed=quit_on_last_window_closed))
    finally:
        if primary:
            primary.close()  # first: a launch during the teardown starts afresh
        interrupts.close()
        lifecycle.ended()
        asyncio.set_event_loop(None)
        release_desktop()
    if outcome["interrupted"]:
        return EXIT_INTERRUPTED
    return code or outcome["code"]


def _claim(config: AppConfig, app_args: list[str]) -> instance.Primary | Literal[False] | None:
    """This process's single-instance claim: a Primary; False when a running
    instance took our arguments; None when single instance cannot work here
    (said in one line; the app runs anyway)."""
    from . import instance  # with QtNetwork: imported only by a single-instance app

    try:
        primary = instance.claim(config.id, app_args, os.getcwd())
    except StartupError as exc:  # an instance runs but does not answer
        print(f"weft: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED) from None
    except PlatformError as exc:
        print(f"weft: running without single instance: {exc}", file=sys.stderr)
        return None
    if primary is None:
        log.info("%s is running already: handed it %r", config.id, app_args)
        return False
    return primary


def _refuse_on_import(caller: Any) -> None:
    """A StartupError when weft.run is called at the top level of a module
    that is being imported (``from main import Task`` in a test): the app
    would start there, and block the import until its windows close."""
    module = caller.f_globals.get("__name__")
    if caller.f_code.co_name == "<module>" and module != "__main__":
        raise StartupError(
            f"module {module!r} calls weft.run(main) as it is imported, which would start the app right there; "
            "a test reads what the app defines as weft_app.module.<name> (see docs/testing.md), and a module "
            "that others import runs the app under if __name__ == \"__main__\":")


def deep_links(args: list[str], protocols: tuple[str, ...]) -> list[str]:
    """The arguments that are URLs of one of the app's schemes."""
    return [arg for arg in args if arg.partition(":")[0].lower() in protocols and ":" in arg]


def _script_args(main: Callable[..., Any]) -> list[str]:
    """The app's own arguments under ``python main.py``: the script's, less
    weft's flags (see :func:`_script_flags`)."""
    if getattr(main, "__module__", None) != "__main__":
        return []
    return [arg for arg in sys.argv[1:] if arg not in ("--no-sandbox", "-v", "--verbose")]


def _introduce(app: QApplication, config: AppConfig) -> None:
    """Tell Qt (and through it the desktop) who the app is."""
    app.setApplicationName(config.name)
    app.setApplicationDisplayName(config.name)
    app.setApplicationVersion(config.version)
    app.setDesktopFileName(config.id)  # Wayland's app id; matches the .desktop file weft package writes
    if config.icon is not None:
        app.setWindowIcon(QIcon(str(config.icon)))


def release_desktop() -> None:
    """As the app ends, before the QApplication goes: tray icons are removed
    and nothing of Python's stays on the clipboard (``weft.run`` and
    weft.testing call this; only what the app used is touched)."""
    for used in ("weft.tray", "weft.clipboard"):
        if used in sys.modules:
            sys.modules[used].release()
