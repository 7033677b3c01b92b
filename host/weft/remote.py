"""Remote sessions for ``@remote-ui/rpc`` and ``@omnicajs/vue-remote``.

weft is the "desktop main process / IPC layer" between a host window and an
isolated remote runtime (a plugin page, visible or headless)::

    session = await remote.open_session("main", plugin)   # handshake done
    ...
    reason = await session.wait_closed()                    # either side went

Both pages make their endpoint with ``fromDesktopIpc(window.runtime)`` from
``weft-runtime`` (served to every page at ``/.weft/runtime/index.js``). The
session routes that channel between the two pages only, after checking the
plugin may use it (its manifest must list the channel in both ``send`` and
``receive``) and that both sides speak this weft's session protocol. When
either side terminates, closes, navigates, crashes or stops, the other side's
endpoint is terminated and the session released.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ipc import active
from .ipc.router import Router
from .ipc.sessions import SUPPORTED_PROTOCOLS, Link, Session

if TYPE_CHECKING:
    from .plugins import Plugin

__all__ = ["DEFAULT_CHANNEL", "SUPPORTED_PROTOCOLS", "Session", "open_session", "open_session_on"]

DEFAULT_CHANNEL = "vue-remote:rpc"


async def open_session(
    host_window_id: str,
    remote: Plugin | str,
    *,
    channel: str = DEFAULT_CHANNEL,
    host_channel: str | None = None,
    timeout: float | None = 10.0,
) -> Session:
    """Pair a host window with a remote page (a plugin, or its window id) and
    wait for the handshake.

    ``channel`` is the remote side's channel; ``host_channel`` (default: the
    same) the host's, so one host window can hold sessions with several
    plugins on different channels. Raises :class:`weft.PermissionDeniedError`
    if the plugin may not use the channel, :class:`weft.ProtocolError` if a
    side speaks another protocol version (both sides are told why), and
    ``TimeoutError`` if a side never makes its endpoint.
    """
    return await open_session_on(active.router(), host_window_id, remote, channel=channel,
                                 host_channel=host_channel, timeout=timeout)


async def open_session_on(
    router: Router,
    host_window_id: str,
    remote: Plugin | str,
    *,
    channel: str = DEFAULT_CHANNEL,
    host_channel: str | None = None,
    timeout: float | None = 10.0,
) -> Session:
    """:func:`open_session` on a given router (what ``Runtime.open_session`` uses)."""
    remote_id = remote if isinstance(remote, str) else remote.window_id
    session = router.open_session(
        Link(window_id=host_window_id, channel=host_channel or channel), Link(window_id=remote_id, channel=channel)
    )
    try:
        await session.wait_open(timeout)
    except TimeoutError:
        session.close("the handshake timed out")
        raise
    return session
