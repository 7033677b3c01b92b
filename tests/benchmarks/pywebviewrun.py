"""pywebview as a third system, when ``import webview`` works
(``pip install -e '.[bench]'`` installs it, with qtpy, on the pinned PySide6).

pywebview makes its own QApplication, so each startup sample and each round
runs in a child process (pywebview_child.py), with ``QT_API=pyside6``. While
a child runs, the benchmark's own loop keeps turning: the child is waited for
on a thread of our own pool (qasync's default executor is a QThread pool that
must be shut down by hand, or Qt aborts the process at exit).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import json
import subprocess
from typing import Any

from measure import OPEN_TIMEOUT, BenchmarkError, LoopSettings, Round, from_page_report, page_timing
from startup import MARKER, child_env, script_command

CHILD = "pywebview_child.py"
RESULT_PREFIX = "weft-bench-result "  # as in pywebview_child.py
NAME = "pywebview"


def available() -> bool:
    """Whether pywebview is installed (``pip install -e '.[bench]'``)."""
    return importlib.util.find_spec("webview") is not None


def _child_env() -> dict[str, str]:
    # The child sets QT_API itself too (startup samples get startup.child_env()).
    return {**child_env(), "QT_API": "pyside6"}


def _run_child(mode: str, argument: Any, timeout: float, what: str) -> dict[str, Any]:
    """Run pywebview_child.py in ``mode``; the result line it printed, as JSON."""
    command = script_command(CHILD, mode, json.dumps(argument))
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=_child_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"{what} did not finish within {timeout:.0f} s") from None
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            outcome = json.loads(line[len(RESULT_PREFIX):])
            if "error" in outcome:
                raise BenchmarkError(f"{what} failed: {outcome['error']}")
            return outcome
    tail = "\n    ".join(done.stderr.splitlines()[-15:])
    raise BenchmarkError(f"{what} exited with code {done.returncode} and no result; "
                         f"its stderr ended with:\n    {tail}")



class PywebviewSystem:
    """pywebview with its Qt backend: ``js_api`` one way, ``evaluate_js`` the other."""

    name = NAME
    optional = True
    """A failure drops this system with a note instead of ending the run."""

    def __init__(self) -> None:
        self._waiter = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pywebview")

    @staticmethod
    def startup_command() -> list[str]:
        return script_command(CHILD, "startup", MARKER)

    async def open(self) -> None:
        """Nothing to open: each round is its own process."""

    async def round(self, settings: LoopSettings) -> Round:
        outcome = await asyncio.get_running_loop().run_in_executor(
            self._waiter, _run_child, "round", settings.as_json(),
            OPEN_TIMEOUT + 2 * settings.timeout, "pywebview round",
        )
        return Round(
            renderer=from_page_report(page_timing(outcome["renderer"], "pywebview")),
            python=from_page_report(page_timing(outcome["python"], "pywebview")),
        )

    async def close(self) -> None:
        self._waiter.shutdown(wait=True)
