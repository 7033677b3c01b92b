"""Flow control: what keeps one page from swamping the host.

* :class:`TokenBucket` — each page may post ``Limits.rate`` frames per
  second with bursts of ``Limits.burst``; the excess is refused and counted.
  Every frame spends a token, whatever its kind and whether or not it is
  well formed (see :mod:`weft.ipc.admission`).
* :class:`Heartbeat` — how often the router pings each page's runtime and how
  long it waits for the answer before it calls the page unresponsive (see
  :mod:`weft.ipc.heartbeat`).
* :data:`SLICE` — how many inbound frames the router handles per event-loop
  turn, so a flood never stalls the host's other work.
"""

from __future__ import annotations

import time
from typing import Callable

import attrs

SLICE = 1_000


@attrs.frozen(kw_only=True)
class Heartbeat:
    """A page that leaves a ping unanswered for ``timeout`` seconds is
    reported ``unresponsive``: detected within ``interval + timeout``."""

    interval: float = 1.0
    timeout: float = 5.0


@attrs.define(eq=False)
class TokenBucket:
    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    """Seconds, monotonic (injected by tests)."""
    tokens: float = attrs.field(init=False)
    stamp: float = attrs.field(init=False)
    refused: int = attrs.field(default=0, init=False)
    """Frames refused so far."""

    def __attrs_post_init__(self) -> None:
        self.tokens = float(self.burst)
        self.stamp = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self) -> bool:
        """Use one token; False (and counted) if none is left."""
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.refused += 1
        return False

    def spend(self) -> None:
        """Use one token if one is left, for a frame that is never refused
        (an answer the host asked for); it still leaves less for the rest."""
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
