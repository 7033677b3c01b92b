"""pywebview as a third system, when ``import webview`` works.

pywebview makes its own QApplication, so each startup sample and each round
runs in a child process (pywebview_child.py). While a round runs, the
benchmark's own loop keeps turning: the child is waited for on a thread of
our own pool (qasync's default executor is a QThread pool that must be shut
down by hand, or Qt aborts the process at exit).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import json
import subprocess

from measure import OPEN_TIMEOUT, BenchmarkError, LoopSettings, Round, from_page_report
from startup import MARKER, child_env, script_command

CHILD = "pywebview_child.py"
RESULT_PREFIX = "weft-bench-result "  # as in pywebview_child.py


def available() -> bool:
    """Whether pywebview is installed (it is never installed for you)."""
    return importlib.util.find_spec("webview") is not None


class PywebviewSystem:
    """pywebview with its Qt backend: ``js_api`` one way, ``evaluate_js`` the other."""

    name = "pywebview"
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
        outcome = await asyncio.get_running_loop().run_in_executor(self._waiter, self._run_child, settings)
        if "error" in outcome:
            raise BenchmarkError(f"pywebview round failed: {outcome['error']}")
        return Round(
            renderer=from_page_report(outcome["renderer"], "pywebview"),
            python=from_page_report(outcome["python"], "pywebview"),
        )

    def _run_child(self, settings: LoopSettings) -> dict:
        command = script_command(CHILD, "round", json.dumps(settings.as_json()))
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, env=child_env(),
                timeout=OPEN_TIMEOUT + 2 * settings.timeout,
            )
        except subprocess.TimeoutExpired:
            raise BenchmarkError("pywebview round did not finish in time") from None
        for line in done.stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                return json.loads(line[len(RESULT_PREFIX):])
        tail = "\n    ".join(done.stderr.splitlines()[-15:])
        raise BenchmarkError(f"pywebview round exited with code {done.returncode} and no result; "
                             f"its stderr ended with:\n    {tail}")

    async def close(self) -> None:
        self._waiter.shutdown(wait=True)
