"""What one measurement is, and the small tools every system uses to take it."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any, Awaitable, Callable, TypeVar

import attrs

T = TypeVar("T")

CALL_TIMEOUT = 10.0
"""Seconds one round trip may take before the benchmark gives up."""
OPEN_TIMEOUT = 30.0
"""Seconds a page may take to load and connect."""


class BenchmarkError(Exception):
    """A system could not be measured; the message says which and why."""


async def within(seconds: float, awaitable: Awaitable[T], what: str) -> T:
    """Await ``awaitable``, or raise BenchmarkError naming ``what`` after ``seconds``."""
    try:
        async with asyncio.timeout(seconds) as scope:
            return await awaitable
    except TimeoutError:
        if scope.expired():
            raise BenchmarkError(f"gave up waiting for {what} after {seconds:.0f} s") from None
        raise


@attrs.frozen(kw_only=True)
class LoopSettings:
    """How many serial round trips one timed loop makes."""

    calls: int
    """Timed round trips."""
    warmup: int
    """Untimed round trips made first."""

    def as_json(self) -> dict[str, int]:
        return {"calls": self.calls, "warmup": self.warmup}

    @property
    def timeout(self) -> float:
        """Seconds a whole loop may take: generous, but finite."""
        return OPEN_TIMEOUT + (self.calls + self.warmup) * 0.05


@attrs.frozen(kw_only=True)
class RoundTrips:
    """One timed loop of serial round trips, summarised."""

    p50_ms: float
    p99_ms: float
    mean_ms: float
    """Loop time over calls: free of the per-call timer's resolution."""
    step_ms: float
    """Smallest step between distinct samples: the timer's resolution, at best."""

    @classmethod
    def of(cls, samples_ms: list[float], total_ms: float) -> RoundTrips:
        if len(samples_ms) < 2:
            raise BenchmarkError("a loop needs at least 2 timed round trips")
        cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
        # Rounded first: a clamped timer's steps carry float noise (0.30000000004).
        distinct = sorted({round(sample, 4) for sample in samples_ms})
        steps = [b - a for a, b in zip(distinct, distinct[1:])]
        return cls(
            p50_ms=cuts[49],
            p99_ms=cuts[98],
            mean_ms=total_ms / len(samples_ms),
            step_ms=min(steps, default=0.0),
        )


@attrs.frozen(kw_only=True)
class Round:
    """Both round-trip figures of one system in one round."""

    renderer: RoundTrips
    """renderer → Python → renderer, timed in the page."""
    python: RoundTrips
    """Python → renderer → Python, timed in Python."""


def page_timing(report: Any, who: str) -> dict[str, Any]:
    """The timings in what a page's ``reportOf(task(...))`` sent back."""
    if not isinstance(report, dict):
        raise BenchmarkError(f"{who} page sent an unreadable report: {report!r:.200}")
    if "error" in report:
        raise BenchmarkError(f"{who} page failed its task: {report['error']}")
    return report["timing"]


def from_page_report(timing: dict[str, Any]) -> RoundTrips:
    """Summarise the timings of a page's ``timeRoundTrips`` (js/loop.js)."""
    return RoundTrips.of(timing["samples"], timing["totalMs"])


async def time_python_round_trips(
    call: Callable[[dict[str, int]], Awaitable[Any]], settings: LoopSettings
) -> RoundTrips:
    """Time ``settings.calls`` serial ``await call({"n": i})`` after the warm-up."""
    for i in range(settings.warmup):
        await call({"n": i})
    samples_ms = []
    begin = time.perf_counter()
    for i in range(settings.calls):
        start = time.perf_counter()
        answer = await call({"n": i})
        samples_ms.append((time.perf_counter() - start) * 1e3)
        if answer != {"n": i}:
            raise BenchmarkError(f"round trip {i} came back as {answer!r:.200}")
    return RoundTrips.of(samples_ms, (time.perf_counter() - begin) * 1e3)
