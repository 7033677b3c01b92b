"""IPC benchmark: weft against the raw QWebChannel it is built on.

    python tests/benchmarks/bench_ipc.py                      # about 7 minutes
    python tests/benchmarks/bench_ipc.py --quick              # 1–3 minutes
    python tests/benchmarks/bench_ipc.py --bundles [--small]  # and the frozen rows

Measures, side by side in one run: startup (fresh process to the page's first
message reaching Python), small serial round trips both ways
(renderer → Python → renderer timed in the page, Python → renderer → Python
timed in Python), and, for weft and raw only, load figures: pipelined
throughput, broadcast to 1/10/20 windows, and 1 MB / 10 MB string echoes
(see loads.py). pywebview is a third system when ``import webview`` works.
With ``--bundles``, first the rows of bundles.py: each system's one-window
app frozen (bundle size, startup) and the demo's bundle, archive and
``.deb`` (about 4 minutes more); ``--small`` adds the smallest variant's
(about 14 minutes more in all).
Prints a table of medians; see README.md. A measuring script, not a test: it
asserts nothing about times, but every wait has a timeout.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Callable, Protocol, Sequence

import attrs

import bundles
import checking
import floor
import footprint
import loads
import pywebviewrun
import report
from inproc import QtHost, RawSystem, WeftSystem
from loads import LargeSize, LoadSettings
from measure import BenchmarkError, LoopSettings, Round
from startup import (CACHED, COMPILED, FLOOR, MODES, BytecodeCaches, floor_command, floor_note,
                     sample_both_ways, time_startup)


class System(Protocol):
    name: str
    optional: bool

    def startup_command(self) -> list[str]: ...
    async def open(self) -> None: ...
    async def round(self, settings: LoopSettings) -> Round: ...
    async def close(self) -> None: ...


@attrs.frozen(kw_only=True)
class Plan:
    """How much to measure."""

    startup_samples: int
    """Timed startups per system (after one untimed warm-up each)."""
    rounds: int
    """In-process rounds; each round measures every system once, in turn."""
    loop: LoopSettings
    """Round trips per direction in one round."""
    loads: LoadSettings
    """The load figures (weft and raw only)."""
    bundles: bool = False
    """Also build and measure the frozen apps and the demo's bundles (bundles.py)."""
    small: bool = False
    """With ``bundles``, the demo's smallest variant too."""


MB = 1_000_000
DEFAULT_PLAN = Plan(
    startup_samples=11,
    rounds=9,
    loop=LoopSettings(calls=5000, warmup=500),
    loads=LoadSettings(
        rounds=7, pipelined_calls=5000, fan_sizes=(1, 10, 20), broadcasts=50, large_rounds=3,
        large=(LargeSize(label="1 MB", chars=MB, repeats=5, warmup=1),
               LargeSize(label="10 MB", chars=10 * MB, repeats=2, warmup=1),
               LargeSize(label="100 MB", chars=100 * MB, repeats=1, warmup=0)),
    ),
)
QUICK_PLAN = Plan(
    startup_samples=5,
    rounds=5,
    loop=LoopSettings(calls=1000, warmup=200),
    loads=LoadSettings(
        rounds=3, pipelined_calls=5000, fan_sizes=(1, 10, 20), broadcasts=20, large_rounds=2,
        large=(LargeSize(label="1 MB", chars=MB, repeats=3, warmup=1),
               LargeSize(label="10 MB", chars=10 * MB, repeats=1, warmup=1)),
    ),
)


def progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def parse_plan(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and rounds: 1–3 minutes")
    parser.add_argument("--startup-samples", type=_count(1), metavar="N", help="startup samples per system")
    parser.add_argument("--rounds", type=_count(1), metavar="N", help="in-process rounds")
    parser.add_argument("--calls", type=_count(2), metavar="N", help="timed round trips per direction per round")
    parser.add_argument("--pipelined", type=_count(1), metavar="N", help="echo invokes in one pipelined burst")
    parser.add_argument("--bundles", action="store_true",
                        help="first freeze one-window apps and build the demo: sizes and frozen startups (bundles.py)")
    parser.add_argument("--small", action="store_true", help="with --bundles, the demo's smallest variant too")
    args = parser.parse_args(argv)
    if args.small and not args.bundles:
        parser.error("--small adds to --bundles; give both")
    plan = QUICK_PLAN if args.quick else DEFAULT_PLAN
    return Plan(
        startup_samples=args.startup_samples or plan.startup_samples,
        rounds=args.rounds or plan.rounds,
        loop=LoopSettings(calls=args.calls or plan.loop.calls, warmup=plan.loop.warmup),
        loads=attrs.evolve(plan.loads, pipelined_calls=args.pipelined or plan.loads.pipelined_calls),
        bundles=args.bundles,
        small=args.small,
    )


def drop_if_optional(system: System, systems: list[System], exc: BenchmarkError, notes: list[str]) -> None:
    """An optional system that fails is skipped with a note; others end the run."""
    if not system.optional:
        raise exc
    systems.remove(system)
    notes.append(f"{system.name} skipped: {str(exc).splitlines()[0]} (details above, on stderr)")
    progress(f"{system.name} skipped: {exc}")


def measure_startup(systems: list[System], plan: Plan, notes: list[str]) -> dict[str, dict[str, list[float]]]:
    """Startup samples per way to start (startup.MODES) and system, each
    after one warm-up that fills that way's bytecode cache; the startup
    floor (startup.FLOOR) is sampled in the same alternation, for a note."""
    caches = BytecodeCaches()
    try:
        for mode in MODES:
            time_startup(floor_command(), caches.env(mode, warming=True))
        for system in tuple(systems):
            try:
                for mode in MODES:
                    time_startup(system.startup_command(), caches.env(mode, warming=True))
                progress(f"startup warm-up: {system.name} ok")
            except BenchmarkError as exc:
                drop_if_optional(system, systems, exc, notes)
        caches.warmed()
        commands = {system.name: system.startup_command() for system in systems}
        times = sample_both_ways({**commands, FLOOR: floor_command()}, plan.startup_samples, progress, caches)
    finally:
        caches.close()
    notes.append(floor_note(times, RawSystem.name))
    for measured in times.values():
        del measured[FLOOR]
    return times


@attrs.frozen(kw_only=True)
class InProcess:
    """What the in-process phases measured."""

    rounds: dict[str, list[Round]]
    figures: list[report.Figure]
    rss_method: str
    """How the peak RSS figure was taken."""


async def measure_in_process(systems: list[System], plan: Plan, notes: list[str]) -> InProcess:
    opened: list[System] = []
    try:
        for system in tuple(systems):
            try:
                await system.open()
                opened.append(system)
            except BenchmarkError as exc:
                drop_if_optional(system, systems, exc, notes)
        loaded = [system for system in systems if isinstance(system, (WeftSystem, RawSystem))]
        # First, before large payloads leave freed memory in the allocators.
        weft_system = next(s for s in loaded if isinstance(s, WeftSystem))
        memory = await footprint.measure(loaded, weft_system.runtime)
        progress("memory per window and per plugin measured")
        rounds = await measure_round_trips(systems, plan, notes)
        checked, checked_notes = await checking.measure(weft_system, rounds.get(RawSystem.name, []), plan.loop,
                                                        plan.rounds, progress)
        notes += checked_notes
        raw_system = next(s for s in loaded if type(s) is RawSystem)
        notes += await floor.measure(raw_system, plan.loop, plan.rounds, progress)
        figures = [await loads.measure_pipelined(loaded, plan.loads, progress)]
        figures += await loads.measure_broadcast(loaded, plan.loads, progress)
        large, rss_method = await loads.measure_large(loaded, plan.loads, progress)
        figures += large
        figures += await loads.measure_bulk(weft_system, plan.loads, progress, RawSystem.name)
        pyweb = next((s for s in systems if isinstance(s, pywebviewrun.PywebviewSystem)), None)
        if pyweb is not None:
            try:
                measured = await pyweb.loads(plan.loads, progress)
                figures = pywebviewrun.merge_figures(figures, measured.figures())
            except BenchmarkError as exc:
                notes.append(f"pywebview load figures skipped: {str(exc).splitlines()[0]}")
                progress(f"pywebview load figures skipped: {exc}")
        return InProcess(rounds=rounds, figures=checked + figures + memory, rss_method=rss_method)
    finally:
        for system in reversed(opened):
            await system.close()


async def measure_round_trips(systems: list[System], plan: Plan, notes: list[str]) -> dict[str, list[Round]]:
    rounds: dict[str, list[Round]] = {system.name: [] for system in systems}
    for number in range(1, plan.rounds + 1):
        for system in tuple(systems):
            gc.collect()  # so no system pays for the garbage of the one before
            try:
                result = await system.round(plan.loop)
            except BenchmarkError as exc:
                drop_if_optional(system, systems, exc, notes)
                continue
            rounds[system.name].append(result)
            progress(
                f"round {number}/{plan.rounds}: {system.name:<16} "
                f"renderer→Python→renderer p50 {result.renderer.p50_ms:.2f} ms, "
                f"Python→renderer→Python p50 {result.python.p50_ms:.3f} ms"
            )
    return rounds


def load_notes(settings: LoadSettings, rss_method: str) -> list[str]:
    """What the load rows mean, said under the table."""
    sizes = ", ".join(f"{size.label} × {size.repeats}" for size in settings.large)
    return [
        (
            "pipelined: one burst of invokes made without awaiting (Promise.all), timed in the page; "
            "round trips completed ÷ elapsed, median over rounds. For this row a weft ÷ raw ratio "
            "below 1 means weft is slower."
        ),
        (
            f"broadcast: Python sends one message to N windows, timed until all N acknowledged; median of "
            f"{settings.broadcasts} broadcasts per round (after {loads.BROADCAST_WARMUP} untimed), "
            f"median over rounds. Targets are {max(settings.fan_sizes)} extra windows per system, opened once."
        ),
        f"large payloads: serial echoes ({sizes} per round, after the warm-ups the plan sets), timed in the "
        "page (renderer→Python→renderer) or in Python (Python→renderer→Python); median of all timed echoes. "
        "Bytes are Uint8Array in the page and bytes in Python; raw QWebChannel has no binary lane, so its "
        "bytes rows repeat its string figure of the same size (the target compares weft's bytes with it). "
        "pywebview's bytes rows go through base64, as its users must.",
        f"peak RSS: the host process only, not Chromium's renderers (for pywebview, its child process, which "
        f"is its host); {rss_method}; the largest over rounds.",
        f"memory per extra window / plugin: PSS of the host and every process under it, before and after "
        f"opening {footprint.EXTRA} more, ÷ {footprint.EXTRA}.",
    ]


def bundle_figures(frozen: bundles.Measured) -> list[report.Figure]:
    """The size rows of a bundles.py measurement (its startups have their own row)."""
    mib = 1024 * 1024
    rows = [report.Figure(label="one-window app, frozen: bundle unpacked", unit="MiB",
                          values={name: size / mib for name, size in frozen.sizes.items()})]
    rows += [report.Figure(label=what, unit="MiB", values={bundles.WEFT: size / mib}) for what, size in frozen.demo]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse_plan(argv)
    began = time.perf_counter()
    notes: list[str] = []
    systems: list[System] = [WeftSystem(), RawSystem()]
    if pywebviewrun.available():
        systems.append(pywebviewrun.PywebviewSystem())
    else:
        notes.append("pywebview skipped: `import webview` fails here (install it with pip install -e '.[bench]').")
        progress("pywebview is not installed: measuring weft and raw QWebChannel only")
    try:
        # First: the builds load the machine, and are done before anything is timed.
        frozen = bundles.measure(plan.startup_samples, plan.small, progress) if plan.bundles else None
        startup = measure_startup(systems, plan, notes)
        measured = QtHost().run(measure_in_process(systems, plan, notes))
    except BenchmarkError as exc:
        print(f"bench_ipc: {exc}", file=sys.stderr)
        return 1
    names = tuple(system.name for system in systems)
    figures = measured.figures
    if frozen is not None:
        figures = figures + bundle_figures(frozen)
        notes.append(bundles.NOTE)
    notes += load_notes(plan.loads, measured.rss_method)
    notes.append(f"startup, {CACHED}: every module's bytecode cached (as pip and frozen installs ship it); "
                 f"{COMPILED}: weft's own modules compiled at every start (an editable install under "
                 "PYTHONDONTWRITEBYTECODE=1), other libraries' bytecode cached; each in its own "
                 "PYTHONPYCACHEPREFIX, filled by the warm-up. The two alternate sample by sample.")
    results = report.Results(
        systems=names, startup=startup[CACHED], startup_compiled=startup[COMPILED], rounds=measured.rounds,
        figures=figures, notes=notes, startup_frozen=frozen.starts if frozen is not None else {},
    )
    print(report.header())
    print(
        f"startup: {plan.startup_samples} samples per system and way, alternating, after one warm-up each; "
        f"round trips: {plan.rounds} rounds × {plan.loop.calls} serial calls per direction "
        f"(+{plan.loop.warmup} warm-up), systems alternating within each round"
    )
    print(
        f"loads: weft's per-page rate limit lifted for the whole run "
        f"(weft.Runtime(limits=weft.ipc.Limits(rate=1e9, burst=10**9))); "
        f"pipelined and broadcast: {plan.loads.rounds} rounds; "
        f"large strings: {plan.loads.large_rounds} rounds"
    )
    print()
    print(report.table(results, ratio=(WeftSystem.name, RawSystem.name), ratio_label="weft ÷ raw"))
    print(f"\n(run took {time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
