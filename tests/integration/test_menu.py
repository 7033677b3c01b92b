"""weft.menu: menu bars, shared state, dispatch and popups, driven through
Qt's own widgets with weft.testing's pick_menu_item."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMainWindow, QMenu

import weft
from tests.conftest import js_value_until, open_page
from weft import menu
from weft.testing.menus import menu_items, pick_menu_item, wait_for_popup

# Offscreen Qt warns that a popup cannot grab the keyboard; menus work regardless.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")


def file_menu(**dark: Any) -> menu.Menu:
    return menu.Menu([
        menu.Submenu("&File", [
            menu.Item("Open…", id="open", accelerator="Ctrl+O"),
            menu.Separator(),
            menu.Submenu("Recent", [menu.Item("a.txt", id="recent-a"), menu.Item("b.txt", id="recent-b")]),
            menu.Item("Dark", id="dark", checkable=True, **dark),
        ]),
        menu.Submenu("Help", [menu.Item("About", id="about", enabled=False)]),
    ])


@pytest.fixture
def main_window(qapp: Any) -> QMainWindow:
    """A shown, active QMainWindow whose focus is in a line edit (as a page's would be)."""
    window = QMainWindow()
    window.setCentralWidget(QLineEdit())
    window.show()
    assert QTest.qWaitForWindowExposed(window)
    window.activateWindow()
    window.centralWidget().setFocus()
    yield window
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def chosen() -> list[tuple[str, str | None]]:
    """Every (item_id, window_id) menu.on_item hears during the test."""
    heard: list[tuple[str, str | None]] = []
    unsubscribe = menu.on_item(lambda item_id, window_id: heard.append((item_id, window_id)))
    yield heard
    unsubscribe()


def test_the_modules_are_reachable_from_weft() -> None:
    assert weft.menu is menu


def test_a_menu_bar_shows_nesting_separators_accelerators_and_states(main_window: QMainWindow) -> None:
    menu.install(main_window, file_menu(checked=True), "w1")
    item = {"checkable": False, "checked": False, "enabled": True, "accelerator": None}
    assert menu_items(main_window.menuBar()) == [
        {"label": "&File", "enabled": True, "items": [
            {**item, "label": "Open…", "id": "open", "accelerator": "Ctrl+O"},
            {"separator": True},
            {"label": "Recent", "enabled": True, "items": [{**item, "label": "a.txt", "id": "recent-a"},
                                                           {**item, "label": "b.txt", "id": "recent-b"}]},
            {**item, "label": "Dark", "id": "dark", "checkable": True, "checked": True},
        ]},
        {"label": "Help", "enabled": True, "items": [{**item, "label": "About", "id": "about", "enabled": False}]},
    ]
    menu.install(main_window, None, "w1")
    assert main_window.menuWidget() is None


@pytest.mark.parametrize(("make", "problem"), [
    (lambda: menu.Item("x", id="x", accelerator="Ctrl+Foo"), "not a key sequence"),
    (lambda: menu.Item("x", id="x", accelerator="CmdOrCtrl+O"), "not a key sequence"),
    (lambda: menu.Item("x", id="x", accelerator=""), "not a key sequence"),
    (lambda: menu.Item("x"), "neither an id nor an on_click"),
    (lambda: menu.Item("x", id=""), "non-empty string"),
    (lambda: menu.Item("x", on_click=lambda i, w: None, checkable=True), "needs an id"),
    (lambda: menu.Item("x", id="x", checked=True), "not checkable"),
    (lambda: menu.Item("x", on_click="nope"), "not callable"),
    (lambda: menu.Menu([menu.Item("a", id="same"), menu.Submenu("s", [menu.Item("b", id="same")])]), "'same'"),
    (lambda: menu.Menu(["File"]), "not 'File'"),
    (lambda: menu.Menu(menu.Item("x", id="x")), "a list of"),
    (lambda: menu.Submenu("File", None), "a list of"),
    (lambda: menu.Item(None, id="x"), "label is a string"),
    (lambda: menu.on_item("nope"), "callable"),
])
def test_bad_menus_are_refused(qapp: Any, make: Callable[[], Any], problem: str) -> None:
    with pytest.raises(weft.ArgumentError, match=problem):
        make()


def test_a_menu_bar_holds_submenus_only(main_window: QMainWindow) -> None:
    with pytest.raises(weft.ArgumentError, match="Submenus only"):
        menu.install(main_window, menu.Menu([menu.Item("Quit", id="quit")]), "w1")
    with pytest.raises(weft.ArgumentError, match="weft.menu.Menu"):
        menu.install(main_window, [menu.Submenu("File", [])], "w1")  # type: ignore[arg-type]
    menu.check_bar(None)
    menu.check_bar(file_menu())
    with pytest.raises(weft.ArgumentError, match="Submenus only"):
        menu.check_bar(menu.Menu([menu.Separator()]))


def test_choices_reach_on_click_and_every_subscriber(main_window: QMainWindow, arun: Any,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    clicks: list[tuple[str, str | None]] = []
    heard: list[tuple[str, str | None]] = []

    async def slow(item_id: str, window_id: str | None) -> None:
        await asyncio.sleep(0)
        heard.append(("async", item_id))
        done.set()

    def broken(item_id: str, window_id: str | None) -> None:
        raise RuntimeError("subscriber bug")

    m = menu.Menu([menu.Submenu("File", [
        menu.Item("Open…", id="open", on_click=lambda i, w: clicks.append((i, w))),
        menu.Item("Close", on_click=lambda i, w: clicks.append((i, w))),
    ])])
    menu.install(main_window, m, "w1")
    done = asyncio.Event()
    unsubscribers = [menu.on_item(broken), menu.on_item(slow), menu.on_item(lambda i, w: heard.append((i, w)))]

    async def main() -> None:
        await pick_menu_item(main_window.menuBar(), "open")
        await done.wait()

    with caplog.at_level(logging.ERROR, logger="weft.menu"):
        arun(main(), timeout=10)
    assert clicks == [("open", "w1")]
    assert heard == [("open", "w1"), ("async", "open")]
    assert [r.getMessage() for r in caplog.records if r.name == "weft.menu"] == [f"callback {broken!r} failed"]
    # An item without an id reaches its own on_click only, with id None.
    arun(pick_item_by_label(main_window, "Close"))
    assert clicks[-1] == (None, "w1") and len(heard) == 2
    for unsubscribe in unsubscribers:
        unsubscribe()
    unsubscribers[0]()  # twice is harmless
    arun(pick_menu_item(main_window.menuBar(), "open"))
    assert len(heard) == 2 and len(clicks) == 3


async def pick_item_by_label(window: QMainWindow, label: str) -> None:
    file = window.menuBar().actions()[0].menu()
    action = next(a for a in file.actions() if a.text() == label)
    QTest.mouseClick(window.menuBar(), Qt.MouseButton.LeftButton, pos=window.menuBar().actionGeometry(file.menuAction()).center())
    QTest.mouseClick(file, Qt.MouseButton.LeftButton, pos=file.actionGeometry(action).center())


def test_state_is_shared_by_every_copy(main_window: QMainWindow, arun: Any, chosen: list[Any]) -> None:
    m = file_menu()
    other = QMainWindow()
    menu.install(main_window, m, "w1")
    menu.install(other, m, "w2")
    tray_copy = menu.build(m, None)

    def dark_everywhere() -> list[bool]:
        bars = [menu_items(main_window.menuBar())[0]["items"][3], menu_items(other.menuBar())[0]["items"][3],
                menu_items(tray_copy)[0]["items"][3]]
        return [entry["checked"] for entry in bars]

    m.set_checked("dark", True)
    assert dark_everywhere() == [True, True, True] and m.is_checked("dark")
    arun(pick_menu_item(main_window.menuBar(), "dark"))  # a person unchecks it in one window
    assert dark_everywhere() == [False, False, False] and not m.is_checked("dark")
    assert chosen == [("dark", "w1")]
    m.set_enabled("open", False)
    assert not m.is_enabled("open")
    assert [menu_items(c)[0]["items"][0]["enabled"] for c in (main_window.menuBar(), other.menuBar())] == [False, False]
    with pytest.raises(weft.ArgumentError, match="'open' cannot be chosen"):
        arun(pick_menu_item(main_window.menuBar(), "open"))
    m.set_enabled("open", True)
    with pytest.raises(weft.ArgumentError, match="not shown"):
        arun(pick_menu_item(other.menuBar(), "open"))
    other.show()
    arun(pick_menu_item(other.menuBar(), "open"))
    assert chosen[-1] == ("open", "w2")
    with pytest.raises(weft.ArgumentError, match="not checkable"):
        m.set_checked("open", True)
    with pytest.raises(weft.ArgumentError, match="no item 'ghost'"):
        m.set_enabled("ghost", True)
    # A copy that goes stops being kept in step.
    assert len(m._copies) == 3
    menu.install(other, None, "w2")
    tray_copy.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert len(m._copies) == 1
    other.deleteLater()


def test_pick_menu_item_says_what_is_wrong(main_window: QMainWindow, arun: Any) -> None:
    menu.install(main_window, file_menu(), "w1")
    with pytest.raises(weft.ArgumentError, match="no item 'ghost'"):
        arun(pick_menu_item(main_window.menuBar(), "ghost"))
    with pytest.raises(weft.ArgumentError, match="'about' cannot be chosen"):
        arun(pick_menu_item(main_window.menuBar(), "about"))
    with pytest.raises(TimeoutError, match="no menu opened within 0.2 s"):
        arun(pick_menu_item(None, "open", timeout=0.2))


def test_an_accelerator_is_a_window_shortcut(main_window: QMainWindow, chosen: list[Any]) -> None:
    menu.install(main_window, file_menu(), "w1")
    QTest.keyClick(main_window.focusWidget(), Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert chosen == [("open", "w1")]


def test_popup_returns_the_choice_or_none(runtime: weft.Runtime, arun: Any, chosen: list[Any]) -> None:
    m = menu.Menu([menu.Item("Copy", id="copy"), menu.Submenu("More", [menu.Item("Paste", id="paste")])])

    async def main() -> None:
        win = await open_page(runtime, "<p>page</p>")
        task = asyncio.ensure_future(menu.popup(m, window=win, x=30, y=40))
        opened = await wait_for_popup()
        page = win.native.centralWidget() if isinstance(win.native, QMainWindow) else win.native
        assert opened.pos() == page.mapToGlobal(QPoint(30, 40))
        # The loop runs on while the menu is open: the page answers.
        assert await win.evaluate("1 + 1") == 2 and not task.done() and opened.isVisible()
        await pick_menu_item(None, "paste")
        assert await task == "paste"
        assert chosen == [("paste", win.id)]

        task = asyncio.ensure_future(menu.popup(m))
        opened = await wait_for_popup()
        QTest.keyClick(opened, Qt.Key.Key_Escape)
        assert await task is None
        assert len(chosen) == 1

    arun(main())


@pytest.mark.parametrize("entries", [[], [menu.Separator(), menu.Separator()]], ids=["empty", "separators"])
def test_a_popup_with_nothing_to_show_is_dismissed_at_once(runtime: weft.Runtime, arun: Any,
                                                            entries: list[Any]) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>page</p>")
        assert await asyncio.wait_for(menu.popup(menu.Menu(entries), window=win, x=5, y=5), 5) is None
        assert not isinstance(QCoreApplication.instance().activePopupWidget(), QMenu)

    arun(main())


def test_popup_arguments(runtime: weft.Runtime, arun: Any) -> None:
    with pytest.raises(weft.ArgumentError, match="both x and y"):
        arun(menu.popup(menu.Menu([menu.Item("a", id="a")]), x=3))
    with pytest.raises(weft.WindowNotFoundError):
        arun(menu.popup(menu.Menu([menu.Item("a", id="a")]), window="ghost"))
    assert not isinstance(QCoreApplication.instance().activePopupWidget(), QMenu)


# -- on weft windows -------------------------------------------------------------


def test_a_weft_windows_menu_bar(runtime: weft.Runtime, arun: Any, chosen: list[Any]) -> None:
    async def main() -> None:
        m = file_menu()
        win = await open_page(runtime, "<p>page</p>", menu=m)
        assert isinstance(win.native, QMainWindow)
        assert [entry["label"] for entry in menu_items(win)] == ["&File", "Help"]
        await pick_menu_item(win, "recent-b")
        assert chosen == [("recent-b", win.id)]
        win.set_menu(menu.Menu([menu.Submenu("Edit", [menu.Item("Undo", id="undo")])]))
        assert [entry["label"] for entry in menu_items(win)] == ["Edit"]
        assert len(m._copies) == 1  # the old bar lets go of its menu as it goes, once Qt deletes it
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert m._copies == []
        win.set_menu(None)
        with pytest.raises(weft.ArgumentError, match="has no menu bar"):
            menu_items(win)

    arun(main())


def test_an_accelerator_works_while_the_page_has_the_focus(runtime: weft.Runtime, arun: Any,
                                                           chosen: list[Any]) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<input id=field autofocus>")
        win.set_menu(file_menu())  # on a window already shown
        win.focus()
        page_widget = win.native.focusWidget()
        assert page_widget is not None and win.native.centralWidget().isAncestorOf(page_widget)
        QTest.keyClick(page_widget, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
        assert chosen == [("open", win.id)]
        # A key the menu does not take still reaches the page (its field
        # focused first: autofocus may not have happened yet in a busy run).
        await win.evaluate("document.getElementById('field').focus(); 1")
        await js_value_until(win, "document.activeElement && document.activeElement.id", "field")
        QTest.keyClick(page_widget, Qt.Key.Key_X)
        assert await js_value_until(win, "document.getElementById('field').value", "x") == "x"
        assert chosen == [("open", win.id)]

    arun(main())


def test_closing_the_window_ends_its_popup(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>page</p>")
        task = asyncio.ensure_future(menu.popup(menu.Menu([menu.Item("Copy", id="copy")]), window=win))
        await wait_for_popup()
        await win.close()
        assert await task is None

    arun(main())


def test_what_an_app_subscribed_ends_with_its_runtime(runtime: weft.Runtime, main_window: QMainWindow,
                                                      arun: Any) -> None:
    """A test's app subscribes again in the next test's runtime: the last one's callbacks,
    left behind, heard every later choice (and failed on windows long closed)."""
    from weft import app

    heard: list[str] = []
    menu.on_item(lambda item_id, window_id: heard.append(item_id))
    app.on_second_instance(lambda argv, cwd: heard.append("second"))
    arun(runtime.shutdown())
    menu.install(main_window, file_menu(), "w1")
    arun(pick_menu_item(main_window.menuBar(), "open"))
    now: list[str] = []
    unsubscribe = menu.on_item(lambda item_id, window_id: now.append(item_id))
    arun(pick_menu_item(main_window.menuBar(), "open"))
    unsubscribe()
    assert (heard, now) == ([], ["open"])
