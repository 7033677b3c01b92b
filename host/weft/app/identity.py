"""Who the running app is, and where its folder is: ``weft.app.id``,
``.name``, ``.version``, ``.dir`` and ``.paths``.

``weft.run`` settles it from the app's ``weft.toml`` and its own keywords
before ``main()`` starts. Asked before that (or in a process that never
calls ``weft.run``, such as a test), it is what the app folder's
``weft.toml`` says, read once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import appconfig
from ..appconfig import AppConfig
from ..ipc import active
from ..paths import AppPaths

_settled: AppConfig | None = None
"""The config ``weft.run`` settled on."""
_declared_dir: Path | None = None
"""The app folder, as ``weft run`` or a frozen app's launcher knows it."""
_read: dict[Path, AppConfig] = {}
"""weft.toml files read before weft.run settled, by folder."""


def declare_folder(folder: Path) -> None:
    """``weft run`` or the launcher knows the app's folder."""
    global _declared_dir
    _declared_dir = folder


def config_folder(app_dir: Path | None) -> Path:
    """Where ``weft.run`` reads ``weft.toml``: the folder ``weft run`` or the
    launcher was given, if it has one (an app whose ``main`` serves another
    folder, as the demo does), else ``app_dir``, else the working folder."""
    if _declared_dir is not None and (_declared_dir / appconfig.CONFIG_NAME).is_file():
        return _declared_dir
    return app_dir if app_dir is not None else Path.cwd()


def settle(config: AppConfig) -> None:
    """``weft.run`` decided who the app is, for the rest of the process."""
    global _settled
    _settled = config


def folder() -> Path:
    """The app's folder (what ``app://`` serves), from source, under ``weft
    run`` and frozen alike."""
    running = active.running()
    if running is not None and getattr(running, "app_dir", None) is not None:
        return running.app_dir  # type: ignore[no-any-return]
    if _declared_dir is not None:
        return _declared_dir
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "app"
    script = getattr(sys.modules.get("__main__"), "__file__", None)
    return Path(script).resolve().parent if script else Path.cwd()


def config() -> AppConfig:
    """Who the app is: as settled by ``weft.run``, else its folder's weft.toml."""
    if _settled is not None:
        return _settled
    where = folder()
    if where not in _read:
        _read[where] = appconfig.load(where)
    return _read[where]


def paths() -> AppPaths:
    return AppPaths(config().id)
