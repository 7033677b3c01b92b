"""The router: where every message between Python and the pages passes.

It is Qt-free. The webengine layer attaches one :class:`~weft.ipc.peer.Port`
per page and feeds the router what the page posted (:meth:`Router.receive`);
the router decodes it, dispatches each frame, and offers the public API
(``send_to_window``, ``broadcast``, ``invoke``, ``handle``, the
subscriptions, sessions). The work is done by the parts it composes:

* :mod:`~weft.ipc.peer`: one page's state and outbox (batching, holding
  frames while it loads); every frame to a page leaves through ``Peer.send``;
* :mod:`~weft.ipc.admission`: the page's rate limit, which every frame spends;
* :mod:`~weft.ipc.calls`: Python's calls of pages, and the pages' calls of
  Python handlers (at most ``Limits.max_running_calls`` running per page);
* :mod:`~weft.ipc.heartbeat`: whether each page still answers;
* :mod:`~weft.ipc.sessions`: pairs of pages in a remote session;
* :mod:`~weft.ipc.subscriptions`: who hears which event;
* :mod:`~weft.ipc.capabilities`: the channels a plugin's page may use.

Each refusal is answered (a failed call, or a notice) and logged through a
:class:`~weft.ipc.refusals.RefusalLog`, which summarises floods.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any, Callable

import attrs

from ..errors import ArgumentError, Error, PayloadError, ProtocolError, RuntimeClosedError, WindowNotFoundError, WindowOptionError
from . import admission, bulk, calls, capabilities, codec, declared
from .bulk import BulkRef, Lane
from .calls import DEFAULT_INVOKE_TIMEOUT, Handler, Handlers
from .capabilities import Grant
from .codec import BadFrame, Bye, Failure, Hello, Invoke, Limits, Pong, Result, Send
from .events import IpcEvent
from .flow import Heartbeat, TokenBucket
from .heartbeat import on_pong, watch
from .peer import Peer, Port, encode
from .refusals import RefusalLog
from .sessions import Link, Session, SessionTable
from .subscriptions import DEFAULT_BOUND, Hub, Subscription
from .tasks import Tasks

log = logging.getLogger("weft.ipc")


@attrs.frozen(kw_only=True)
class BroadcastResult:
    """What :meth:`Router.broadcast` did for each window."""

    delivered: tuple[str, ...]
    """Windows the message was handed to, in the order given."""
    failed: dict[str, Error]
    """Windows it was not, with the reason (also logged as a warning)."""

    @property
    def ok(self) -> bool:
        return not self.failed


@attrs.define(eq=False)
class Router:
    """Routes frames between Python and pages; see the module docstring."""

    limits: Limits = attrs.field(factory=Limits)
    bound: int = DEFAULT_BOUND
    """Backlog bound of each subscriber."""
    clock: Callable[[], float] = attrs.field(default=time.monotonic, kw_only=True)
    """Seconds, monotonic: for rate limits and log summaries (tests inject one)."""
    tasks: Tasks = attrs.field(factory=Tasks, init=False)
    refusals: RefusalLog = attrs.field(init=False)
    hub: Hub = attrs.field(init=False)
    closed: bool = attrs.field(default=False, init=False)
    _peers: dict[str, Peer] = attrs.field(factory=dict, init=False)
    _handlers: Handlers = attrs.field(init=False)
    _declared: declared.Installer = attrs.field(init=False)
    _call_ids: Iterator[int] = attrs.field(factory=lambda: itertools.count(1), init=False)
    _inbox: Subscription | None = attrs.field(default=None, init=False)
    _sessions: SessionTable = attrs.field(init=False)
    _loop: asyncio.AbstractEventLoop | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        self.hub = Hub(self.tasks, self.bound, self.limits.max_backlog_bytes)
        self.refusals = RefusalLog(self.clock, self._call_later)
        self._handlers = Handlers(self.limits, self.tasks, self.refusals)
        self._declared = declared.Installer(self._handlers)
        self._sessions = SessionTable(self._peers, self.refusals)

    def _call_later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle | None:
        loop = self._loop
        return None if loop is None or loop.is_closed() else loop.call_later(delay, callback)

    # -- pages come and go (called by the webengine layer) ---------------

    def attach(self, window_id: str, port: Port, grant: Grant | None = None, lane: Lane | None = None) -> None:
        """Route for a new page; with a ``grant``, only its channels; with a
        ``lane``, binary and long messages take the bulk lane."""
        if window_id in self._peers:
            raise WindowOptionError(f"window id {window_id!r} is already in use")
        self._loop = self._loop or asyncio.get_running_loop()
        self._peers[window_id] = Peer(window_id, port, self._loop, grant, lane,
                                      bucket=TokenBucket(self.limits.rate, self.limits.burst, self.clock))

    def rebind(self, window_id: str, port: Port) -> None:
        """Give a page a new port (its bridge was replaced)."""
        peer = self._peers.get(window_id)
        if peer is not None:
            peer.rebind(port)

    def unload(self, window_id: str, reason: str) -> None:
        """The page's document went away (navigation, reload, crash): hold
        new frames until the next hello, fail calls it will never answer,
        and cancel the handlers still answering it."""
        peer = self._peers.get(window_id)
        if peer is not None:
            peer.unload(reason)
            self._sessions.close_for(window_id, reason)

    def detach(self, window_id: str, reason: str = "window closed") -> None:
        """The page is gone for good (closed, its plugin stopped or crashed)."""
        self._sessions.close_for(window_id, reason)
        peer = self._peers.pop(window_id, None)
        if peer is not None:
            peer.detach(reason)
            self.refusals.flush(window_id)

    def has_window(self, window_id: str) -> bool:
        return window_id in self._peers

    async def wait_ready(self, window_id: str, *, timeout: float | None = 10.0) -> None:
        """Wait until the window's page has said hello."""
        peer = self._peer(window_id)
        try:
            async with asyncio.timeout(timeout):
                await peer.wait_ready()
        except TimeoutError:
            raise TimeoutError(f"window {window_id!r}: page not ready within {timeout} s") from None

    # -- inbound -----------------------------------------------------------

    def receive(self, window_id: str, raw: Any) -> None:
        """Take what a page posted. Never raises: bad input is answered.

        Each frame (an unreadable batch counts as one) spends the page's
        rate limit; those over it are refused (see :mod:`weft.ipc.admission`)
        and one notice per batch counts them. The rest wait in the page's
        inbox and are handled in order, a slice per event-loop turn.
        """
        peer = self._peers.get(window_id)
        if peer is None or self.closed:
            log.debug("window %s posted after it was detached; ignored", window_id)
            return
        try:
            frames = codec.decode_batch(raw, self.limits)
        except ProtocolError as exc:
            admission.refuse_unreadable(peer, exc, self.refusals)
            return
        peer.take(admission.admit(peer, frames, self.refusals), self._handle)

    def _handle(self, peer: Peer, frame: Any) -> None:
        window_id = peer.window_id
        if isinstance(frame, (Send, Invoke)) and peer.grant is not None:
            denial = peer.grant.check_inbound(frame.channel)
            if denial is not None:
                error = capabilities.deny(denial, window_id, self.refusals)
                if not peer.refuse_call(codec.call_of(frame), error):
                    peer.notice(error)
                return
        if isinstance(frame, Send):
            # A session's traffic goes to its pair only, never to subscribers.
            if not self._sessions.route(peer, frame.channel, frame.payload):
                self._publish_send(peer, frame)
        elif isinstance(frame, Invoke):
            self._handlers.answer(peer, frame)
        elif isinstance(frame, (Result, Failure)):
            peer.settle(frame)
        elif isinstance(frame, Pong):
            on_pong(peer, frame.beat, self.publish)
        elif isinstance(frame, BulkRef):
            self._open_bulk(peer, frame)
        elif isinstance(frame, Hello):
            self._hello(peer)
        elif isinstance(frame, Bye):
            self.unload(window_id, "page unloaded")
        else:
            admission.refuse_bad(peer, frame, self.refusals)

    def _publish_send(self, peer: Peer, frame: Send) -> None:
        """Hand a page's message to Python's subscribers, converted first when
        its channel is declared; a payload that does not fit is refused and
        the page hears why (its ``runtime:error``)."""
        try:
            payload = declared.from_page(frame.channel, frame.payload)
        except PayloadError as exc:
            log.warning("window %s: refused a message on %r: %s", peer.window_id, frame.channel, exc)
            peer.notice(PayloadError(f"runtime.send({frame.channel!r}): {exc}"))
            return
        self.hub.publish(IpcEvent(window_id=peer.window_id, channel=frame.channel, payload=payload), frame.size)

    def publish(self, event: IpcEvent) -> None:
        """Publish an event the runtime made itself (window system events)."""
        if not self.closed:
            self.hub.publish(event)

    def _hello(self, peer: Peer) -> None:
        if peer.ready:  # a new document we were not told about
            self.unload(peer.window_id, "page reloaded")
        peer.mark_ready()
        log.info("window %s connected", peer.window_id)

    def _open_bulk(self, peer: Peer, ref: BulkRef) -> None:
        """Handle the frame a page sent on the bulk lane, in its place."""
        body = peer.lane.claim(ref.token) if peer.lane is not None else None
        try:
            if body is None:
                raise ProtocolError("no bulk body was stored under that token")
            text, parts = bulk.open_body(ref, body)
        except ProtocolError as exc:
            admission.refuse_bad(peer, BadFrame(error=exc), self.refusals)
            return
        del body  # its bytes are copied out; let the stored body go now
        self._handle(peer, codec.decode_bulk(text, parts, self.limits, size=sum(ref.sizes)))

    # -- outbound ----------------------------------------------------------

    def _peer(self, window_id: str, channel: str | None = None) -> Peer:
        """The open page ``window_id``, allowed to receive on ``channel``."""
        if self.closed:
            raise RuntimeClosedError("the runtime has shut down")
        peer = self._peers.get(window_id)
        if peer is None:
            raise WindowNotFoundError(f"no open window has id {window_id!r}")
        if channel is not None and peer.grant is not None:
            denial = peer.grant.check_outbound(channel)
            if denial is not None:
                raise capabilities.deny(denial, window_id, self.refusals)
        return peer

    async def send_to_window(self, window_id: str, channel: str, payload: Any = None) -> None:
        """Hand a message to one window (held until its page is ready)."""
        # Reserved names carry only what the runtime itself says (window
        # events, its own channels), whichever side would send on them.
        codec.check_channel(channel, from_page=True)
        peer = self._peer(window_id, channel)
        peer.send(Send(channel=channel, payload=payload))

    async def broadcast(self, window_ids: Iterable[str], channel: str, payload: Any = None) -> BroadcastResult:
        """Hand one message to several windows; report each window's outcome."""
        if isinstance(window_ids, str):
            raise ArgumentError("broadcast() takes a list of window ids, not one id")
        codec.check_channel(channel, from_page=True)
        encoded = encode(Send(channel=channel, payload=payload))  # once, for every page
        delivered: list[str] = []
        failed: dict[str, Error] = {}
        for window_id in dict.fromkeys(window_ids):
            try:
                peer = self._peer(window_id, channel)
                peer.send(encoded)
            except Error as exc:
                log.warning("broadcast on %r did not reach %r: %s", channel, window_id, exc)
                failed[window_id] = exc
            else:
                delivered.append(window_id)
        return BroadcastResult(delivered=tuple(delivered), failed=failed)

    async def invoke(
        self, window_id: str, channel: str, payload: Any = None, *, timeout: float | None = DEFAULT_INVOKE_TIMEOUT
    ) -> Any:
        """Ask a page's ``runtime.handle(channel, fn)`` and return its answer."""
        codec.check_channel(channel, from_page=True)
        return await calls.invoke(self._peer(window_id, channel), self._call_ids, channel, payload, timeout=timeout)

    def handle(self, channel: str, fn: Handler) -> Callable[[], None]:
        """Answer the pages' ``runtime.invoke(channel, ...)`` with ``fn`` (in
        place of a declared handler, and checked by its declaration)."""
        return self._declared.handle(channel, fn)

    # -- subscribers -----------------------------------------------------

    def window_events(self, *, bound: int | None = None) -> Subscription:
        return self.hub.subscribe(bound=bound)

    def window_events_for(self, window_id: str, *, bound: int | None = None) -> Subscription:
        return self.hub.subscribe(lambda event: event.window_id == window_id, bound=bound)

    def channel_events(self, channel: str, *, bound: int | None = None) -> Subscription:
        codec.check_channel(channel)
        return self.hub.subscribe(lambda event: event.channel == channel, bound=bound)

    def on_event(self, callback: Callable[[IpcEvent], Any]) -> Callable[[], None]:
        return self.hub.listen(callback)

    def on_channel(self, channel: str, callback: Callable[[Any, str], Any]) -> Callable[[], None]:
        codec.check_channel(channel)
        return self.hub.listen(
            lambda event: callback(event.payload, event.window_id), lambda event: event.channel == channel,
            shown=callback,
        )

    async def recv_window_event(self) -> IpcEvent | None:
        """The next event, or None once the runtime has shut down.

        The first call starts an inbox that keeps collecting between calls.
        """
        if self._inbox is None:
            self._inbox = self.hub.subscribe()
        try:
            return await self._inbox.next()
        except Error:
            self._inbox = None
            raise

    # -- the pages' health ---------------------------------------------------

    def start_heartbeat(self, heartbeat: Heartbeat) -> None:
        """Ping every ready page each ``interval``; report those that leave a
        ping unanswered for ``timeout`` as ``unresponsive``."""
        watching = watch(heartbeat, lambda: tuple(self._peers.values()), self.publish, lambda: self.closed)
        self.tasks.spawn(watching, name="heartbeat")

    def rate_limited(self, window_id: str) -> int:
        """How many of this page's messages its rate limit refused."""
        peer = self._peers.get(window_id)
        return peer.bucket.refused if peer is not None and peer.bucket is not None else 0

    # -- remote sessions -----------------------------------------------------

    def open_session(self, host: Link, remote: Link) -> Session:
        """Pair two pages on their channels (see :mod:`weft.ipc.sessions`).

        Each page must be open and allowed to send and receive on its
        channel; a (page, channel) belongs to at most one session.
        """
        return self._sessions.open(host, remote, self._check_link)

    def _check_link(self, link: Link) -> None:
        """Raise unless the page of ``link`` is open and may send and receive on its channel."""
        codec.check_channel(link.channel, from_page=True)
        peer = self._peer(link.window_id, link.channel)
        if peer.grant is not None:
            denial = peer.grant.check_inbound(link.channel)
            if denial is not None:
                raise capabilities.deny(denial, link.window_id, self.refusals)

    @property
    def sessions(self) -> tuple[Session, ...]:
        return self._sessions.all()

    # -- shutdown ----------------------------------------------------------

    async def shutdown(self) -> None:
        """Fail pending calls, end every iterator, stop tracked tasks."""
        if self.closed:
            return
        self.closed = True
        for window_id in tuple(self._peers):
            self.detach(window_id, "the runtime shut down")
        self.refusals.flush()
        self.hub.close()
        await self.tasks.shutdown()
