"""A page's alert(), confirm() and prompt(): an app page shows Qt's dialogs,
modal to its window, with the text as plain text; closing the window while
one is up closes it first instead of freeing the page under it (which
aborted the process). Plugin pages show none (tests/security)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QMessageBox

import weft
from tests.conftest import open_page, until


def open_dialog(kind: type[QDialog]) -> QDialog | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_an_app_page_s_dialogs_show_plain_text_and_answer_the_page(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>page</p>")
        said = asyncio.ensure_future(win.evaluate("alert('<b>not bold</b>'); 'after the alert'"))
        box = await until(lambda: open_dialog(QMessageBox))
        assert (box.text(), box.textFormat().name, box.parentWidget() is win.native) == \
            ("<b>not bold</b>", "PlainText", True)
        box.accept()
        assert await said == "after the alert"

        for press, expected in ((QMessageBox.StandardButton.Ok, True), (QMessageBox.StandardButton.Cancel, False)):
            asked = asyncio.ensure_future(win.evaluate("confirm('sure?')"))
            box = await until(lambda: open_dialog(QMessageBox))
            box.button(press).click()
            assert await asked is expected

        asked = asyncio.ensure_future(win.evaluate("prompt('your name', 'anon')"))
        prompt = await until(lambda: open_dialog(QInputDialog))
        assert (prompt.labelText(), prompt.textValue()) == ("your name", "anon")
        prompt.setTextValue("Ada")
        prompt.accept()
        assert await asked == "Ada"
        asked = asyncio.ensure_future(win.evaluate("prompt('again')"))
        (await until(lambda: open_dialog(QInputDialog))).reject()
        assert await asked is None

    arun(main())


CLOSE_DURING_ALERT = """
import asyncio, sys
import weft
from weft import window
from PySide6.QtWidgets import QApplication, QMessageBox

async def main():
    app = QApplication.instance()
    shown = asyncio.get_running_loop().create_future()

    def on_focus(*_):  # the alert takes the focus as it shows
        if not shown.done() and isinstance(app.activeModalWidget(), QMessageBox):
            shown.set_result(None)

    app.focusWindowChanged.connect(on_focus)
    win = await window.create_window(title="a", html="<script>setTimeout(() => { for (;;) alert('again') }, 50)</script>")
    await asyncio.wait_for(shown, 20)
    await win.close()
    print("closed during its alert", flush=True)

sys.exit(weft.run(main, no_sandbox=True))
"""


def test_closing_a_window_during_its_alert_closes_the_alert_first(tmp_path: Path) -> None:
    # In a process of its own: before the fix, Qt freed the page inside the
    # alert's event loop and glibc aborted the whole process.
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(CLOSE_DURING_ALERT))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert (run.returncode, run.stdout.strip()) == (0, "closed during its alert"), run.stderr[-3000:]
    # Deleted from inside the alert's loop, the page (and the dialog with its
    # window) went while its call was still on the stack.
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
