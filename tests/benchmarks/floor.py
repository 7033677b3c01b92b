"""Is the isolated world weft's floor? Raw QWebChannel built as weft is built.

weft's bridge lives in an isolated script world and reaches the page's own
world through a private port (renderer_assets/transport.js). This measures
the same design without weft: raw QWebChannel's page, its channel moved to
an isolated world behind the same kind of port (inproc.RawIsolatedSystem),
round trips alternating with plain raw QWebChannel in the same run. Its
ratio to raw is what the isolated world and its relay cost on their own.
"""

from __future__ import annotations

import gc
import statistics
from typing import Any, Callable

from inproc import RawIsolatedSystem, RawSystem
from measure import LoopSettings, Round


async def measure(raw: RawSystem, settings: LoopSettings, rounds: int,
                  progress: Callable[[str], None]) -> list[str]:
    """A note for under the table: the isolated design's round trips ÷ raw's."""
    isolated = RawIsolatedSystem()
    await isolated.open()
    measured: dict[str, list[Round]] = {"raw": [], "isolated": []}
    try:
        for number in range(1, rounds + 1):
            for name, system in (("raw", raw), ("isolated", isolated)):
                gc.collect()
                measured[name].append(await system.round(settings))
            progress(f"isolated-world floor round {number}/{rounds}: "
                     f"raw {measured['raw'][-1].renderer.mean_ms:.3f} ms, "
                     f"isolated {measured['isolated'][-1].renderer.mean_ms:.3f} ms")
    finally:
        await isolated.close()

    def median(name: str, direction: str, figure: str) -> Any:
        return statistics.median(getattr(getattr(one, direction), figure) for one in measured[name])

    def part(label: str, direction: str) -> str:
        figures = []
        for kind, field in (("mean", "mean_ms"), ("p50", "p50_ms")):
            isolated_ms, raw_ms = median("isolated", direction, field), median("raw", direction, field)
            figures.append(f"{kind} {isolated_ms:.3f} ms = {isolated_ms / raw_ms:.2f}× raw's {raw_ms:.3f} ms")
        return f"{label} {', '.join(figures)}"

    parts = [part("renderer→Python→renderer", "renderer"), part("Python→renderer→Python", "python")]
    return [f"Isolated-world floor: raw QWebChannel with its channel in an isolated world behind a private "
            f"port, as weft's bridge is built (no weft code): {'; '.join(parts)} (medians of {rounds} "
            f"alternating rounds). What weft adds beyond it is its own work (validation, routing, batching)."]
