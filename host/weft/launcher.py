"""The entry point of an app that ``weft package`` froze.

The bundle holds the app's folder as ``app/``; its ``main.py`` (if any) is
frozen as the module ``main``. Flags: ``--no-sandbox`` and ``-v`` (as for
``weft``) and ``--weft-self-check`` (see :mod:`weft.selfcheck`).
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

from .errors import StartupError

SELF_CHECK = "--weft-self-check"
"""Run :mod:`weft.selfcheck` instead of the app."""
SELF_CHECK_SECOND = "--weft-self-check-second"
"""How the self-check starts this program again, as a second instance."""


def bundled_app_dir() -> Path:
    base = Path(getattr(sys, "_MEIPASS", Path(sys.argv[0]).resolve().parent))
    return base / "app"


def launch(app_module: str | None) -> int:
    """Run the bundled app (``app_module`` defines ``async def main()``, or
    None for an app that is only an ``index.html``)."""
    # What only the self-check or an index-only app uses loads only for them
    # (a frozen start pays for every import: tests/e2e/test_startup.py).
    from .app import run

    args = sys.argv[1:]
    no_sandbox = True if "--no-sandbox" in args else None
    if "-v" in args or "--verbose" in args:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if SELF_CHECK in args:
        from .selfcheck import run_self_check

        return run_self_check(no_sandbox=no_sandbox)
    if SELF_CHECK_SECOND in args:
        from .selfcheck import second_instance

        return second_instance(args[args.index(SELF_CHECK_SECOND) + 1])
    app_dir = bundled_app_dir()
    # The app's own arguments: a deep link from the desktop (Exec=... %u), files.
    own = [arg for arg in args if arg not in ("--no-sandbox", "-v", "--verbose", "--ephemeral")]
    ephemeral = "--ephemeral" in args
    if app_module is None:
        from .cli import _index_only

        return run(_index_only(app_dir), app_dir=app_dir, no_sandbox=no_sandbox, args=own, ephemeral=ephemeral)
    from .app import loading_app, under_flags

    # Made, then run: a module ending with sys.exit(weft.run(main)) stops at
    # that line (loading_app absorbs the exit), and stays the module it was.
    spec = importlib.util.find_spec(app_module)
    if spec is None or spec.loader is None:
        raise StartupError(f"the bundle has no module {app_module!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[app_module] = module
    with loading_app(app_dir) as asked:
        spec.loader.exec_module(module)
    main = asked.pop("main", None) or module.main
    return run(main, app_dir=getattr(module, "APP_DIR", app_dir), args=own,
               **under_flags(asked, no_sandbox=no_sandbox, ephemeral=ephemeral))
