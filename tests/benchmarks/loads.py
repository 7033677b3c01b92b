"""Load figures, weft and raw side by side: pipelined throughput, broadcast
fan-out, and large payloads (strings, and bytes where a system has a
binary lane) echoed both ways.

Each phase alternates the systems (weft, raw, weft, raw, ...) round by round
and reports medians over rounds. The page does the timing for throughput and
large payloads (js/loads.js, the same code for both systems); Python times
broadcasts.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any, Callable, Protocol, Sequence

import attrs

from measure import OPEN_TIMEOUT, BenchmarkError
from memory import PeakRss
from report import Figure

Progress = Callable[[str], None]


class Fan(Protocol):
    async def open(self, count: int) -> None: ...
    async def broadcast(self, count: int, number: int) -> float: ...
    async def close(self) -> None: ...


class LoadedSystem(Protocol):
    name: str
    binary: bool
    """It can echo bytes (Uint8Array in the page) without encoding them."""

    async def python_echo(self, payload: Any, timeout: float) -> Any: ...
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


async def _large(system: LoadedSystem, size: LargeSize, binary: bool) -> list[float]:
    """Milliseconds per echo, renderer → Python → renderer, timed in the page."""
    settings = {"chars": size.chars, "repeats": size.repeats, "warmup": size.warmup,
                "timeoutMs": PAGE_CALL_TIMEOUT_MS, "binary": binary}
    timeout = OPEN_TIMEOUT + (size.repeats + size.warmup) * PAGE_CALL_TIMEOUT_MS / 1e3
    return list((await system.page_task("large", settings, timeout))["samples"])


def _payload(size: LargeSize, binary: bool) -> str | bytes:
    if binary:
        return bytes(i * 7 % 251 for i in range(251)) * (size.chars // 251) + bytes(i * 7 % 251 for i in range(size.chars % 251))
    return ("0123456789abcdef" * (size.chars // 16 + 1))[: size.chars]


async def _python_large(system: LoadedSystem, size: LargeSize, binary: bool) -> list[float]:
    """Milliseconds per echo, Python → renderer → Python, timed in Python."""
    payload = _payload(size, binary)
    samples = []
    for timed in [False] * size.warmup + [True] * size.repeats:
        begin = time.perf_counter()
        answer = await system.python_echo(payload, PAGE_CALL_TIMEOUT_MS / 1e3)
        elapsed = (time.perf_counter() - begin) * 1e3
        if answer != payload:
            raise BenchmarkError(f"{system.name}: a {size.label} echo from Python came back different")
        if timed:
            samples.append(elapsed)
    return samples


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


_KINDS = (("string", False), ("bytes", True))
_WAYS = ("renderer→Python→renderer", "Python→renderer→Python")


async def measure_large(
    systems: Sequence[LoadedSystem], settings: LoadSettings, progress: Progress
) -> tuple[list[Figure], str]:
    """Echo figures for strings and bytes, both ways, and the host's peak RSS
    rise during the largest size's page-timed echoes (the largest over
    rounds), and how that peak was taken. A system without a binary lane
    shows its string figure in the bytes rows (the target compares weft's
    bytes with raw's string of the same size)."""
    samples: dict[tuple[str, str, str], dict[str, list[float]]] = {
        (size.label, kind, way): {s.name: [] for s in systems if s.binary or not binary}
        for size in settings.large for kind, binary in _KINDS for way in _WAYS
    }
    rss: dict[str, dict[str, list[float]]] = {kind: {} for kind, _ in _KINDS}
    peak = PeakRss()
    for number in range(1, settings.large_rounds + 1):
        for size in settings.large:
            for kind, binary in _KINDS:
                for system in systems:
                    if binary and not system.binary:
                        continue
                    gc.collect()
                    watched = size is settings.large[-1]
                    if watched:
                        peak.start()
                    page = await _large(system, size, binary)
                    if watched:
                        rss[kind].setdefault(system.name, []).append(peak.increase_mb())
                    python = await _python_large(system, size, binary)
                    samples[(size.label, kind, _WAYS[0])][system.name].extend(page)
                    samples[(size.label, kind, _WAYS[1])][system.name].extend(python)
                    progress(
                        f"large {number}/{settings.large_rounds}: {system.name:<16} {size.label} {kind}: "
                        f"{statistics.median(page):.0f} ms from the page, {statistics.median(python):.0f} ms from Python"
                    )
    figures = []
    for size in settings.large:
        for kind, binary in _KINDS:
            for way in _WAYS:
                values = {name: statistics.median(v) for name, v in samples[(size.label, kind, way)].items()}
                if binary:
                    strings = samples[(size.label, "string", way)]
                    values.update({s.name: statistics.median(strings[s.name]) for s in systems if not s.binary})
                    label = f"echo {size.label} of bytes, {way} (raw: the string)"
                else:
                    label = f"echo one {size.label} string, {way}"
                figures.append(Figure(label=label, values=values, unit="ms"))
    largest = settings.large[-1].label
    for kind, _ in _KINDS:
        figures.append(Figure(
            label=f"host peak RSS rise during {largest} {kind} echoes (max)"
            if kind == "bytes" else f"host peak RSS rise during {largest} echoes (max)",
            values={name: max(values) for name, values in rss[kind].items()},
            unit="MB",
        ))
    return figures, peak.method


BARE_LABELS = {"scheme": "one scheme POST + GET", "chunked": "4 MiB scheme chunks, 4 in flight",
               "websocket": "WebSocket to QWebSocketServer"}


async def measure_bulk(weft_system: Any, settings: LoadSettings, progress: Progress, raw_column: str) -> list[Figure]:
    """weft's bytes echo, page → Python → page, beside each bare transport
    inside the same QtWebEngine (bulk_bare.py), for the large sizes of 10 MB
    and more: one row per transport, the bare figure in the raw column, so
    the ratio column reads weft ÷ that transport (``raw_column``: that
    column's system name)."""
    import bulk_bare

    sizes = [size.chars // 1_000_000 for size in settings.large if size.chars >= 10_000_000]
    if not sizes:
        return []
    measured = await bulk_bare.measure(lambda task, timeout: weft_system.page_task("large", task, timeout),
                                       sizes, settings.large_rounds, progress)
    rows = []
    for figure in measured:
        if figure.unit != "ms":
            continue
        for transport in bulk_bare.BARE:
            rows.append(Figure(label=f"{figure.label.split(',')[0]}: weft vs bare {BARE_LABELS[transport]} "
                                     f"(raw column: the bare transport)",
                               values={"weft": figure.values["weft"], raw_column: figure.values[transport]}, unit="ms"))
    return rows
