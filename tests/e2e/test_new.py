"""``weft new``: the app it makes runs, its tests pass, and what it cannot
make it refuses in one line."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import pytest

from tests.e2e.conftest import AS_ROOT, clean_env

REPO = Path(__file__).resolve().parents[2]
PLAIN = [".gitignore", "index.html", "main.py", "pytest.ini", "style.css", "tests/test_app.py", "weft.toml"]
VUE = [".gitignore", "index.html", "main.py", "package.json", "pytest.ini", "src/App.vue", "src/env.d.ts",
       "src/main.ts", "src/style.css", "tests/test_app.py", "tsconfig.json", "types/runtime.d.ts",
       "types/weft-app.d.ts", "vite.config.ts", "weft.toml"]


def weft_new(weft_command: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([weft_command, "new", *args], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=60)


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not {"node_modules", "web", "__pycache__", ".pytest_cache"} & set(p.parts))


def run_until_greeted(weft_command: str, folder: Path) -> tuple[int, str]:
    """``weft run FOLDER --no-sandbox`` until the page's greet round trip
    reaches Python (main.py prints it), then Ctrl+C as a person would."""
    errors = tempfile.TemporaryFile("w+")
    process = subprocess.Popen([weft_command, "run", folder.name, "--no-sandbox"], cwd=folder.parent,
                               env={**clean_env(), "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                               stderr=errors, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for text in process.stdout:
            lines.put(text)

    threading.Thread(target=pump, daemon=True).start()
    try:
        line = lines.get(timeout=30)
    except queue.Empty:
        line = ""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    finally:
        process.kill()
    errors.seek(0)
    stderr = errors.read()
    assert line and "Traceback" not in stderr, f"stdout: {line!r}; stderr:\n{stderr}"
    return process.returncode, line


def run_its_tests(folder: Path) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in the app's folder, as its README line says."""
    return subprocess.run([sys.executable, "-m", "pytest", "-v"], cwd=folder, env=clean_env(), capture_output=True,
                          text=True, timeout=120)


def passed(done: subprocess.CompletedProcess[str]) -> list[str]:
    return re.findall(r"^(\S+) PASSED", done.stdout, re.MULTILINE)


def test_new_makes_an_app_that_runs_and_passes_its_tests(weft_command: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    done = weft_new(weft_command, tmp_path, "x")
    assert done.returncode == 0, done.stderr
    app = tmp_path / "x"
    assert files_in(app) == PLAIN
    assert all(f"  {name}\n" in done.stdout for name in PLAIN)
    steps = [line for line in done.stdout.splitlines() if line.startswith("  cd ") or line == "  python -m pytest"]
    assert steps == [f"  cd x && weft run .{' --no-sandbox' if AS_ROOT else ''}", "  python -m pytest"]
    assert tomllib.loads((app / "weft.toml").read_text()) == {
        "app": {"id": "org.example.x", "name": "X", "version": "0.1.0"}}
    scaffolded = time.perf_counter()

    code, line = run_until_greeted(weft_command, app)
    assert (code, line) == (130, "greet: world (asked by window-1)\n")

    tests = run_its_tests(app)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert passed(tests) == ["tests/test_app.py::test_greet_is_a_round_trip_to_python",
                             "tests/test_app.py::test_the_page_shows_python_s_greeting"]
    assert re.search(r"=+ 2 passed in [\d.]+s", tests.stdout.splitlines()[-1]), tests.stdout
    print(f"scaffold {scaffolded - started:.2f} s; its tests {time.perf_counter() - scaffolded:.1f} s with the run")


def test_the_name_makes_the_app_s_identity(weft_command: str, tmp_path: Path) -> None:
    done = weft_new(weft_command, tmp_path, "apps/my_Notes-app")
    assert done.returncode == 0, done.stderr
    app = tmp_path / "apps" / "my_Notes-app"
    assert tomllib.loads((app / "weft.toml").read_text())["app"] == {
        "id": "org.example.my-notes-app", "name": "My Notes App", "version": "0.1.0"}
    assert 'title="My Notes App"' in (app / "main.py").read_text()
    assert "__APP_" not in "".join(p.read_text() for p in app.rglob("*") if p.is_file())
    empty = tmp_path / "empty"
    empty.mkdir()
    assert weft_new(weft_command, tmp_path, "empty").returncode == 0  # an empty folder is as good as none


@pytest.mark.parametrize(("args", "needle"), [
    (["taken"], "taken: exists and is not empty"),
    (["1app"], "'1app' is not an app name"),
    (["my app"], "'my app' is not an app name"),
    (["my.app"], "'my.app' is not an app name"),
    (["x", "--template", "react"], "no template 'react': choose plain or vue"),
    (["afile"], "afile: exists and is not a folder"),
])
def test_what_it_cannot_make_it_refuses_in_one_line(weft_command: str, tmp_path: Path, args: list[str],
                                                    needle: str) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    (tmp_path / "afile").write_text("")
    before = files_in(tmp_path)
    done = weft_new(weft_command, tmp_path, *args)
    assert (done.returncode, done.stdout) == (2, "")
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(f"weft: {needle}"), done.stderr
    assert files_in(tmp_path) == before and (tmp_path / "taken" / "notes.txt").read_text() == "mine"


def test_the_vue_template(weft_command: str, tmp_path: Path) -> None:
    done = weft_new(weft_command, tmp_path, "x", "--template", "vue")
    assert done.returncode == 0, done.stderr
    app = tmp_path / "x"
    assert files_in(app) == VUE
    assert "cd x && npm install && npm run build" in done.stdout and "python -m pytest" in done.stdout
    package = json.loads((app / "package.json").read_text())
    assert package["name"] == "x" and set(package["devDependencies"]) == {
        "vite", "vue", "typescript", "vue-tsc", "@vitejs/plugin-vue"}
    assert 'outDir: "web"' in (app / "vite.config.ts").read_text()
    assert 'UI = "web/index.html"' in (app / "main.py").read_text()
    # window.runtime's types (the ones this weft ships) and main.py's declared channels, as weft types writes them.
    assert (app / "types" / "runtime.d.ts").read_text() == (REPO / "renderer_assets" / "runtime.d.ts").read_text()
    assert '"greet": { payload: Greeting; result: string };' in (app / "types" / "weft-app.d.ts").read_text()
    assert '"types/*.d.ts"' in (app / "tsconfig.json").read_text()
    # Not built yet: its tests say so rather than fail.
    tests = run_its_tests(app)
    assert tests.returncode == 0 and "2 skipped" in tests.stdout.splitlines()[-1], tests.stdout[-2000:]


@pytest.mark.slow
def test_the_vue_app_builds_runs_and_passes_its_tests(weft_command: str, tmp_path: Path) -> None:
    assert shutil.which("npm"), "this test needs Node.js and npm on PATH (Debian: apt-get install nodejs npm)"
    assert weft_new(weft_command, tmp_path, "x", "--template", "vue").returncode == 0
    app = tmp_path / "x"
    times = {}
    for step in (["npm", "install", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        started = time.perf_counter()
        done = subprocess.run(step, cwd=app, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "CI": "1"})
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        times[" ".join(step[:2])] = time.perf_counter() - started
    assert (app / "web" / "index.html").is_file()

    code, line = run_until_greeted(weft_command, app)
    assert (code, line) == (130, "greet: world (asked by window-1)\n")
    tests = run_its_tests(app)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert passed(tests) == ["tests/test_app.py::test_greet_is_a_round_trip_to_python",
                             "tests/test_app.py::test_the_vue_page_shows_python_s_greeting"]
    print(", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items()))
