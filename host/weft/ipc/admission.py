"""Which frames a page posted the router takes on: its rate limit.

Every frame a page posts spends a token of its :class:`~weft.ipc.flow.TokenBucket`,
whatever its kind and whether or not it is well formed, so no kind of frame
is a way around the limit. A frame that finds no token left is refused
unhandled, and whoever waits on it is told at once: the page's invoke fails
with :class:`~weft.RateLimitError`, and so does the Python call a refused
answer was for (a bulk body is read only as far as its call id, see
:func:`weft.ipc.bulk.peek_call`). The router sends one notice per batch for
the rest.

Only an answer the host waits for (the first for one of its calls, or for
its ping) is taken even with no token left: the host asked for it, so the
host bounds how many there are, and refusing it would fail the host's own
call or make a busy page look hung. It still spends a token when there is
one.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import RateLimitError
from . import bulk, codec
from .bulk import BulkRef
from .codec import Inbound
from .peer import Peer


def rate_error(count: int) -> RateLimitError:
    return RateLimitError(f"{count} message(s) over this page's rate limit were refused")


def admit(peer: Peer, frames: Iterable[Inbound]) -> tuple[list[Inbound], int]:
    """The frames the page's rate limit allows, in order, and how many
    others were refused as the module docstring says."""
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
    return admitted, refused


def _refuse(peer: Peer, frame: Inbound, answered: set[tuple[str, int]]) -> None:
    call = codec.call_of(frame)
    if isinstance(frame, BulkRef):
        body = peer.lane.claim(frame.token) if peer.lane is not None else None  # freed now
        call = bulk.peek_call(frame, body) if body is not None else None
    if call is None or call[0] == "invoke":
        peer.refuse_call(call, rate_error(1))
    elif ("call", call[1]) not in answered:  # (not a repeat of an answer let in)
        peer.refuse_call(call, RateLimitError("the page's answer was refused: it is over its rate limit"))
