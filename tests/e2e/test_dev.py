"""``weft dev``, run as a subprocess the way a user runs it: real files
changed under it, real processes restarted."""

from __future__ import annotations

import json
import re
import signal
import textwrap
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.conftest import AS_ROOT, Running, run_weft

SANDBOX = ["--no-sandbox"] if AS_ROOT else []

#: Prints what its page says on load, with the window's size and position
#: (which a reload keeps) and which main.py it is (which a restart changes).
MAIN = '''
import sys
from weft import ipc, window

VERSION = "{version}"

async def main():
    def hello(text, window_id):
        win = window.windows()[0]
        print("hello:", text, VERSION, win.size, win.position, file=sys.stderr, flush=True)
        if text == "resize me":
            win.set_size(320, 240)
    ipc.on_channel("hello", hello)
    await window.create_window(title="dev", width=300, height=200, x=40, y=50, url="app://index.html")
'''
PAGE = """<!DOCTYPE html><p id="text">{text}</p>
<script>
console.log("loaded", document.getElementById("text").textContent);
runtime.send("hello", document.getElementById("text").textContent);
</script>"""


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(textwrap.dedent(text))


@pytest.fixture
def app(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    _write(folder, "main.py", MAIN.format(version="v1"))
    _write(folder, "index.html", PAGE.format(text="resize me"))
    return folder


@pytest.fixture
def dev(weft_command: str) -> Iterator[list[Running]]:
    """``weft dev`` processes that a failing test leaves behind are ended."""
    started: list[Running] = []
    yield started
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(30)


def _start(dev: list[Running], command: str, *args: str) -> Running:
    running = Running([command, "dev", *args, *SANDBOX])
    dev.append(running)
    return running


def _interrupt(running: Running) -> str:
    running.process.send_signal(signal.SIGINT)
    code, _, stderr = running.finish()
    assert code == 130, f"exit code {code}; the end of its stderr:\n{stderr[-4000:]}"
    assert "Traceback" not in stderr
    return stderr


def test_web_changes_reload_in_place_and_python_changes_restart(weft_command: str, app: Path,
                                                                 dev: list[Running]) -> None:
    running = _start(dev, weft_command, str(app))
    # The page's console is in the terminal, with where it came from.
    running.wait_for_lines("weft dev: watching", "[window-1] loaded resize me (app://localhost/index.html:3)",
                           "hello: resize me v1 (300, 200) (40, 50)")

    _write(app, "index.html", PAGE.format(text="second page"))
    # Reloaded in place: the size the app set, and the position, stay.
    running.wait_for_lines("weft dev: reloaded window-1 in ", "hello: second page v1 (320, 240) (40, 50)")
    reloaded = next(line for line in running.seen if "reloaded window-1" in line)
    assert re.fullmatch(r"weft dev: reloaded window-1 in \d+ ms \(index.html changed\)\n", reloaded)

    _write(app, "main.py", MAIN.format(version="v2"))
    running.wait_for_lines("weft dev: main.py changed: restarting the app", "hello: second page v2 (300, 200)")
    _interrupt(running)


def test_devtools_opens_remote_debugging_on_loopback(weft_command: str, app: Path, dev: list[Running]) -> None:
    running = _start(dev, weft_command, str(app), "--devtools")
    running.wait_for_lines("DevTools: http://127.0.0.1:", "hello: resize me v1")
    (line,) = [line for line in running.seen if line.startswith("DevTools:")]
    url = line.split()[1]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    with urllib.request.urlopen(f"{url}/json/version", timeout=10) as answer:
        assert "Protocol-Version" in json.load(answer)
    with urllib.request.urlopen(f"{url}/json/list", timeout=10) as answer:
        pages = json.load(answer)
    assert "app://localhost/index.html" in [page["url"] for page in pages]
    stderr = _interrupt(running)
    assert stderr.count("DevTools: http://") == 1


def test_a_broken_app_starts_again_when_fixed_and_ends_with_its_window(weft_command: str, app: Path,
                                                                        dev: list[Running]) -> None:
    _write(app, "main.py", "async def main():\n    raise RuntimeError('not yet')\n")
    running = _start(dev, weft_command, str(app))
    running.wait_for_lines("RuntimeError: not yet",
                           "weft dev: the app ended with exit code 1; it starts again at the next change")
    _write(app, "main.py", MAIN.format(version="v3"))
    running.wait_for_lines("weft dev: main.py changed: starting the app", "hello: resize me v3")
    _write(app, "index.html", "<script>window.close()</script>")  # its last window closes: weft dev ends
    code, _, stderr = running.finish()
    assert code == 0, stderr[-4000:]
    assert "weft dev: the app ended (its last window closed)" in stderr


def test_a_bad_path_is_refused_in_one_line(weft_command: str, tmp_path: Path) -> None:
    code, stdout, stderr = run_weft([weft_command, "dev", str(tmp_path / "nowhere"), *SANDBOX])
    assert (code, stdout) == (2, "")
    assert stderr.strip() == f"weft: {tmp_path / 'nowhere'}: no such file or folder"


TYPED_MAIN = '''
import sys
from weft import ipc, window

@ipc.handler("add")
def add(p: list[int], window_id: str) -> int:
    return sum(p)
{more}
async def main():
    ipc.on_channel("hello", lambda text, window_id: print("hello:", text, file=sys.stderr, flush=True))
    await window.create_window(title="dev", url="app://index.html")
'''


def test_the_types_follow_the_declared_channels(weft_command: str, app: Path, dev: list[Running]) -> None:
    _write(app, "main.py", TYPED_MAIN.format(more=""))
    types = app / "types" / "weft-app.d.ts"
    running = _start(dev, weft_command, str(app))
    running.wait_for_lines("weft dev: types: types/weft-app.d.ts (1 declared channel(s))", "hello: resize me")
    assert '"add": { payload: number[]; result: number };' in types.read_text()

    _write(app, "main.py", TYPED_MAIN.format(more='ipc.channel("tick", int, direction="to_page")\n'))
    running.wait_for_lines("weft dev: main.py changed: restarting the app",
                           "weft dev: types: types/weft-app.d.ts (2 declared channel(s))", "hello: resize me")
    assert '"tick": number;' in types.read_text()
    _write(app, "index.html", PAGE.format(text="edited"))  # the next change it sees is this one, not its own write
    running.wait_for_lines("weft dev: reloaded window-1 in ", "hello: edited")
    stderr = _interrupt(running)
    assert stderr.count("types: types/weft-app.d.ts") == 2 and stderr.count("reloaded window-1") == 1


def test_the_app_s_own_arguments_reach_it(weft_command: str, tmp_path: Path) -> None:
    folder = tmp_path / "args"
    folder.mkdir()
    _write(folder, "main.py", """
        from weft import app

        async def main():
            print(list(app.args), flush=True)
            app.quit(0)
    """)
    code, stdout, stderr = run_weft([weft_command, "dev", str(folder), *SANDBOX, "notes.md", "--", "--fresh"])
    assert (code, stdout) == (0, "['notes.md', '--fresh']\n"), stderr[-3000:]
