"""Remembered windows (``create_window(remember=...)``) with real windows on
the offscreen screen: saved on close, on maximize/fullscreen at once and
throttled while moved; restored over the defaults, put back on a screen that
exists; a broken state file ignored with one log line."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from PySide6.QtGui import QGuiApplication

import weft
from tests.conftest import TEST_APP_DIR, until
from weft import windowstate
from weft.windowstate import Placement, fit


@contextlib.asynccontextmanager
async def running(state_dir: Path | None) -> AsyncIterator[weft.Runtime]:
    rt = weft.Runtime(app_dir=TEST_APP_DIR, state_dir=state_dir)
    try:
        with rt.activated():
            yield rt
    finally:
        await rt.shutdown()



def saved(state_dir: Path, name: str = "main") -> dict[str, Any] | None:
    try:
        return json.loads((state_dir / "windows.json").read_text())["windows"].get(name)
    except FileNotFoundError:
        return None


def available() -> tuple[int, int, int, int]:
    area = QGuiApplication.primaryScreen().availableGeometry()
    return area.x(), area.y(), area.width(), area.height()


# -- the rules, without windows ----------------------------------------------

LEFT = (0, 0, 1920, 1080)
RIGHT = (1920, 0, 2560, 1440)


@pytest.mark.parametrize("placement, areas, expected", [
    # On a screen, wholly: as it was.
    (Placement(x=100, y=100, width=800, height=600), [LEFT, RIGHT], (100, 100, 800, 600)),
    (Placement(x=2000, y=50, width=800, height=600), [LEFT, RIGHT], (2000, 50, 800, 600)),
    # Hanging over the right edge of the only screen: pulled in.
    (Placement(x=1500, y=900, width=800, height=600), [LEFT], (1120, 480, 800, 600)),
    # On a second monitor that is gone: onto the primary, whole.
    (Placement(x=2500, y=300, width=1000, height=700), [LEFT], (920, 300, 1000, 700)),
    (Placement(x=-3000, y=-2000, width=300, height=200), [LEFT], (0, 0, 300, 200)),
    # Larger than the screen: made to fit.
    (Placement(x=2000, y=0, width=2500, height=1400), [LEFT], (0, 0, 1920, 1080)),
    # Across two screens: onto the one it overlaps most.
    (Placement(x=1800, y=100, width=800, height=600), [LEFT, RIGHT], (1920, 100, 800, 600)),
    (Placement(x=1500, y=100, width=800, height=600), [LEFT, RIGHT], (1120, 100, 800, 600)),
])
def test_fit_puts_a_window_wholly_on_a_screen(placement: Placement, areas: list[Any], expected: Any) -> None:
    got = fit(placement, areas, areas[0])
    assert (got.x, got.y, got.width, got.height) == expected


def test_fit_keeps_the_state_flags() -> None:
    got = fit(Placement(x=5000, y=0, width=10, height=10, maximized=True, fullscreen=True), [LEFT], LEFT)
    assert (got.maximized, got.fullscreen) == (True, True)


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "tab\there", 5, b"main", "x" * 129])
def test_remember_is_a_printable_name(name: Any, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(tmp_path) as rt:
            with pytest.raises(weft.WindowOptionError, match="remember="):
                await rt.create_window(html="<p>x</p>", remember=name)
            assert rt.windows == ()

    arun(main())


def test_remember_needs_a_state_folder(arun: Any) -> None:
    async def main() -> None:
        async with running(None) as rt:
            with pytest.raises(weft.WindowOptionError, match=r"weft\.run gives one .*Runtime\(state_dir=\.\.\.\)"):
                await weft.window.create_window(html="<p>x</p>", remember="main")
            assert rt.windows == ()

    arun(main())


# -- saved and restored ----------------------------------------------------------


def test_a_window_comes_back_where_it_was(arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(tmp_path) as rt:
            win = await weft.window.create_window(html="<p>1</p>", x=10, y=20, width=300, height=200,
                                                  remember="main")
            assert (win.position, win.size) == ((10, 20), (300, 200))  # nothing saved: the defaults
            win.set_size(420, 310)
            win.set_position(30, 40)
            await win.close()
        assert saved(tmp_path) == {"x": 30, "y": 40, "width": 420, "height": 310,
                                   "maximized": False, "fullscreen": False}
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>2</p>", x=500, y=500, width=100, height=100, remember="main")
            assert (win.position, win.size) == ((30, 40), (420, 310))  # what was saved wins
            other = await rt.create_window(html="<p>3</p>", x=5, y=6, width=150, height=120, remember="other")
            assert (other.position, other.size) == ((5, 6), (150, 120))
        # Shutting down closes (and so saves) every window; each name keeps its own entry.
        assert saved(tmp_path)["width"] == 420 and saved(tmp_path, "other")["width"] == 150
        assert sorted(p.name for p in tmp_path.iterdir()) == ["windows.json"]  # no temporary file left behind

    arun(main())


def test_moving_is_saved_at_most_every_half_second(arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>1</p>", x=10, y=10, width=300, height=200, remember="main")
            await until(lambda: saved(tmp_path))  # the first show is saved soon after
            saves: list[Placement] = []
            real_save = rt._state_file.save
            rt._state_file.save = lambda name, placement: (saves.append(placement), real_save(name, placement))
            for step in range(1, 41):  # a drag: many moves in a moment
                win.set_position(10 + step, 10 + step)
            assert saves == []  # not one write per move
            await until(lambda: saves)
            assert saves == [Placement(x=50, y=50, width=300, height=200)]
            assert saved(tmp_path)["x"] == 50

    arun(main())


def test_maximized_and_fullscreen_are_saved_at_once_and_restored(arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>1</p>", x=40, y=30, width=320, height=240, remember="main")
            win.maximize()
            await until(lambda: win.native.isMaximized())
            # Saved as it changed (not waiting for the throttle), with the size it is restored to.
            assert saved(tmp_path) == {"x": 40, "y": 30, "width": 320, "height": 240,
                                       "maximized": True, "fullscreen": False}
            await until(lambda: win.size != (320, 240))  # the window system made it larger
        # Closed maximized: still the size and place it is restored to.
        assert saved(tmp_path) == {"x": 40, "y": 30, "width": 320, "height": 240,
                                   "maximized": True, "fullscreen": False}
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>2</p>", remember="main")
            await until(lambda: win.native.isMaximized())
            win.restore()
            await until(lambda: not win.native.isMaximized())
            assert (win.position, win.size) == ((40, 30), (320, 240))
            win.set_fullscreen(True)
            assert saved(tmp_path)["fullscreen"] is True
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>3</p>", remember="main")
            assert win.fullscreen
            win.set_fullscreen(False)
            await until(lambda: not win.fullscreen)
            assert (win.position, win.size) == ((40, 30), (320, 240))
            assert saved(tmp_path)["fullscreen"] is False

    arun(main())


def test_a_window_from_a_screen_that_is_gone_comes_back_on_this_one(arun: Any, tmp_path: Path) -> None:
    x, y, width, height = available()
    (tmp_path / "windows.json").write_text(json.dumps({"format": 1, "windows": {
        "main": {"x": x + width + 1500, "y": 200, "width": width + 500, "height": 300,
                 "maximized": False, "fullscreen": False}}}))

    async def main() -> None:
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>1</p>", remember="main")
            frame = win.native.frameGeometry()
            assert win.size == (width, 300)  # no larger than the screen's free area
            assert (frame.left() >= x and frame.top() >= y and win.position[0] + width <= x + width
                    and win.position[1] + 300 <= y + height), (frame, available())

    arun(main())


@pytest.mark.parametrize("content", [
    b"{not json",
    b"\xff\xfe",
    json.dumps([1, 2]),
    json.dumps({"format": 99, "windows": {}}),
    json.dumps({"format": 1, "windows": {"main": {"x": 1, "y": 2, "width": -5, "height": 10,
                                                  "maximized": False, "fullscreen": False}}}),
    json.dumps({"format": 1, "windows": {"main": {"x": True, "y": 2, "width": 5, "height": 10,
                                                  "maximized": False, "fullscreen": False}}}),
    json.dumps({"format": 1, "windows": {"main": {"x": 1, "y": 2, "width": 5, "height": 10}}}),
])
def test_a_broken_state_file_is_ignored_with_one_log_line(
    content: str | bytes, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "windows.json").write_bytes(content if isinstance(content, bytes) else content.encode())

    async def main() -> None:
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>1</p>", x=12, y=34, width=250, height=150, remember="main")
            assert (win.position, win.size) == ((12, 34), (250, 150))  # the defaults
            await win.close()

    with caplog.at_level(logging.WARNING, logger="weft.windowstate"):
        arun(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "weft.windowstate"]
    assert len(lines) == 1 and "windows.json" in lines[0], lines
    assert saved(tmp_path) == {"x": 12, "y": 34, "width": 250, "height": 150,
                               "maximized": False, "fullscreen": False}  # replaced by a sound one


def test_an_unwritable_state_folder_is_logged_not_raised(
    arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be")

    async def main() -> None:
        async with running(blocker) as rt:
            win = await rt.create_window(html="<p>1</p>", remember="main")
            win.maximize()
            await win.close()

    with caplog.at_level(logging.WARNING, logger="weft.windowstate"):
        arun(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "weft.windowstate"]
    assert len(lines) == 1 and str(blocker / "windows.json") in lines[0], lines


def test_one_open_window_per_name(arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(tmp_path) as rt:
            first = await rt.create_window(html="<p>1</p>", remember="main", id="first")
            with pytest.raises(weft.WindowOptionError, match="in use by open window 'first'"):
                await rt.create_window(html="<p>2</p>", remember="main")
            assert rt.windows == (first,)
            await first.close()
            await until(lambda: not rt.windows)
            await rt.create_window(html="<p>3</p>", remember="main")

    arun(main())


def test_a_window_that_is_not_resizable_keeps_its_size(arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>1</p>", x=70, y=80, width=300, height=200, remember="fixed")
            win.set_size(500, 400)
        async with running(tmp_path) as rt:
            win = await rt.create_window(html="<p>2</p>", width=310, height=210, resizable=False, remember="fixed")
            assert (win.position, win.size) == ((70, 80), (310, 210))

    arun(main())


def test_the_state_file_is_replaced_whole(tmp_path: Path) -> None:
    file = windowstate.StateFile(tmp_path / "deeper" / "still")
    file.save("a", Placement(x=1, y=2, width=3, height=4))
    file.save("b", Placement(x=5, y=6, width=7, height=8, maximized=True))
    assert file.load("a") == Placement(x=1, y=2, width=3, height=4)
    assert file.load("b") == Placement(x=5, y=6, width=7, height=8, maximized=True)
    assert file.load("c") is None
    assert [p.name for p in file.folder.iterdir()] == ["windows.json"]
