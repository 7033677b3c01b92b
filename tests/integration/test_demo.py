"""The demo app behind ``weft demo``, driven like a user would: two windows
talking through Python."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

import weft
from tests.conftest import js_value_until as _until
from tests.conftest import until
from weft import demo
from weft.testing.dialogs import answer_dialog
from weft.testing.menus import menu_items, pick_menu_item


def test_demo_two_windows_talk_through_python(arun: Any) -> None:
    rt = weft.Runtime(app_dir=demo.APP_DIR)

    async def main() -> None:
        with rt.activated():
            await demo.main()
            main_window, activity = rt.window("main"), rt.window("activity")
            await activity.wait_ready()
            # Python asked the main page about itself with ipc.invoke.
            await _until(activity, "document.getElementById('log').textContent.includes('page-info')", True)
            for button in ("submit", "submit", "cancel"):
                await main_window.evaluate(f"document.getElementById('{button}').click()")
            # The answer to the clicking window, and the count broadcast to both.
            await _until(main_window, "document.getElementById('status').textContent", "Processed cancel")
            await _until(main_window, "document.getElementById('clicks').textContent", "3")
            await _until(activity, "document.getElementById('clicks').textContent", "3")
            # runtime.invoke → Python handler → result on screen.
            await main_window.evaluate("document.getElementById('text').value = 'abc'")
            await main_window.evaluate("document.getElementById('reverse').click()")
            await _until(main_window, "document.getElementById('reversed').textContent", "cba (3 characters)")
            # The plugins: Notes loads and saves through the host; Mischief is
            # refused everything and says so on its own screen.
            notes, mischief, counter = rt.plugins
            await _until(notes, "document.getElementById('text').value", "A note kept by the host.\nEdit it and save.")
            await notes.evaluate("document.getElementById('text').value = 'saved by a test'; 1")
            await notes.evaluate("document.getElementById('save').click(); 1")
            await _until(notes, "document.getElementById('status').textContent", "saved (15 characters)")
            await _until(activity, "document.getElementById('log').textContent.includes('15 characters from plugin:notes')", True)
            await _until(mischief, "document.getElementById('summary').textContent", "All 19 attempts were refused.", 30)
            await _until(activity, "document.getElementById('log').textContent.includes('19 of 19 attempts refused')", True)
            # The counter plugin renders into the main window (vue-remote);
            # clicks there run its handlers and reach Python.
            count = "document.querySelector('#remote-panel .remote-count')?.textContent ?? null"
            assert await _until(main_window, count) == "0"
            for _ in range(2):
                await main_window.evaluate("document.querySelector('[data-id=panel-plus]').click(); 1")
            await _until(main_window, count, "2")
            await _until(activity, "document.getElementById('log').textContent.includes(\"count is 2\")", True)
            # Its channels are declared: a payload of the wrong shape is refused, naming the field.
            await main_window.evaluate("""runtime.on("runtime:error", (e) => { window.refusedWith = e.message; });
                runtime.send("button-click", {buttonId: 7}); 1""")
            await _until(main_window, "window.refusedWith ?? null",
                         "runtime.send('button-click'): payload.buttonId: expected a string, got 7")
            assert await main_window.evaluate("document.getElementById('clicks').textContent") == "3"
            # Window events from the main window show up in the activity window.
            main_window.set_size(700, 500)
            await _until(activity, "document.getElementById('log').textContent.includes('resize')", True)
            # Closing the main window closes the demo.
            await main_window.close()
            await asyncio.wait_for(rt.wait_until_closed(), 10)
            assert [p.state.value for p in rt.plugins] == ["stopped", "stopped", "stopped"]

    try:
        arun(main())
    finally:
        arun(rt.shutdown())


def test_demo_menus_dialogs_and_drops(arun: Any, tmp_path: Path) -> None:
    """The demo as a person uses its desktop side: File ▸ Open through the
    menu bar and the page's button, a file dropped on the window, View ▸
    Activity window, File ▸ Save the note as… (a notification follows), and
    Help ▸ About."""
    picked = tmp_path / "picked.txt"
    picked.write_text("twelve bytes")
    dropped = tmp_path / "dropped.png"
    dropped.write_bytes(b"x")
    rt = weft.Runtime(app_dir=demo.APP_DIR)
    files = "document.getElementById('files').textContent"

    async def main() -> None:
        with rt.activated():
            await demo.main()
            main_window, activity = rt.window("main"), rt.window("activity")
            assert [entry["label"] for entry in menu_items(main_window)] == ["&File", "&View", "&Help"]
            # File ▸ Open a file… (Ctrl+O): a dialog modal to the main window.
            seen, _ = await asyncio.gather(answer_dialog(picked), pick_menu_item(main_window, "open"))
            assert seen.kind == "open_file" and seen.title == "Open a file"
            await _until(main_window, files, "opened picked.txt (12 bytes)")
            # The page's own button asks Python for the same dialog; cancelling changes nothing.
            await main_window.evaluate("document.getElementById('open-file').click(); 1")
            await answer_dialog(None)
            assert await main_window.evaluate(files) == "opened picked.txt (12 bytes)"
            # A file dropped on the window: Python hears "drop" and tells the page.
            await drop_files(main_window, [dropped])
            await _until(main_window, files, "dropped: dropped.png")
            # View ▸ Activity window (checked) hides the activity window, and shows it again.
            await pick_menu_item(main_window, "activity")
            await until(lambda: not activity.visible)
            await pick_menu_item(main_window, "activity")
            await until(lambda: activity.visible)
            # File ▸ Save the note as…: a save dialog, the file written, then a
            # notification (which this headless machine cannot show: send says so).
            target = tmp_path / "saved.txt"
            seen, _ = await asyncio.gather(answer_dialog(target), pick_menu_item(main_window, "save-note"))
            assert seen.kind == "save_file"
            await _until(activity, f"document.getElementById('log').textContent.includes({str(target)!r})", True)
            assert target.read_text() == "A note kept by the host.\nEdit it and save."
            # Help ▸ About: a message box, answered with its one button.
            seen, _ = await asyncio.gather(answer_dialog("OK"), pick_menu_item(main_window, "about"))
            assert seen.kind == "message" and "weft.menu" in seen.text
            # View ▸ Restart the counter plugin: the panel it renders pairs
            # again by itself and shows the fresh plugin's count.
            count = "document.querySelector('#remote-panel .remote-count')?.textContent ?? null"
            await _until(main_window, count)
            await main_window.evaluate("document.querySelector('[data-id=panel-plus]').click(); 1")
            await _until(main_window, count, "1")
            await pick_menu_item(main_window, "restart-counter")
            await _until(main_window, count, "0", 30)
            await main_window.evaluate("document.querySelector('[data-id=panel-plus]').click(); 1")
            await _until(main_window, count, "1")
            # File ▸ Quit closes the demo.
            await pick_menu_item(main_window, "quit")
            await asyncio.wait_for(rt.wait_until_closed(), 10)

    try:
        arun(main(), timeout=90)
    finally:
        arun(rt.shutdown())



async def drop_files(win: weft.Window, paths: list[Path]) -> None:
    """Drop ``paths`` on the window as a file manager would (Qt's own drag events)."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    view, at = win.native.view, QPoint(200, 200)
    args = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, QDragEnterEvent(at, *args))
    QApplication.sendEvent(view, QDragMoveEvent(at, *args))
    QApplication.sendEvent(view, QDropEvent(QPointF(at), *args))


def test_the_demo_declares_its_channels_and_the_notes_plugin_gets_its_share(tmp_path: Path) -> None:
    from weft import typegen

    everything = typegen.app_types(tmp_path / "app")
    demo_channels = {"activity", "button-click", "button-response", "file-opened", "files-dropped",
                     "mischief:report", "notes:load", "notes:save", "open-file", "panel-changed", "reverse",
                     "state-update"}
    assert demo_channels <= set(everything.channels)  # with those other test modules declare
    notes = typegen.plugin_types(demo.PLUGINS_DIR / "notes", tmp_path / "notes")
    assert (notes.channels, notes.untyped) == (("notes:load", "notes:save"), ())
    text = notes.path.read_text()
    assert '"notes:save": { payload: Note; result: Saved };' in text and '"notes:load": Note;' in text
    assert "reverse" not in text
