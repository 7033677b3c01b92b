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

from ..errors import ArgumentError, ManifestError, PermissionDeniedError
from ..ipc import active
from .manifest import Capabilities, Manifest, WindowSpec, beyond, parse_manifest
from .plugin import Plugin, PluginHost, PluginState

__all__ = ["Capabilities", "Manifest", "ManifestError", "Plugin", "PluginHost", "PluginState", "WindowSpec", "load"]


class _Loader(Protocol):
    app_dir: Path | None

    def load_plugin(self, manifest: Manifest) -> Plugin: ...


async def load(path: str | Path, *, allow: Capabilities | None = None) -> Plugin:
    """Read and validate the plugin in folder ``path`` for the running
    runtime; raises :class:`weft.ManifestError` for a bad manifest. The
    plugin is not started.

    ``allow``: the most this app gives a plugin. A manifest that asks for a
    channel, permission or origin beyond it raises
    :class:`weft.PermissionDeniedError` naming each, and nothing is loaded
    (an earlier plugin with its id stays as it was). None: the manifest's
    own grant, whatever it asks.

    A relative ``path`` is in the app's folder (``weft.app.dir``), as a
    window's ``url`` is, whatever the working directory: a frozen app
    started from a desktop entry runs in the user's home."""
    if allow is not None and not isinstance(allow, Capabilities):
        raise ArgumentError(f"allow= takes a weft.plugins.Capabilities, not {allow!r}")
    loader: _Loader = active.current()
    folder = Path(path).expanduser()
    if not folder.is_absolute() and loader.app_dir is not None:
        folder = loader.app_dir / folder
    manifest = parse_manifest(folder)
    if allow is not None and (extra := beyond(manifest.capabilities, allow)):
        asked = "; ".join(f"{field} {', '.join(map(repr, values))}" for field, values in extra.items())
        raise PermissionDeniedError(f"plugin {manifest.id!r} ({manifest.folder / 'plugin.toml'}) asks for more "
                                    f"than this app allows: {asked}")
    return loader.load_plugin(manifest)
