"""What a start loads, in fresh processes: ``import weft`` leaves plugins,
remote sessions and Qt's windows for first use (the deferred names still
work), and a plain app reaches its page's first message without building
PySide6's ``Qt`` enum classes (see weft.app.timers and
weft.window._window_type) and without loading what only some apps use
(NOT_AT_FIRST_MESSAGE). Nothing here is timed: bench_ipc.py times starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import private_env

DEFERRED = ("weft.plugins", "weft.remote", "weft.window", "weft.runtime", "weft.app", "weft.app.login",
            "weft.app.instance", "weft.webengine.devtools", "PySide6.QtWidgets", "PySide6.QtWebEngineCore")

NOT_AT_FIRST_MESSAGE = (
    "weft.plugins", "weft.remote", "weft.app.login", "weft.app.instance",
    "weft.webengine.devtools",  # F12 and open_devtools()
    "weft.screens",  # Window.screen
    "tomllib",  # an app with no weft.toml (this one)
    "ctypes",  # the first bulk body
    "secrets", "hashlib", "hmac",  # tokens and keys come from os.urandom
    "html",  # plugin documents' resource-hint check
)
"""Each went to first use after ``python -X importtime`` showed it on the
start path; together about 20 ms of a start (docs/performance.md)."""

NOT_AT_FIRST_MESSAGE_FROZEN = NOT_AT_FIRST_MESSAGE + (
    "weft.selfcheck",  # only with --weft-self-check
    "weft.cli",  # only for an app that is just an index.html
)
"""A frozen app's launcher (weft.launcher) leaves these too."""

LAUNCHED = "import sys; from weft.launcher import launch; sys.exit(launch('main'))"
"""What a frozen app runs (packaging/launcher.py.in), for a ``main.py`` in the current folder."""

IMPORT_ONLY = """
import json, sys
import weft
loaded = [name for name in json.loads(sys.argv[1]) if name in sys.modules]
print(json.dumps(loaded))
"""

DEFERRED_NAMES = """
import weft
from weft import plugins, remote, window
from weft.app import set_autostart
print(weft.plugins is plugins, callable(plugins.load), callable(remote.open_session),
      callable(window.create_window), callable(set_autostart), weft.Runtime.__name__)
"""

PLAIN_APP = """
import asyncio, json, sys
NOT_AT_FIRST_MESSAGE = json.loads(sys.argv[1])
import weft
from weft import ipc, window

async def main():
    first = asyncio.get_running_loop().create_future()

    def on_ready(payload, window_id):
        import PySide6.QtCore
        if not first.done():
            first.set_result({"qt_built": "Qt" in vars(PySide6.QtCore),
                              "loaded": [name for name in NOT_AT_FIRST_MESSAGE if name in sys.modules]})

    ipc.on_channel("ready", on_ready)
    win = await window.create_window(title="start", width=300, height=200,
                                     html='<script>runtime.send("ready")</script>')
    print(json.dumps(await asyncio.wait_for(first, 30)), flush=True)
    await win.close()

sys.exit(weft.run(main, no_sandbox=True))
"""


def _python(code: str, *args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_import_weft_defers_what_a_start_needs_later(tmp_path: Path) -> None:
    loaded = json.loads(_python(IMPORT_ONLY, json.dumps(DEFERRED), env=private_env(tmp_path), cwd=tmp_path))
    assert loaded == []


def test_the_deferred_names_still_work(tmp_path: Path) -> None:
    assert _python(DEFERRED_NAMES, env=private_env(tmp_path), cwd=tmp_path) == "True True True True True Runtime"


def test_a_plain_app_reaches_its_first_message_without_qt_enums_or_what_it_does_not_use(tmp_path: Path) -> None:
    app = tmp_path / "main.py"
    app.write_text(PLAIN_APP)
    done = subprocess.run([sys.executable, str(app), json.dumps(NOT_AT_FIRST_MESSAGE)], env=private_env(tmp_path),
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout.strip().splitlines()[-1])
    # True: something on the start path touched PySide6's Qt namespace (a
    # module-level ``from PySide6.QtCore import Qt``) or the loop's first
    # callback went through QObject.killTimer (qasync's own timer), which
    # builds all of its enum classes (15-45 ms) before the page is up.
    assert first == {"qt_built": False, "loaded": []}


def test_a_frozen_apps_launcher_leaves_the_self_check_and_the_command_line_alone(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(PLAIN_APP)
    (tmp_path / "app").mkdir()  # the launcher's app folder: beside sys.argv[0], which is "-c" here
    done = subprocess.run([sys.executable, "-c", LAUNCHED, json.dumps(NOT_AT_FIRST_MESSAGE_FROZEN), "--no-sandbox"],
                          env=private_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"qt_built": False, "loaded": []}
