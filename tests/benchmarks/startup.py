"""Startup: process start to the page's first message reaching Python.

Each sample is a fresh process running a small script (``startup_*.py``) that
opens one window and prints a marker line when its page's first message
arrives. The time is taken here, in the parent: from just before ``Popen`` to
the moment the marker is read from the child's stdout.

Two ways to start, each with its own bytecode cache (``PYTHONPYCACHEPREFIX``,
filled by the warm-ups, so nothing in the tree is written):

- ``CACHED``: every module's bytecode cached, as a pip or frozen install ships it.
- ``COMPILED``: weft's own modules compiled at every start (an editable install
  under ``PYTHONDONTWRITEBYTECODE=1``, as in this repository's image);
  Python's, PySide6's and the other libraries' bytecode cached as before.
"""

from __future__ import annotations

import os
import selectors
import shutil
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


FLOOR = "raw QWebChannel + import asyncio"
"""Not a system: raw QWebChannel's sample that imports asyncio first. weft's
Python runs on asyncio, so no weft can start faster than this."""

CACHED = "bytecode cached"
COMPILED = "weft compiled each start"
MODES = (CACHED, COMPILED)
WEFT_SOURCE = HERE.parents[1] / "host" / "weft"


def child_env() -> dict[str, str]:
    """The environment every child runs in: headless, and without Chromium's
    sandbox, which cannot run as root (weft's ``no_sandbox=True`` says the same)."""
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}


class BytecodeCaches:
    """One bytecode cache per way to start (see the module's docstring), in a
    temporary folder that goes with this object."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="weft-bench-pyc-")

    def env(self, mode: str, *, warming: bool = False) -> dict[str, str]:
        """The children's environment: a warm-up writes its cache, a sample only reads it."""
        env = {**child_env(), "PYTHONPYCACHEPREFIX": str(Path(self._folder.name) / mode.replace(" ", "-"))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if not warming:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def warmed(self) -> None:
        """After the warm-ups: COMPILED's cache forgets weft's own modules."""
        prefix = Path(self.env(COMPILED)["PYTHONPYCACHEPREFIX"])
        shutil.rmtree(prefix / WEFT_SOURCE.relative_to(WEFT_SOURCE.anchor), ignore_errors=True)

    def close(self) -> None:
        self._folder.cleanup()


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


def time_startup(command: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    """Seconds from spawning ``command`` to its marker line; the child must
    then exit by itself (it is killed, and the sample refused, if not)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr,
                                   env=dict(env) if env is not None else child_env())
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
    commands: Mapping[str, Sequence[str]], samples: int, progress: Callable[[str], None],
    env: Mapping[str, str] | None = None, label: str = "",
) -> dict[str, list[float]]:
    """``samples`` startup times per system, alternating systems sample by sample."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for sample in range(1, samples + 1):
        for name, command in commands.items():
            times[name].append(time_startup(command, env))
            progress(f"startup{label} {sample}/{samples}: {name} {times[name][-1]:.3f} s")
    return times


def sample_both_ways(
    commands: Mapping[str, Sequence[str]], samples: int, progress: Callable[[str], None], caches: BytecodeCaches
) -> dict[str, dict[str, list[float]]]:
    """``samples`` startup times per way to start (MODES) and system: the
    ways alternate sample by sample, and the systems within each."""
    times: dict[str, dict[str, list[float]]] = {mode: {name: [] for name in commands} for mode in MODES}
    for sample in range(1, samples + 1):
        for mode in MODES:
            for name, one in sample_startups(commands, 1, lambda _: None, caches.env(mode)).items():
                times[mode][name] += one
                progress(f"startup {sample}/{samples}, {mode}: {name} {one[0]:.3f} s")
    return times


def floor_command() -> list[str]:
    """The startup floor's sample (see FLOOR)."""
    return script_command("startup_raw.py", MARKER, "--asyncio")


def floor_note(times: Mapping[str, Mapping[str, Sequence[float]]], raw: str) -> str:
    """A line saying how far the floor is above raw, each way to start."""
    import statistics

    parts = []
    for mode, measured in times.items():
        floor, bare = statistics.median(measured[FLOOR]), statistics.median(measured[raw])
        parts.append(f"{mode} {floor * 1000:.0f} ms = {floor / bare:.2f}× raw's {bare * 1000:.0f} ms")
    return (f"Startup floor: the raw QWebChannel sample with one more line, `import asyncio`, on which weft's "
            f"Python runs (no weft code): {'; '.join(parts)} (medians, in the same alternation). What weft "
            f"adds beyond it is its own imports, its loop and its disk profile (docs/performance.md).")


def main(argv: Sequence[str] | None = None) -> int:
    """Only the startup rows, both ways (weft, raw QWebChannel, pywebview when
    it imports): ``python tests/benchmarks/startup.py [--samples N]``."""
    import argparse
    import statistics

    import pywebviewrun

    parser = argparse.ArgumentParser(description="startup rows of bench_ipc.py alone")
    parser.add_argument("--samples", type=int, default=11, help="samples per system and way (default 11)")
    args = parser.parse_args(argv)
    commands = {"weft": script_command("startup_weft.py", MARKER),
                "raw QWebChannel": script_command("startup_raw.py", MARKER), FLOOR: floor_command()}
    if pywebviewrun.available():
        commands[pywebviewrun.NAME] = pywebviewrun.PywebviewSystem.startup_command()
    caches = BytecodeCaches()
    try:
        for command in commands.values():
            for mode in MODES:
                time_startup(command, caches.env(mode, warming=True))
        caches.warmed()
        times = sample_both_ways(commands, args.samples, lambda line: print(f"  {line}", file=sys.stderr), caches)
    except BenchmarkError as exc:
        print(f"startup: {exc}", file=sys.stderr)
        return 1
    finally:
        caches.close()
    for mode, measured in times.items():
        medians = {name: statistics.median(samples) for name, samples in measured.items()}
        cells = ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in medians.items())
        print(f"startup, {mode} (median of {args.samples}): {cells}; weft ÷ raw "
              f"{medians['weft'] / medians['raw QWebChannel']:.2f}×")
    print(floor_note(times, "raw QWebChannel"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
