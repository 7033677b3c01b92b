"""The printed report: one header line, one table, and notes."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
from pathlib import Path
from typing import Callable, Mapping, Sequence

import attrs
import PySide6
from PySide6.QtWebEngineCore import qWebEngineChromiumVersion

from measure import Round

TIMER_NOTE_FROM_MS = 0.05
"""A page timer step this coarse gets a note under the table."""


@attrs.frozen(kw_only=True)
class Figure:
    """One more row of the table: a value per system."""

    label: str
    values: Mapping[str, float]
    """Per system name; a system missing from it shows as —."""
    unit: str
    """"ms", "MB", "msg/s" or "MiB"."""


@attrs.frozen(kw_only=True)
class Results:
    """Everything one run measured, per system name."""

    systems: tuple[str, ...]
    """Column order."""
    startup: Mapping[str, Sequence[float]]
    """Seconds per startup sample (bytecode cached)."""
    rounds: Mapping[str, Sequence[Round]]
    """One Round per in-process round."""
    figures: Sequence[Figure] = ()
    """Rows after the round trips (the load figures)."""
    notes: Sequence[str] = ()
    """Said under the table (skipped systems and the like)."""
    startup_compiled: Mapping[str, Sequence[float]] = attrs.field(factory=dict)
    """Seconds per startup sample with weft's modules compiled at each start (none: no row)."""
    startup_frozen: Mapping[str, Sequence[float]] = attrs.field(factory=dict)
    """Seconds per startup sample of each system's one-window app, frozen (none: no row)."""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def header() -> str:
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        f"weft benchmark — {now}, {_cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PySide6 {PySide6.__version__} "
        f"(Chromium {qWebEngineChromiumVersion()})"
    )


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


def _seconds_3(value: float) -> str:
    return f"{value:.3f} s"


def _ms(value: float) -> str:
    return f"{value:.3f} ms"


def _ms_wide(value: float) -> str:
    """Milliseconds to 3 decimals below 10 ms, to 1 above (the page timer's step is 0.1 ms)."""
    return _ms(value) if value < 10 else f"{value:.1f} ms"


UNITS: Mapping[str, Callable[[float], str]] = {
    "ms": _ms_wide,
    "MB": lambda value: f"{value:.0f} MB",
    "msg/s": lambda value: f"{value:,.0f}/s",
    "MiB": lambda value: f"{value:.1f} MiB",
}


def _row(
    label: str, values: Mapping[str, float], systems: Sequence[str], ratio: tuple[str, str], unit: Callable[[float], str]
) -> list[str]:
    cells = [unit(values[name]) if name in values else "—" for name in systems]
    top, bottom = ratio
    if top in values and bottom in values and values[bottom] > 0:
        cells.append(f"{values[top] / values[bottom]:.2f}×")
    else:
        cells.append("—")
    return [label, *cells]


def _round_figure(rounds: Mapping[str, Sequence[Round]], direction: str, stat: str) -> dict[str, float]:
    """The median over rounds of one statistic of one direction, per system."""
    return {
        name: statistics.median(getattr(getattr(one, direction), stat) for one in measured)
        for name, measured in rounds.items()
        if measured
    }


ROUND_TRIPS = (("renderer→Python→renderer", "renderer"), ("Python→renderer→Python", "python"))
STATS = (("p50", "p50_ms"), ("p99", "p99_ms"), ("mean", "mean_ms"))


def table(results: Results, ratio: tuple[str, str], ratio_label: str) -> str:
    """The figures, medians across samples and rounds; the last column,
    headed ``ratio_label``, is ``ratio[0] ÷ ratio[1]`` (above 1: the first is slower)."""
    systems = results.systems
    rows = [["figure", *systems, ratio_label]]
    ways = (("bytecode cached", results.startup), ("weft compiled each start", results.startup_compiled),
            ("frozen app", results.startup_frozen))
    for way, measured in ways:
        samples = min((len(times) for times in measured.values()), default=0)
        medians = {name: statistics.median(times) for name, times in measured.items() if times}
        if medians or way == "bytecode cached":
            rows.append(_row(f"startup, {way} (median of {samples})", medians, systems, ratio, _seconds_3))
    for label, direction in ROUND_TRIPS:
        for stat, field in STATS:
            values = _round_figure(results.rounds, direction, field)
            rows.append(_row(f"{label} {stat}", values, systems, ratio, _ms))
    for figure in results.figures:
        rows.append(_row(figure.label, figure.values, systems, ratio, UNITS[figure.unit]))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["   ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines + _notes(results))


def _notes(results: Results) -> list[str]:
    notes = list(results.notes)
    steps = [one.renderer.step_ms for measured in results.rounds.values() for one in measured]
    coarsest = max(steps, default=0.0)
    if coarsest >= TIMER_NOTE_FROM_MS:
        notes.append(
            f"renderer→Python→renderer p50/p99 are timed in the page with performance.now(), which "
            f"Chromium coarsens (steps of {coarsest:.2f} ms seen) in pages that are not cross-origin "
            f"isolated; its mean row (loop time ÷ calls) is precise."
        )
    notes.append("mean = timed loop's total ÷ calls. Medians over rounds; each round alternates the systems.")
    return ["", *(f"note: {note}" for note in notes)]
