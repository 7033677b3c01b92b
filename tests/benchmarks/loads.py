"""Load figures, weft and raw side by side: pipelined throughput, broadcast
fan-out, and large string payloads.

Each phase alternates the systems (weft, raw, weft, raw, ...) round by round
and reports medians over rounds. The page does the timing for throughput and
large payloads (js/loads.js, the same code for both systems); Python times
broadcasts.
"""

from __future__ import annotations

import gc
import statistics
from typing import Any, Callable, Protocol, Sequence

import attrs

from measure import OPEN_TIMEOUT
from memory import PeakRss
from report import Figure

Progress = Callable[[str], None]


class Fan(Protocol):
    async def open(self, count: int) -> None: ...
    async def broadcast(self, count: int, number: int) -> float: ...
    async def close(self) -> None: ...


class LoadedSystem(Protocol):
    name: str

    async def page_task(self, task: str, settings: dict[str, Any], timeout: float) -> dict[str, Any]: ...
    def fanout(self) -> Fan: ...


@attrs.frozen(kw_only=True)
class LargeSize:
    """One payload size of the large-string echoes."""

    label: str
    chars: int
    """ASCII characters, so also bytes."""
    repeats: int
    """Timed echoes per round."""
    warmup: int
    """Untimed echoes first, each round."""


@attrs.frozen(kw_only=True)
class LoadSettings:
    """How much of each load figure to measure."""

    rounds: int
    """Rounds of the pipelined and broadcast phases."""
    pipelined_calls: int
    """Echo invokes made at once in one timed burst (after one warm-up burst a tenth the size)."""
    fan_sizes: tuple[int, ...]
    """Windows per broadcast; the largest is how many targets each system opens."""
    broadcasts: int
    """Timed broadcasts per size per round (after a few untimed)."""
    large_rounds: int
    """Rounds of the large-payload phase."""
    large: tuple[LargeSize, ...]
    """Payload sizes, smallest first; the last gets the memory figure."""


PAGE_CALL_TIMEOUT_MS = 60_000
"""How long the page waits for one answer (or one pipelined burst)."""
BROADCAST_WARMUP = 5


async def _pipelined(system: LoadedSystem, calls: int) -> float:
    """Round trips per second of one pipelined burst of ``calls`` echoes."""
    settings = {"calls": calls, "warmup": max(1, calls // 10), "timeoutMs": PAGE_CALL_TIMEOUT_MS}
    timing = await system.page_task("pipelined", settings, OPEN_TIMEOUT + 2 * PAGE_CALL_TIMEOUT_MS / 1e3)
    return calls / (timing["totalMs"] / 1e3)


async def _large(system: LoadedSystem, size: LargeSize) -> list[float]:
    """Milliseconds per echo of a ``size.chars`` string."""
    settings = {"chars": size.chars, "repeats": size.repeats, "warmup": size.warmup, "timeoutMs": PAGE_CALL_TIMEOUT_MS}
    timeout = OPEN_TIMEOUT + (size.repeats + size.warmup) * PAGE_CALL_TIMEOUT_MS / 1e3
    return list((await system.page_task("large", settings, timeout))["samples"])


async def measure_pipelined(systems: Sequence[LoadedSystem], settings: LoadSettings, progress: Progress) -> Figure:
    rates: dict[str, list[float]] = {system.name: [] for system in systems}
    for number in range(1, settings.rounds + 1):
        for system in systems:
            gc.collect()
            rates[system.name].append(await _pipelined(system, settings.pipelined_calls))
            progress(f"pipelined {number}/{settings.rounds}: {system.name:<16} {rates[system.name][-1]:,.0f} msg/s")
    return Figure(
        label=f"pipelined echo, {settings.pipelined_calls} at once (msg/s, higher is better)",
        values={name: statistics.median(values) for name, values in rates.items()},
        unit="msg/s",
    )


async def measure_broadcast(systems: Sequence[LoadedSystem], settings: LoadSettings, progress: Progress) -> list[Figure]:
    fans: dict[str, Fan] = {}
    # Per size, per system: each round's median broadcast time, in ms.
    medians: dict[int, dict[str, list[float]]] = {size: {system.name: [] for system in systems} for size in settings.fan_sizes}
    try:
        for system in systems:
            fans[system.name] = system.fanout()
            await fans[system.name].open(max(settings.fan_sizes))
            progress(f"broadcast: {system.name} opened {max(settings.fan_sizes)} target windows")
        number = 0
        for round_number in range(1, settings.rounds + 1):
            for size in settings.fan_sizes:
                for system in systems:
                    gc.collect()
                    fan = fans[system.name]
                    samples = []
                    for timed in [False] * BROADCAST_WARMUP + [True] * settings.broadcasts:
                        number += 1
                        seconds = await fan.broadcast(size, number)
                        if timed:
                            samples.append(seconds * 1e3)
                    medians[size][system.name].append(statistics.median(samples))
            progress(f"broadcast {round_number}/{settings.rounds} done")
    finally:
        for fan in fans.values():
            await fan.close()
    return [
        Figure(
            label=f"broadcast to {size} window{'s' if size > 1 else ''}, all acknowledged",
            values={name: statistics.median(values) for name, values in per_system.items()},
            unit="ms",
        )
        for size, per_system in medians.items()
    ]


async def measure_large(
    systems: Sequence[LoadedSystem], settings: LoadSettings, progress: Progress
) -> tuple[list[Figure], str]:
    """The echo figures, the host's peak RSS rise during the largest size's
    echoes (the largest over rounds), and how that peak was taken."""
    samples: dict[str, dict[str, list[float]]] = {size.label: {s.name: [] for s in systems} for size in settings.large}
    rss: dict[str, list[float]] = {system.name: [] for system in systems}
    peak = PeakRss()
    for number in range(1, settings.large_rounds + 1):
        for size in settings.large:
            for system in systems:
                gc.collect()
                watched = size is settings.large[-1]
                if watched:
                    peak.start()
                samples[size.label][system.name].extend(await _large(system, size))
                if watched:
                    rss[system.name].append(peak.increase_mb())
                progress(
                    f"large {number}/{settings.large_rounds}: {system.name:<16} {size.label} "
                    f"{statistics.median(samples[size.label][system.name][-size.repeats:]):.0f} ms"
                )
    figures = [
        Figure(
            label=f"echo one {size.label} string, renderer→Python→renderer",
            values={name: statistics.median(values) for name, values in samples[size.label].items()},
            unit="ms",
        )
        for size in settings.large
    ]
    figures.append(
        Figure(
            label=f"host peak RSS rise during {settings.large[-1].label} echoes (max)",
            values={name: max(values) for name, values in rss.items()},
            unit="MB",
        )
    )
    return figures, peak.method
