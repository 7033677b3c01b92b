"""An app that remembers, across two real processes: what its page kept
(``localStorage``, IndexedDB) and where its window was come back on the next
start, the window onto a screen that exists then.

Each run is a new process with its own QApplication and Chromium, its data
and config folders under tmp (XDG_DATA_HOME, XDG_CONFIG_HOME), and the
offscreen platform given its screens: two in the first run, only the primary
in the second (the second monitor is gone).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.e2e.conftest import clean_env

APP_ID = "org.example.remembering"

# The app: weft.toml and main.py, as an app author writes them.
WEFT_TOML = f"""
[app]
id = "{APP_ID}"
name = "Remembering"
version = "1.0.0"
"""

MAIN = '''
import json
import sys

import weft
from weft import ipc, window

PAGE = """<!DOCTYPE html><script>
(async () => {
  const db = await new Promise((ok, fail) => {
    const open = indexedDB.open("notes", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("notes");
    open.onsuccess = () => ok(open.result);
    open.onerror = () => fail(open.error);
  });
  const note = await new Promise((ok, fail) => {
    const get = db.transaction("notes").objectStore("notes").get(1);
    get.onsuccess = () => ok(get.result === undefined ? null : get.result);
    get.onerror = () => fail(get.error);
  });
  const runs = Number(localStorage.getItem("runs") || 0) + 1;
  localStorage.setItem("runs", String(runs));
  await new Promise((ok, fail) => {
    const tx = db.transaction("notes", "readwrite");
    tx.objectStore("notes").put("written by run " + runs, 1);
    tx.oncomplete = ok;
    tx.onerror = () => fail(tx.error);
  });
  runtime.send("result", {runs, note});
})().catch((err) => runtime.send("result", {error: String(err)}));
</script>"""


async def main() -> None:
    results = ipc.channel_events("result")
    # The defaults, used while nothing is saved: on the second screen.
    win = await window.create_window(html=PAGE, x=1500, y=100, width=600, height=400, remember="main")
    started = {"position": win.position, "size": win.size}
    event = await anext(results)
    if "--move" in sys.argv:
        win.set_position(1400, 200)  # still on the second screen
    print("result: " + json.dumps({**started, "page": event.payload}), flush=True)
    await win.close()


if __name__ == "__main__":
    sys.exit(weft.run(main))
'''

PRIMARY = {"name": "primary", "x": 0, "y": 0, "width": 1024, "height": 768}
SECOND = {"name": "second", "x": 1024, "y": 0, "width": 1280, "height": 1024}


def run_app(folder: Path, home: Path, screens: list[dict[str, Any]], *args: str) -> dict[str, Any]:
    config = home / f"screens-{len(screens)}.json"
    config.write_text(json.dumps({"screens": [
        {**screen, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1} for screen in screens]}))
    env = clean_env()
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[variable] = str(home / variable.lower())
    done = subprocess.run([sys.executable, str(folder / "main.py"), "--no-sandbox", *args], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("result: ")]
    assert len(lines) == 1, (done.stdout, done.stderr)
    return json.loads(lines[0].removeprefix("result: "))


def test_storage_and_window_state_survive_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "weft.toml").write_text(textwrap.dedent(WEFT_TOML))
    (folder / "main.py").write_text(MAIN)
    home = tmp_path / "home"
    home.mkdir()

    first = run_app(folder, home, [PRIMARY, SECOND], "--move")
    assert first == {"position": [1500, 100], "size": [600, 400], "page": {"runs": 1, "note": None}}
    data, config = home / "xdg_data_home" / APP_ID, home / "xdg_config_home" / APP_ID
    assert (data / "web" / "profile").is_dir()
    assert json.loads((config / "windows.json").read_text())["windows"]["main"] == {
        "x": 1400, "y": 200, "width": 600, "height": 400, "maximized": False, "fullscreen": False}

    # The second monitor is gone: the window comes back whole on the primary.
    second = run_app(folder, home, [PRIMARY])
    assert second == {"position": [1024 - 600, 200], "size": [600, 400],
                      "page": {"runs": 2, "note": "written by run 1"}}
