"""One page as the router sees it: its state, and the outbox of frames
waiting to be written to it.

Every frame for a page leaves through :meth:`Peer.send`, encoded by
:func:`encode`: that is the one outbound path. A lone outbound frame leaves
at once; the frames that follow it in the same event-loop turn are
coalesced into one batch. Frames are held while the page is (re)loading, so
a message sent before the page is ready is delivered when it is, not lost.

A Peer makes its own state changes. The router tells it what happened to
its page (:meth:`~Peer.mark_ready`, :meth:`~Peer.rebind`,
:meth:`~Peer.unload`, :meth:`~Peer.detach`), what the page posted
(:meth:`~Peer.take`) and how calls and pings went; it reads the fields, it
never sets them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Iterable
from typing import Any, Callable, Protocol, Union

import attrs

from ..errors import DisconnectedError, error_from_wire, error_to_wire
from . import bulk, codec
from .bulk import Encoded, Lane
from .capabilities import Grant
from .codec import Call, Failure, Inbound, Invoke, Notice, Ping, Pong, Result, Send
from .flow import SLICE, TokenBucket

log = logging.getLogger("weft.ipc")

Outbound = Union[Send, Invoke, Result, Failure, Notice, Ping]


class Port(Protocol):
    """Where the router writes batches for one page (the page's bridge)."""

    def write(self, batch: str) -> None: ...


def encode(frame: Outbound) -> Encoded:
    """Encode a frame for any page: the one encoding of outbound frames.

    Messages, calls and answers (``Send``, ``Invoke``, ``Result``) may take
    a page's bulk lane (binary values, long JSON; see :mod:`weft.ipc.bulk`);
    what the host says on its own account (failures, notices, pings) always
    goes inline. Raises PayloadError for a payload that is not a JSON value.
    """
    if isinstance(frame, (Send, Invoke, Result)):
        return bulk.encode(codec.frame_dict(frame))
    return Encoded(codec.encode_frame(frame))


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
    bucket: TokenBucket | None = None
    """Its rate limit (made by the router from its Limits)."""
    ready: bool = attrs.field(default=False, init=False)
    """The page's runtime said hello and nothing has unloaded it since."""
    detached: bool = attrs.field(default=False, init=False)
    """The page is gone for good; the router has forgotten it."""
    generation: int = attrs.field(default=0, init=False)
    """Counts documents; an answer meant for an unloaded one is dropped."""
    outbox: list[str] = attrs.field(factory=list, init=False)
    flush_scheduled: bool = attrs.field(default=False, init=False)
    pending: dict[int, asyncio.Future[Any]] = attrs.field(factory=dict, init=False)
    """Python → page calls awaiting their answer."""
    running: set[asyncio.Task[Any]] = attrs.field(factory=set, init=False)
    """Page → Python calls whose (async) handler is still running; at most
    ``Limits.max_running_calls``, cancelled when the page goes."""
    connected: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)
    """Set while ready, and once detached (so waiters wake and look)."""
    inbox: collections.deque[Any] = attrs.field(factory=collections.deque, init=False)
    """Decoded frames waiting to be handled, in arrival order."""
    draining: bool = attrs.field(default=False, init=False)
    cut_off: str | None = attrs.field(default=None, init=False)
    """Why calls to it fail at once until its next document (its bridge was
    deleted)."""
    ping: tuple[int, float] | None = attrs.field(default=None, init=False)
    """The heartbeat it has not answered yet: (beat, loop time sent)."""
    unresponsive: bool = attrs.field(default=False, init=False)

    # -- what happens to the page --------------------------------------------

    def mark_ready(self) -> None:
        """Its runtime said hello: what waits for it leaves now."""
        self.ready = True
        self.cut_off = None
        self.connected.set()
        self._schedule_flush()

    def rebind(self, port: Port) -> None:
        """Its bridge was replaced by ``port``: calls to it fail at once
        until its next document says hello."""
        self.port = port
        self.cut_off = f"window {self.window_id!r} is cut off from the host until it reloads"

    def unload(self, reason: str) -> None:
        """Its document went away: hold new frames until the next hello,
        fail calls it will never answer, cancel the handlers answering it."""
        self.ready = False
        self.connected.clear()
        self.generation += 1
        self.ping = None
        self.unresponsive = False
        self._release(reason)

    def detach(self, reason: str) -> None:
        """It is gone for good: drop what it never took, fail and cancel
        what concerned it, and wake whoever waits for it to be ready."""
        self.detached = True
        self.ready = False
        self.connected.set()
        if self.outbox:  # held for a page that never came up; their senders returned long ago
            log.warning("window %s (%s) never took %d frame(s) held for it; dropped",
                        self.window_id, reason, len(self.outbox))
        self.outbox.clear()
        self._release(reason)

    def _release(self, reason: str) -> None:
        self._fail_pending(f"window {self.window_id!r}: {reason}")
        running, self.running = self.running, set()
        for task in running:  # they stop counting against its limit at once
            task.cancel()
        if running:
            log.info("window %s: %s; cancelled %d Python handler call(s) still answering it",
                     self.window_id, reason, len(running))
        if self.lane is not None:
            self.lane.discard()

    async def wait_ready(self) -> None:
        """Wait until its page has said hello; DisconnectedError if it is
        detached first."""
        while not self.ready:
            if self.detached:
                raise DisconnectedError(f"window {self.window_id!r} closed before its page was ready")
            await self.connected.wait()

    # -- what the page posted ------------------------------------------------

    def take(self, frames: Iterable[Inbound], handle: Callable[[Peer, Inbound], None]) -> None:
        """Queue admitted frames; ``handle(peer, frame)`` each in order, at
        most :data:`~weft.ipc.flow.SLICE` per event-loop turn."""
        self.inbox.extend(frames)
        if not self.draining:
            self._drain(handle)

    def _drain(self, handle: Callable[[Peer, Inbound], None]) -> None:
        self.draining = False
        if self.detached:
            return
        # Answers made while handling leave with the flush below, in this
        # turn: marked as scheduled, so sending them asks the loop for
        # nothing more (a qasync callback costs a Qt timer event).
        self.flush_scheduled = True
        try:
            for _ in range(min(SLICE, len(self.inbox))):
                handle(self, self.inbox.popleft())
        finally:
            if self.inbox:
                self.draining = True
                self.loop.call_soon(self._drain, handle)
            self._flush()  # answers from sync handlers leave in this turn

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
            self.send(Failure(call_id=call_id, error=error_to_wire(error)))
        else:
            future = self.pending.pop(call_id, None)
            if future is not None and not future.done():
                future.set_exception(error)
        return True

    def notice(self, error: Exception) -> None:
        """Tell the page about a refusal that had no call to fail."""
        self.send(Notice(error=error_to_wire(error)))

    # -- calls -----------------------------------------------------------------

    def start_call(self, call_id: int) -> asyncio.Future[Any]:
        """Wait for the page's answer to Python's call ``call_id``."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[call_id] = future
        return future

    def end_call(self, call_id: int) -> None:
        """Stop waiting for call ``call_id`` (answered, failed or given up)."""
        self.pending.pop(call_id, None)

    def settle(self, frame: Result | Failure) -> None:
        """The page answered one of Python's calls."""
        future = self.pending.pop(frame.call_id, None)
        if future is None or future.done():
            log.debug("window %s answered call %d, which no longer waits", self.window_id, frame.call_id)
        elif isinstance(frame, Result):
            future.set_result(frame.value)
        else:
            future.set_exception(error_from_wire(frame.error))

    def _fail_pending(self, reason: str) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(DisconnectedError(reason))
        self.pending.clear()

    def track(self, task: asyncio.Task[Any]) -> None:
        """Count ``task`` (a handler answering this page) as running."""
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    def current(self, generation: int) -> bool:
        """Whether the document of ``generation`` is still this page's (an
        answer for any other has nobody waiting for it)."""
        return not self.detached and self.generation == generation

    # -- the heartbeat ---------------------------------------------------------

    def send_ping(self, beat: int, now: float) -> None:
        """Ping the page's runtime (``now``: the loop's time)."""
        self.ping = (beat, now)
        self.send(Ping(beat=beat))

    def mark_unresponsive(self) -> None:
        """It left its ping unanswered too long: Python's calls waiting on
        it fail now."""
        self.unresponsive = True
        self._fail_pending(f"window {self.window_id!r} is unresponsive")

    def take_pong(self, beat: int) -> bool:
        """The page answered ping ``beat``; True if it was unresponsive until
        now. A pong for no ping it was sent changes nothing."""
        if self.ping is None or self.ping[0] != beat:
            return False
        self.ping = None
        was_unresponsive, self.unresponsive = self.unresponsive, False
        return was_unresponsive

    # -- the outbox ------------------------------------------------------------

    def send(self, frame: Outbound | Encoded) -> None:
        """Queue a frame for the page (an :class:`~weft.ipc.bulk.Encoded`
        one from :func:`encode`, for a frame sent to many pages): its JSON,
        or the bulk frame standing for it with its body staged on this
        page's lane. Raises PayloadError, and queues nothing, if the page
        cannot take it."""
        encoded = frame if isinstance(frame, Encoded) else encode(frame)
        self.outbox.append(encoded.for_lane(self.lane))
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self.ready and self.outbox and not self.flush_scheduled:
            self.flush_scheduled = True
            if len(self.outbox) == 1:
                # A lone message leaves now, so it does not wait for the
                # loop's next turn; what follows it in this turn is batched
                # by the flush scheduled below.
                batch, self.outbox = codec.join_batch(self.outbox), []
                self.port.write(batch)
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Write what waits, as one batch. A page that is not ready (loading,
        or detached: detaching unreadies it for good) keeps it."""
        self.flush_scheduled = False  # a scheduled flush that finds nothing is harmless
        if not self.ready or not self.outbox:
            return
        batch, self.outbox = codec.join_batch(self.outbox), []
        self.port.write(batch)
