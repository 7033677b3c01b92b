"""The heartbeat: the router's watch over whether each page still answers.

Each :attr:`~weft.ipc.flow.Heartbeat.interval`, every ready page with no
ping waiting is sent one (its runtime answers with a pong at once). A page
that leaves its ping unanswered for :attr:`~weft.ipc.flow.Heartbeat.timeout`
seconds is reported: an ``unresponsive`` event (``{"seconds"}``) is
published, and Python's calls waiting on it fail. Its next pong publishes
``responsive``. An unload forgets the ping (see :meth:`Peer.unload`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterable, Iterator
from typing import Callable

from .events import IpcEvent, system_event
from .flow import Heartbeat
from .peer import Peer

log = logging.getLogger("weft.ipc")

Publish = Callable[[IpcEvent], None]


async def watch(
    heartbeat: Heartbeat, peers: Callable[[], Iterable[Peer]], publish: Publish, closed: Callable[[], bool]
) -> None:
    """Check ``peers()`` each interval until ``closed()``."""
    loop = asyncio.get_running_loop()
    beats = itertools.count(1)
    while not closed():
        await asyncio.sleep(heartbeat.interval)
        check(peers(), loop.time(), heartbeat.timeout, beats, publish)


def check(peers: Iterable[Peer], now: float, timeout: float, beats: Iterator[int], publish: Publish) -> None:
    """One round at loop time ``now``: ping the ready pages that have no
    ping waiting (numbered from ``beats``), report those whose ping has
    waited longer than ``timeout`` seconds."""
    for peer in peers:
        if not peer.ready:
            continue
        if peer.ping is None:
            peer.send_ping(next(beats), now)
        elif not peer.unresponsive and now - peer.ping[1] > timeout:
            seconds = round(now - peer.ping[1], 3)
            log.warning("window %s is unresponsive (no answer for %.1f s)", peer.window_id, seconds)
            peer.mark_unresponsive()
            publish(system_event(peer.window_id, "unresponsive", {"seconds": seconds}))


def on_pong(peer: Peer, beat: int, publish: Publish) -> None:
    """The page answered ping ``beat``: report it if it was unresponsive."""
    if peer.take_pong(beat):
        log.info("window %s answers again", peer.window_id)
        publish(system_event(peer.window_id, "responsive"))
