"""Startup: process start to the page's first message reaching Python.

Each sample is a fresh process running a small script (``startup_*.py``) that
opens one window and prints a marker line when its page's first message
arrives. The time is taken here, in the parent: from just before ``Popen`` to
the moment the marker is read from the child's stdout.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

from measure import BenchmarkError

HERE = Path(__file__).resolve().parent
MARKER = "weft-bench: first message reached Python"
TIMEOUT = 60.0
"""Seconds a sample may take to print its marker, and then to exit."""


def child_env() -> dict[str, str]:
    """The environment every child runs in: headless, and without Chromium's
    sandbox, which cannot run as root (weft's ``no_sandbox=True`` says the same)."""
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}


def script_command(script: str, *args: str) -> list[str]:
    """The command running ``script`` (next to this file) with this Python."""
    return [sys.executable, str(HERE / script), *args]


def _read_marker(process: subprocess.Popen[bytes], deadline: float) -> None:
    """Read the child's stdout until the marker line or the deadline."""
    assert process.stdout is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while MARKER.encode() not in seen:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise BenchmarkError(f"no marker within {TIMEOUT:.0f} s")
            if not selector.select(remaining):
                continue
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                code = process.wait(timeout=TIMEOUT)
                raise BenchmarkError(f"exited with code {code} before printing the marker")
            seen += chunk


def _tail(stream: "tempfile._TemporaryFileWrapper[bytes]", lines: int = 15) -> str:
    stream.seek(0)
    text = stream.read().decode("utf-8", "replace").splitlines()
    return "\n    ".join(text[-lines:])


def time_startup(command: Sequence[str]) -> float:
    """Seconds from spawning ``command`` to its marker line; the child must
    then exit by itself (it is killed, and the sample refused, if not)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=child_env())
        try:
            _read_marker(process, start + TIMEOUT)
            elapsed = time.perf_counter() - start
            code = process.wait(timeout=TIMEOUT)
            if code != 0:
                raise BenchmarkError(f"printed the marker but exited with code {code}")
            return elapsed
        except (BenchmarkError, subprocess.TimeoutExpired) as exc:
            raise BenchmarkError(f"startup sample {' '.join(command)!r} failed: {exc}\n"
                                 f"  its stderr ended with:\n    {_tail(stderr)}") from None
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


def sample_startups(
    commands: Mapping[str, Sequence[str]], samples: int, progress: Callable[[str], None]
) -> dict[str, list[float]]:
    """``samples`` startup times per system, alternating systems sample by sample."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for sample in range(1, samples + 1):
        for name, command in commands.items():
            times[name].append(time_startup(command))
            progress(f"startup {sample}/{samples}: {name} {times[name][-1]:.3f} s")
    return times
