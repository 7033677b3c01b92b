"""The ``weft`` command: ``weft demo``, ``weft run PATH``, ``weft types PATH`` and friends."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import logging
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

from . import __version__
from .errors import Error

MainFn = Callable[[], Awaitable[Any]]


class UsageError(Error):
    """What the user asked the command to run cannot be run."""


def _load_main(path: Path) -> tuple[MainFn, Path, dict[str, Any]]:
    """Find ``async def main()`` in an app file or folder.

    A folder runs its ``main.py``; a folder with only ``index.html`` opens it
    in one window.
    """
    path = path.expanduser()
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    if path.is_dir():
        app_dir = path.resolve()
        script = app_dir / "main.py"
        if not script.is_file():
            if (app_dir / "index.html").is_file():
                return _index_only(app_dir), app_dir, {}
            raise UsageError(f"{path}: a weft app folder has a main.py (with async def main()) or an index.html")
    elif path.suffix == ".py":
        script = path.resolve()
        app_dir = script.parent
    else:
        raise UsageError(f"{path}: give an app folder or a .py file")
    spec = importlib.util.spec_from_file_location("__weft_app__", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # In sys.modules, as an imported module is: dataclasses and typing look
    # up the module of a class there (hints written as strings, with
    # `from __future__ import annotations`, resolve in its namespace).
    sys.modules[spec.name] = module
    sys.path.insert(0, str(app_dir))
    from .app import loading_app

    with loading_app(app_dir) as asked:
        spec.loader.exec_module(module)
    main = asked.pop("main", None) or getattr(module, "main", None)
    if not inspect.iscoroutinefunction(main):
        raise UsageError(f"{script}: define `async def main()`; weft runs it")
    return main, app_dir, asked


def _index_only(app_dir: Path) -> MainFn:
    from . import window

    async def main() -> None:
        await window.create_window(title=app_dir.name, url="app://index.html")

    return main


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="weft", description="A Python desktop runtime.")
    parser.add_argument("--version", action="version", version=f"weft {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--no-sandbox",
        action="store_true",
        default=None,
        help="run web content without Chromium's sandbox (required as root; says so when used)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log what weft does")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("demo", parents=[common], help="run the demo app shipped with weft")
    run = commands.add_parser("run", parents=[common], help="run an app folder or file")
    run.add_argument("path", type=Path, help="a folder with main.py or index.html, or a .py file")
    run.add_argument("--ephemeral", action="store_true",
                     help="a throwaway web profile: nothing the pages store is kept")
    run.add_argument("args", nargs="*", default=[], help="the app's own arguments (deep links among them); after -- they may start with -")
    dev = commands.add_parser("dev", parents=[common], help="run an app; reload its windows as its files change")
    dev.add_argument("path", type=Path, help="as for run; web file changes reload the windows, .py ones restart it")
    dev.add_argument("--devtools", action="store_true", help="open DevTools for every window; remote debugging on")
    dev.add_argument("--ephemeral", action="store_true", help="as for run")
    dev.add_argument("args", nargs="*", default=[], help="as for run: the app's own, at every restart")
    types = commands.add_parser("types", help="write the TypeScript types of an app's declared channels")
    types.add_argument("path", type=Path, help="as for run; its module is imported, main() is not run")
    types.add_argument("--out", type=Path, help="the folder to write to (default: PATH/types)")
    types.add_argument("--plugin", type=Path, action="append", default=[], metavar="FOLDER",
                       help="also write FOLDER/types/ for this plugin: only the channels its plugin.toml grants "
                            "(repeatable)")
    new = commands.add_parser("new", help="make a new app folder: main.py, index.html, tests (--template vue: Vite + Vue)")
    new.add_argument("name", type=Path, help="the folder to make; its name is the app's")
    new.add_argument("--template", default="plain", help="plain (the default) or vue")
    pack = commands.add_parser("package", help="freeze an app folder into a bundle, a .tar.gz and a .deb")
    pack.add_argument("path", type=Path, help="the app folder (with main.py or index.html)")
    pack.add_argument("--out", type=Path, default=Path("dist"), help="where the outputs go (default: ./dist)")
    pack.add_argument("--name", help="the app's name (default: weft.toml's, else from the folder's name)")
    pack.add_argument("--version", help="the app's version (default: weft.toml's, else 0.1.0)")
    pack.add_argument("--no-deb", action="store_true", help="skip the Debian package")
    pack.add_argument("--keep-all-qt", action="store_true", help="keep every Qt module (bigger; for comparison)")
    pack.add_argument("--locales", help="Chromium locales to keep, e.g. en-US,de (en-US always; default: "
                                        "weft.toml's, else all)")
    pack.add_argument("--keep-devtools", action="store_true", help="keep DevTools' front end (dropped by default)")
    pack.add_argument("--trim", action="append", default=[], metavar="NAME",
                      help="an opt-in trim (repeat, or comma-separate): modules, tls, printing, icu")
    pack.add_argument("--compress", choices=("fast", "small"), default="fast",
                      help="fast (the default): .tar.gz and a .deb at xz -3; small: .tar.xz and a .deb at xz -9 "
                           "(minutes slower)")
    return parser


def _package(args: argparse.Namespace) -> int:
    from .packager import human, package
    from .trim import parse_optional

    given = {"version": args.version} if args.version is not None else {}  # else weft.toml's
    locales = None if args.locales is None else [name.strip() for name in args.locales.split(",") if name.strip()]
    result = package(args.path, out=args.out, name=args.name, deb=not args.no_deb, keep_all_qt=args.keep_all_qt,
                     locales=locales, keep_devtools=args.keep_devtools, trims=parse_optional(args.trim),
                     compress=args.compress,
                     progress=lambda line: print(line, flush=True), **given)
    print(f"\nbuilt in {result.seconds:.0f} s:")
    for label, artifact in (("bundle", result.bundle), ("tarball", result.tarball), ("deb", result.deb)):
        if artifact is not None:
            print(f"  {label:8} {artifact.path}  ({human(artifact.size)})")
    print(f"run it: {result.bundle.path / result.bundle.path.name}  (add --weft-self-check to test it headless)")
    return 0


def _types(args: argparse.Namespace) -> int:
    """``weft types PATH``: the app's declared channels as a .d.ts, beside
    the runtime.d.ts it extends; with ``--plugin``, each plugin's share."""
    from . import typegen

    _, app_dir, _ = _load_main(args.path)  # imports the app's module: its declarations run
    written = typegen.app_types(args.out or app_dir / typegen.TYPES_FOLDER)
    print(f"{written.path}: {len(written.channels)} declared channel(s); include {written.path.parent} "
          "in your tsconfig")
    for folder in args.plugin:
        written = typegen.plugin_types(folder)
        untyped = f"; granted but not declared (unknown): {', '.join(written.untyped)}" if written.untyped else ""
        print(f"{written.path}: the {len(written.channels)} declared channel(s) the plugin in {folder} may use"
              + untyped)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # After `--`, every word is the app's, flags too (`weft run . -- --fresh`).
    head, tail = (words[:words.index("--")], words[words.index("--") + 1:]) if "--" in words else (words, [])
    args, extra = parser.parse_known_args(head)
    # `weft run PATH --no-sandbox shelf://x`: the app's arguments may follow
    # weft's flags (argparse leaves them over); what looks like a flag is not one.
    if (extra or tail) and (args.command not in ("run", "dev") or any(arg.startswith("-") for arg in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra + tail)}")
    if extra or tail:
        args.args += extra + tail
    if args.command == "new":  # no Qt needed
        from .scaffold import run_new

        return run_new(args.name, args.template)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    if args.command == "dev":  # no Qt in this process: the app runs in a child
        from .dev import supervise

        return supervise(args.path, no_sandbox=args.no_sandbox, verbose=verbose, devtools=args.devtools,
                         ephemeral=args.ephemeral, args=args.args)
    from .app import run, under_flags

    try:
        if args.command == "types":
            return _types(args)
        if args.command == "package":
            return _package(args)
        if args.command == "demo":
            from .demo import APP_DIR
            from .demo import main as demo_main

            if not verbose:  # its activity window lists the mischief plugin's refusals
                for name in ("weft.audit", "weft.page"):
                    logging.getLogger(name).setLevel(logging.ERROR)
            return run(demo_main, app_dir=APP_DIR, no_sandbox=args.no_sandbox)
        app_main, app_dir, asked = _load_main(args.path)
        return run(app_main, app_dir=app_dir, args=args.args,
                   **under_flags(asked, no_sandbox=args.no_sandbox, ephemeral=args.ephemeral))
    except Error as exc:
        print(f"weft: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
