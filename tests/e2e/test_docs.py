"""The code samples of README and docs/ run as written."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.e2e.conftest import Running, clean_env, private_env

ROOT = Path(__file__).resolve().parents[2]


def code_blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page.read_text("utf-8"), re.S)


def test_the_readme_tour_runs_as_written(weft_command: str, tmp_path: Path) -> None:
    readme = ROOT / "README.md"
    tour = next(block for block in code_blocks(readme, "python") if "ipc.invoke(win.id, \"title\")" in block)
    page = next(block for block in code_blocks(readme, "html") if "runtime.handle(\"title\"" in block)
    (tmp_path / "main.py").write_text(tour)
    (tmp_path / "index.html").write_text("<!DOCTYPE html>\n" + page)
    process = subprocess.Popen([weft_command, "run", str(tmp_path), "--no-sandbox", "-v"], env=clean_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        assert lines.get(timeout=30) == "My App\n"  # Python's invoke("title") came back
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        reader.join(timeout=30)  # to the end of its stderr
    assert code == 130
    # The page's invoke("add") came back too, and it logged the sum.
    assert any(line.startswith("weft.console: [window-1] 5 (") for line in stderr), stderr


def test_the_weft_testing_sample_passes_in_a_new_app(weft_command: str, tmp_path: Path) -> None:
    sample = code_blocks(ROOT / "docs" / "dev.md", "python")
    assert len(sample) == 1
    subprocess.run([weft_command, "new", "hello"], cwd=tmp_path, env=clean_env(), check=True, capture_output=True)
    (tmp_path / "hello" / "tests" / "test_docs_sample.py").write_text(sample[0])
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path / "hello",
                          env=clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].startswith("3 passed"), done.stdout


def test_the_desktop_app_sample_and_its_tests_pass(weft_command: str, tmp_path: Path) -> None:
    """docs/platform.md's app (menus, dialogs, a notification, the tray,
    drops) in a new app, tested by the page's own test sample: menus picked
    and dialogs answered through Qt's widgets."""
    page = ROOT / "docs" / "platform.md"
    main = next(block for block in code_blocks(page, "python") if "weft.run(main)" in block and "MENU" in block)
    index = next(block for block in code_blocks(page, "html") if "<title>Jot</title>" in block)
    tests = next(block for block in code_blocks(page, "python") if "pick_menu_item" in block)
    subprocess.run([weft_command, "new", "jot"], cwd=tmp_path, env=clean_env(), check=True, capture_output=True)
    app = tmp_path / "jot"
    (app / "main.py").write_text(main)
    (app / "index.html").write_text(index)
    (app / "tests" / "test_app.py").unlink()  # the scaffold's own tests are for its own page
    (app / "tests" / "test_jot.py").write_text(tests)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=app,
                          env=clean_env(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].startswith("2 passed"), done.stdout


def test_the_platform_sample_runs_as_written(weft_command: str, tmp_path: Path) -> None:
    sample = next(block for block in code_blocks(ROOT / "docs" / "platform.md", "python")
                  if "clipboard.write_html" in block)
    (tmp_path / "main.py").write_text(sample)
    done = subprocess.run([weft_command, "run", str(tmp_path), "--no-sandbox"], env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Done" and lines[1].endswith(" True True"), done.stdout


def test_the_lifecycle_sample_remembers_and_runs_once(weft_command: str, tmp_path: Path) -> None:
    """docs/lifecycle.md's Shelf, as its page says to use it: a link at
    launch, a second launch handing over another, and a restart that finds
    the books and the window's place again."""
    page = ROOT / "docs" / "lifecycle.md"
    app = tmp_path / "shelf"
    app.mkdir()
    (app / "weft.toml").write_text(next(b for b in code_blocks(page, "toml") if 'id = "org.example.shelf"' in b))
    (app / "main.py").write_text(next(b for b in code_blocks(page, "python") if "app.on_open_url" in b))
    (app / "index.html").write_text(next(b for b in code_blocks(page, "html") if "<title>Shelf</title>" in b))
    env = private_env(tmp_path)
    books = tmp_path / "xdg_data_home" / "org.example.shelf" / "books.json"

    def shelf_is(expected: list[str]) -> None:
        deadline = time.monotonic() + 30
        while not (books.exists() and json.loads(books.read_text() or "null") == expected):
            assert time.monotonic() < deadline, f"books.json never became {expected}"
            time.sleep(0.05)  # polling a file another process writes: the condition is what is waited for

    first = Running([weft_command, "run", str(app), "--no-sandbox", "shelf://book/1"], env=env)
    try:
        first.wait_for_stdout("Shelf 1.0.0: 0 books")
        shelf_is(["1"])
        second = subprocess.run([weft_command, "run", str(app), "--no-sandbox", "shelf://book/2"], env=env,
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == 0 and second.stdout == "", second.stderr
        shelf_is(["1", "2"])
    finally:
        first.process.send_signal(signal.SIGINT)
        code, _, stderr = first.finish()
    assert code == 130, stderr
    assert (tmp_path / "xdg_config_home" / "org.example.shelf" / "windows.json").is_file()
    again = Running([weft_command, "run", str(app), "--no-sandbox"], env=env)
    try:
        again.wait_for_stdout("Shelf 1.0.0: 2 books")
    finally:
        again.process.send_signal(signal.SIGINT)
        again.finish()


def test_the_testing_page_s_app_passes_its_tests(weft_command: str, tmp_path: Path) -> None:
    """docs/testing.md's app and its tests, in an app made by `weft new`, run
    as that page says: `python -m pytest` in the app's folder."""
    page = ROOT / "docs" / "testing.md"
    blocks = code_blocks(page, "python")
    main = next(block for block in blocks if "weft.run(main)" in block)
    tests = next(block for block in blocks if "from weft.testing import" in block)
    index = next(block for block in code_blocks(page, "html") if "<title>List</title>" in block)
    assert len(blocks) == 2 and len(code_blocks(page, "html")) == 1  # every sample on the page runs here
    subprocess.run([weft_command, "new", "list"], cwd=tmp_path, env=clean_env(), check=True, capture_output=True)
    app = tmp_path / "list"
    (app / "main.py").write_text(main)
    (app / "index.html").write_text(index)
    (app / "tests" / "test_app.py").unlink()  # the scaffold's own tests are for its own page
    (app / "tests" / "test_list.py").write_text(tests)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=app,
                          env=clean_env(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].startswith("4 passed"), done.stdout


def test_the_readme_testing_sample_passes_in_a_new_app(weft_command: str, tmp_path: Path) -> None:
    readme = ROOT / "README.md"
    sample = next(block for block in code_blocks(readme, "python") if "from weft.testing import" in block)
    subprocess.run([weft_command, "new", "hello"], cwd=tmp_path, env=clean_env(), check=True, capture_output=True)
    (tmp_path / "hello" / "tests" / "test_readme.py").write_text(sample)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_readme.py"],
                          cwd=tmp_path / "hello", env=clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].startswith("1 passed"), done.stdout


# What docs/typed-channels.md says a page hears and Python raises, beside its own test.
TYPED_MESSAGES = '''
import pytest

import weft
from weft import ipc
from weft.testing import evaluate


@pytest.mark.weft
async def test_the_messages_the_page_quotes(weft_app):
    win = await weft_app.window()
    heard = """new Promise((resolve) => { runtime.on("runtime:error", (e) => resolve(e.message));
                                       runtime.send("done", "3"); })"""
    assert await evaluate(win, heard) == 'runtime.send(\\'done\\'): payload: expected an integer, got "3"'
    task = weft_app.module.Task(id=1, title=3, priority="low")
    with pytest.raises(weft.PayloadError) as refused:
        await ipc.broadcast([win.id], "tasks", [task])
    assert str(refused.value) == "payload[0].title: expected a string, got 3"
'''


def test_the_typed_channels_app_types_compile_and_its_tests_pass(weft_command: str, tmp_path: Path,
                                                                   tsc: list[str]) -> None:
    page = ROOT / "docs" / "typed-channels.md"
    python = code_blocks(page, "python")
    subprocess.run([weft_command, "new", "todo"], cwd=tmp_path, env=clean_env(), check=True, capture_output=True)
    app = tmp_path / "todo"
    (app / "main.py").write_text(next(block for block in python if "weft.run(main)" in block))
    (app / "index.html").write_text(code_blocks(page, "html")[0])
    (app / "app.js").write_text(code_blocks(page, "js")[0])
    (app / "jsconfig.json").write_text(code_blocks(page, "json")[0])
    (app / "tests" / "test_app.py").unlink()  # the scaffold's tests are for its own page
    (app / "tests" / "test_todo.py").write_text(next(block for block in python if "weft_app" in block))
    (app / "tests" / "test_messages.py").write_text(TYPED_MESSAGES)

    done = subprocess.run([weft_command, "types", "."], cwd=app, env=clean_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert (app / "types" / "weft-app.d.ts").read_text() == code_blocks(page, "ts")[0]  # the page shows it as written

    checked = subprocess.run([*tsc, "-p", "jsconfig.json"], cwd=app, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout
    app_js = app / "app.js"
    app_js.write_text(app_js.read_text().replace('priority: "high"', 'priority: "urgent"'))
    checked = subprocess.run([*tsc, "-p", "jsconfig.json"], cwd=app, capture_output=True, text=True, timeout=300)
    (error,) = code_blocks(page, "text")[:1]
    assert checked.returncode != 0 and checked.stdout == error, checked.stdout
    app_js.write_text(code_blocks(page, "js")[0])

    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=app,
                           env=clean_env(), capture_output=True, text=True, timeout=180)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert tests.stdout.splitlines()[-1].startswith("2 passed"), tests.stdout


def test_the_readme_typed_channels_sample_types_as_it_says(weft_command: str, tmp_path: Path) -> None:
    sample = next(block for block in code_blocks(ROOT / "README.md", "python") if "@ipc.handler" in block)
    (tmp_path / "main.py").write_text(sample + "\n\nasync def main():\n    pass\n")
    done = subprocess.run([weft_command, "types", str(tmp_path)], env=clean_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "2 declared channel(s)" in done.stdout, done.stderr
    text = (tmp_path / "types" / "weft-app.d.ts").read_text()
    assert '"add-task": { payload: NewTask; result: number };' in text and '"done": number;' in text
    assert 'priority: "low" | "high";' in text
