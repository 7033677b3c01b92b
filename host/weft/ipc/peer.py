"""One page as the router sees it: its state, and the outbox of frames
waiting to be written to it.

A lone outbound frame leaves at once; the frames that follow it in the same
event-loop turn are coalesced into one batch. Frames are held while the page
is (re)loading, so a message sent before the page is ready is delivered when
it is, not lost.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any, Protocol

import attrs

from ..errors import DisconnectedError, error_to_wire
from . import bulk, codec
from .bulk import Lane
from .capabilities import Grant
from .codec import Call, Failure, Inbound, Invoke, Notice, Pong, Result, Send
from .flow import TokenBucket


class Port(Protocol):
    """Where the router writes batches for one page (the page's bridge)."""

    def write(self, batch: str) -> None: ...


@attrs.define(eq=False)
class Peer:
    """The router's view of one page."""

    window_id: str
    port: Port
    loop: asyncio.AbstractEventLoop
    """The loop the page was attached on; its flushes run there. (Qt may run
    a timer's callback between two runs of the loop, when no loop is
    "running" for asyncio.)"""
    grant: Grant | None = None
    """Set for restricted pages (plugins): the channels they may use."""
    lane: Lane | None = None
    """Its bulk lane, when it has one (see :mod:`weft.ipc.bulk`)."""
    ready: bool = False
    """The page's runtime said hello and nothing has unloaded it since."""
    generation: int = 0
    """Counts documents; an answer meant for an unloaded one is dropped."""
    outbox: list[str] = attrs.field(factory=list)
    flush_scheduled: bool = False
    pending: dict[int, asyncio.Future[Any]] = attrs.field(factory=dict)
    """Python → page calls awaiting their answer."""
    running: set[asyncio.Task[Any]] = attrs.field(factory=set)
    """Page → Python calls whose (async) handler is still running; at most
    ``Limits.max_running_calls``, cancelled when the page goes."""
    connected: asyncio.Event = attrs.field(factory=asyncio.Event)
    """Set while ready, and once detached (so waiters wake and look)."""
    bucket: TokenBucket | None = None
    """Its rate limit (made by the router from its Limits)."""
    inbox: collections.deque[Any] = attrs.field(factory=collections.deque)
    """Decoded frames waiting to be handled, in arrival order."""
    draining: bool = False
    cut_off: str | None = None
    """Why calls to it fail at once until its next document (its bridge was
    deleted)."""
    ping: tuple[int, float] | None = None
    """The heartbeat it has not answered yet: (beat, loop time sent)."""
    unresponsive: bool = False

    def fail_pending(self, reason: str) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(DisconnectedError(reason))
        self.pending.clear()

    def track(self, task: asyncio.Task[Any]) -> None:
        """Count ``task`` (a handler answering this page) as running."""
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    def cancel_running(self) -> int:
        """Cancel the handlers still answering this page (it went away);
        return how many. They stop counting against its limit at once."""
        running, self.running = self.running, set()
        for task in running:
            task.cancel()
        return len(running)

    def expected(self, frame: Inbound) -> tuple[str, int] | None:
        """What ``frame`` answers, if the host waits for it: one of its
        calls (``("call", id)``), or its heartbeat's ping (``("ping", beat)``)."""
        if isinstance(frame, (Result, Failure)) and frame.call_id in self.pending:
            return "call", frame.call_id
        if isinstance(frame, Pong) and self.ping is not None and self.ping[0] == frame.beat:
            return "ping", frame.beat
        return None

    def refuse_call(self, call: Call | None, error: Exception) -> bool:
        """Tell whoever waits on a refused call frame: the page's invoke
        fails with ``error``, and so does the Python call a refused answer
        was for. False when it was no call (nobody waits on it)."""
        if call is None:
            return False
        kind, call_id = call
        if kind == "invoke":
            self.enqueue(codec.encode_frame(Failure(call_id=call_id, error=error_to_wire(error))))
        else:
            future = self.pending.pop(call_id, None)
            if future is not None and not future.done():
                future.set_exception(error)
        return True

    def notice(self, error: Exception) -> None:
        """Tell the page about a refusal that had no call to fail."""
        self.enqueue(codec.encode_frame(Notice(error=error_to_wire(error))))

    # -- the outbox ----------------------------------------------------------

    def encode(self, frame: Send | Invoke | Result) -> str:
        """The frame's JSON, or the bulk frame standing for it (its body
        staged on this page's lane); PayloadError if it cannot be sent."""
        return bulk.encode(codec.frame_dict(frame)).for_lane(self.lane)

    def enqueue(self, encoded: str) -> None:
        self.outbox.append(encoded)
        self.schedule_flush()

    def schedule_flush(self) -> None:
        if self.ready and self.outbox and not self.flush_scheduled:
            self.flush_scheduled = True
            if len(self.outbox) == 1:
                # A lone message leaves now, so it does not wait for the
                # loop's next turn; what follows it in this turn is batched
                # by the flush scheduled below.
                batch, self.outbox = codec.join_batch(self.outbox), []
                self.port.write(batch)
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write what waits, as one batch. A page that is not ready (loading,
        or detached: detaching unreadies it for good) keeps it."""
        self.flush_scheduled = False  # a scheduled flush that finds nothing is harmless
        if not self.ready or not self.outbox:
            return
        batch, self.outbox = codec.join_batch(self.outbox), []
        self.port.write(batch)
