"""What checking a declared channel costs (weft.ipc.handler / weft.ipc.channel).

Two figures, in the same run as the rest of the table:

* the page's round trip on a declared handler (payload converted to its
  TypedDict, result checked on the way out) against the same round trip on
  an undeclared one, rounds alternating on one page;
* the conversion alone, in Python, for a small and a larger payload: the
  microseconds checking adds per call, in and out.
"""

from __future__ import annotations

import dataclasses
import statistics
import timeit
from typing import Any, Callable, Literal, TypedDict

from weft import ipc
from weft.ipc import contracts

from measure import LoopSettings, from_page_report
from report import Figure

TYPED_CHANNEL = "echo:typed"


class Echo(TypedDict):
    n: int


@ipc.handler(TYPED_CHANNEL)
def echo_typed(payload: Echo, window_id: str) -> Echo:
    return payload


@dataclasses.dataclass
class Item:
    sku: str
    quantity: int
    price: float
    tags: list[str]


@dataclasses.dataclass
class Order:
    id: int
    customer: str
    status: Literal["new", "paid", "shipped"]
    items: list[Item]
    note: str | None = None


ORDER_JSON: dict[str, Any] = {
    "id": 7, "customer": "Ada", "status": "paid", "note": None,
    "items": [{"sku": f"sku-{i}", "quantity": i, "price": 1.5 * i, "tags": ["a", "b"]} for i in range(10)],
}
"""A larger payload: a dataclass holding ten dataclasses (56 values)."""


def conversion_microseconds() -> dict[str, float]:
    """Microseconds per conversion (best of 5 repeats), in and out."""
    echo, order = contracts.compile(Echo), contracts.compile(Order)
    built = order(ORDER_JSON)
    cases: dict[str, Callable[[], Any]] = {
        "small payload in ({n: int})": lambda: echo({"n": 1}),
        "small payload out": lambda: echo.to_json({"n": 1}),
        "Order of 10 items in (built as dataclasses)": lambda: order(ORDER_JSON),
        "Order of 10 items out (checked, made JSON)": lambda: order.to_json(built),
    }
    return {label: min(timeit.repeat(case, number=2000, repeat=5)) / 2000 * 1e6 for label, case in cases.items()}


async def measure(weft_system: Any, raw_rounds: list[Any], settings: LoopSettings, rounds: int,
                  progress: Callable[[str], None]) -> tuple[list[Figure], list[str]]:
    """Alternate undeclared and declared round trips on weft's page."""
    untyped: list[float] = []
    typed: list[float] = []
    for number in range(1, rounds + 1):
        for task, means in (("start", untyped), ("typed", typed)):
            report = await weft_system.page_task(task, settings.as_json(), settings.timeout)
            means.append(from_page_report(report).mean_ms)
        progress(f"declared channel round {number}/{rounds}: undeclared {untyped[-1]:.3f} ms, "
                 f"declared {typed[-1]:.3f} ms")
    plain, checked = statistics.median(untyped), statistics.median(typed)
    raw = statistics.median(r.renderer.mean_ms for r in raw_rounds) if raw_rounds else None
    values = {"weft": checked, **({"raw QWebChannel": raw} if raw is not None else {})}
    figures = [Figure(label="renderer→Python→renderer mean, declared handler (payload converted, result checked)",
                      values=values, unit="ms")]
    micro = conversion_microseconds()
    notes = [f"Declared channels: a round trip on a declared handler took {checked:.3f} ms against {plain:.3f} ms "
             f"undeclared on the same page ({(checked - plain) * 1000:+.1f} µs, {checked / plain:.2f}×; "
             f"medians of {rounds} alternating rounds). The conversion alone, in Python: "
             + "; ".join(f"{label} {us:.1f} µs" for label, us in micro.items()) + "."]
    return figures, notes
