"""pywebview (Qt backend), measured in its own process: it makes its own
QApplication and runs Python calls on threads, so it cannot share the
benchmark's process. Run by pywebviewrun.py, once per sample or round:

    pywebview_child.py startup MARKER   print MARKER when the page's first call arrives
    pywebview_child.py round SETTINGS   one round; prints RESULT_PREFIX + JSON
    pywebview_child.py loads JOBS       load tasks in turn; prints RESULT_PREFIX + JSON

SETTINGS is LoopSettings.as_json() as JSON text. JOBS is JSON text
``{"jobs": [{"task", "call", "settings", "timeout", "watch"}, ...]}``
(see pywebviewrun.load_jobs): each job runs one task of the page
(``BENCH_TASKS`` of js/loads.js, or "base64" below) against one Python
method; "watch" asks for this process's peak RSS rise during the job.

The process always leaves through ``os._exit`` once it has printed what it
measured: pywebview answers every ``js_api`` call from a thread of its own
that waits, without a timeout, for the page to take the answer, and a call
answered while the window closes leaves such a thread waiting forever, which
keeps a normal interpreter exit from ever finishing. A watchdog ends the
process, with an error result, if the whole run outlasts its deadline.
"""

import base64
import json
import os
import queue
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

from memory import PeakRss  # noqa: E402
from pages import page_html  # noqa: E402

RESULT_PREFIX = "weft-bench-result "
TIMEOUT = 120.0
"""Seconds the round page may take to report its loop."""
STARTUP_DEADLINE = 60.0
"""Seconds a startup sample may live (the parent gives up at 60 s too)."""

LOADS_JS = r"""
// The pywebview load page (after loop.js and loads.js): Python hands out
// jobs, one at a time, as the answer to api.next_job(); the page runs each
// and answers with api.report(reportOf(...)), until next_job() answers null.
"use strict";

// pywebview carries only JSON, so bytes travel as base64 text: btoa over the
// bytes on the way out, atob back into a Uint8Array on the way in.
function bytesToBase64(bytes) {
  const chunk = 0x8000;
  let text = "";
  for (let i = 0; i < bytes.length; i += chunk) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  }
  return btoa(text);
}

function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// `warmup` untimed, then `repeats` timed serial echoes of `bytes` bytes, each
// timed from the Uint8Array in hand to the echoed Uint8Array in hand (btoa,
// the call, Python's b64decode + b64encode, atob). Resolves with {samples}.
async function timeBase64Echoes(call, { bytes, repeats, warmup, timeoutMs }) {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + 7) & 255;
  const echo = async () =>
    base64ToBytes(await withTimeout(call(bytesToBase64(data)), timeoutMs, `a base64 echo of ${bytes} bytes`));
  const check = (answer) => {
    if (answer.length !== data.length) throw new Error(`a base64 echo of ${bytes} bytes came back ${answer.length} long`);
    for (let i = 0; i < data.length; i++) {
      if (answer[i] !== data[i]) throw new Error(`a base64 echo of ${bytes} bytes differs at byte ${i}`);
    }
  };
  for (let i = 0; i < warmup; i++) check(await echo());
  const samples = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const answer = await echo();
    samples.push(performance.now() - start);
    check(answer);
  }
  return { samples };
}

const PYWEBVIEW_TASKS = { ...BENCH_TASKS, base64: timeBase64Echoes };
const PYWEBVIEW_CALLS = {
  echo: (payload) => pywebview.api.echo(payload),
  echo_base64: (text) => pywebview.api.echo_base64(text),
};

window.addEventListener("pywebviewready", async () => {
  for (;;) {
    const job = await pywebview.api.next_job();
    if (job === null) break;
    const run = async () => PYWEBVIEW_TASKS[job.task](PYWEBVIEW_CALLS[job.call], job.settings);
    await pywebview.api.report(await reportOf(run()));
  }
});
"""


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


class LoadsApi:
    """What the load page may call: its jobs, their reports, and the echoes."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._reports: queue.Queue = queue.Queue()

    def echo(self, payload: object) -> object:
        return payload

    def echo_base64(self, text: str) -> str:
        """What a pywebview app does with bytes: base64 text in, bytes, base64 text out."""
        data = base64.b64decode(text, validate=True)
        return base64.b64encode(data).decode("ascii")

    def next_job(self) -> dict | None:
        """Blocks (on pywebview's thread for this call) until Python hands out a job."""
        return self._jobs.get()

    def report(self, report: dict) -> None:
        self._reports.put(report)

    def _run(self, job: dict) -> dict:
        """Have the page run ``job``; its report, within the job's timeout."""
        self._jobs.put({"task": job["task"], "call": job["call"], "settings": job["settings"]})
        try:
            return self._reports.get(timeout=job["timeout"])
        except queue.Empty:
            raise TimeoutError(f"the page did not report its {job['task']} job within {job['timeout']:.0f} s") from None

    def _stop(self) -> None:
        self._jobs.put(None)


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


def run_loads(plan: dict) -> int:
    jobs = plan["jobs"]
    watchdog(60 + sum(job["timeout"] for job in jobs), "the pywebview load run")
    api = LoadsApi()
    html = page_html("loop.js", "loads.js") + "<script>\n" + LOADS_JS + "\n</script>\n"
    window = webview.create_window("bench pywebview loads", html=html, js_api=api, width=400, height=300)
    peak = PeakRss()
    outcome: dict = {"jobs": []}

    def measure() -> None:
        try:
            check_binding()
            for job in jobs:
                if job["watch"]:
                    peak.start()
                report = api._run(job)
                done = {"report": report}
                if job["watch"]:
                    done["rssMb"] = peak.increase_mb()
                outcome["jobs"].append(done)
                if "error" in report:
                    break
            outcome["rssMethod"] = peak.method
        except Exception as exc:  # reported to the parent, which names the system
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            api._stop()
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
    elif mode == "loads":
        finish(run_loads(json.loads(argument)))
    sys.exit(f"unknown mode {mode!r}: startup, round or loads")
