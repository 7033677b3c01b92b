"""Flow control: what keeps one page from swamping the host.

* :class:`TokenBucket` — each page may send ``Limits.rate`` messages per
  second with bursts of ``Limits.burst``; the excess is refused and counted.
* :class:`Heartbeat` — how often the router pings each page's runtime and how
  long it waits for the answer before it calls the page unresponsive.
* :data:`SLICE` — how many inbound frames the router handles per event-loop
  turn, so a flood never stalls the host's other work.
"""

from __future__ import annotations

import time

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
    tokens: float = attrs.field(init=False)
    stamp: float = attrs.field(factory=time.monotonic, init=False)
    refused: int = attrs.field(default=0, init=False)
    """Messages refused so far."""

    def __attrs_post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self) -> bool:
        """Use one token; False (and counted) if none is left."""
        now = time.monotonic()
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.refused += 1
        return False
