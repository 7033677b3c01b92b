"""Helpers for running the ``weft`` command as a user would."""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

SANDBOX_VARS = ("WEFT_NO_SANDBOX", "QTWEBENGINE_DISABLE_SANDBOX", "QTWEBENGINE_CHROMIUM_FLAGS")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


#: The apps these tests run keep their data here, not in the real user's
#: folders: one scratch "home" of XDG folders for the session.
_XDG_HOME = Path(tempfile.mkdtemp(prefix="weft-e2e-"))
atexit.register(shutil.rmtree, _XDG_HOME, ignore_errors=True)
XDG_VARIABLES = ("XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def clean_env() -> dict[str, str]:
    """The environment a user's shell would have: offscreen, no sandbox
    opt-out inherited from this test process, and the XDG folders of a
    scratch user (apps' data, window places, single-instance locks)."""
    env = {k: v for k, v in os.environ.items() if k not in SANDBOX_VARS}
    env["QT_QPA_PLATFORM"] = "offscreen"
    for variable in XDG_VARIABLES:
        folder = _XDG_HOME / variable.lower()
        folder.mkdir(mode=0o700, exist_ok=True)
        env[variable] = str(folder)
    return env


def private_env(tmp_path: Path) -> dict[str, str]:
    """A user of our own, for one test: runtime, data, config and cache
    folders under ``tmp_path``."""
    env = clean_env()
    for variable in XDG_VARIABLES:
        env[variable] = str(tmp_path / variable.lower())
        (tmp_path / variable.lower()).mkdir(mode=0o700)
    return env


@pytest.fixture(scope="session")
def weft_command() -> str:
    path = shutil.which("weft")
    assert path, "the `weft` console script is not on PATH: install the package (pip install -e .)"
    return path


class Running:
    """A ``weft`` process whose stderr lines can be awaited with a timeout."""

    def __init__(self, args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env or clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._stdout: list[str] = []
        # Both pipes are read by threads of ours (communicate() would take
        # the last stderr lines from under the pump).
        self._pumps = [threading.Thread(target=self._pump, daemon=True),
                       threading.Thread(target=self._pump_stdout, daemon=True)]
        for pump in self._pumps:
            pump.start()

    def _pump(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def _pump_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._stdout.append(line)

    def wait_for_stdout(self, needle: str, timeout: float = 30.0) -> None:
        """Wait until a line of stdout holds ``needle``."""
        deadline = time.monotonic() + timeout
        while not any(needle in line for line in self._stdout):
            if time.monotonic() > deadline or self.process.poll() is not None and not self._pumps[1].is_alive():
                raise AssertionError(f"no stdout line with {needle!r} within {timeout} s; saw {self._stdout!r}")
            self._pumps[1].join(timeout=0.05)  # the pump ends with the pipe; until then, a short wait for lines

    def wait_for_lines(self, *needles: str, timeout: float = 30.0) -> None:
        """Wait until each needle has appeared in some line, in any order."""
        missing = set(needles)
        while missing:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {missing!r} within {timeout} s; saw {self.seen!r}") from None
            self.seen.append(line)
            missing = {needle for needle in missing if needle not in line}

    def finish(self, timeout: float = 30.0) -> tuple[int, str, str]:
        self.process.wait(timeout=timeout)
        for pump in self._pumps:
            pump.join(timeout=timeout)  # to the end of both pipes: the last lines too
        stdout = "".join(self._stdout)
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return self.process.returncode, stdout, "".join(self.seen)


def run_weft(args: list[str], timeout: float = 60.0) -> tuple[int, str, str]:
    done = subprocess.run(args, env=clean_env(), capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr
