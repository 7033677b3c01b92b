"""weft.app in real processes: who the app is (weft.toml), how it ends
(quit policy, app.quit), and deep links given at launch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import Running, clean_env, private_env, run_weft

IDENTITY_APP = """
from weft import app, window

async def main():
    print(app.id, app.name, app.version, app.dir.name, flush=True)
    win = await window.create_window(html="<p>x</p>")
    await win.close()
"""

TRAY_STYLE_APP = """
import asyncio, sys
import weft
from weft import app, window

async def main():
    win = await window.create_window(html="<p>x</p>")
    await win.close()
    await asyncio.sleep(0.3)            # the app lives on with no window open
    print("still running", flush=True)
    app.quit(3)

sys.exit(weft.run(main, quit_on_last_window_closed=False))
"""

DEEP_LINK_APP = """
from weft import app, window

async def main():
    await window.create_window(html="<p>x</p>")   # the link waits while main() gets going
    app.on_open_url(lambda url: print("opened", url, flush=True))
    app.on_open_url(lambda url: print("second listener", url, flush=True))
    win = window.windows()[0]
    await win.wait_ready()
    await win.close()
"""


SINGLE_APP = """
import sys
from weft import app, window

def opened(url):
    print("url:", url, file=sys.stderr, flush=True)
    app.quit(5)

async def main():
    app.on_second_instance(lambda argv, cwd: print("second:", argv, cwd, file=sys.stderr, flush=True))
    app.on_open_url(opened)
    await window.create_window(html="<p>x</p>")
    print("ready", file=sys.stderr, flush=True)
"""


def make_app(folder: Path, main: str, toml: str | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "main.py").write_text(main)
    if toml is not None:
        (folder / "weft.toml").write_text(toml)
    return folder


def test_the_app_is_who_weft_toml_says(weft_command: str, tmp_path: Path) -> None:
    folder = make_app(tmp_path / "shelf", IDENTITY_APP,
                      '[app]\nid = "org.example.bookshelf"\nname = "Book Shelf"\nversion = "2.1.0"\n')
    code, stdout, stderr = run_weft([weft_command, "run", str(folder), "--no-sandbox"])
    assert (code, stdout) == (0, "org.example.bookshelf Book Shelf 2.1.0 shelf\n"), stderr


def test_without_weft_toml_the_folder_name_says(weft_command: str, tmp_path: Path) -> None:
    folder = make_app(tmp_path / "my_notes", IDENTITY_APP)
    code, stdout, stderr = run_weft([weft_command, "run", str(folder), "--no-sandbox"])
    assert (code, stdout) == (0, "org.example.my-notes My Notes 0.1.0 my_notes\n"), stderr


def test_a_bad_weft_toml_is_one_line_naming_the_field(weft_command: str, tmp_path: Path) -> None:
    folder = make_app(tmp_path / "shelf", IDENTITY_APP, '[app]\nprotocols = ["https"]\n')
    code, stdout, stderr = run_weft([weft_command, "run", str(folder), "--no-sandbox"])
    assert code == 2 and stdout == ""
    assert stderr.splitlines()[-1] == (f"weft: {folder / 'weft.toml'}: app.protocols: 'https' belongs to the web "
                                       "or to weft; an app may not claim it"), stderr


def test_a_tray_style_app_outlives_its_windows_until_app_quit(tmp_path: Path) -> None:
    folder = make_app(tmp_path / "tray", TRAY_STYLE_APP)
    done = subprocess.run([sys.executable, str(folder / "main.py"), "--no-sandbox"], env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (3, "still running\n"), done.stderr


def test_a_deep_link_given_at_launch_reaches_the_first_listener_once(weft_command: str, tmp_path: Path) -> None:
    folder = make_app(tmp_path / "shelf", DEEP_LINK_APP, '[app]\nprotocols = ["shelf"]\n')
    code, stdout, stderr = run_weft([weft_command, "run", str(folder), "--no-sandbox", "shelf://book/42",
                                     "not-a-link", "https://example.com/"])
    assert (code, stdout) == (0, "opened shelf://book/42\n"), stderr


def test_a_second_launch_hands_its_arguments_to_the_running_app(weft_command: str, tmp_path: Path) -> None:
    folder = make_app(tmp_path / "shelf", SINGLE_APP, '[app]\nsingle_instance = true\nprotocols = ["shelf"]\n')
    env = private_env(tmp_path)
    first = Running([weft_command, "run", str(folder), "--no-sandbox"], env=env)
    try:
        first.wait_for_lines("ready")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        second = subprocess.run([weft_command, "run", str(folder), "--no-sandbox", "notes.txt", "shelf://book/7"],
                                cwd=elsewhere, env=env, capture_output=True, text=True, timeout=30)
        assert (second.returncode, second.stdout) == (0, ""), second.stderr
        first.wait_for_lines(f"second: ['notes.txt', 'shelf://book/7'] {elsewhere}", "url: shelf://book/7")
    finally:
        code, _, stderr = first.finish(timeout=30)
    assert code == 5, stderr


def test_different_apps_never_hand_over_to_each_other(weft_command: str, tmp_path: Path) -> None:
    env = private_env(tmp_path)
    one = make_app(tmp_path / "one", SINGLE_APP, '[app]\nsingle_instance = true\n')
    two = make_app(tmp_path / "two", SINGLE_APP, '[app]\nsingle_instance = true\n')
    first = Running([weft_command, "run", str(one), "--no-sandbox"], env=env)
    second = Running([weft_command, "run", str(two), "--no-sandbox"], env=env)
    try:
        first.wait_for_lines("ready")
        second.wait_for_lines("ready")  # its own primary: not handed over to "one"
    finally:
        for running in (first, second):
            running.process.terminate()
            running.finish(timeout=30)


MAC_OPEN_APP = """
from PySide6.QtCore import QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication
from weft import app, window

async def main():
    app.on_open_url(lambda url: print("opened", url, flush=True))
    # What macOS does when a shelf:// link is opened while the app runs.
    for url in ("shelf://from/finder", "https://not.ours/"):
        QApplication.sendEvent(QApplication.instance(), QFileOpenEvent(QUrl(url)))
    win = await window.create_window(html="<p>x</p>")
    await win.close()
"""


def test_a_link_the_desktop_opens_while_the_app_runs_reaches_on_open_url(weft_command: str, tmp_path: Path) -> None:
    folder = make_app(tmp_path / "shelf", MAC_OPEN_APP, '[app]\nprotocols = ["shelf"]\n')
    code, stdout, stderr = run_weft([weft_command, "run", str(folder), "--no-sandbox"])
    assert (code, stdout) == (0, "opened shelf://from/finder\n"), stderr
