"""weft.app in real processes: who the app is (weft.toml), how it ends
(quit policy, app.quit), and deep links given at launch."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.e2e.conftest import clean_env, run_weft

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
    import subprocess

    folder = make_app(tmp_path / "tray", TRAY_STYLE_APP)
    done = subprocess.run([sys.executable, str(folder / "main.py"), "--no-sandbox"], env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (3, "still running\n"), done.stderr


def test_a_deep_link_given_at_launch_reaches_the_first_listener_once(weft_command: str, tmp_path: Path) -> None:
    folder = make_app(tmp_path / "shelf", DEEP_LINK_APP, '[app]\nprotocols = ["shelf"]\n')
    code, stdout, stderr = run_weft([weft_command, "run", str(folder), "--no-sandbox", "shelf://book/42",
                                     "not-a-link", "https://example.com/"])
    assert (code, stdout) == (0, "opened shelf://book/42\n"), stderr
