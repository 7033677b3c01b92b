"""What ``weft dev`` notices in an app folder, and what it makes of it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from weft.watch import Action, Change, Watcher, action_for, ignored, scan


@pytest.mark.parametrize(("path", "action"), [
    ("main.py", Action.RESTART),
    ("lib/helpers.py", Action.RESTART),
    ("weft.toml", Action.RESTART),
    ("index.html", Action.RELOAD),
    ("style.css", Action.RELOAD),
    ("web/assets/index-3f2a.js", Action.RELOAD),
    ("data.json", Action.RELOAD),
    ("logo.png", Action.RELOAD),
    ("sub/weft.toml.html", Action.RELOAD),
])
def test_python_restarts_and_everything_else_reloads(path: str, action: Action) -> None:
    assert action_for(path) is action


@pytest.mark.parametrize(("path", "action"), [
    ("plugins/notes/index.html", Action.RESTART),
    ("plugins/notes/plugin.toml", Action.RESTART),
    ("plugins/notes/assets/app.js", Action.RESTART),
    ("plugins/index.html", Action.RELOAD),
    ("plugins/notesy/index.html", Action.RELOAD),
])
def test_a_plugins_files_restart_the_app_that_starts_it(path: str, action: Action) -> None:
    assert action_for(path, frozenset({"plugins/notes"})) is action
    assert action_for("index.html", frozenset({""})) is Action.RESTART  # an app folder that is a plugin


@pytest.mark.parametrize(("name", "skipped"), [
    (".index.html.swp", True), ("main.py~", True), ("#main.py#", True), ("main.pyc", True), (".git", True),
    ("weft-app.d.ts", True), ("index.html", False), ("main.py", False), ("tests", False), ("app.ts", False),
])
def test_editor_litter_is_ignored(name: str, skipped: bool) -> None:
    assert ignored(name) is skipped


def _touch(folder: Path, relative: str, text: str = "x") -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_scan_skips_what_tools_write_and_the_apps_tests(tmp_path: Path) -> None:
    for relative in ("main.py", "index.html", "web/app.js", "sub/tests/page.html",
                     "tests/test_app.py", "__pycache__/main.cpython-311.pyc", "node_modules/vue/index.js",
                     "dist/app/app", "build/x", ".git/HEAD", ".venv/bin/python", "web/.cache/x"):
        _touch(tmp_path, relative)
    assert sorted(scan(tmp_path)) == ["index.html", "main.py", "sub/tests/page.html", "web/app.js"]


def test_each_poll_says_what_changed_since_the_last(tmp_path: Path) -> None:
    _touch(tmp_path, "index.html", "one")
    _touch(tmp_path, "main.py", "one")
    watcher = Watcher(tmp_path)
    assert watcher.poll() is None
    _touch(tmp_path, "index.html", "two")
    _touch(tmp_path, "style.css")
    assert watcher.poll() == Change(paths=("index.html", "style.css"), action=Action.RELOAD)
    assert watcher.poll() is None
    (tmp_path / "style.css").unlink()
    _touch(tmp_path, "lib/util.py")
    change = watcher.poll()
    assert change == Change(paths=("lib/util.py", "style.css"), action=Action.RESTART)
    assert change.label == "lib/util.py and 1 more"
    _touch(tmp_path, "plugins/notes/plugin.toml")
    assert watcher.poll() == Change(paths=("plugins/notes/plugin.toml",), action=Action.RESTART)
    _touch(tmp_path, "plugins/notes/index.html")
    assert watcher.poll() == Change(paths=("plugins/notes/index.html",), action=Action.RESTART)


def test_a_save_by_rename_is_a_change_even_with_the_same_size_and_time(tmp_path: Path) -> None:
    _touch(tmp_path, "index.html", "one")
    stat = (tmp_path / "index.html").stat()
    watcher = Watcher(tmp_path)
    _touch(tmp_path, "new.tmp", "two")
    os.utime(tmp_path / "new.tmp", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(tmp_path / "new.tmp", tmp_path / "index.html")
    assert watcher.poll() == Change(paths=("index.html",), action=Action.RELOAD)
