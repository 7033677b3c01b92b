"""The one registry of the running runtime.

The module-level API (``weft.ipc``, ``weft.window``, ``weft.plugins.load``,
``weft.remote.open_session``) acts on the runtime activated here: the one
``weft.run`` made, or one a test or embedder activated. Qt-free: what is
registered is only known by the role it plays, a :class:`Host` (something
with a router); the layers above ask it for the calls they need.

One module-level slot, not a context variable: Qt's signals reach Python
outside any asyncio task, and must see the same runtime as ``main()`` does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Iterator, Protocol

from ..errors import RuntimeClosedError

if TYPE_CHECKING:
    from .router import Router


class Host(Protocol):
    """What the registry holds: a runtime, known by its router."""

    router: Router


_current: Host | None = None

NOT_RUNNING = ("no weft runtime is running: weft.ipc's calls (and weft.window's, weft.plugins.load, "
               "weft.remote.open_session) act on the running runtime, so make them in main() or later "
               "(weft.run(main) starts the runtime, then main()), or activate a weft.Runtime; "
               "to answer a channel from import time, declare its function with @weft.ipc.handler(channel)")
"""Why a module-level call failed, and where it belongs: the usual slip is
``ipc.handle(...)`` at the top of main.py, before ``weft.run(main)``."""


def running() -> Any | None:
    """The running runtime, or None."""
    return _current


def current() -> Any:
    """The running runtime (typed by the caller's own role for it)."""
    if _current is None:
        raise RuntimeClosedError(NOT_RUNNING)
    return _current


def router() -> Router:
    """The running runtime's router."""
    return current().router


@contextlib.contextmanager
def activated(host: Host) -> Iterator[None]:
    """Make ``host`` the running runtime until the block ends."""
    global _current
    previous, _current = _current, host
    try:
        yield
    finally:
        _current = previous
