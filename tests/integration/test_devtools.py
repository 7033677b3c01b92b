"""What ``weft dev`` does inside the app process: F12 opens DevTools, and
windows reload in place."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import weft
from tests.conftest import next_event, open_page, until, write_plugin
from weft import dev, plugins
from weft.webengine import devtools
from weft.webengine.devtools import DevToolsView


@pytest.fixture
def tools(arun: Any) -> Iterator[devtools.DevTools]:
    on = devtools.enable()
    yield on
    arun(on.shutdown())



async def press_f12(view: Any) -> None:
    # A shortcut belongs to the active window, as with a real keyboard.
    view.activateWindow()
    await until(view.isActiveWindow)
    QTest.keyClick(view.focusProxy(), Qt.Key.Key_F12)


def test_f12_opens_devtools_and_closes_them(runtime: weft.Runtime, arun: Any, tools: devtools.DevTools) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>", title="inspected")
        view = win._view
        await press_f12(view)
        inspector = await until(lambda: tools.view_for(view))
        assert isinstance(inspector, DevToolsView) and inspector.isVisible()
        assert view.page().devToolsPage() is inspector.page()
        assert inspector.windowTitle() == "DevTools: inspected"
        await until(lambda: inspector.page().url().scheme() == "devtools")  # the front end loads
        await press_f12(inspector)  # F12 in DevTools closes them
        await until(lambda: not shiboken6.isValid(inspector))
        assert view.page().devToolsPage() is None
        await press_f12(view)  # and F12 opens them again
        again = await until(lambda: tools.view_for(view))
        await win.close()  # closing the window closes its DevTools
        await until(lambda: not shiboken6.isValid(again))

    arun(main())


def test_devtools_open_at_start_for_app_and_plugin_windows(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    tools = devtools.enable(open_at_start=True)

    async def main() -> None:
        win = await runtime.create_window(html="<p>x</p>", width=300, height=200)
        hidden = await runtime.create_window(html="<p>y</p>", width=300, height=200, visible=False)
        folder = write_plugin(tmp_path, "seen", "<p>plugin</p>", visible=["true"])
        plugin = await plugins.load(folder)
        await plugin.start()
        await until(lambda: tools.view_for(win._view) and tools.view_for(plugin._sandbox.view))
        assert tools.view_for(hidden._view) is None  # nothing to inspect it beside
        await plugin.stop()

    try:
        arun(main())
    finally:
        arun(tools.shutdown())


def test_without_weft_dev_f12_does_nothing(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        await press_f12(win._view)
        await win.evaluate("1")  # a round trip: the key has been handled
        assert win._view.page().devToolsPage() is None

    arun(main())


def test_reload_keeps_the_window_where_it_is_and_says_what_it_cost(
    runtime: weft.Runtime, arun: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async def main() -> None:
        hellos = runtime.channel_events("hello")
        win = await runtime.create_window(html="<script>runtime.send('hello', performance.timeOrigin)</script>",
                                          width=300, height=200)
        first = (await next_event(hellos)).payload
        win.set_size(345, 234)
        win.set_position(21, 43)
        await until(lambda: win.size == (345, 234) and win.position == (21, 43))
        await dev.reload_windows("index.html")
        assert (await next_event(hellos)).payload != first  # a new document
        assert (win.size, win.position) == ((345, 234), (21, 43))

    arun(main())
    line = capsys.readouterr().err.strip()
    assert line.startswith("weft dev: reloaded window-1 in ") and line.endswith(" ms (index.html changed)"), line


def test_a_reload_loads_the_files_as_they_are_now(arun: Any, tmp_path: Path) -> None:
    """weft dev's reload after an edit, and Window.reload(): the page's
    scripts and stylesheets come from the disk again, not from a cache."""
    (tmp_path / "index.html").write_text('<link rel="stylesheet" href="s.css"><h1>x</h1><script src="a.js"></script>')

    def edit(version: int) -> None:
        (tmp_path / "a.js").write_text(f"window.version = {version};")
        (tmp_path / "s.css").write_text(f"h1 {{ color: rgb({version}, {version}, {version}) }}")

    seen = "[window.version, getComputedStyle(document.querySelector('h1')).color]"
    edit(1)
    rt = weft.Runtime(app_dir=tmp_path, storage=tmp_path / "storage")  # a disk profile, with its HTTP cache

    async def main() -> None:
        win = await rt.create_window(url="app://index.html")
        await win.wait_ready()
        assert await win.evaluate(seen) == [1, "rgb(1, 1, 1)"]
        edit(2)
        win.reload()
        await win.wait_ready()
        assert await win.evaluate(seen) == [2, "rgb(2, 2, 2)"]
        edit(3)
        await dev.reload_windows("a.js")
        await win.wait_ready()
        assert await win.evaluate(seen) == [3, "rgb(3, 3, 3)"]

    with rt.activated():
        try:
            arun(main())
        finally:
            arun(rt.shutdown())


def test_a_build_without_the_devtools_front_end_says_so_and_opens_nothing(
        runtime: weft.Runtime, arun: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # As weft package leaves it without --keep-devtools: the resources, but not DevTools' pak.
    (tmp_path / "qtwebengine_resources.pak").write_bytes(b"")
    monkeypatch.setenv("QTWEBENGINE_RESOURCES_PATH", str(tmp_path))

    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        with caplog.at_level(logging.WARNING, logger="weft.devtools"):
            win.open_devtools()
        assert win._view.page().devToolsPage() is None
        assert any("DevTools are not in this build" in r.getMessage() for r in caplog.records)
        monkeypatch.delenv("QTWEBENGINE_RESOURCES_PATH")
        assert devtools.frontend_shipped()  # this install has them

    arun(main())
