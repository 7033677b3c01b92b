"""Refusals a page provokes, logged without flooding the log.

A hostile page can provoke a refusal with every frame it posts (tens of
thousands a second: frames over its rate limit, denied channels, bad frames).
Each one is answered, but a log line for each would bury the log and cost
more than the refusal. So, per page and per logger, the first refusal is
logged in full; the ones that follow within ``interval`` seconds are only
counted, and one summary record says how many there were, by kind, with the
fields of the latest (its audit fields ``plugin``, ``channel``,
``direction``, ``reason`` for the ``weft.audit`` trail). A steady flood
makes one record per page per second on each logger.

Every record carries ``window_id`` and ``count`` (how many refusals it
stands for: 1 for a first record) as extra fields.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Any, Callable

import attrs

Schedule = Callable[[float, Callable[[], None]], "asyncio.TimerHandle | None"]
MAX_KINDS = 10
"""Kinds a summary counts apart; the rest are counted as "other" (a page
denied on 50,000 channel names does not make a 50,000-part summary)."""


@attrs.define(eq=False)
class _Tally:
    """Refusals of one page on one logger since its last record."""

    logger: logging.Logger
    window_id: str
    since: float
    """Clock time of the last record."""
    counts: collections.Counter[str] = attrs.field(factory=collections.Counter)
    """Refusals not logged yet, by kind."""
    latest: tuple[str, tuple[Any, ...], dict[str, Any]] | None = None
    """The latest of them: message, arguments, extra fields."""
    scheduled: bool = False
    """A summary is scheduled (``timer`` is its handle, if one was given)."""
    timer: asyncio.TimerHandle | None = None


@attrs.define(eq=False)
class RefusalLog:
    """Logs refusals as described in the module docstring."""

    clock: Callable[[], float] = time.monotonic
    """Seconds, monotonic (injected by tests)."""
    schedule: Schedule | None = None
    """``schedule(delay, callback)`` runs the summary of a burst that has
    stopped (the router passes its loop's ``call_later``); without it, a
    summary waits for the page's next refusal or for :meth:`flush`."""
    interval: float = 1.0
    _tallies: dict[tuple[str, str], _Tally] = attrs.field(factory=dict, init=False)

    def warn(
        self, logger: logging.Logger, window_id: str, kind: str, msg: str, *args: Any,
        extra: dict[str, Any] | None = None, exc_info: BaseException | None = None, n: int = 1,
        group: str = "",
    ) -> None:
        """Log ``n`` refusals of ``window_id``'s (a WARNING on ``logger``),
        or count them for the next summary; ``kind`` names them there.
        Refusals of different ``group`` s are tallied apart (each has its
        own first record)."""
        extra = {**(extra or {}), "window_id": window_id}
        now = self.clock()
        key = (logger.name, window_id, group)
        tally = self._tallies.get(key)
        if tally is None or (not tally.counts and now - tally.since >= self.interval):
            logger.warning(msg, *args, extra={**extra, "count": n}, exc_info=exc_info, stacklevel=2)
            self._tallies[key] = _Tally(logger, window_id, now)
            return
        if kind not in tally.counts and len(tally.counts) >= MAX_KINDS:
            kind = "other"
        tally.counts[kind] += n
        tally.latest = (msg, args, extra)
        if now - tally.since >= self.interval:
            self._summarise(tally)
        elif not tally.scheduled and self.schedule is not None:
            tally.scheduled = True
            tally.timer = self.schedule(self.interval - (now - tally.since), lambda: self._summarise(tally))

    def flush(self, window_id: str | None = None) -> None:
        """Log the summaries still waiting (of one page, or of all), and
        forget those pages: a page that went away gets its summary now."""
        for key, tally in tuple(self._tallies.items()):
            if window_id is None or tally.window_id == window_id:
                self._summarise(tally)
                del self._tallies[key]

    def _summarise(self, tally: _Tally) -> None:
        if tally.timer is not None:
            tally.timer.cancel()
        tally.scheduled, tally.timer = False, None
        if not tally.counts or tally.latest is None:
            return
        now = self.clock()
        count = sum(tally.counts.values())
        kinds = ", ".join(f"{kind}: {n:,}" for kind, n in tally.counts.most_common())
        msg, args, extra = tally.latest
        tally.logger.warning(
            "window %s: %s more refusal(s) in the last %.1f s (%s); the latest: " + msg,
            tally.window_id, f"{count:,}", now - tally.since, kinds, *args,
            extra={**extra, "count": count, "counts": dict(tally.counts)},
        )
        tally.counts.clear()
        tally.latest = None
        tally.since = now
