"""Remote sessions for ``@remote-ui/rpc`` and ``@omnicajs/vue-remote``.

weft is the "desktop main process / IPC layer" between a host window and an
isolated remote runtime (a plugin page, visible or headless)::

    session = await remote.open_session("main", plugin)   # handshake done
    ...
    reason = await session.wait_closed()                    # either side went

    pairing = await remote.open_session("main", plugin, reconnect=True)
    await plugin.restart()                                  # the plugin goes and comes back
    session = await pairing.wait_open()                     # paired again, by itself
    await pairing.close()

Both pages make their endpoint with ``fromDesktopIpc(window.runtime)`` from
``weft-runtime`` (served to every page at ``/.weft/runtime/index.js``); a host
page that outlives its sessions uses ``eachSession(window.runtime, channel,
onSession)``, which makes a fresh endpoint for each one. The session routes
that channel between the two pages only, after checking the plugin may use it
(its manifest must list the channel in both ``send`` and ``receive``) and that
both sides speak this weft's session protocol. When either side terminates,
closes, navigates, crashes or stops, the other side's endpoint is terminated
and the session released.

With ``reconnect=True`` a :class:`Pairing` opens the next session each time
the remote side comes back (see its docstring for when it stops).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal, overload

from .errors import Error, PluginStateError, ProtocolError, SessionError
from .ipc import active
from .ipc.router import Router
from .ipc.sessions import SUPPORTED_PROTOCOLS, Link, Session

if TYPE_CHECKING:
    from .plugins import Plugin

__all__ = ["DEFAULT_CHANNEL", "SUPPORTED_PROTOCOLS", "Pairing", "Session", "open_session", "open_session_on"]

log = logging.getLogger("weft.remote")

DEFAULT_CHANNEL = "vue-remote:rpc"
HELLO_PATIENCE = 10.0
"""Seconds a pairing's new session waits for both pages' hello before it
logs which page is silent (it goes on waiting)."""


@overload
async def open_session(host_window_id: str, remote: Plugin | str, *, channel: str = ..., host_channel: str | None = ...,
                       timeout: float | None = ..., reconnect: Literal[False] = ...) -> Session: ...
@overload
async def open_session(host_window_id: str, remote: Plugin | str, *, channel: str = ..., host_channel: str | None = ...,
                       timeout: float | None = ..., reconnect: Literal[True]) -> Pairing: ...
async def open_session(
    host_window_id: str,
    remote: Plugin | str,
    *,
    channel: str = DEFAULT_CHANNEL,
    host_channel: str | None = None,
    timeout: float | None = 10.0,
    reconnect: bool = False,
) -> Session | Pairing:
    """Pair a host window with a remote page (a plugin, or its window id) and
    wait for the handshake.

    ``channel`` is the remote side's channel; ``host_channel`` (default: the
    same) the host's, so one host window can hold sessions with several
    plugins on different channels. Raises :class:`weft.PermissionDeniedError`
    if the plugin may not use the channel, :class:`weft.ProtocolError` if a
    side speaks another protocol version (both sides are told why), and
    ``TimeoutError`` if a side never makes its endpoint.

    Returns the open :class:`Session`; with ``reconnect=True``, a
    :class:`Pairing` (its first session open) that opens a new session each
    time the remote side comes back after going away.
    """
    return await open_session_on(active.router(), host_window_id, remote, channel=channel,
                                 host_channel=host_channel, timeout=timeout, reconnect=reconnect)


@overload
async def open_session_on(router: Router, host_window_id: str, remote: Plugin | str, *, channel: str = ...,
                          host_channel: str | None = ..., timeout: float | None = ...,
                          reconnect: Literal[False] = ...) -> Session: ...
@overload
async def open_session_on(router: Router, host_window_id: str, remote: Plugin | str, *, channel: str = ...,
                          host_channel: str | None = ..., timeout: float | None = ...,
                          reconnect: Literal[True]) -> Pairing: ...
async def open_session_on(
    router: Router,
    host_window_id: str,
    remote: Plugin | str,
    *,
    channel: str = DEFAULT_CHANNEL,
    host_channel: str | None = None,
    timeout: float | None = 10.0,
    reconnect: bool = False,
) -> Session | Pairing:
    """:func:`open_session` on a given router (what ``Runtime.open_session`` uses)."""
    if not isinstance(remote, str) and remote.state != "running":
        raise PluginStateError(f"plugin {remote.id!r} is {remote.state}, not running: await plugin.start() "
                               "before opening a session with it")
    remote_id = remote if isinstance(remote, str) else remote.window_id
    host, far = Link(window_id=host_window_id, channel=host_channel or channel), Link(window_id=remote_id,
                                                                                      channel=channel)
    session = await _open(router, host, far, timeout)
    if not reconnect:
        return session
    return Pairing(router, session)


async def _open(router: Router, host: Link, remote: Link, timeout: float | None) -> Session:
    session = router.open_session(host, remote)
    try:
        await session.wait_open(timeout)
    except TimeoutError:
        session.close("the handshake timed out")
        raise
    return session


class Pairing:
    """A host window kept paired with a remote page across the remote's
    restarts; made by ``open_session(..., reconnect=True)``.

    When its session closes because the remote side went (its page closed,
    reloaded, navigated or crashed, its plugin stopped, or its endpoint
    terminated), the pairing waits until the remote page is back in the
    router (a plugin started again) and opens a new session on the same
    ends; the host page's ``eachSession`` endpoint and the remote's new
    ``fromDesktopIpc`` endpoint say hello, and it opens. A reload of the
    host page re-pairs the same way, with the remote page that stayed: its
    endpoints must come from ``eachSession`` too (one that stays silent is
    named in a WARNING after :data:`HELLO_PATIENCE` seconds).

    It stops (for good; :attr:`reason` says why) when:

    * the host window closes, or the host page terminates its endpoint
      (``eachSession``'s ``stop()``): the host wants no more sessions;
    * a session is refused (the sides speak different protocol versions):
      retrying would be refused again, so :meth:`wait_open` raises that
      :class:`weft.ProtocolError` from then on;
    * the app calls :meth:`close`, or closes its current session itself
      (``session.close(...)``), or the runtime shuts down.

    Between sessions :attr:`session` is None. Its watcher is one task in the
    router's tasks, ended by :meth:`close` and by the runtime's shutdown.
    """

    def __init__(self, router: Router, session: Session) -> None:
        self._router = router
        self.host, self.remote = session.host, session.remote
        self._session: Session | None = session
        self._opened = 1
        self.reason: str | None = None
        """Why it stopped; None while it pairs."""
        self._error: Error | None = None
        self._waiters: list[asyncio.Future[Session]] = []
        self._done = asyncio.get_running_loop().create_future()
        self._back = asyncio.Event()
        # A page's traffic on a channel no session holds is an ordinary
        # event: the remote's endpoint saying hello as its page comes back
        # is how we learn it is attached again (the router has no hook).
        self._unlisten = router.hub.listen(lambda _: self._back.set(),
                                           lambda event: event.window_id == self.remote.window_id)
        self._task = router.tasks.spawn(self._run(session), name=f"pairing {self.host.window_id} ↔ "
                                                                    f"{self.remote.window_id}")

    def __repr__(self) -> str:
        state = "closed" if self.reason is not None else "open" if self.session is not None else "waiting"
        return (f"<weft Pairing {state}: {self.host.window_id} ({self.host.channel}) <-> {self.remote.window_id} "
                f"({self.remote.channel}), {self._opened} sessions>")

    @property
    def session(self) -> Session | None:
        """The open session, or None between sessions (and once stopped)."""
        session = self._session
        return session if session is not None and session.state == "open" else None

    @property
    def sessions_opened(self) -> int:
        """How many sessions opened so far, the first included."""
        return self._opened

    @property
    def closed(self) -> bool:
        return self.reason is not None

    async def wait_open(self, timeout: float | None = 10.0) -> Session:
        """The open session: the current one, or the next to open.

        Raises :class:`weft.ProtocolError` if the pairing stopped on a
        refusal, :class:`weft.SessionError` if it stopped otherwise, and
        ``TimeoutError`` if no session opens within ``timeout``.
        """
        if self.session is not None:
            return self.session
        self._raise_if_stopped()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except TimeoutError:
            raise TimeoutError(f"{self!r}: no session opened within {timeout} s") from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    async def wait_closed(self) -> str:
        """Wait until the pairing stops; return why."""
        return await asyncio.shield(self._done)

    async def close(self, reason: str = "the pairing was closed") -> None:
        """Stop re-pairing and close the current session (both sides are told)."""
        if self.reason is None:
            self._stop(reason)
        if not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    # -- the watcher ---------------------------------------------------------

    def _raise_if_stopped(self) -> None:
        if self._error is not None:
            raise self._error
        if self.reason is not None:
            raise SessionError(f"the pairing of {self.host.window_id} with {self.remote.window_id} has stopped: "
                               f"{self.reason}")

    async def _run(self, session: Session) -> None:
        first = True
        try:
            while True:
                self._session = session
                try:
                    await (session.wait_open(None) if first else self._wait_open(session))
                except ProtocolError as exc:
                    if session.reason is not None and session.reason.startswith("refused"):
                        self._error = exc
                else:
                    self._opened += 0 if first else 1
                    first = False
                    for waiter in self._waiters:
                        if not waiter.done():
                            waiter.set_result(session)
                reason = await session.wait_closed()
                stop = self._stop_reason(session, reason)
                if stop is not None:
                    self._stop(stop)
                    return
                if self._router.has_window(self.remote.window_id):
                    log.info("%s: %s; pairing again", session.id, reason)
                else:
                    log.info("%s: %s; pairing again once %s is back", session.id, reason, self.remote.window_id)
                self._session = None
                while not self._router.has_window(self.remote.window_id):
                    self._back.clear()
                    await self._back.wait()
                if self._router.closed:
                    self._stop("the runtime shut down")
                    return
                try:
                    session = self._router.open_session(self.host, self.remote)
                except Error as exc:  # the plugin lost the channel, or another session took an end
                    self._error = exc
                    self._stop(f"could not pair again: {exc}")
                    return
        finally:
            if self.reason is None:  # cancelled by the runtime's shutdown
                self._stop("the runtime shut down")

    async def _wait_open(self, session: Session) -> None:
        """Wait for a session opened again; if a page stays silent for
        :data:`HELLO_PATIENCE` seconds, say which, and why that usually is."""
        try:
            await session.wait_open(HELLO_PATIENCE)
            return
        except TimeoutError:
            silent = " and ".join(f"{link.window_id} (on {link.channel!r})" for link in session.silent)
            log.warning("%s: %s said no hello within %s s of being paired again; still waiting. A page that "
                        "stays loaded while the other side comes back must make its endpoints with eachSession "
                        "(docs/plugins.md): one fromDesktopIpc endpoint ends with its first session",
                        session.id, silent or "a page", HELLO_PATIENCE)
        await session.wait_open(None)

    def _stop_reason(self, session: Session, reason: str) -> str | None:
        """Why the pairing stops after this session ended, or None to pair again."""
        if self._error is not None or session.ended_by is None:
            return reason  # refused, or closed from Python
        if self._router.closed or not self._router.has_window(self.host.window_id):
            return f"the host window is gone ({reason})"
        if session.ended_by == "host" and reason == "the host side terminated":
            return reason
        return None

    def _stop(self, reason: str) -> None:
        if self.reason is not None:
            return
        self.reason = reason
        self._unlisten()
        session, self._session = self._session, None
        if session is not None:
            session.close(reason)
        if not self._done.done():
            self._done.set_result(reason)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                try:
                    self._raise_if_stopped()
                except Error as exc:
                    waiter.set_exception(exc)
        log.info("%r stopped: %s", self, reason)
