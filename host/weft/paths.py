"""Where an app keeps its files, per app id and user, by the platform's
conventions (``weft.app.paths``)::

    from weft import app

    settings = app.paths.config / "settings.json"

| | Linux (XDG) | macOS | Windows |
| --- | --- | --- | --- |
| ``data`` | ``$XDG_DATA_HOME/<id>`` (``~/.local/share``) | ``~/Library/Application Support/<id>`` | ``%APPDATA%\\<id>`` |
| ``config`` | ``$XDG_CONFIG_HOME/<id>`` (``~/.config``) | ``~/Library/Application Support/<id>/config`` | ``%APPDATA%\\<id>\\config`` |
| ``cache`` | ``$XDG_CACHE_HOME/<id>`` (``~/.cache``) | ``~/Library/Caches/<id>`` | ``%LOCALAPPDATA%\\<id>\\cache`` |
| ``logs`` | ``$XDG_STATE_HOME/<id>/logs`` (``~/.local/state``) | ``~/Library/Logs/<id>`` | ``%LOCALAPPDATA%\\<id>\\logs`` |

Each folder is made (with its parents, private to the user) the first time
it is asked for. Qt-free.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import attrs


@attrs.frozen
class AppPaths:
    """The folders of the app ``app_id`` for this user."""

    app_id: str

    @property
    def data(self) -> Path:
        """What the app keeps: documents' state, databases, its web storage."""
        return self.folder("data")

    @property
    def config(self) -> Path:
        """Settings, and the windows' remembered places."""
        return self.folder("config")

    @property
    def cache(self) -> Path:
        """What can be made again: deleting it loses nothing."""
        return self.folder("cache")

    @property
    def logs(self) -> Path:
        return self.folder("logs")

    def folder(self, kind: str, *, make: bool = True) -> Path:
        """The ``kind`` folder (``"data"``, ``"config"``, ``"cache"``,
        ``"logs"``); made now unless ``make`` is False (for a caller that
        makes it when it first writes there)."""
        where = _where(self.app_id)[kind]
        return _made(where) if make else where


def _where(app_id: str) -> dict[str, Path]:
    """The four folders of ``app_id`` on this platform (the table above)."""
    home = Path.home()
    if sys.platform == "darwin":
        library = home / "Library"
        data = library / "Application Support" / app_id
        return {"data": data, "config": data / "config", "cache": library / "Caches" / app_id,
                "logs": library / "Logs" / app_id}
    if sys.platform.startswith("win"):
        roaming = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / app_id
        local = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / app_id
        return {"data": roaming, "config": roaming / "config", "cache": local / "cache", "logs": local / "logs"}
    return {"data": _xdg("XDG_DATA_HOME", home / ".local" / "share") / app_id,
            "config": _xdg("XDG_CONFIG_HOME", home / ".config") / app_id,
            "cache": _xdg("XDG_CACHE_HOME", home / ".cache") / app_id,
            "logs": _xdg("XDG_STATE_HOME", home / ".local" / "state") / app_id / "logs"}


def _xdg(variable: str, fallback: Path) -> Path:
    value = os.environ.get(variable, "")
    # The XDG spec: a relative path in these variables is invalid, and ignored.
    return Path(value) if os.path.isabs(value) else fallback


def _made(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
