"""Third-party plugins, sandboxed: ``await plugins.load(path)``, then
``await plugin.start()`` and ``await plugin.stop()``.

A plugin is a folder with a ``plugin.toml`` (see :mod:`weft.plugins.manifest`)
and its web files. Its page runs in its own profile (off-the-record, unless
its manifest asks for ``[storage] persistent = true``: then kept, never
shared) on its own origin ``plugin://<id>/``, and may use only the channels, permissions and
remote origins its manifest grants. To the host it is a window whose id is
``plugin:<id>``: its messages arrive as ordinary IpcEvents from that id, and
``ipc.send_to_window`` / ``ipc.invoke`` reach it on its ``receive`` channels
(anything else raises :class:`weft.PermissionDeniedError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..errors import ManifestError
from ..ipc import active
from .manifest import Capabilities, Manifest, WindowSpec, parse_manifest
from .plugin import Plugin, PluginHost, PluginState

__all__ = ["Capabilities", "Manifest", "ManifestError", "Plugin", "PluginHost", "PluginState", "WindowSpec", "load"]


class _Loader(Protocol):
    app_dir: Path | None

    def load_plugin(self, manifest: Manifest) -> Plugin: ...


async def load(path: str | Path) -> Plugin:
    """Read and validate the plugin in folder ``path`` for the running
    runtime; raises :class:`weft.ManifestError` for a bad manifest. The
    plugin is not started.

    A relative ``path`` is in the app's folder (``weft.app.dir``), as a
    window's ``url`` is, whatever the working directory: a frozen app
    started from a desktop entry runs in the user's home."""
    loader: _Loader = active.current()
    folder = Path(path).expanduser()
    if not folder.is_absolute() and loader.app_dir is not None:
        folder = loader.app_dir / folder
    return loader.load_plugin(parse_manifest(folder))
