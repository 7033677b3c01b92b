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


def bundled_app_dir() -> Path:
    base = Path(getattr(sys, "_MEIPASS", Path(sys.argv[0]).resolve().parent))
    return base / "app"


def launch(app_module: str | None) -> int:
    """Run the bundled app (``app_module`` defines ``async def main()``, or
    None for an app that is only an ``index.html``)."""
    from .app import run
    from .cli import _index_only
    from .selfcheck import FLAG, SECOND, run_self_check, second_instance

    args = sys.argv[1:]
    no_sandbox = True if "--no-sandbox" in args else None
    if "-v" in args or "--verbose" in args:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if FLAG in args:
        return run_self_check(no_sandbox=no_sandbox)
    if SECOND in args:
        return second_instance(args[args.index(SECOND) + 1])
    app_dir = bundled_app_dir()
    # The app's own arguments: a deep link from the desktop (Exec=... %u), files.
    own = [arg for arg in args if arg not in ("--no-sandbox", "-v", "--verbose", "--ephemeral")]
    ephemeral = "--ephemeral" in args
    if app_module is None:
        return run(_index_only(app_dir), app_dir=app_dir, no_sandbox=no_sandbox, args=own, ephemeral=ephemeral)
    from .app import loading_app

    # Made, then run: a module ending with sys.exit(weft.run(main)) stops at
    # that line (loading_app absorbs the exit), and stays the module it was.
    spec = importlib.util.find_spec(app_module)
    if spec is None or spec.loader is None:
        raise StartupError(f"the bundle has no module {app_module!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[app_module] = module
    with loading_app(app_dir):
        spec.loader.exec_module(module)
    return run(module.main, app_dir=getattr(module, "APP_DIR", app_dir), no_sandbox=no_sandbox, args=own,
               ephemeral=ephemeral)
