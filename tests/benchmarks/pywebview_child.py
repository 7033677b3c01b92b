"""pywebview (Qt backend), measured in its own process: it makes its own
QApplication and runs Python calls on threads, so it cannot share the
benchmark's process. Run by pywebviewrun.py, once per sample or round:

    pywebview_child.py startup MARKER   print MARKER when the page's first call arrives
    pywebview_child.py round SETTINGS   one round; prints RESULT_PREFIX + JSON

SETTINGS is LoopSettings.as_json() as JSON text.

The process always leaves through ``os._exit`` once it has printed what it
measured: pywebview answers every ``js_api`` call from a thread of its own
that waits, without a timeout, for the page to take the answer, and a call
answered while the window closes leaves such a thread waiting forever, which
keeps a normal interpreter exit from ever finishing. A watchdog ends the
process, with an error result, if the whole run outlasts its deadline.
"""

import json
import os
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses root otherwise
# pywebview reaches Qt through qtpy, which would pick PyQt5 first if it were
# installed: measure the PySide6 that weft and raw run on.
os.environ["QT_API"] = "pyside6"
os.environ["FORCE_QT_API"] = "1"

import qtpy  # noqa: E402
import webview  # noqa: E402

from pages import page_html  # noqa: E402

RESULT_PREFIX = "weft-bench-result "
TIMEOUT = 120.0
"""Seconds the round page may take to report its loop."""
STARTUP_DEADLINE = 60.0
"""Seconds a startup sample may live (the parent gives up at 60 s too)."""



def finish(code: int) -> None:
    """Leave now (see the module docstring), after flushing what was printed."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def watchdog(seconds: float, what: str) -> None:
    """End the process with an error result if it is still running after ``seconds``."""
    def expire() -> None:
        print(RESULT_PREFIX + json.dumps({"error": f"{what} did not finish within {seconds:.0f} s"}), flush=True)
        finish(3)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def check_binding() -> None:
    if qtpy.API_NAME != "PySide6":
        raise RuntimeError(f"qtpy chose {qtpy.API_NAME}, not PySide6")


class StartupApi:
    """What the startup page may call (pywebview exposes public methods)."""

    def __init__(self, marker: str) -> None:
        self._marker = marker

    def ready(self) -> None:
        print(self._marker, flush=True)
        for window in webview.windows:
            window.destroy()


class RoundApi:
    """What the round page may call."""

    def __init__(self, settings: dict) -> None:
        self._settings = settings
        self._report = None
        self._reported = threading.Event()

    def settings(self) -> dict:
        return self._settings

    def echo(self, payload: object) -> object:
        return payload

    def report(self, report: dict) -> None:
        self._report = report
        self._reported.set()

    def _wait_for_report(self) -> dict:
        if not self._reported.wait(TIMEOUT):
            raise TimeoutError(f"the page did not report its loop within {TIMEOUT:.0f} s")
        return self._report


def python_round_trips(window, settings: dict) -> dict:
    """Python -> renderer -> Python: evaluate_js blocks until the page answers.
    evaluate_js takes only source text, so the payload crosses as a JSON literal."""
    def call(i: int) -> object:
        return window.evaluate_js("benchEcho(" + json.dumps({"n": i}) + ")")

    for i in range(settings["warmup"]):
        call(i)
    samples = []
    begin = time.perf_counter()
    for i in range(settings["calls"]):
        start = time.perf_counter()
        answer = call(i)
        samples.append((time.perf_counter() - start) * 1e3)
        if answer != {"n": i}:
            raise RuntimeError(f"round trip {i} came back as {answer!r:.200}")
    return {"samples": samples, "totalMs": (time.perf_counter() - begin) * 1e3}


def run_round(settings: dict) -> int:
    # The parent gives up later; this bounds the blocking evaluate_js calls.
    watchdog(TIMEOUT + 60 + (settings["calls"] + settings["warmup"]) * 0.05, "the pywebview round")
    api = RoundApi(settings)
    window = webview.create_window("bench pywebview", html=page_html("loop.js", "pywebview_page.js"),
                                   js_api=api, width=400, height=300)
    outcome = {}

    def measure() -> None:
        try:
            check_binding()
            outcome["renderer"] = api._wait_for_report()
            outcome["python"] = {"timing": python_round_trips(window, settings)}
        except Exception as exc:  # reported to the parent, which names the system
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            window.destroy()

    webview.start(measure, gui="qt")
    print(RESULT_PREFIX + json.dumps(outcome), flush=True)
    return 1 if "error" in outcome else 0


def run_startup(marker: str) -> int:
    watchdog(STARTUP_DEADLINE, "the pywebview startup sample")
    check_binding()
    webview.create_window("bench startup", html=page_html("pywebview_startup.js"),
                          js_api=StartupApi(marker), width=400, height=300)
    webview.start(gui="qt")
    return 0


if __name__ == "__main__":
    mode, argument = sys.argv[1], sys.argv[2]
    if mode == "startup":
        finish(run_startup(argument))
    elif mode == "round":
        finish(run_round(json.loads(argument)))
    sys.exit(f"unknown mode {mode!r}: startup or round")
