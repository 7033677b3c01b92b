"""pywebview as a third system, when ``import webview`` works
(``pip install -e '.[bench]'`` installs it, with qtpy, on the pinned PySide6).

pywebview makes its own QApplication, so each startup sample, each round and
each load round runs in a child process (pywebview_child.py), with
``QT_API=pyside6``. While a child runs, the benchmark's own loop keeps
turning: the child is waited for on a thread of our own pool (qasync's
default executor is a QThread pool that must be shut down by hand, or Qt
aborts the process at exit).

Load figures (:meth:`PywebviewSystem.loads`, or :func:`measure_loads`
outside an event loop) are the ones loads.py measures for weft and raw, timed
in the page by the same js/loads.js, plus a base64 echo of bytes, since
pywebview carries only JSON. Each load round is one child process, which is
also the host whose peak RSS is read. Standalone:

    python tests/benchmarks/pywebviewrun.py [--quick]
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import json
import statistics
import subprocess
import sys
from typing import Any, Callable, Mapping, Sequence

import attrs

from measure import OPEN_TIMEOUT, BenchmarkError, LoopSettings, Round, from_page_report, page_timing
from report import Figure
from startup import MARKER, child_env, script_command

CHILD = "pywebview_child.py"
RESULT_PREFIX = "weft-bench-result "  # as in pywebview_child.py
NAME = "pywebview"
PAGE_CALL_TIMEOUT_MS = 60_000
"""How long the page waits for one answer or burst (as loads.PAGE_CALL_TIMEOUT_MS)."""
CHILD_MARGIN = 60.0
"""Seconds a child may take beyond its jobs' timeouts (start, page load, exit)."""

Progress = Callable[[str], None]


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


# ---- load figures -----------------------------------------------------------


def _job(task: str, call: str, settings: dict[str, Any], timeout: float, watch: bool) -> dict[str, Any]:
    return {"task": task, "call": call, "settings": settings, "timeout": timeout, "watch": watch}


def load_jobs(settings: Any, number: int) -> list[dict[str, Any]]:
    """The jobs of load round ``number`` (from 1): one pipelined burst while
    ``number <= settings.rounds``, then, while ``number <= settings.large_rounds``,
    for each size a string echo task and a base64 echo task; the largest
    size's are watched for peak RSS. ``settings`` is a loads.LoadSettings."""
    jobs = []
    if number <= settings.rounds:
        calls = settings.pipelined_calls
        jobs.append(_job(
            "pipelined", "echo",
            {"calls": calls, "warmup": max(1, calls // 10), "timeoutMs": PAGE_CALL_TIMEOUT_MS},
            OPEN_TIMEOUT + 2 * PAGE_CALL_TIMEOUT_MS / 1e3, watch=False,
        ))
    if number <= settings.large_rounds:
        for size in settings.large:
            watch = size is settings.large[-1]
            timeout = OPEN_TIMEOUT + (size.repeats + size.warmup) * PAGE_CALL_TIMEOUT_MS / 1e3
            common = {"repeats": size.repeats, "warmup": size.warmup, "timeoutMs": PAGE_CALL_TIMEOUT_MS}
            jobs.append(_job("large", "echo", {"chars": size.chars, **common}, timeout, watch))
            jobs.append(_job("base64", "echo_base64", {"bytes": size.chars, **common}, timeout, watch))
    return jobs


def _load_round(settings: Any, number: int) -> list[dict[str, Any]]:
    """Run load round ``number`` in a child; per job: its timing, and rssMb when watched."""
    jobs = load_jobs(settings, number)
    outcome = _run_child("loads", {"jobs": jobs}, CHILD_MARGIN + sum(job["timeout"] for job in jobs),
                         f"pywebview load round {number}")
    done = []
    for job, result in zip(jobs, outcome["jobs"]):  # a page's error is raised here
        timing = page_timing(result["report"], f"pywebview {job['task']}")
        done.append({**job, "timing": timing, "rssMb": result.get("rssMb"), "rssMethod": outcome.get("rssMethod", "")})
    if len(done) != len(jobs):
        raise BenchmarkError(f"pywebview load round {number} ran {len(done)} of {len(jobs)} jobs")
    return done


def _describe(job: dict[str, Any]) -> str:
    timing = job["timing"]
    if job["task"] == "pipelined":
        return f"pipelined {job['settings']['calls'] / (timing['totalMs'] / 1e3):,.0f} msg/s"
    size = job["settings"].get("chars", job["settings"].get("bytes"))
    what = "string" if job["task"] == "large" else "base64 bytes"
    rss = f", peak RSS +{job['rssMb']:.0f} MB" if job["rssMb"] is not None else ""
    return f"{size / 1e6:g} MB {what} {statistics.median(timing['samples']):.0f} ms{rss}"


@attrs.frozen(kw_only=True)
class PywebviewLoads:
    """pywebview's load figures: medians, like loads.py's for weft and raw."""

    pipelined_calls: int
    pipelined_msg_s: float
    """Median over rounds of calls ÷ the burst's time in the page."""
    string_echo_ms: Mapping[str, float]
    """Per size label: median of all timed string echoes (renderer→Python→renderer)."""
    base64_echo_ms: Mapping[str, float]
    """Per size label: median of all timed base64 echoes of that many bytes,
    from the Uint8Array in hand to the echoed Uint8Array in hand."""
    rss_size: str
    """The size label whose echoes were watched for peak RSS (the largest)."""
    string_peak_rss_mb: float
    """Largest over rounds of the child's (the host's) peak RSS rise during the watched string echoes."""
    base64_peak_rss_mb: float
    """The same during the watched base64 echoes."""
    rss_method: str
    """How the peak was taken (memory.PeakRss, in the child)."""

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    def figures(self) -> list[Figure]:
        """Table rows, valued for ``"pywebview"`` only. The pipelined, string
        echo and RSS rows carry loads.py's labels, so :func:`merge_figures`
        adds them to its rows; the base64 rows are pywebview's alone."""
        rows = [Figure(
            label=f"pipelined echo, {self.pipelined_calls} at once (msg/s, higher is better)",
            values={NAME: self.pipelined_msg_s}, unit="msg/s",
        )]
        rows += [
            Figure(label=f"echo one {label} string, renderer→Python→renderer", values={NAME: ms}, unit="ms")
            for label, ms in self.string_echo_ms.items()
        ]
        rows.append(Figure(label=f"host peak RSS rise during {self.rss_size} echoes (max)",
                           values={NAME: self.string_peak_rss_mb}, unit="MB"))
        rows += [
            Figure(label=f"echo {label} of bytes as base64 text (btoa → b64decode/b64encode → atob)",
                   values={NAME: ms}, unit="ms")
            for label, ms in self.base64_echo_ms.items()
        ]
        rows.append(Figure(label=f"host peak RSS rise during {self.rss_size} base64 echoes (max)",
                           values={NAME: self.base64_peak_rss_mb}, unit="MB"))
        return rows


def merge_figures(figures: Sequence[Figure], extra: Sequence[Figure]) -> list[Figure]:
    """``figures`` with each of ``extra``'s values added to the row of the same
    label; rows of ``extra`` with a label not in ``figures`` go at the end."""
    merged = list(figures)
    for row in extra:
        for i, existing in enumerate(merged):
            if existing.label == row.label and existing.unit == row.unit:
                merged[i] = attrs.evolve(existing, values={**existing.values, **row.values})
                break
        else:
            merged.append(row)
    return merged


def summarise_loads(settings: Any, rounds: Sequence[list[dict[str, Any]]]) -> PywebviewLoads:
    """The medians (and RSS maxima) over what :func:`_load_round` returned."""
    jobs = [job for one in rounds for job in one]
    rates = [job["settings"]["calls"] / (job["timing"]["totalMs"] / 1e3) for job in jobs if job["task"] == "pipelined"]

    def samples(task: str, key: str, size: Any) -> list[float]:
        return [ms for job in jobs if job["task"] == task and job["settings"][key] == size.chars
                for ms in job["timing"]["samples"]]

    def peak(task: str) -> float:
        return max(job["rssMb"] for job in jobs if job["task"] == task and job["watch"])

    return PywebviewLoads(
        pipelined_calls=settings.pipelined_calls,
        pipelined_msg_s=statistics.median(rates),
        string_echo_ms={size.label: statistics.median(samples("large", "chars", size)) for size in settings.large},
        base64_echo_ms={size.label: statistics.median(samples("base64", "bytes", size)) for size in settings.large},
        rss_size=settings.large[-1].label,
        string_peak_rss_mb=peak("large"),
        base64_peak_rss_mb=peak("base64"),
        rss_method=next((job["rssMethod"] for job in jobs if job["watch"]), ""),
    )


def _load_rounds(settings: Any) -> range:
    return range(1, max(settings.rounds, settings.large_rounds) + 1)


def measure_loads(settings: Any, progress: Progress | None = None) -> PywebviewLoads:
    """pywebview's load figures for ``settings`` (a loads.LoadSettings): one
    child process per round, each bounded by its jobs' timeouts. Blocks; inside
    a running event loop use :meth:`PywebviewSystem.loads`. Raises BenchmarkError."""
    rounds = []
    for number in _load_rounds(settings):
        rounds.append(_load_round(settings, number))
        if progress is not None:
            progress(f"pywebview loads {number}/{len(_load_rounds(settings))}: "
                     + "; ".join(_describe(job) for job in rounds[-1]))
    return summarise_loads(settings, rounds)


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

    async def loads(self, settings: Any, progress: Progress | None = None) -> PywebviewLoads:
        """:func:`measure_loads`, with the children waited for off the event loop."""
        loop = asyncio.get_running_loop()
        rounds = []
        for number in _load_rounds(settings):
            rounds.append(await loop.run_in_executor(self._waiter, _load_round, settings, number))
            if progress is not None:
                progress(f"pywebview loads {number}/{len(_load_rounds(settings))}: "
                         + "; ".join(_describe(job) for job in rounds[-1]))
        return summarise_loads(settings, rounds)

    async def close(self) -> None:
        self._waiter.shutdown(wait=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure pywebview alone: startup, one round, and the load figures of
    bench_ipc's plan (``--quick``: its quick plan); print them."""
    import argparse

    import bench_ipc
    from startup import sample_startups, time_startup

    parser = argparse.ArgumentParser(description="pywebview's figures alone")
    parser.add_argument("--quick", action="store_true", help="bench_ipc's quick plan")
    args = parser.parse_args(argv)
    plan = bench_ipc.QUICK_PLAN if args.quick else bench_ipc.DEFAULT_PLAN

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    async def in_loop() -> tuple[list[Round], PywebviewLoads]:
        system = PywebviewSystem()
        try:
            rounds = []
            for number in range(1, plan.rounds + 1):
                rounds.append(await system.round(plan.loop))
                progress(f"round {number}/{plan.rounds}: renderer→Python→renderer p50 "
                         f"{rounds[-1].renderer.p50_ms:.2f} ms, Python→renderer→Python p50 {rounds[-1].python.p50_ms:.3f} ms")
            return rounds, await system.loads(plan.loads, progress)
        finally:
            await system.close()

    try:
        time_startup(PywebviewSystem.startup_command())
        startups = sample_startups({NAME: PywebviewSystem.startup_command()}, plan.startup_samples, progress)[NAME]
        rounds, loads = asyncio.run(in_loop())
    except BenchmarkError as exc:
        print(f"pywebviewrun: {exc}", file=sys.stderr)
        return 1
    print(f"startup median of {len(startups)}: {statistics.median(startups):.2f} s")
    for label, direction in (("renderer→Python→renderer", "renderer"), ("Python→renderer→Python", "python")):
        for stat in ("p50_ms", "p99_ms", "mean_ms"):
            values = [getattr(getattr(one, direction), stat) for one in rounds]
            print(f"{label} {stat[:-3]} (median of {len(rounds)} rounds × {plan.loop.calls}): "
                  f"{statistics.median(values):.3f} ms")
    for row in loads.figures():
        unit = {"msg/s": "/s", "ms": " ms", "MB": " MB"}[row.unit]
        print(f"{row.label}: {row.values[NAME]:,.1f}{unit}")
    print(f"peak RSS: the child (host) process; {loads.rss_method}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
