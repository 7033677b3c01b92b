"""weft.dialog on the offscreen platform, which has no native dialogs: Qt's
own are shown, and weft.testing.answer_dialog answers them through their
widgets as a person would."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QFileDialog, QMessageBox

import weft
from tests.conftest import in_page, open_page
from weft import dialog
from weft.testing.dialogs import answer_dialog, dismiss_dialogs, next_dialog


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with a.txt, b.png, c.jpg and a sub-folder."""
    for name in ("a.txt", "b.png", "c.jpg"):
        (tmp_path / name).write_text(name)
    (tmp_path / "sub").mkdir()
    return tmp_path


@pytest.fixture(autouse=True)
def no_dialog_left(loop: asyncio.AbstractEventLoop) -> Any:
    yield
    assert dismiss_dialogs() == 0, "a dialog was left open"


def shown(kind: type[QDialog] = QDialog) -> list[QDialog]:
    """The visible dialogs of this kind, as Qt sees them."""
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


# -- open_file ---------------------------------------------------------------


def test_open_file_returns_the_file_answered(files: Path, arun: Callable[..., Any]) -> None:
    path, seen = arun(asyncio.gather(dialog.open_file(title="Pick one", directory=files),
                                     answer_dialog(files / "a.txt")))
    assert path == files / "a.txt" and path.is_absolute()
    assert seen.kind == "open_file" and seen.title == "Pick one"
    assert seen.directory == files and seen.window is None and not seen.multiple


def test_open_file_takes_a_name_in_the_directory_given(files: Path, arun: Callable[..., Any]) -> None:
    path, seen = arun(asyncio.gather(dialog.open_file(directory=files), answer_dialog("b.png")))
    assert (path, seen.directory) == (files / "b.png", files)


def test_open_file_multiple_returns_a_list(files: Path, arun: Callable[..., Any]) -> None:
    paths, seen = arun(asyncio.gather(dialog.open_file(directory=files, multiple=True),
                                      answer_dialog(["a.txt", files / "c.jpg"])))
    assert paths == [files / "a.txt", files / "c.jpg"] and seen.multiple
    one, _ = arun(asyncio.gather(dialog.open_file(directory=files, multiple=True), answer_dialog("b.png")))
    assert one == [files / "b.png"]


def test_open_file_from_another_folder(files: Path, tmp_path_factory: pytest.TempPathFactory,
                                       arun: Callable[..., Any]) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "d.txt"
    elsewhere.write_text("d")
    path, _ = arun(asyncio.gather(dialog.open_file(directory=files), answer_dialog(elsewhere)))
    assert path == elsewhere


def test_cancel_returns_none(files: Path, arun: Callable[..., Any]) -> None:
    for call in (dialog.open_file(directory=files), dialog.open_file(directory=files, multiple=True),
                 dialog.open_folder(directory=files), dialog.save_file(directory=files, name="x.txt")):
        result, _ = arun(asyncio.gather(call, answer_dialog(None)))
        assert result is None


def test_the_filters_are_shown_in_order(files: Path, arun: Callable[..., Any]) -> None:
    filters = {"Images": ["*.png", "*.jpg"], "All files": ["*"]}
    path, seen = arun(asyncio.gather(dialog.open_file(directory=files, filters=filters), answer_dialog("c.jpg")))
    assert seen.filters == ("Images (*.png *.jpg)", "All files (*)")
    assert path == files / "c.jpg"
    _, unfiltered = arun(asyncio.gather(dialog.open_file(directory=files), answer_dialog(None)))
    assert unfiltered.filters == ("All Files (*)",)  # Qt's own, without filters


def test_a_file_that_does_not_exist_is_not_taken(files: Path, arun: Callable[..., Any]) -> None:
    async def main() -> None:
        call = asyncio.ensure_future(dialog.open_file(directory=files))
        with pytest.raises(weft.ArgumentError, match=r"did not take 'nope.txt': its Open button stays disabled"):
            await answer_dialog("nope.txt")
        assert await call is None  # the helper gave up, as a person would
        for call in (dialog.open_file(directory=files), dialog.save_file(directory=files)):
            call = asyncio.ensure_future(call)  # a folder where a file goes: Qt's dialog opens the folder
            with pytest.raises(weft.ArgumentError, match=r"did not take 'sub': it stayed open"):
                await answer_dialog("sub")
            assert await call is None
        for wrong in (["a.txt", "b.png"], True, []):
            call = asyncio.ensure_future(dialog.open_file(directory=files))
            with pytest.raises(weft.ArgumentError, match="takes one path|answered with a path"):
                await answer_dialog(wrong)
            assert await call is None

    arun(main())


# -- open_folder and save_file -------------------------------------------------


def test_open_folder_returns_the_folder(files: Path, arun: Callable[..., Any]) -> None:
    path, seen = arun(asyncio.gather(dialog.open_folder(directory=files), answer_dialog(files / "sub")))
    assert path == files / "sub" and seen.kind == "open_folder" and seen.directory == files


def test_save_file_prefills_the_name_in_the_directory(files: Path, arun: Callable[..., Any]) -> None:
    path, seen = arun(asyncio.gather(dialog.save_file(directory=files, name="report.txt"),
                                     answer_dialog("report.txt")))
    assert path == files / "report.txt" and not path.exists()
    assert (seen.kind, seen.name, seen.directory, seen.asked) == ("save_file", "report.txt", files, ())


def test_save_file_appends_the_filter_extension(files: Path, arun: Callable[..., Any]) -> None:
    filters = {"Text": ["*.txt"], "Images": ["*.png", "*.jpg"]}
    path, seen = arun(asyncio.gather(dialog.save_file(directory=files, filters=filters), answer_dialog("notes")))
    assert path == files / "notes.txt" and seen.filters == ("Text (*.txt)", "Images (*.png *.jpg)")
    kept, _ = arun(asyncio.gather(dialog.save_file(directory=files, filters=filters), answer_dialog("notes.md")))
    assert kept == files / "notes.md"
    plain, _ = arun(asyncio.gather(dialog.save_file(directory=files), answer_dialog("notes")))
    assert plain == files / "notes"


def test_save_file_appends_the_extension_of_the_filter_chosen(files: Path, arun: Callable[..., Any]) -> None:
    async def main() -> None:
        filters = {"Text": ["*.txt"], "Markdown": ["*.md"]}
        call = asyncio.ensure_future(dialog.save_file(directory=files, filters=filters))
        box = await next_dialog()
        QTest.keyClick(box.findChild(QComboBox, "fileTypeCombo"), Qt.Key.Key_Down)  # the person picks Markdown
        await answer_dialog("notes")
        assert await call == files / "notes.md"

    arun(main())


def test_saving_over_a_file_asks_first(files: Path, arun: Callable[..., Any]) -> None:
    path, seen = arun(asyncio.gather(dialog.save_file(directory=files), answer_dialog("a.txt")))
    assert path == files / "a.txt"
    assert len(seen.asked) == 1 and "a.txt already exists" in seen.asked[0]


# -- message and confirm -------------------------------------------------------


def test_message_returns_the_label_pressed(arun: Callable[..., Any]) -> None:
    buttons = ("Save", "Don't save", "Save & quit")
    label, seen = arun(asyncio.gather(
        dialog.message("Unsaved changes", title="Notes", kind="warning", buttons=buttons),
        answer_dialog("Save & quit")))
    assert label == "Save & quit"
    assert (seen.kind, seen.title, seen.text, seen.icon) == ("message", "Notes", "Unsaved changes", "warning")
    assert (seen.buttons, seen.default) == (buttons, "Save")


def test_message_text_is_shown_as_written(arun: Callable[..., Any]) -> None:
    async def main() -> None:
        call = asyncio.ensure_future(dialog.message('<img src="/etc/x.png"><b>bold?</b>', kind="error"))
        box = await next_dialog()
        assert isinstance(box, QMessageBox) and box.textFormat() == Qt.TextFormat.PlainText
        assert (await answer_dialog("OK")).text == '<img src="/etc/x.png"><b>bold?</b>'
        assert await call == "OK"

    arun(main())


def test_message_kinds_show_their_icons(arun: Callable[..., Any]) -> None:
    for kind in ("info", "warning", "error", "question"):
        label, seen = arun(asyncio.gather(dialog.message("x", kind=kind), answer_dialog("OK")))
        assert (label, seen.icon, seen.buttons) == ("OK", kind, ("OK",))


def test_escape_dismisses_a_message(arun: Callable[..., Any]) -> None:
    label, _ = arun(asyncio.gather(dialog.message("x", buttons=("Retry", "Abort")), answer_dialog(None)))
    assert label is None
    # An alert's only button is also its dismissal.
    label, _ = arun(asyncio.gather(dialog.message("x"), answer_dialog(None)))
    assert label == "OK"


def test_closing_a_message_dismisses_it(arun: Callable[..., Any]) -> None:
    async def main() -> None:
        call = asyncio.ensure_future(dialog.message("x", buttons=("Retry", "Abort")))
        box = await next_dialog()
        # Native where the desktop has them (Qt never shows a subclass of QMessageBox natively).
        assert not box.testOption(QMessageBox.Option.DontUseNativeDialog)
        box.close()
        assert await call is None

    arun(main())


def test_confirm(arun: Callable[..., Any]) -> None:
    for answer, expected in ((True, True), ("OK", True), (False, False), ("Cancel", False), (None, False)):
        result, seen = arun(asyncio.gather(dialog.confirm("Delete it?", title="Sure?"), answer_dialog(answer)))
        assert result is expected
    assert (seen.kind, seen.text, seen.title, seen.icon) == ("confirm", "Delete it?", "Sure?", "question")
    assert (seen.buttons, seen.default) == (("OK", "Cancel"), "OK")


def test_a_label_not_on_the_box(arun: Callable[..., Any]) -> None:
    async def main() -> None:
        call = asyncio.ensure_future(dialog.message("x", buttons=("Yes", "No")))
        with pytest.raises(weft.ArgumentError, match=r"no button 'Maybe'; it has 'Yes', 'No'"):
            await answer_dialog("Maybe")
        assert await call is None

    arun(main())


# -- windows, modality and the loop ------------------------------------------


def test_a_dialog_is_modal_to_its_window(runtime: weft.Runtime, files: Path, arun: Callable[..., Any]) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>main</p>", id="main")
        for ref in (win, "main"):
            call = asyncio.ensure_future(dialog.open_file(window=ref, directory=files))
            box = await next_dialog()
            assert isinstance(box, QFileDialog) and box.parentWidget() is win.native
            assert box.windowModality() == Qt.WindowModality.WindowModal
            # Native where the desktop has them: weft leaves the choice to Qt.
            assert not box.testOption(QFileDialog.Option.DontUseNativeDialog)
            seen = await answer_dialog(files / "a.txt")
            assert (await call, seen.window) == (files / "a.txt", "main")
        call = asyncio.ensure_future(dialog.confirm("?", window=win))
        box = await next_dialog()
        assert isinstance(box, QMessageBox) and box.parentWidget() is win.native
        assert box.windowModality() == Qt.WindowModality.WindowModal
        assert not box.testOption(QMessageBox.Option.DontUseNativeDialog)
        seen = await answer_dialog(True)
        assert (await call, seen.window) == (True, "main")

    arun(main())


def test_without_a_window_a_dialog_is_application_modal(files: Path, arun: Callable[..., Any]) -> None:
    async def main() -> None:
        for call, answer in ((dialog.message("x"), "OK"), (dialog.open_folder(directory=files), None)):
            call = asyncio.ensure_future(call)
            box = await next_dialog()
            assert box.parentWidget() is None
            assert box.windowModality() == Qt.WindowModality.ApplicationModal
            seen = await answer_dialog(answer)
            assert (await call, seen.window) == (answer, None)

    arun(main())


def test_an_unknown_window_is_refused(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    for call in (dialog.open_file(window="ghost"), dialog.message("x", window="ghost"),
                 dialog.confirm("x", window="ghost"), dialog.open_folder(window=42)):  # type: ignore[arg-type]
        with pytest.raises(weft.WindowNotFoundError):
            arun(call)
    assert shown() == []


def test_the_loop_keeps_running_while_a_dialog_is_open(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>main</p>")
        runtime.handle("echo", lambda payload, window_id: payload)
        call = asyncio.ensure_future(dialog.message("Waiting", window=win, buttons=("Done",)))
        box = await next_dialog()
        for n in range(3):  # IPC round trips through the page while the box waits
            outcome = await in_page(runtime, win, f'return await runtime.invoke("echo", {n})')
            assert outcome == {"id": outcome["id"], "ok": True, "value": n}
        assert not call.done() and box.isVisible()
        await answer_dialog("Done")
        assert await call == "Done"

    arun(main())


def test_cancelling_the_call_closes_the_dialog(runtime: weft.Runtime, files: Path,
                                              arun: Callable[..., Any]) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>main</p>")
        for make in (lambda: dialog.open_file(directory=files), lambda: dialog.confirm("?", window=win)):
            call = asyncio.ensure_future(make())
            box = await next_dialog()
            closed: list[int] = []
            box.finished.connect(closed.append)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            assert closed == [QDialog.DialogCode.Rejected] and shown() == []

    arun(main())


def test_closing_the_window_ends_its_dialog(runtime: weft.Runtime, files: Path, arun: Callable[..., Any]) -> None:
    async def main() -> None:
        for make in (lambda w: dialog.save_file(window=w, directory=files), lambda w: dialog.confirm("?", window=w)):
            win = await open_page(runtime, "<p>main</p>")
            call = asyncio.ensure_future(make(win))
            await next_dialog()
            await win.close()
            assert await call in (None, False)
            assert shown() == []

    arun(main())


def test_a_finished_dialog_is_deleted(runtime: weft.Runtime, files: Path, arun: Callable[..., Any]) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>main</p>")  # its widget would keep a dialog left to it
        for make, answer in ((lambda: dialog.open_file(window=win, directory=files), "a.txt"),
                             (lambda: dialog.message("x", window=win), "OK"),
                             (lambda: dialog.confirm("x", window=win), None)):
            call = asyncio.ensure_future(make())
            box = await next_dialog()
            gone = asyncio.get_running_loop().create_future()
            box.destroyed.connect(lambda: gone.set_result(True))
            await answer_dialog(answer)
            await call
            assert await asyncio.wait_for(gone, 5)

    arun(main())


def test_answer_dialog_times_out_without_a_dialog(arun: Callable[..., Any]) -> None:
    with pytest.raises(TimeoutError, match="no weft dialog"):
        arun(answer_dialog("OK", timeout=0.2))


# -- arguments -------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda d: dialog.open_file(filters={"Text": "*.txt"}), r"filter 'Text' takes a non-empty list"),
    (lambda d: dialog.open_file(filters={"Text": []}), r"filter 'Text' takes a non-empty list"),
    (lambda d: dialog.open_file(filters={}), r"filters maps names to glob patterns"),
    (lambda d: dialog.open_file(filters=["*.txt"]), r"filters maps names to glob patterns"),
    (lambda d: dialog.open_file(filters={"": ["*"]}), r"a filter's name is a one-line string"),
    (lambda d: dialog.save_file(filters={"Text": ["*.txt *.md"]}), r"'\*.txt \*.md' is not a glob pattern"),
    (lambda d: dialog.open_file(filters={"Text": [3]}), r"3 is not a glob pattern"),
    (lambda d: dialog.open_file(directory=d / "missing"), r"directory '.*missing' does not exist"),
    (lambda d: dialog.open_folder(directory=d / "a.txt"), r"directory '.*a.txt' is not a folder"),
    (lambda d: dialog.open_file(directory=3), r"directory is a folder's path, not 3"),
    (lambda d: dialog.open_file(multiple="yes"), r"multiple is True or False"),
    (lambda d: dialog.open_file(title=5), r"title is a string or None, not 5"),
    (lambda d: dialog.save_file(name="sub/x.txt"), r"name is a file name \(the folder goes in directory=\)"),
    (lambda d: dialog.save_file(name=""), r"name is a file name"),
    (lambda d: dialog.message(None), r"text is a string, not None"),
    (lambda d: dialog.message("x", kind="fatal"), r"kind is 'info', 'warning', 'error' or 'question', not 'fatal'"),
    (lambda d: dialog.message("x", kind=["info"]), r"kind is 'info', 'warning', 'error' or 'question', not \['info'\]"),
    (lambda d: dialog.message("x", buttons="OK"), r"buttons is a non-empty list of labels"),
    (lambda d: dialog.message("x", buttons=()), r"buttons is a non-empty list of labels"),
    (lambda d: dialog.message("x", buttons=("OK", "")), r"a button's label is a non-empty string"),
    (lambda d: dialog.message("x", buttons=("OK", "OK")), r"the same label twice"),
    (lambda d: dialog.confirm(b"x"), r"text is a string"),
])
def test_bad_arguments_are_refused(call: Callable[[Path], Any], message: str, files: Path,
                                   arun: Callable[..., Any]) -> None:
    with pytest.raises(weft.ArgumentError, match=message):
        arun(call(files))
    assert shown() == []


def test_without_a_qapplication_a_dialog_says_how_to_start_weft() -> None:
    # A fresh process: this one has pytest-qt's QApplication.
    import subprocess
    import sys

    script = """
import asyncio, weft
from weft import dialog
for call in (dialog.open_file(), dialog.open_folder(), dialog.save_file(), dialog.message("x"), dialog.confirm("x")):
    try:
        asyncio.run(call)
    except weft.RuntimeClosedError as error:
        print(error)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 5 and all("no QApplication: start weft with weft.run(main)" in line for line in lines), out
