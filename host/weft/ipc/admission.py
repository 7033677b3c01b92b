"""Which frames a page posted the router takes on: its rate limit; and how
it answers the frames it refuses.

Every frame a page posts spends a token of its :class:`~weft.ipc.flow.TokenBucket`,
whatever its kind and whether or not it is well formed, so no kind of frame
is a way around the limit. A frame that finds no token left is refused
unhandled, and whoever waits on it is told at once: the page's invoke fails
with :class:`~weft.RateLimitError`, and so does the Python call a refused
answer was for (a bulk body is read only as far as its call id, see
:func:`weft.ipc.bulk.peek_call`). One notice per batch counts the rest. A
batch that cannot be read at all counts as one frame.

Only an answer the host waits for (the first for one of its calls, or for
its ping) is taken even with no token left: the host asked for it, so the
host bounds how many there are, and refusing it would fail the host's own
call or make a busy page look hung. It still spends a token when there is
one.

A frame that is let in but turns out bad (malformed, or a bulk frame whose
body is missing or wrong) is refused when its turn comes, in order with
the answers to the frames around it: see :func:`refuse_bad`.

Refusals are logged through the router's
:class:`~weft.ipc.refusals.RefusalLog`, which summarises floods.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..errors import ProtocolError, RateLimitError
from . import bulk, codec
from .bulk import BulkRef
from .codec import BadFrame, Inbound
from .peer import Peer
from .refusals import RefusalLog

log = logging.getLogger("weft.ipc")


def rate_error(count: int) -> RateLimitError:
    return RateLimitError(f"{count} message(s) over this page's rate limit were refused")


def admit(peer: Peer, frames: Iterable[Inbound], refusals: RefusalLog) -> list[Inbound]:
    """The frames the page's rate limit allows, in order; the others are
    refused as the module docstring says."""
    assert peer.bucket is not None
    admitted: list[Inbound] = []
    refused = 0
    answered: set[tuple[str, int]] = set()
    for frame in frames:
        expected = peer.expected(frame)
        if expected is not None and expected not in answered:
            answered.add(expected)
            peer.bucket.spend()
        elif not peer.bucket.take():
            refused += 1
            _refuse(peer, frame, answered)
            continue
        admitted.append(frame)
    if refused:
        _rate_limited(peer, refused, refusals)
    return admitted


def refuse_unreadable(peer: Peer, error: ProtocolError, refusals: RefusalLog) -> None:
    """Answer a batch that could not be read (it spends one token)."""
    assert peer.bucket is not None
    if peer.bucket.take():
        refusals.warn(log, peer.window_id, "unreadable batch",
                      "window %s posted an unreadable batch: %s", peer.window_id, error)
        peer.notice(error)
    else:
        _rate_limited(peer, 1, refusals)


def _rate_limited(peer: Peer, refused: int, refusals: RefusalLog) -> None:
    refusals.warn(log, peer.window_id, "over the rate limit",
                  "window %s: %d messages over its rate limit refused", peer.window_id, refused, n=refused)
    peer.notice(rate_error(refused))


def _refuse(peer: Peer, frame: Inbound, answered: set[tuple[str, int]]) -> None:
    call = codec.call_of(frame)
    if isinstance(frame, BulkRef):
        body = peer.lane.claim(frame.token) if peer.lane is not None else None  # freed now
        call = bulk.peek_call(frame, body) if body is not None else None
    if call is None or call[0] == "invoke":
        peer.refuse_call(call, rate_error(1))
    elif ("call", call[1]) not in answered:  # (not a repeat of an answer let in)
        peer.refuse_call(call, RateLimitError("the page's answer was refused: it is over its rate limit"))


def refuse_bad(peer: Peer, frame: BadFrame, refusals: RefusalLog) -> None:
    """Answer a bad frame: fail the call it made or answered, else notice."""
    refusals.warn(log, peer.window_id, "bad frame", "window %s posted a bad frame: %s", peer.window_id, frame.error)
    call = codec.call_of(frame)
    error = frame.error
    if call is not None and call[0] != "invoke":
        # An answer to one of Python's calls that cannot be accepted:
        # fail that call now rather than let it wait for its timeout.
        error = ProtocolError(f"the page's answer was refused: {frame.error}")
    if not peer.refuse_call(call, error):
        peer.notice(error)
