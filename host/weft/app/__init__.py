"""``weft.app``: the running app: who it is, where its files go, and how it
starts and ends::

    import weft
    from weft import app

    async def main() -> None:
        print(app.id, app.name, app.version)   # from weft.toml
        notes = app.paths.data / "notes.db"    # per app and user, made on first use
        ...

    weft.run(main)

- ``app.id``, ``app.name``, ``app.version``: from the app folder's
  ``weft.toml`` (see :mod:`weft.appconfig`), as ``weft.run``'s keywords and
  the command's flags leave them.
- ``app.args``: the app's own command-line arguments, a tuple of str: what
  followed the app on ``python main.py ...``, ``weft run PATH ...``,
  ``weft dev PATH ...`` or the frozen app's command line, without the
  program's name and weft's own flags (``--no-sandbox``, ``-v``), in the
  shape :func:`on_second_instance` hands over a later launch's. ``()``
  outside ``weft.run`` (under ``weft.testing``, say).
- ``app.dir``: the app's folder (what ``app://`` serves), from source, under
  ``weft run`` and frozen alike.
- ``app.paths``: ``.data``, ``.config``, ``.cache``, ``.logs``
  (:class:`weft.paths.AppPaths`).
- :func:`quit`, :func:`on_second_instance`, :func:`on_open_url`: see
  :mod:`weft.app.lifecycle`.
- :func:`set_autostart` and ``app.autostart``: start at login (see
  :mod:`weft.app.login`).

:func:`run` starts an app; :func:`prepare`, :func:`application` and
:func:`event_loop` are its steps for embedders and tests that make their
own loop.
"""

from __future__ import annotations

from typing import Any

from .lifecycle import on_open_url, on_second_instance, quit
from .process import (
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    application,
    event_loop,
    loading_app,
    prepare,
    release_desktop,
    run,
    serve,
    under_flags,
)

__all__ = ["EXIT_INTERRUPTED", "EXIT_REFUSED", "application", "event_loop", "loading_app", "on_open_url",
           "on_second_instance", "prepare", "quit", "release_desktop", "run", "serve", "set_autostart",
           "under_flags"]


def __getattr__(name: str) -> Any:
    # Read when asked: weft.run settles them as it starts.
    from . import identity

    if name == "set_autostart":  # imported when used: most apps never start at login
        from .login import set_autostart

        return set_autostart
    if name == "dir":
        return identity.folder()
    if name == "args":
        from .lifecycle import args

        return args()
    if name in ("id", "name", "version"):
        return getattr(identity.config(), name)
    if name == "paths":
        return identity.paths()
    if name == "autostart":
        from .login import is_enabled

        return is_enabled()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
