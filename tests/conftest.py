"""Test set-up shared by every layer.

One QApplication (pytest-qt's) and one qasync loop serve the whole session;
each test that needs pages gets a fresh :class:`weft.Runtime`. Chromium's
sandbox cannot run as root: when the suite runs as root it opts out
explicitly (WEFT_NO_SANDBOX=1), which weft announces on stderr.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("WEFT_NO_SANDBOX", "1")

try:
    from weft import app as weft_app  # noqa: E402 (after the environment is set)
except ImportError:
    # Qt is absent: only the Qt-free tests can run (tests/unit/test_layers.py
    # runs the core's unit tests that way).
    weft_app = None
else:
    # Schemes and the sandbox decision must precede the QApplication.
    weft_app.prepare()

import weft  # noqa: E402

T = TypeVar("T")
TEST_APP_DIR = Path(__file__).parent / "integration" / "app"


@pytest.fixture(scope="session")
def loop(qapp: Any) -> asyncio.AbstractEventLoop:
    qapp.setQuitOnLastWindowClosed(False)
    event_loop = weft_app.event_loop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    weft_app.release_desktop()  # as weft.run does: no tray icon left, nothing of Python's on the clipboard


@pytest.fixture
def arun(loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """Run a coroutine on the session's Qt loop, failing after ``timeout`` s."""

    def run(coro: Awaitable[T], timeout: float = 30.0) -> T:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run


@pytest.fixture
def runtime(arun: Callable[..., Any]) -> weft.Runtime:
    """A fresh runtime serving tests/integration/app, active for the test."""
    rt = weft.Runtime(app_dir=TEST_APP_DIR)
    with rt.activated():
        yield rt
    arun(rt.shutdown())


async def open_page(rt: weft.Runtime, html: str, **kwargs: Any) -> weft.Window:
    """A window showing ``html`` whose runtime is connected."""
    win = await rt.create_window(title=kwargs.pop("title", "test"), width=400, height=300, html=html, **kwargs)
    await win.wait_ready()
    return win


async def next_event(subscription: Any, timeout: float = 10.0) -> weft.IpcEvent:
    async with asyncio.timeout(timeout):
        event = await subscription.next()
    assert event is not None, "subscription ended"
    return event


_RUN_IN_PAGE = """
(async () => { %s })().then(
  (value) => runtime.send("test:outcome", {id: %d, ok: true, value: value === undefined ? null : value}),
  (err) => runtime.send("test:outcome", {id: %d, ok: false, name: err && err.name, type: err && err.type,
    message: String(err && err.message), weft: err instanceof runtime.errors.WeftError}))
"""
_outcome_ids = iter(range(1, 10**9))


async def in_page(rt: weft.Runtime, win: weft.Window, body: str, timeout: float = 10.0) -> dict[str, Any]:
    """Run ``body`` as an async function in the page; return its outcome:
    ``{"ok": True, "value": ...}`` or ``{"ok": False, "name", "type", "message", "weft"}``."""
    call_id = next(_outcome_ids)
    outcomes = rt.channel_events("test:outcome")
    await win.evaluate(_RUN_IN_PAGE % (body, call_id, call_id))
    async with asyncio.timeout(timeout):
        async for event in outcomes:
            if event.window_id == win.id and event.payload["id"] == call_id:
                outcomes.close()
                return event.payload
    raise AssertionError("no outcome")


PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins"


def write_plugin(folder: Path, plugin_id: str, html: str, **capabilities: list[str]) -> Path:
    """A plugin folder with a manifest granting ``capabilities`` and an
    ``index.html`` of ``html``. Headless unless ``visible=["true"]``."""
    folder = folder / plugin_id
    folder.mkdir(parents=True, exist_ok=True)
    visible = capabilities.pop("visible", ["false"])[0]
    lines = [f'id = "{plugin_id}"', f'name = "{plugin_id}"', 'version = "1.0.0"', 'entry = "index.html"',
             "api = 1", "[capabilities]"]
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in capabilities.items()]
    lines += ["[window]", f"visible = {visible}"]
    (folder / "plugin.toml").write_text("\n".join(lines) + "\n")
    (folder / "index.html").write_text(html)
    return folder


async def plugin_eval(plugin: Any, source: str, timeout: float = 10.0) -> Any:
    """Run JavaScript in a running plugin's page."""
    return await plugin.evaluate(source, timeout=timeout)


_ANY = object()


async def until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``condition`` (each loop turn of 10 ms) until it is truthy;
    return its value, or raise TimeoutError after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not (value := condition()):
            await asyncio.sleep(0.01)
    return value


async def js_value_until(target: Any, expression: str, expected: Any = _ANY, timeout: float = 10.0) -> Any:
    """Evaluate ``expression`` in a window or plugin page until it equals
    ``expected`` (or, without one, until it is not null); return the value."""
    async with asyncio.timeout(timeout):
        while True:
            value = await target.evaluate(expression)
            if (value is not None) if expected is _ANY else (value == expected):
                return value
            await asyncio.sleep(0.02)


def host_rss_mib() -> float:
    """This process's resident memory (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def live_qt_objects() -> int:
    """Qt objects with a live Python wrapper, after a garbage collection."""
    import shiboken6

    gc.collect()
    return len(shiboken6.getAllValidWrappers())


def ensure_program(program: str, package: str) -> str:
    """``program``'s path, installing its Debian ``package`` when it is missing."""
    if shutil.which(program) is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", package]):
            subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    path = shutil.which(program)
    assert path, f"{program} is still missing after apt-get install {package}"
    return path


REMOTE_CLIENTS = Path(__file__).resolve().parent / "remote"
"""The real @remote-ui/rpc and @omnicajs/vue-remote clients the tests use (npm)."""


def install_remote_clients() -> tuple[str, str]:
    """``npm ci`` tests/remote once (again when its lock changed); return (npm, node)."""
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm and node, "these tests need Node.js and npm on PATH (Debian: apt-get install nodejs npm)"
    installed = REMOTE_CLIENTS / "node_modules" / ".package-lock.json"
    lock = REMOTE_CLIENTS / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=REMOTE_CLIENTS, check=True, timeout=600,
                       capture_output=True)
    return npm, node


TYPESCRIPT = "5.9.3"
"""The TypeScript the suite's checks run (pinned: a new release must not change what passes)."""


@pytest.fixture(scope="session")
def tsc(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that runs the pinned TypeScript: tests/remote's if it has that version, else
    one installed once per session into a temporary project."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "these tests need Node.js and npm on PATH (Debian: apt-get install nodejs npm)"
    package = REMOTE_CLIENTS / "node_modules" / "typescript" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == TYPESCRIPT:
        return [node, str(package.parent / "bin" / "tsc")]
    project = tmp_path_factory.mktemp("typescript")
    (project / "package.json").write_text('{"private": true}\n')
    subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", f"typescript@{TYPESCRIPT}"],
                   cwd=project, check=True, capture_output=True, timeout=600)
    return [node, str(project / "node_modules" / "typescript" / "bin" / "tsc")]
