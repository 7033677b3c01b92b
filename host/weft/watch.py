"""Which files of an app folder changed, and what that asks of ``weft dev``.

Polling, not the OS's file events: a scan of an app folder takes a
millisecond or two, works the same on every platform and file system
(network shares, containers' bind mounts, editors that save by renaming), and
needs no dependency. Qt-free.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

import attrs

#: Folders never watched: what tools write (as ``weft package`` skips them).
#: Hidden ones (``.git``, ``.venv``) are skipped too.
SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules", "dist", "build"})
#: Top-level folders never watched: an app's tests are not the app.
SKIPPED_TOP = frozenset({"tests"})
#: Files whose change restarts the app's Python side; any other file is a
#: web file, whose change reloads its windows. A plugin's files restart the
#: app too: the app's Python loads and starts the plugin.
RESTART_SUFFIXES = frozenset({".py"})
RESTART_NAMES = frozenset({"weft.toml"})
PLUGIN_MANIFEST = "plugin.toml"


class Action(enum.Enum):
    RELOAD = "reload"
    """Web files changed: reload the windows."""
    RESTART = "restart"
    """Python (or the app's configuration) changed: start the app again."""


@attrs.frozen(kw_only=True)
class Change:
    """What one scan found changed since the one before."""

    paths: tuple[str, ...]
    """The changed, added or removed files, relative to the folder, sorted."""
    action: Action
    """What they ask for: a restart if any of them is Python."""

    @property
    def label(self) -> str:
        """The paths for a person: ``index.html``, or ``index.html and 2 more``."""
        first = self.paths[0]
        return first if len(self.paths) == 1 else f"{first} and {len(self.paths) - 1} more"


def ignored(name: str) -> bool:
    """Editor and tool litter: hidden files (``.index.html.swp``), backups
    (``main.py~``), auto-saves (``#main.py#``) and byte code; and TypeScript
    declarations (``weft-app.d.ts``, which weft dev itself writes), which no
    page loads."""
    return name.startswith((".", "#")) or name.endswith(("~", ".pyc", ".d.ts"))


def action_for(relative: str, plugins: frozenset[str] = frozenset()) -> Action:
    """What a change of this file (``/``-separated, relative) asks for;
    ``plugins`` are the plugin folders (relative, ``""`` for the app's own)."""
    folder, _, name = relative.rpartition("/")
    if name in RESTART_NAMES or os.path.splitext(name)[1] in RESTART_SUFFIXES:
        return Action.RESTART
    parts = folder.split("/") if folder else []
    if any("/".join(parts[:depth]) in plugins for depth in range(len(parts) + 1)):
        return Action.RESTART
    return Action.RELOAD


def plugin_folders(snapshot: Snapshot) -> frozenset[str]:
    """The folders holding a plugin's manifest."""
    return frozenset(path.rpartition("/")[0] for path in snapshot if path.rpartition("/")[2] == PLUGIN_MANIFEST)


Snapshot = dict[str, tuple[int, int, int]]
"""Relative path -> (modification time in ns, size, inode): an editor that
saves by renaming a new file over the old one changes the inode."""


def scan(folder: Path) -> Snapshot:
    """Every watched file under ``folder``, with its time and size."""
    found: Snapshot = {}
    pending = [(str(folder), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:  # removed meanwhile, or unreadable: nothing to watch there
            continue
        for entry in entries:
            if ignored(entry.name):
                continue
            relative = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    skipped = SKIPPED_TOP if not prefix else frozenset()
                    if entry.name not in SKIPPED_FOLDERS and entry.name not in skipped:
                        pending.append((entry.path, relative + "/"))
                elif entry.is_file():
                    stat = entry.stat()
                    found[relative] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            except OSError:
                continue
    return found


@attrs.define(eq=False)
class Watcher:
    """Compares each scan of ``folder`` with the one before."""

    folder: Path
    """The app folder."""
    _last: Snapshot = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._last = scan(self.folder)

    def poll(self) -> Change | None:
        """What changed since the last poll (or since the watcher was made)."""
        now, before = scan(self.folder), self._last
        self._last = now
        paths = sorted(path for path in now.keys() | before.keys() if now.get(path) != before.get(path))
        if not paths:
            return None
        plugins = plugin_folders(now) | plugin_folders(before)
        restart = any(action_for(path, plugins) is Action.RESTART for path in paths)
        return Change(paths=tuple(paths), action=Action.RESTART if restart else Action.RELOAD)
