"""weft.tray on the offscreen platform, which has no system tray: it says
so plainly, and a tray's icon, menu and clicks still work as objects.
(tests/desktop embeds and clicks one in a real tray host.)"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QCoreApplication, QEvent, QIODevice
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

import weft
from weft import menu, tray
from weft.testing.menus import menu_items, pick_menu_item

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")

Reason = QSystemTrayIcon.ActivationReason


def png(color: str = "#3366cc") -> bytes:
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    image.fill(QColor(color))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def colour_of(icon: QIcon) -> str:
    return icon.pixmap(8, 8).toImage().pixelColor(4, 4).name()


@pytest.fixture
def made(qapp: Any) -> list[tray.Tray]:
    """Trays a test makes, removed after it."""
    trays: list[tray.Tray] = []
    yield trays
    for each in trays:
        each.remove()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_offscreen_has_no_tray_and_show_says_so_once(made: list[tray.Tray], caplog: pytest.LogCaptureFixture) -> None:
    assert weft.tray is tray
    assert tray.available() is False
    made.append(tray.Tray(tooltip="no tray here"))
    with caplog.at_level(logging.INFO, logger="weft.tray"):
        assert made[0].show() is False
    lines = [r for r in caplog.records if r.name == "weft.tray"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert "no system tray on this desktop" in lines[0].getMessage() and "offscreen" in lines[0].getMessage()
    assert made[0].visible is False


def test_a_trays_menu_is_built_and_chosen_from(made: list[tray.Tray], arun: Any) -> None:
    m = menu.Menu([menu.Item("Show", id="show"), menu.Separator(),
                   menu.Submenu("More", [menu.Item("Quit", id="quit", accelerator="Ctrl+Q")])])
    heard: list[Any] = []
    unsubscribe = menu.on_item(lambda item_id, window_id: heard.append((item_id, window_id)))
    try:
        made.append(tray.Tray(menu=m))
        shown = menu_items(made[0])
        assert [entry.get("label") for entry in shown] == ["Show", None, "More"]
        assert shown[2]["items"][0]["accelerator"] == "Ctrl+Q"
        assert made[0].menu is m
        arun(pick_menu_item(made[0], "quit"))
        assert heard == [("quit", None)]  # a tray's menu belongs to no window
        made[0].set_menu(menu.Menu([menu.Item("Other", id="other")]))
        assert [entry["id"] for entry in menu_items(made[0])] == ["other"]
        made[0].set_menu(None)
        assert made[0].native.contextMenu() is None and made[0].menu is None
        with pytest.raises(weft.ArgumentError, match="has no menu"):
            menu_items(made[0])
    finally:
        unsubscribe()


def test_icon_forms(made: list[tray.Tray], tmp_path: Path) -> None:
    def icon_of(**kwargs: Any) -> QIcon:
        made.append(tray.Tray(**kwargs))
        return made[-1].native.icon()

    path = tmp_path / "icon.png"
    path.write_bytes(png("#ff0000"))
    assert colour_of(icon_of(icon=str(path))) == "#ff0000"
    assert colour_of(icon_of(icon=path)) == "#ff0000"
    assert colour_of(icon_of(icon=png("#00ff00"))) == "#00ff00"
    made[-1].set_icon(path)
    assert colour_of(made[-1].native.icon()) == "#ff0000"
    # No icon: the application's, else weft's own.
    assert not icon_of().isNull()
    app = QApplication.instance()
    app.setWindowIcon(QIcon(str(path)))
    try:
        assert colour_of(icon_of()) == "#ff0000"
    finally:
        app.setWindowIcon(QIcon())
    (tmp_path / "notes.txt").write_text("not an image")
    for bad, problem in [(tmp_path / "missing.png", "no image file"), (tmp_path / "notes.txt", "not an image"),
                         (b"GIF89a...", "not a PNG"), (42, "path to an image file or PNG bytes")]:
        with pytest.raises(weft.ArgumentError, match=problem):
            tray.Tray(icon=bad)
        with pytest.raises(weft.ArgumentError, match=problem):
            made[-1].set_icon(bad)


def test_clicks_reach_every_callback(made: list[tray.Tray], arun: Any, caplog: pytest.LogCaptureFixture) -> None:
    made.append(tray.Tray(tooltip="click me"))
    icon = made[0]
    assert icon.native.toolTip() == "click me"
    icon.set_tooltip("clicked?")
    assert icon.native.toolTip() == "clicked?"
    clicks: list[str] = []
    done = asyncio.Event()

    async def later() -> None:
        clicks.append("async")
        done.set()

    def broken() -> None:
        raise RuntimeError("click handler bug")

    unsubscribers = [icon.on_click(broken), icon.on_click(lambda: clicks.append("sync")), icon.on_click(later)]

    async def main() -> None:
        # What the tray host sends on a click (offscreen has none to click).
        icon.native.activated.emit(Reason.Context)
        icon.native.activated.emit(Reason.Trigger)
        await done.wait()

    with caplog.at_level(logging.ERROR, logger="weft.tray"):
        arun(main(), timeout=10)
    assert clicks == ["sync", "async"]
    assert [r.getMessage() for r in caplog.records if r.name == "weft.tray"] == [f"callback {broken!r} failed"]
    for unsubscribe in unsubscribers:
        unsubscribe()
    icon.native.activated.emit(Reason.Trigger)
    assert clicks == ["sync", "async"]
    with pytest.raises(weft.ArgumentError, match="callable"):
        icon.on_click("nope")  # type: ignore[arg-type]


def test_remove_releases_it_once(made: list[tray.Tray], caplog: pytest.LogCaptureFixture) -> None:
    icon = tray.Tray(menu=menu.Menu([menu.Item("Quit", id="quit")]))
    native, qmenu = icon.native, icon.native.contextMenu()
    icon.remove()
    icon.remove()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    import shiboken6

    assert not shiboken6.isValid(native) and not shiboken6.isValid(qmenu)
    assert "removed" in repr(icon) and icon.visible is False
    with caplog.at_level(logging.INFO, logger="weft.tray"):
        assert icon.show() is False
    assert ["was removed" in r.getMessage() for r in caplog.records if r.name == "weft.tray"] == [True]
    with pytest.raises(weft.ArgumentError, match="was removed"):
        icon.set_tooltip("x")
    tray.release()  # nothing shown: nothing to do


def test_without_a_qapplication_each_says_how_to_start_weft() -> None:
    # A fresh process: this one has pytest-qt's QApplication.
    script = """
import asyncio, weft
from weft import menu, tray
m = menu.Menu([menu.Item("a", id="a")])
for call in (tray.available, tray.Tray, lambda: menu.build(m, None), lambda: asyncio.run(menu.popup(m))):
    try:
        call()
    except weft.RuntimeClosedError as error:
        print(error)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 4 and all("no QApplication: start weft with weft.run(main)" in line for line in lines), out
