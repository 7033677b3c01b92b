"""A loaded plugin and its lifecycle: start, stop, restart, crash."""

from __future__ import annotations

import asyncio
import enum
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import attrs

from ..errors import PluginStateError, RuntimeClosedError
from ..ipc.router import Router
from .manifest import Manifest

if TYPE_CHECKING:
    from ..webengine.sandbox import PluginSandbox

log = logging.getLogger("weft.plugins")


class PluginState(enum.StrEnum):
    """A plugin's state; prints (and compares equal) as its value: ``running``."""

    LOADED = "loaded"
    """Validated, never started."""
    RUNNING = "running"
    STOPPED = "stopped"
    """Stopped by the host, or its window was closed."""
    CRASHED = "crashed"
    """Its renderer process died; :meth:`Plugin.start` starts it afresh."""


@attrs.frozen(kw_only=True)
class PluginHost:
    """What a plugin needs of the runtime that loaded it."""

    router: Router
    ensure_open: Callable[[], None]
    """Raises :class:`weft.RuntimeClosedError` once the runtime has shut down."""
    start_watching: Callable[[], None]
    """Starts the heartbeat that watches pages for hangs (once)."""
    loaded: Callable[[str], Plugin | None] = lambda plugin_id: None
    """The plugin loaded last with this id (a later load replaces an earlier one)."""
    storage: Path | None = None
    """Where plugins whose manifest asks for ``[storage] persistent = true``
    keep their profiles, one folder per plugin id (None: nowhere, so they run
    off-the-record)."""


class Plugin:
    """One plugin of a runtime. Made by :func:`weft.plugins.load`."""

    def __init__(self, manifest: Manifest, host: PluginHost) -> None:
        self.manifest = manifest
        self._host = host
        self._sandbox: PluginSandbox | None = None
        self._releasing: asyncio.Task[None] | None = None
        self._warned = False
        self.state = PluginState.LOADED

    def __repr__(self) -> str:
        return f"<weft.Plugin {self.id!r} {self.state.value}>"

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def window_id(self) -> str:
        """Its id in ``weft.ipc``: ``"plugin:<id>"``."""
        return f"plugin:{self.manifest.id}"

    @property
    def blocked_requests(self) -> int:
        """Requests its page made that were blocked (this run): by the
        request lock, or by its Content-Security-Policy before they left."""
        return self._sandbox.blocked if self._sandbox is not None else 0

    @property
    def storage(self) -> Path | None:
        """The folder its pages keep their data in across runs:
        ``<plugin storage>/<id>`` when its manifest asks for persistent
        storage and the runtime has a plugin storage folder; else None (an
        off-the-record profile, emptied when it stops)."""
        if not self.manifest.storage.persistent or self._host.storage is None:
            return None
        return self._host.storage / self.manifest.id

    async def start(self, *, x: int | None = None, y: int | None = None) -> None:
        """Make its page, in its own profile; a running plugin is left as is.

        ``x``, ``y`` place a visible plugin's window (the host decides where
        plugins appear). Returns once the page exists; messages sent to it
        meanwhile are delivered when its runtime is up (see :meth:`wait_ready`).
        """
        if self.state is PluginState.RUNNING:
            return
        latest = self._host.loaded(self.id)
        if latest is not self:
            raise PluginStateError(f"plugin {self.id!r} from {self.manifest.folder} was replaced by a later "
                                   f"plugins.load() of the same id (from {latest.manifest.folder if latest else '?'}); "
                                   "start the plugin that load returned")
        await self._finish_release()
        from ..webengine.sandbox import PluginSandbox

        self._host.ensure_open()
        self._host.start_watching()
        storage = self.storage
        if self.manifest.storage.persistent and storage is None and not self._warned:
            self._warned = True
            log.warning("plugin %s asks for persistent storage, but this runtime has no plugin storage folder "
                        "(Runtime(plugin_storage=...)); it runs off-the-record and keeps nothing", self.id)
        self._sandbox = PluginSandbox(self.manifest, self._host.router, self._host.router.publish, self._on_ended,
                                      storage)
        if "notifications" in self.manifest.capabilities.permissions:  # granted: its pages' show as the app's do
            from .. import notifications

            notifications.attach(self._sandbox.profile)
        if self._sandbox.view is not None and x is not None and y is not None:
            self._sandbox.view.move(x, y)
        self.state = PluginState.RUNNING
        log.info("plugin %s started", self.id)

    async def stop(self) -> None:
        """Close its page and release everything it held: pending calls fail,
        the host sees one ``close`` event, the page goes, then its profile."""
        if self._sandbox is not None and self.state is PluginState.RUNNING:
            self._sandbox.end("stopped")
        await self._finish_release()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def wait_ready(self, timeout: float | None = 10.0) -> None:
        """Wait until its page's runtime is connected."""
        if self.state is not PluginState.RUNNING:
            raise RuntimeClosedError(f"plugin {self.id!r} is {self.state.value}")
        await self._host.router.wait_ready(self.window_id, timeout=timeout)

    async def evaluate(self, source: str, *, timeout: float = 10.0) -> Any:
        """Run JavaScript in its page and return the (JSON) value; for tests
        and tools, like :meth:`weft.Window.evaluate`."""
        if self._sandbox is None:
            raise RuntimeClosedError(f"plugin {self.id!r} is {self.state.value}")
        return await self._sandbox.page.evaluate(source, timeout=timeout)

    def _on_ended(self, reason: str, payload: dict[str, Any]) -> None:
        self.state = PluginState.CRASHED if reason == "crashed" else PluginState.STOPPED
        if reason == "crashed":
            log.error("plugin %s crashed: %s", self.id, payload)
        sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            # Released on the loop, not inside the Qt signal that told us.
            self._releasing = asyncio.get_running_loop().create_task(sandbox.release())

    async def _finish_release(self) -> None:
        releasing, self._releasing = self._releasing, None
        if releasing is not None:
            await releasing
