"""``weft dev PATH``: run an app while you work on it.

Two processes. The supervisor (:func:`supervise`, no Qt) watches the app
folder (:mod:`weft.watch`) and runs the app in a child process,
``python -m weft.dev PATH``, which it tells what to do on the child's stdin:

* ``reload <what changed>``: the child reloads every window in place (its
  size and position stay) and prints one line per window, with the time from
  the request to the new document's first message reaching Python;
* end of input: the child closes its windows and ends. That is how a change
  to a ``.py`` file restarts it (then the supervisor starts a new one), how
  Ctrl+C ends it, and how a child outlives no supervisor.

In the child, page console messages print to the terminal, every level, as
``[window-id] message (source:line)``; F12 opens DevTools
(:mod:`weft.webengine.devtools`); ``--devtools`` opens them for every window
at start and turns on Chromium's remote debugging on a free loopback port.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Awaitable, Callable

from .cli import UsageError
from .watch import Action, Watcher

POLL_SECONDS = 0.1
"""How often the app folder is scanned (as often as chokidar polls): a
change waits 0.05 s on average before it is noticed, and a scan of an app of
a hundred files takes about 0.3 ms."""
STOP_SECONDS = 5.0
"""How long an app may take to close its windows and end before it is
terminated (and as long again before it is killed)."""
RELOAD_SECONDS = 10.0
"""How long a reloaded window may take to say hello before weft dev says
it did not."""
EXIT_INTERRUPTED, EXIT_REFUSED = 130, 2  # weft.app's, whose import would load Qt here

log = logging.getLogger("weft.dev")


def say(text: str) -> None:
    print(f"weft dev: {text}", file=sys.stderr, flush=True)


# -- the supervisor -----------------------------------------------------------


def _folder_of(path: Path) -> Path:
    """The folder to watch for an app given as a folder or a ``.py`` file
    (the checks of ``weft run``, made before anything starts)."""
    path = path.expanduser()
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    if path.is_dir():
        return path.resolve()
    if path.suffix != ".py":
        raise UsageError(f"{path}: give an app folder or a .py file")
    return path.resolve().parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Interrupted(Exception):
    """SIGINT or SIGTERM: ``weft dev`` ends (SIGINT counts even where the
    shell had it ignored, as for ``weft run``)."""


def _on_signal(signum: int, frame: Any) -> None:
    raise _Interrupted


class _Child:
    """One run of the app, in its own process."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE)

    def tell(self, line: str) -> None:
        stdin: IO[bytes] | None = self.process.stdin
        try:
            assert stdin is not None
            stdin.write(line.encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # it has ended; the supervisor sees that at its next look

    def stop(self) -> int:
        """End it: its input first (it closes its windows), then harder; at
        once on another Ctrl+C."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            for end in (None, self.process.terminate):
                if end is not None:
                    end()
                try:
                    return self.process.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    continue
        except (KeyboardInterrupt, _Interrupted):
            pass
        self.process.kill()
        return self.process.wait()


def supervise(path: Path, *, no_sandbox: bool | None = None, verbose: bool = False,
              devtools: bool = False, ephemeral: bool = False, args: Sequence[str] = (),
              poll: float = POLL_SECONDS) -> int:
    """Run the app at ``path`` as ``weft dev`` does, until Ctrl+C (130), its
    last window closes (0), or it is refused (2: a bad path, or its first
    start refused, as when run as root without ``--no-sandbox``). ``args``
    are the app's own arguments, given again at each restart."""
    try:
        folder = _folder_of(path)
    except UsageError as exc:
        print(f"weft: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    command = [sys.executable, "-m", "weft.dev"]
    command += (["--no-sandbox"] * bool(no_sandbox) + ["-v"] * verbose + ["--devtools"] * devtools
                + ["--ephemeral"] * ephemeral + ["--", str(path.expanduser().resolve()), *args])
    env = dict(os.environ)
    watcher = Watcher(folder)
    say(f"watching {folder} every {poll:g} s: web files reload the windows, .py files restart the app; "
        "F12 opens DevTools, Ctrl+C quits")
    if devtools:
        port = free_port()
        env["QTWEBENGINE_REMOTE_DEBUGGING"] = f"127.0.0.1:{port}"
        print(f"DevTools: http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    child: _Child | None = _Child(command, env)
    first = True
    try:
        while True:
            time.sleep(poll)
            if child is not None and (code := child.process.poll()) is not None:
                child = None
                if code == 0:
                    say("the app ended (its last window closed)")
                    return 0
                if code == EXIT_INTERRUPTED or (first and code == EXIT_REFUSED):
                    return code
                say(f"the app ended with exit code {code}; it starts again at the next change (Ctrl+C quits)")
            change = watcher.poll()
            if change is None:
                continue
            first = False
            log.info("changed: %s", ", ".join(change.paths))
            if child is None:
                say(f"{change.label} changed: starting the app")
                child = _Child(command, env)
            elif change.action is Action.RESTART:
                say(f"{change.label} changed: restarting the app")
                child.stop()
                child = _Child(command, env)
            else:
                child.tell(f"reload {change.label}")
    except (KeyboardInterrupt, _Interrupted):
        return EXIT_INTERRUPTED
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child is not None:
            child.stop()


# -- the child: the app, in dev mode --------------------------------------------


def _console_to_terminal() -> None:
    """Every page console message to stderr, at every level, as page.py
    words it: ``[window-id] message (source:line)``."""
    console = logging.getLogger("weft.console")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    console.addHandler(handler)
    console.setLevel(logging.DEBUG)
    console.propagate = False


def _read_commands(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
    """Stdin's lines to ``lines``, then None at its end (a thread: reading a
    pipe without blocking the loop works this way on every platform; the raw
    fd, not ``sys.stdin``, so that no lock of Python's is held at exit)."""
    pending = b""
    while True:
        try:
            chunk = os.read(0, 4096)
        except OSError:
            chunk = b""
        *whole, pending = (pending + chunk).split(b"\n")
        try:
            for line in whole:
                loop.call_soon_threadsafe(lines.put_nowait, line.decode(errors="replace"))
            if not chunk:
                loop.call_soon_threadsafe(lines.put_nowait, None)
                return
        except RuntimeError:  # the loop has closed: the app is ending anyway
            return


async def reload_windows(what: str) -> None:
    """Reload every window in place; one line each, with what it cost."""
    from . import window
    from .errors import Error

    async def reload(win: window.Window) -> None:
        started = time.perf_counter()
        try:
            win.reload()
            await win.wait_ready(timeout=RELOAD_SECONDS)
        except (Error, TimeoutError) as exc:
            say(f"{win.id} did not come back from its reload ({what} changed): {exc or 'no hello in time'}")
            return
        say(f"reloaded {win.id} in {(time.perf_counter() - started) * 1000:.0f} ms ({what} changed)")

    await asyncio.gather(*(reload(win) for win in window.windows()))


async def _serve_commands(lines: asyncio.Queue[str | None]) -> None:
    from . import window

    while (line := await lines.get()) is not None:
        command, _, argument = line.partition(" ")
        if command == "reload":
            await reload_windows(argument)
        elif command:
            say(f"unknown command from the supervisor: {line!r}")
    for win in window.windows():  # the supervisor is done with us
        await win.close()


def _in_dev_mode(app_main: Callable[[], Awaitable[Any]], *, open_devtools: bool) -> Callable[[], Awaitable[None]]:
    async def main() -> None:
        from . import window
        from .webengine import devtools

        tools = devtools.enable(open_at_start=open_devtools)
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        threading.Thread(target=_read_commands, args=(asyncio.get_running_loop(), lines),
                         name="weft-dev-commands", daemon=True).start()
        commands = asyncio.ensure_future(_serve_commands(lines))
        try:
            await app_main()
            if window.windows():
                await commands  # weft.run cancels this once the last window has closed
        finally:
            commands.cancel()
            await asyncio.gather(commands, return_exceptions=True)
            await tools.shutdown()

    return main


def _refresh_types(app_dir: Path) -> None:
    """Keep the app's (and its plugins') ``types/weft-app.d.ts`` in step with
    its declared channels (see :func:`weft.typegen.refresh`)."""
    from . import typegen
    from .errors import Error

    try:
        written = typegen.refresh(app_dir)
    except (Error, OSError) as exc:  # a bad plugin.toml is the plugin's to report when it loads
        say(f"types not written: {exc}")
        return
    for item in written:
        if item.changed:
            say(f"types: {item.path.relative_to(app_dir)} ({len(item.channels)} declared channel(s))")


def child(argv: list[str]) -> int:
    """The app process of ``weft dev`` (``python -m weft.dev PATH``)."""
    parser = argparse.ArgumentParser(prog="python -m weft.dev", description="the app process of `weft dev`")
    parser.add_argument("path", type=Path)
    parser.add_argument("--no-sandbox", action="store_true", default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--devtools", action="store_true")
    parser.add_argument("--ephemeral", action="store_true")
    parser.add_argument("args", nargs="*", default=[])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    _console_to_terminal()
    from .app import run, under_flags
    from .cli import _load_main
    from .errors import Error
    from .webengine import quiet

    # The supervisor has printed the remote debugging URL once; Qt would
    # print it again at every restart.
    quiet.hide("Remote debugging server started", "Added {--remote-allow-origins")
    try:
        app_main, app_dir, asked = _load_main(args.path)
        _refresh_types(app_dir)
        return run(_in_dev_mode(app_main, open_devtools=args.devtools), app_dir=app_dir, argv=sys.argv[:1],
                   args=args.args, **under_flags(asked, no_sandbox=args.no_sandbox, ephemeral=args.ephemeral))
    except Error as exc:
        print(f"weft: {exc}", file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(child(sys.argv[1:]))
