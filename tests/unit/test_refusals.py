"""RefusalLog: floods of refusals as a first record, then one summary a
second per page, with a clock and a timer the test drives."""

from __future__ import annotations

import logging
from typing import Any, Callable

import pytest

from weft.ipc.refusals import RefusalLog

ipc = logging.getLogger("weft.ipc")
audit = logging.getLogger("weft.audit")


class Timers:
    """Stands in for the loop's call_later: the test fires what is due."""

    def __init__(self) -> None:
        self.waiting: list[tuple[float, Callable[[], None]]] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> Any:
        self.waiting.append((delay, callback))
        return None  # nothing to cancel: fire() runs each at most once

    def fire(self) -> None:
        waiting, self.waiting = self.waiting, []
        for _, callback in waiting:
            callback()


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Callable[[], list[logging.LogRecord]]:
    caplog.set_level(logging.WARNING, logger="weft")
    return lambda: caplog.records


def test_a_burst_is_one_record_then_one_summary(records: Callable[[], list[logging.LogRecord]]) -> None:
    clock, timers = Clock(), Timers()
    refusals = RefusalLog(clock, timers)
    for n in range(10_000):
        refusals.warn(ipc, "w", "bad frame", "window %s posted a bad frame: %s", "w", n)
    assert [(r.getMessage(), r.count) for r in records()] == [("window w posted a bad frame: 0", 1)]
    assert [delay for delay, _ in timers.waiting] == [1.0]  # one timer for the burst
    clock.now += 0.25
    timers.fire()  # the burst has stopped; its summary goes out
    assert len(records()) == 2
    summary = records()[1]
    assert summary.count == 9_999 and summary.counts == {"bad frame": 9_999}  # type: ignore[attr-defined]
    assert summary.window_id == "w"  # type: ignore[attr-defined]
    assert summary.getMessage() == ("window w: 9,999 more refusal(s) in the last 0.2 s (bad frame: 9,999); "
                                    "the latest: window w posted a bad frame: 9999")


def test_a_steady_flood_is_one_record_a_second(records: Callable[[], list[logging.LogRecord]]) -> None:
    clock = Clock()
    refusals = RefusalLog(clock)  # no timer: a summary goes out with the next refusal
    for _ in range(5 * 1024):  # 5 s of 1,024 batches a second, 3 refusals each
        refusals.warn(ipc, "w", "over the rate limit", "window %s: %d refused", "w", 3, n=3)
        clock.now += 1 / 1024
    assert len(records()) == 5  # the first, then one a second
    refusals.flush()
    assert len(records()) == 6
    assert sum(r.count for r in records()) == 5 * 1024 * 3  # type: ignore[attr-defined]


def test_pages_and_loggers_are_summarised_apart(records: Callable[[], list[logging.LogRecord]]) -> None:
    clock = Clock()
    refusals = RefusalLog(clock)
    fields = {"plugin": "p", "channel": "secret", "direction": "page → host", "reason": "not granted"}
    for _ in range(3):
        refusals.warn(ipc, "a", "bad frame", "bad frame from %s", "a")
        refusals.warn(ipc, "b", "bad frame", "bad frame from %s", "b")
        refusals.warn(audit, "a", "denied", "denied %s", "secret", extra=fields)
    assert [(r.name, r.window_id) for r in records()] == [  # type: ignore[attr-defined]
        ("weft.ipc", "a"), ("weft.ipc", "b"), ("weft.audit", "a")]
    refusals.flush("a")  # page a went away: its summaries now, b's later
    assert [(r.name, r.window_id, r.count) for r in records()[3:]] == [  # type: ignore[attr-defined]
        ("weft.ipc", "a", 2), ("weft.audit", "a", 2)]
    assert (records()[4].plugin, records()[4].channel, records()[4].direction) == ("p", "secret", "page → host")  # type: ignore[attr-defined]
    refusals.flush()
    assert [(r.window_id, r.count) for r in records()[5:]] == [("b", 2)]  # type: ignore[attr-defined]
    refusals.flush()
    assert len(records()) == 6


def test_a_refusal_after_a_quiet_second_is_logged_in_full(records: Callable[[], list[logging.LogRecord]]) -> None:
    clock = Clock()
    refusals = RefusalLog(clock)
    refusals.warn(ipc, "w", "bad frame", "first")
    clock.now += 1.5
    refusals.warn(ipc, "w", "bad frame", "second")
    assert [(r.getMessage(), r.count) for r in records()] == [("first", 1), ("second", 1)]  # type: ignore[attr-defined]


def test_a_summary_names_a_bounded_number_of_kinds(records: Callable[[], list[logging.LogRecord]]) -> None:
    refusals = RefusalLog(Clock())
    for n in range(50_001):
        refusals.warn(audit, "plugin:p", f"page → host 'channel-{n}'", "denied %s", f"channel-{n}")
    refusals.flush()
    summary = records()[-1]
    assert summary.count == 50_000  # type: ignore[attr-defined]
    assert len(summary.counts) == 11 and summary.counts["other"] == 50_000 - 10  # type: ignore[attr-defined]
    assert len(summary.getMessage()) < 1_000
