"""Remote sessions: two pages paired on a channel, routed only to each other.

A session links ``(host window, host channel)`` with ``(remote page,
channel)``. What either side sends there goes to the other side only, not to
Python's subscribers and not to any other page. Control objects
``{"$weft": kind, ...}`` run the handshake and the teardown (see
``renderer_assets/index.js`` for the adapter's half):

1. on opening, the router asks both sides to say ``hello`` (``probe``);
2. each side's ``hello`` carries the protocol version it speaks; a version
   this router does not speak refuses the session on both sides
   (``refused``, with the reason), else once both said hello both get
   ``open`` and data flows;
3. when a side terminates, closes, navigates, crashes or stops, the other
   side gets ``closed`` with the reason, and the session is released.

Data goes through the ordinary outbound path, :meth:`Peer.send` (binary
values and long messages on the bulk lane of a page that has one). A message
that cannot be delivered (sent before the session opened, or that the other
page cannot take) raises from :meth:`Session.receive`, and the sender is
told; none is dropped without a word.

The router keeps its sessions in a :class:`SessionTable`, by the (page,
channel) ends they hold: a page's message on such an end goes into its
session, and nowhere else.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Mapping
from typing import Any, Callable, Literal

import attrs

from ..errors import DisconnectedError, Error, PayloadError, ProtocolError, SessionError
from .codec import Send
from .peer import Peer
from .refusals import RefusalLog

log = logging.getLogger("weft.remote")
refusal_log = logging.getLogger("weft.ipc")
"""Where a page's undelivered message is logged, with its other refusals."""

SUPPORTED_PROTOCOLS = frozenset({1})
CONTROL = "$weft"
Side = Literal["host", "remote"]
_ids = itertools.count(1)


def is_control(payload: Any) -> bool:
    return isinstance(payload, dict) and isinstance(payload.get(CONTROL), str)


def control(kind: str, **fields: Any) -> dict[str, Any]:
    return {CONTROL: kind, **fields}


@attrs.frozen(kw_only=True)
class Link:
    """One end of a session: a page and the channel it uses."""

    window_id: str
    channel: str


def _retrieve(future: asyncio.Future[Any]) -> None:
    # Whoever awaits the future gets its error; nobody awaiting it (a
    # handshake that timed out, then closed) is no reason for asyncio to
    # report "exception was never retrieved".
    if not future.cancelled():
        future.exception()


@attrs.define(eq=False, repr=False)
class Session:
    """A pairing made by :meth:`Router.open_session`; see the module docstring."""

    host: Link
    remote: Link
    id: str = attrs.field(factory=lambda: f"session-{next(_ids)}")
    state: Literal["opening", "open", "closed"] = "opening"
    reason: str | None = None
    """Why it closed (or was refused)."""
    messages: int = 0
    """Data messages routed so far, both ways."""
    ended_by: Side | None = None
    """Which side's going closed it (its page closed, reloaded, crashed or
    stopped, or its endpoint terminated); None while it runs, and when it
    was refused or closed from Python."""
    _said_hello: set[str] = attrs.field(factory=set, init=False)
    _opened: asyncio.Future[None] = attrs.field(
        factory=lambda: asyncio.get_running_loop().create_future(), init=False)
    _closed: asyncio.Future[str] = attrs.field(
        factory=lambda: asyncio.get_running_loop().create_future(), init=False)
    _send: Callable[[Link, Any], None] | None = attrs.field(default=None, init=False)
    _release: Callable[[Session], None] | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        self._opened.add_done_callback(_retrieve)

    def __repr__(self) -> str:
        return (f"<weft Session {self.id} {self.state}: {self.host.window_id} ({self.host.channel}) <-> "
                f"{self.remote.window_id} ({self.remote.channel}), {self.messages} messages>")

    @property
    def silent(self) -> tuple[Link, ...]:
        """The ends that have not said hello (yet); none once it opened."""
        return tuple(link for side, link in (("host", self.host), ("remote", self.remote))
                     if side not in self._said_hello and self.state == "opening")

    def side_of(self, link: Link) -> Side:
        return "host" if link == self.host else "remote"

    def other(self, side: Side) -> Link:
        return self.remote if side == "host" else self.host

    # -- driven by the router ----------------------------------------------

    def start(self, send: Callable[[Link, Any], None], release: Callable[[Session], None]) -> None:
        """``send(link, payload)`` writes to a side, raising a weft.Error if
        it cannot; ``release(session)`` forgets the session once it closed."""
        self._send, self._release = send, release
        for link in (self.host, self.remote):
            send(link, control("probe", session=self.id))

    def receive(self, side: Side, payload: Any) -> None:
        """Route what ``side`` sent. Raises a weft.Error if its data cannot
        be delivered (the router tells the sender)."""
        assert self._send is not None
        if is_control(payload):
            self._on_control(side, payload)
        elif self.state == "open":
            self._send(self.other(side), payload)
            self.messages += 1
        else:
            raise ProtocolError(f"{self.id} is not open yet; the message was not delivered")

    def _tell(self, link: Link, message: dict[str, Any]) -> None:
        """Send a control message; a side that is gone has nobody to tell."""
        try:
            self._send(link, message)  # type: ignore[misc]
        except Error as exc:
            log.info("%s: could not tell %s %r: %s", self.id, link.window_id, message[CONTROL], exc)

    def _on_control(self, side: Side, message: dict[str, Any]) -> None:
        kind = message[CONTROL]
        if kind == "hello" and self.state == "opening":
            protocol = message.get("protocol")
            if protocol not in SUPPORTED_PROTOCOLS:
                self.refuse(f"the {side} side speaks protocol {protocol!r}; this weft speaks "
                            f"{sorted(SUPPORTED_PROTOCOLS)}")
                return
            self._said_hello.add(side)
            if self._said_hello == {"host", "remote"}:
                self.state = "open"
                for link in (self.host, self.remote):
                    self._tell(link, control("open", session=self.id))
                self._opened.set_result(None)
                log.info("%s open: %s ↔ %s", self.id, self.host, self.remote)
        elif kind == "terminate":
            self.close(f"the {side} side terminated", notify=(self.other(side),), ended_by=side)
        elif kind != "hello":  # (a second hello, once open, is harmless)
            raise ProtocolError(f"{self.id}: {kind!r:.40} is not a session control message; "
                                f"objects with a {CONTROL!r} key are reserved for weft")

    def refuse(self, reason: str) -> None:
        log.warning("%s refused: %s", self.id, reason)
        for link in (self.host, self.remote):
            self._tell(link, control("refused", reason=reason))
        self._finish(f"refused: {reason}")
        if not self._opened.done():
            self._opened.set_exception(ProtocolError(f"remote session refused: {reason}"))

    def close(self, reason: str, *, notify: tuple[Link, ...] | None = None, ended_by: Side | None = None) -> None:
        """End the session; tell ``notify`` (default: both sides) why.
        ``ended_by``: the side whose going ended it, if one did."""
        if self.state == "closed":
            return
        self.ended_by = ended_by
        for link in (self.host, self.remote) if notify is None else notify:
            self._tell(link, control("closed", reason=reason))
        self._finish(reason)
        if not self._opened.done():
            self._opened.set_exception(ProtocolError(f"remote session closed before it opened: {reason}"))

    def _finish(self, reason: str) -> None:
        self.state = "closed"
        self.reason = reason
        log.info("%s closed: %s", self.id, reason)
        if not self._closed.done():
            self._closed.set_result(reason)
        if self._release is not None:
            self._release(self)

    # -- awaited by the host -----------------------------------------------

    async def wait_open(self, timeout: float | None = 10.0) -> None:
        """Wait for both sides' hello; ProtocolError if refused or closed."""
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._opened)
        except TimeoutError:
            raise TimeoutError(
                f"{self.id}: no hello from {sorted({'host', 'remote'} - self._said_hello)} within {timeout} s "
                "(does that page make a fromDesktopIpc endpoint on this channel?)"
            ) from None

    async def wait_closed(self) -> str:
        """Wait until the session ends; return why."""
        return await asyncio.shield(self._closed)


@attrs.define(eq=False)
class SessionTable:
    """The open sessions, by the ends they hold; see the module docstring."""

    peers: Mapping[str, Peer]
    """The open pages by window id (the router's own table, only read here)."""
    refusals: RefusalLog
    _links: dict[Link, Session] = attrs.field(factory=dict, init=False)

    def open(self, host: Link, remote: Link, check: Callable[[Link], None]) -> Session:
        """Pair two ends; ``check(link)`` raises if a page may not take part.
        An end belongs to at most one session."""
        if host.window_id == remote.window_id:
            raise SessionError("a session pairs two different pages")
        for link in (host, remote):
            check(link)
            if link in self._links:
                raise SessionError(f"{link.window_id!r} is already in {self._links[link].id} on {link.channel!r}")
        session = Session(host=host, remote=remote)
        self._links[host] = self._links[remote] = session
        session.start(self._send, self._release)
        return session

    def route(self, peer: Peer, channel: str, payload: Any) -> bool:
        """Hand what ``peer``'s page sent on ``channel`` to the session that
        holds that end, if one does (False if none does). What the session
        cannot deliver is logged and answered to the page with a notice."""
        link = Link(window_id=peer.window_id, channel=channel)
        session = self._links.get(link)
        if session is None:
            return False
        try:
            session.receive(session.side_of(link), payload)
        except Error as exc:
            self.refusals.warn(refusal_log, peer.window_id, "undelivered session message",
                               "window %s: a message on %r in %s was not delivered: %s",
                               peer.window_id, channel, session.id, exc)
            peer.notice(exc)
        return True

    def close_for(self, window_id: str, reason: str) -> None:
        """The page ``window_id`` went away: close its sessions, telling
        the other side of each."""
        for link, session in tuple(self._links.items()):
            if link.window_id == window_id:
                side = session.side_of(link)
                session.close(f"{window_id}: {reason}", notify=(session.other(side),), ended_by=side)

    def all(self) -> tuple[Session, ...]:
        return tuple(dict.fromkeys(self._links.values()))

    def _send(self, link: Link, payload: Any) -> None:
        """Write a session message to one side, as any message to a page;
        raise if it cannot go."""
        peer = self.peers.get(link.window_id)
        if peer is None:
            raise DisconnectedError(f"window {link.window_id!r} has closed")
        try:
            peer.send(Send(channel=link.channel, payload=payload))
        except PayloadError as exc:
            raise PayloadError(f"window {link.window_id!r} cannot take this message: {exc}") from None

    def _release(self, session: Session) -> None:
        for link in (session.host, session.remote):
            if self._links.get(link) is session:
                del self._links[link]
