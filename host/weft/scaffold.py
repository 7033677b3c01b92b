"""``weft new NAME``: a new app folder, from a template shipped in
``weft.templates``.

``plain`` is ``main.py`` (an ``async def main()`` and one declared
``@ipc.handler`` round trip), ``index.html``, ``style.css``, ``tests/`` on
weft's pytest plugin, ``weft.toml`` and ``.gitignore``. ``vue`` is the same
app with a Vite + Vue 3 + TypeScript UI built into ``web/``, typed against
``types/`` (what ``weft types`` writes from ``main.py``'s declarations).
"""

from __future__ import annotations

import importlib.resources
import os
import re
import sys
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Iterator

import attrs

from . import appconfig
from .errors import Error

TEMPLATES = ("plain", "vue")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
#: Template files renamed when copied (a dotfile does not survive every
#: packaging step, so the template holds it without its dot).
RENAMED = {"gitignore": ".gitignore"}
#: Templates whose page is TypeScript: their app gets types/ (``weft types``) at once.
TYPED = frozenset({"vue"})


class ScaffoldError(Error):
    """``weft new`` cannot make the app as asked; the message says why."""


@attrs.frozen(kw_only=True)
class Identity:
    """Who a new app is, derived from its folder's name."""

    name: str
    """The folder's name, as given: ``my_app``."""
    title: str
    """For people (window title, ``weft.toml``'s name): ``My App``."""
    id: str
    """Reverse-DNS: ``org.example.my-app``. Lower case, ``_`` as ``-``: valid
    as a macOS bundle id, a Windows AppUserModelID and a freedesktop
    desktop-file id."""
    package: str
    """For ``package.json``: ``my-app``."""


def identity(name: str) -> Identity:
    """The app's identity for a folder ``name``; :class:`ScaffoldError` for a
    name that cannot be one."""
    if not NAME.fullmatch(name):
        raise ScaffoldError(f"{name!r} is not an app name: use a letter, then letters, digits, '-' or '_' "
                            "(64 at most); it names the folder, the window and the app id")
    made = appconfig.defaults(name)  # as weft derives an app's identity from any folder's name
    return Identity(name=name, title=made.name, id=made.id, package=made.id.removeprefix("org.example."))


@attrs.frozen(kw_only=True)
class NewApp:
    """An app folder `weft new` made."""

    folder: Path
    """The app's folder."""
    identity: Identity
    template: str
    """The template's name: ``plain`` or ``vue``."""
    files: tuple[Path, ...]
    """What was written, relative to ``folder``."""


def _walk(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__" or entry.name.endswith(".pyc"):
            continue  # byte code pip compiled in the installed package
        if entry.is_dir():
            yield from _walk(entry, f"{prefix}{entry.name}/")
        else:
            yield f"{prefix}{RENAMED.get(entry.name, entry.name)}", entry


def _render(text: str, who: Identity) -> str:
    for key, value in (("__APP_ID__", who.id), ("__APP_NAME__", who.name), ("__APP_PACKAGE__", who.package),
                       ("__APP_TITLE__", who.title)):
        text = text.replace(key, value)
    return text


def new(target: Path, template: str = "plain") -> NewApp:
    """Make the app folder ``target`` (which must not exist, or be empty)
    from ``template``; its last part is the app's name."""
    if template not in TEMPLATES:
        raise ScaffoldError(f"no template {template!r}: choose {' or '.join(TEMPLATES)}")
    folder = target.expanduser().resolve()
    who = identity(folder.name)
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{target}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise ScaffoldError(f"{target}: exists and is not empty; give a new folder")
    source = importlib.resources.files("weft.templates").joinpath(template)
    contents = {relative: _render(entry.read_text("utf-8"), who) for relative, entry in _walk(source)}
    for relative, text in contents.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    made = [Path(relative) for relative in contents]
    if template in TYPED:
        made += _write_types(folder)
    return NewApp(folder=folder, identity=who, template=template, files=tuple(sorted(made)))


def _write_types(folder: Path) -> list[Path]:
    """``weft types`` on the new app: its page compiles against main.py's
    declared channels from the first build."""
    from . import typegen
    from .cli import _load_main

    _load_main(folder)  # its declarations run; main() does not
    written = typegen.app_types(folder / typegen.TYPES_FOLDER)
    return [path.relative_to(folder) for path in sorted(written.path.parent.iterdir())]


def next_steps(app: NewApp, shown: str) -> list[str]:
    """The commands to run next, from the folder ``weft new`` ran in."""
    no_sandbox = " --no-sandbox" if _as_root() else ""
    if app.template == "vue":
        return [f"cd {shown} && npm install && npm run build   # the UI, from src/ into web/",
                f"weft run .{no_sandbox}",
                "python -m pytest"]
    return [f"cd {shown} && weft run .{no_sandbox}", "python -m pytest"]


def run_new(target: Path, template: str) -> int:
    """``weft new``: make the app, say what was made and what to run next.
    Refusals are one line on stderr, exit code 2."""
    try:
        app = new(target, template)
    except ScaffoldError as exc:
        print(f"weft: {exc}", file=sys.stderr)
        return 2
    shown = str(target).rstrip("/") or "."
    print(f"Created {app.identity.title} ({app.identity.id}) in {shown}/ from the {template} template:")
    for path in app.files:
        print(f"  {path}")
    if template == "vue":
        print("\nThe UI is Vite + Vue 3 + TypeScript in src/ (window.runtime and main.py's declared channels are")
        print("typed by types/: `weft types .` writes it again after you change them, `weft dev .` at every start);")
        print("`npm run build` type-checks it and builds it into web/, which main.py opens.")
        print("While you work, `npm run watch` rebuilds on every save.")
    print("\nNext:")
    for step in next_steps(app, shown):
        print(f"  {step}")
    if _as_root():
        print("\n(--no-sandbox because you are root, where Chromium cannot sandbox web content.)")
    return 0


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
