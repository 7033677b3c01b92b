"""Window chrome: frameless windows moved by drag regions and resized from
their edges, the window options and methods of issue 14, and file drops.

Real windows on the offscreen platform, driven with Qt's own mouse and
drag-and-drop events. Offscreen has no window manager, so a move or resize
takes weft's own path (the one a desktop without ``startSystemMove`` gets).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

import weft
from tests.conftest import until
from weft.webengine.devtools import DevToolsView

from ..conftest import js_value_until, next_event, open_page

PNG = (Path(weft.__file__).parent.parent.parent / "packaging" / "icons" / "weft.png")

TITLE_BAR = """
<style>body { margin: 0 } header { height: 40px; background: #345 } button { margin-left: 200px }</style>
<header data-weft-drag-region><span>My app</span><button id="b" onclick="window.clicked = true">x</button></header>
<main style="height: 200px">content</main>
"""



def render_widget(win: weft.Window) -> QWidget:
    widget = win.native.view.focusProxy()
    assert widget is not None
    return widget


async def drag(win: weft.Window, start: QPoint, by: QPoint) -> None:
    """Press at ``start`` (page coordinates), give the page time to answer
    whether that is a drag region, move the mouse ``by``, release."""
    widget = render_widget(win)
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    # The answer comes from the page: a round trip through the renderer. Ask
    # the page something after it, so its answer has arrived.
    await win.evaluate("1")
    QTest.mouseMove(widget, start + by)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + by)


def test_a_drag_region_moves_a_frameless_window(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, TITLE_BAR, frameless=True, x=100, y=100)
        assert win.native.windowFlags() & Qt.WindowType.FramelessWindowHint
        before = win.position
        await drag(win, QPoint(60, 20), QPoint(50, 30))
        assert win.position == (before[0] + 50, before[1] + 30)
        # Below the header: the page's own, the window stays.
        await drag(win, QPoint(60, 120), QPoint(50, 30))
        assert win.position == (before[0] + 50, before[1] + 30)

    arun(main())


def test_a_control_inside_a_drag_region_stays_clickable(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, TITLE_BAR, frameless=True, x=100, y=100)
        where = await win.evaluate("(() => { const r = b.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        before = win.position
        async with asyncio.timeout(10):
            # A click, a little wobbly; repeated until the page takes input
            # (its first frames may not have reached the compositor yet).
            while not await win.evaluate("window.clicked === true"):
                await drag(win, QPoint(int(where[0]), int(where[1])), QPoint(2, 0))
                assert win.position == before

    arun(main())


def test_a_framed_window_ignores_drag_regions(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, TITLE_BAR, x=100, y=100)
        before = win.position
        await drag(win, QPoint(60, 20), QPoint(50, 30))
        assert win.position == before

    arun(main())


def test_a_frameless_window_resizes_from_its_edges_within_its_limits(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, TITLE_BAR, frameless=True, x=100, y=100, min_size=(300, 200))
        width, height = win.size
        widget = render_widget(win)
        corner = QPoint(width - 2, height - 2)
        QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner)
        QTest.mouseMove(widget, corner + QPoint(30, 20))
        QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner + QPoint(30, 20))
        await until(lambda: win.size == (width + 30, height + 20))
        # The left edge moves the window's left side; min_size holds.
        x, y = win.position
        left = QPoint(1, 100)
        QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, left)
        QTest.mouseMove(widget, left + QPoint(500, 0))
        QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, left + QPoint(500, 0))
        await until(lambda: win.size[0] == 300)
        assert win.position == (x + (width + 30 - 300), y)

    arun(main())


def test_window_options_take_effect(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>", always_on_top=True, resizable=False, icon=PNG)
        native = win.native
        assert win.always_on_top and native.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
        assert native.minimumSize() == native.maximumSize() == native.size()
        win.set_size(500, 350)  # the app may; the person may not
        assert win.size == (500, 350) and native.minimumSize() == native.maximumSize()
        assert not native.windowIcon().isNull()
        win.set_always_on_top(False)
        assert not win.always_on_top and win.visible

        sized = await open_page(runtime, "<p>y</p>", min_size=(300, 200), max_size=(900, 700))
        assert (sized.native.minimumWidth(), sized.native.minimumHeight()) == (300, 200)
        assert (sized.native.maximumWidth(), sized.native.maximumHeight()) == (900, 700)
        sized.set_size(2000, 100)
        assert sized.size == (900, 200)

    arun(main())


def test_fullscreen_center_and_screen(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>", fullscreen=True)
        assert win.fullscreen
        win.set_fullscreen(False)
        assert not win.fullscreen
        win.set_size(400, 300)
        win.center()
        area = QGuiApplication.primaryScreen().availableGeometry()
        frame = win.native.frameGeometry()
        assert abs(frame.center().x() - area.center().x()) <= 1 and abs(frame.center().y() - area.center().y()) <= 1
        assert win.screen == weft.screens.primary()

    arun(main())


@pytest.mark.parametrize(("option", "value", "says"), [
    ("frameless", "yes", "frameless is True or False"),
    ("min_size", (0, 10), "min_size width is a positive"),
    ("max_size", 300, r"max_size is \(width, height\)"),
    ("icon", "/no/such/icon.png", "no image file"),
    ("icon", b"not a png", "not a PNG"),
    ("menu", "File", "menu: menu= takes a weft.menu.Menu"),
    ("title", 5, "title is a string, not 5"),
    ("x", 1.5, "x is a whole number of pixels, not 1.5"),
    ("y", "10", "y is a whole number of pixels, not '10'"),
    ("visible", "no", "visible is True or False"),
])
def test_bad_window_options_are_named(runtime: weft.Runtime, arun: Any, option: str, value: Any, says: str) -> None:
    with pytest.raises(weft.WindowOptionError, match=says):
        arun(runtime.create_window(html="<p>x</p>", **{option: value}))
    assert runtime.windows == ()


def test_a_windows_title_and_place_take_only_what_they_say(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>", title="kept")
        with pytest.raises(weft.WindowOptionError, match="title is a string, not 7"):
            win.set_title(7)  # type: ignore[arg-type]
        with pytest.raises(weft.WindowOptionError, match="x is a whole number of pixels, not 1.5"):
            win.set_position(1.5, 2)  # type: ignore[arg-type]
        assert win.title == "kept"

    arun(main())


def test_min_size_larger_than_max_size_is_refused(runtime: weft.Runtime, arun: Any) -> None:
    with pytest.raises(weft.WindowOptionError, match="larger than max_size"):
        arun(runtime.create_window(html="<p>x</p>", min_size=(500, 500), max_size=(400, 600)))


def test_devtools_open_and_close_on_request(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>", title="inspected")
        win.open_devtools()
        tools = [w for w in QApplication.topLevelWidgets() if isinstance(w, DevToolsView) and w.isVisible()]
        assert len(tools) == 1 and tools[0].inspected is win.native.page()
        win.open_devtools()  # raised, not a second one
        assert sum(isinstance(w, DevToolsView) and w.isVisible() for w in QApplication.topLevelWidgets()) == 1
        win.close_devtools()
        await until(lambda: not any(isinstance(w, DevToolsView) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()))

    arun(main())


def test_dropped_files_arrive_as_a_drop_event_and_reach_the_page(
        runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    files = [tmp_path / "a.txt", tmp_path / "b c.png"]
    for file in files:
        file.write_text("x")

    async def main() -> None:
        win = await open_page(runtime, """<body style="margin:0; height: 300px">
            <script>
              window.dropped = null;
              document.addEventListener("dragover", (e) => { e.preventDefault(); window.over = true; });
              document.addEventListener("drop", (e) => {
                e.preventDefault();
                window.dropped = [...e.dataTransfer.files].map((f) => f.name);
              });
            </script></body>""")
        events = runtime.window_events_for(win.id)
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(file)) for file in files])
        view, at = win.native.view, QPointF(120, 80)
        actions = Qt.DropAction.CopyAction
        buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        QApplication.sendEvent(view, QDragEnterEvent(at.toPoint(), actions, data, buttons, keys))
        QApplication.sendEvent(view, QDragMoveEvent(at.toPoint(), actions, data, buttons, keys))
        await js_value_until(win, "window.over || null")  # Chromium takes the drag in its own time
        QApplication.sendEvent(view, QDropEvent(at, actions, data, buttons, keys))
        while (event := await next_event(events)).type != "drop":
            pass
        assert event.channel == "drop" and event.window_id == win.id
        assert event.payload == {"paths": [str(file) for file in files], "x": 120, "y": 80}
        assert await js_value_until(win, "window.dropped") == ["a.txt", "b c.png"]
        events.close()

    arun(main())
