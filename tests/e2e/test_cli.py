"""The ``weft`` command, run as a subprocess the way a user runs it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.e2e.conftest import AS_ROOT, Running, clean_env, run_weft

ROUND_TRIP_APP = '''
import weft
from weft import ipc, window

async def main():
    ipc.handle("add", lambda payload, window_id: payload["a"] + payload["b"])
    results = ipc.channel_events("result")
    win = await window.create_window(title="e2e", width=300, height=200, url="app://index.html")
    event = await anext(results)
    print("result:", event.payload, "from", event.window_id, flush=True)
    await win.close()
'''
ROUND_TRIP_PAGE = """<!DOCTYPE html><script>
runtime.invoke("add", {a: 20, b: 22}).then((sum) => runtime.send("result", sum));
</script>"""


def _app(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def test_demo_runs_and_stops_on_ctrl_c(weft_command: str) -> None:
    running = Running([weft_command, "demo", "--no-sandbox", "-v"])
    running.wait_for_lines("sandbox is OFF", "window main connected", "window activity connected")
    running.process.send_signal(signal.SIGINT)
    code, _, stderr = running.finish()
    assert code == 130, f"exit code {code}; the end of its stderr:\n{stderr[-4000:]}"
    assert "Traceback" not in stderr


def test_the_demo_is_quiet_unless_asked(weft_command: str) -> None:
    process = subprocess.Popen([weft_command, "demo", "--no-sandbox"], env=clean_env(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    try:
        line = process.stdout.readline()  # once the Mischief plugin has been refused everything
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert line.startswith("weft demo: the Mischief plugin tried 19 things") and "19 were refused" in line
    assert process.returncode == 130, stderr
    # Its refusals are on the audit trail, which the terminal shows with -v only.
    assert stderr.splitlines() == [
        "weft: Chromium's sandbox is OFF for this process (you asked to run without it)."], stderr


def test_run_a_folder_with_main_py(weft_command: str, tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.py": ROUND_TRIP_APP, "index.html": ROUND_TRIP_PAGE})
    code, stdout, stderr = run_weft([weft_command, "run", str(app), "--no-sandbox"])
    assert (code, stdout) == (0, "result: 42 from window-1\n"), stderr


def test_an_app_that_calls_weft_run_itself_runs_once_under_the_command(weft_command: str, tmp_path: Path) -> None:
    # README's main.py ends with weft.run(main), so that `python main.py`
    # works too; `weft run` must run it once, with its own options.
    app = _app(tmp_path, {"main.py": ROUND_TRIP_APP + "\nweft.run(main)\n", "index.html": ROUND_TRIP_PAGE})
    code, stdout, stderr = run_weft([weft_command, "run", str(app), "--no-sandbox"])
    assert (code, stdout) == (0, "result: 42 from window-1\n"), stderr


def test_sys_exit_weft_run_main_works_under_the_command_and_as_a_script(weft_command: str, tmp_path: Path) -> None:
    # sys.exit(weft.run(main)) keeps main's exit code for `python main.py`;
    # under `weft run` (and frozen) the command runs main once, and exits.
    app = _app(tmp_path, {"main.py": "import sys\n" + ROUND_TRIP_APP + "\nsys.exit(weft.run(main))\n",
                          "index.html": ROUND_TRIP_PAGE})
    for command in ([weft_command, "run", str(app), "--no-sandbox"], [sys.executable, str(app / "main.py"), "--no-sandbox"]):
        code, stdout, stderr = run_weft(command)
        assert (code, stdout) == (0, "result: 42 from window-1\n"), (command, stderr)
    (tmp_path / "failing").mkdir()
    failing = _app(tmp_path / "failing", {"main.py": "import sys, weft\nasync def main():\n    raise RuntimeError('no')\n"
                                                     "sys.exit(weft.run(main))\n"})
    for command in ([weft_command, "run", str(failing), "--no-sandbox"], [sys.executable, str(failing / "main.py"), "--no-sandbox"]):
        code, _, stderr = run_weft(command)
        assert code == 1 and "RuntimeError: no" in stderr, (command, stderr)


def test_an_ipc_call_at_the_top_of_main_py_says_where_it_belongs(weft_command: str, tmp_path: Path) -> None:
    # The usual slip: ipc.handle(...) at import, before weft.run(main) has a runtime.
    app = _app(tmp_path, {"main.py": "import weft\nfrom weft import ipc\n\n"
                                     "ipc.handle('flip', lambda payload, window_id: payload)\n\n"
                                     "async def main():\n    pass\n\nweft.run(main)\n"})
    for command, exit_code in (([weft_command, "run", str(app), "--no-sandbox"], 2),
                               ([sys.executable, str(app / "main.py"), "--no-sandbox"], 1)):
        code, _, stderr = run_weft(command)
        assert code == exit_code, (command, stderr)
        assert "make them in main() or later" in stderr and "@weft.ipc.handler(channel)" in stderr, (command, stderr)


def test_python_main_py_takes_weft_flags_and_refuses_in_one_line(tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.py": ROUND_TRIP_APP + "\nweft.run(main)\n", "index.html": ROUND_TRIP_PAGE})
    code, stdout, stderr = run_weft([sys.executable, str(app / "main.py"), "--no-sandbox"])
    assert (code, stdout) == (0, "result: 42 from window-1\n"), stderr
    if AS_ROOT:  # where Chromium's sandbox cannot run: one line, exit code 2, no traceback
        code, stdout, stderr = run_weft([sys.executable, str(app / "main.py")])
        assert (code, stdout) == (2, ""), stderr
        assert [line for line in stderr.splitlines() if line.startswith("weft:")] == [stderr.strip()]
        assert "Traceback" not in stderr and "as root" in stderr


DIR_APP = """
import weft

print("at import:", weft.app.dir, flush=True)

async def main():
    print("in main:", weft.app.dir, flush=True)

weft.run(main)
"""


def test_weft_app_dir_is_the_app_folder_however_the_app_is_started(weft_command: str, tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.py": DIR_APP})
    expected = f"at import: {app.resolve()}\nin main: {app.resolve()}\n"
    for command in ([weft_command, "run", str(app), "--no-sandbox"], [sys.executable, str(app / "main.py"), "--no-sandbox"]):
        code, stdout, stderr = run_weft(command)
        assert (code, stdout) == (0, expected), (command, stderr)


ARGS_APP = """
import sys
import weft
from weft import app

async def main():
    print(list(app.args), flush=True)

if __name__ == "__main__":
    sys.exit(weft.run(main))
"""


def test_app_args_are_the_app_s_own_however_the_app_is_started(weft_command: str, tmp_path: Path) -> None:
    """What followed the app on its command line, without weft's flags and the program's
    name: the shape on_second_instance hands over (frozen: tests/e2e/test_package.py)."""
    app = _app(tmp_path, {"main.py": ARGS_APP})
    for command in ([weft_command, "run", str(app), "--no-sandbox", "notes.md", "--", "--fresh"],
                    [weft_command, "run", str(app), "notes.md", "--no-sandbox", "--", "--fresh"],
                    [sys.executable, str(app / "main.py"), "--no-sandbox", "notes.md", "--fresh"]):
        code, stdout, stderr = run_weft(command)
        assert (code, stdout) == (0, "['notes.md', '--fresh']\n"), (command, stderr)
    code, _, stderr = run_weft([weft_command, "types", str(app), "--", "x"])
    assert code == 2 and "unrecognized arguments: x" in stderr


OPTIONS_APP = """
import sys
import weft
from weft import app, window

async def start():
    win = await window.create_window(html="<p>x</p>")
    await win.close()
    print(app.name, app.id, flush=True)  # still running: no window is open
    app.quit(5)

sys.exit(weft.run(start, quit_on_last_window_closed=False, name="Kept Name", id="org.example.kept"))
"""


def test_the_app_module_s_own_run_options_hold_however_the_app_is_started(
    weft_command: str, tmp_path: Path
) -> None:
    """``weft run`` (and weft dev, frozen: the same loader) runs the main
    that the module's own weft.run() names, with the options it gives."""
    app = _app(tmp_path, {"main.py": OPTIONS_APP})
    for command in ([weft_command, "run", str(app), "--no-sandbox"],
                    [sys.executable, str(app / "main.py"), "--no-sandbox"]):
        code, stdout, stderr = run_weft(command)
        assert (code, stdout) == (5, "Kept Name org.example.kept\n"), (command, stderr)


def test_a_hello_app_prints_only_weft_s_own_lines(weft_command: str, tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.py": ROUND_TRIP_APP, "index.html": ROUND_TRIP_PAGE})
    code, stdout, stderr = run_weft([weft_command, "run", str(app), "--no-sandbox"])
    assert code == 0, stderr
    # Offscreen (QT_QPA_PLATFORM is set here, so weft need not say so): only
    # the sandbox line, which is weft's to say. Qt's and Chromium's harmless
    # start-up lines (no GPU, no Vulkan, no D-Bus) are hidden...
    assert stderr.splitlines() == ["weft: Chromium's sandbox is OFF for this process (you asked to run without it)."]
    # ...and come back with -v, where the sandbox line is said once, as a log record.
    code, stdout, stderr = run_weft([weft_command, "run", str(app), "--no-sandbox", "-v"])
    assert code == 0, stderr
    assert [line for line in stderr.splitlines() if "sandbox is OFF" in line] == [
        "weft.security: Chromium's sandbox is OFF for this process (you asked to run without it)."]
    assert "Sandboxing disabled by user." in stderr


def test_run_a_python_file(weft_command: str, tmp_path: Path) -> None:
    app = _app(tmp_path, {"myapp.py": ROUND_TRIP_APP, "index.html": ROUND_TRIP_PAGE})
    code, stdout, stderr = run_weft([weft_command, "run", str(app / "myapp.py"), "--no-sandbox"])
    assert (code, stdout) == (0, "result: 42 from window-1\n"), stderr


def test_run_a_folder_with_only_index_html(weft_command: str, tmp_path: Path) -> None:
    page = "<!DOCTYPE html><title>static</title><script>addEventListener('load', () => window.close())</script>"
    app = _app(tmp_path, {"index.html": page})
    code, _, stderr = run_weft([weft_command, "run", str(app), "--no-sandbox"])
    assert code == 0, stderr


def test_a_failing_main_exits_1_with_its_traceback(weft_command: str, tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.py": "async def main():\n    raise RuntimeError('broken app')\n"})
    code, _, stderr = run_weft([weft_command, "run", str(app), "--no-sandbox"])
    assert code == 1
    assert "RuntimeError: broken app" in stderr


def test_bad_paths_get_a_clear_message_not_a_traceback(weft_command: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_main = _app(tmp_path, {"main.py": "def main():\n    pass\n"})
    (tmp_path / "notes.txt").write_text("x")
    cases = {
        str(tmp_path / "missing"): "no such file or folder",
        str(empty): "has a main.py",
        str(no_main): "define `async def main()`",
        str(tmp_path / "notes.txt"): "give an app folder or a .py file",
    }
    for path, needle in cases.items():
        code, _, stderr = run_weft([weft_command, "run", path, "--no-sandbox"])
        assert code == 2, (path, stderr)
        assert needle in stderr and "Traceback" not in stderr, (path, stderr)
    code, _, stderr = run_weft([weft_command, "run"])  # the app's own arguments are optional
    assert code == 2 and stderr.endswith("the following arguments are required: path\n"), stderr


def test_the_sandbox_decision_is_never_silent(weft_command: str, tmp_path: Path) -> None:
    page = "<!DOCTYPE html><script>addEventListener('load', () => window.close())</script>"
    app = _app(tmp_path, {"index.html": page})
    code, _, stderr = run_weft([weft_command, "run", str(app)])
    if AS_ROOT:
        # Chromium cannot sandbox as root; weft stops and says what to do.
        assert code == 2
        assert "running as root" in stderr and "--no-sandbox" in stderr
    else:
        assert code == 0, stderr
        assert "sandbox is OFF" not in stderr
    code, _, stderr = run_weft([weft_command, "run", str(app), "--no-sandbox"])
    assert code == 0
    assert "Chromium's sandbox is OFF" in stderr
