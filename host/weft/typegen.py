"""Writing an app's channel types: what ``weft types`` and ``weft dev`` share.

The app's module has been imported (its ``@ipc.handler`` / ``ipc.channel``
declarations ran); this renders them with :mod:`weft.ipc.typescript` into a
folder beside the ``runtime.d.ts`` they extend. A file is rewritten only
when its text changes, so a watcher sees no change when nothing changed.
Qt-free.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import attrs

from . import watch
from .ipc import declared
from .ipc.typescript import Declared, granted, render
from .plugins.manifest import parse_manifest

TYPES_FOLDER = "types"
APP_TYPES = "weft-app.d.ts"


@attrs.frozen
class Written:
    """One ``weft-app.d.ts`` written (or found up to date)."""

    path: Path
    channels: tuple[str, ...]
    """The declared channels it types."""
    changed: bool
    """Whether its text changed (False: it was up to date, and left alone)."""
    untyped: tuple[str, ...] = ()
    """For a plugin: channels its manifest grants that nothing declares (``unknown``)."""


def refresh(app_dir: Path) -> list[Written]:
    """What ``weft dev`` does at each start: write the app's types when it
    declares channels, and refresh each plugin's (in the app's folder) that
    ``weft types --plugin`` wrote before."""
    written = [app_types(app_dir / TYPES_FOLDER)] if declared.declarations() else []
    # The plugin folders weft dev watches (node_modules and the like left out).
    for folder in sorted(watch.plugin_folders(watch.scan(app_dir))):
        if (app_dir / folder / TYPES_FOLDER / APP_TYPES).is_file():
            written.append(plugin_types(app_dir / folder))
    return written


def app_types(folder: Path) -> Written:
    """Write every declared channel's types into ``folder``."""
    return _write(folder, [d.declared for d in declared.declarations()])


def plugin_types(plugin: Path, folder: Path | None = None) -> Written:
    """Write into ``folder`` (default: the plugin's ``types/``) the declared
    channels the plugin at ``plugin`` may use, as its ``plugin.toml`` grants
    them. A bad manifest is a :class:`weft.ManifestError`."""
    caps = parse_manifest(plugin).capabilities
    share = granted([d.declared for d in declared.declarations()], send=caps.send, receive=caps.receive)
    written = _write(folder or plugin / TYPES_FOLDER, share)
    return attrs.evolve(written, untyped=tuple(sorted((caps.send | caps.receive) - set(written.channels))))


def _write(folder: Path, found: list[Declared]) -> Written:
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    runtime = importlib.resources.files("weft.renderer_assets").joinpath("runtime.d.ts").read_text("utf-8")
    changed = _update(folder / "runtime.d.ts", runtime)
    changed = _update(folder / APP_TYPES, render(found, module_name="weft-app")) or changed
    return Written(path=folder / APP_TYPES, channels=tuple(sorted({d.channel for d in found})), changed=changed)


def _update(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it holds that already; say whether it wrote."""
    try:
        if path.read_text("utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.write_text(text, "utf-8")
    return True
