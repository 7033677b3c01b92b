"""weft.testing's click and type_text: real Qt input events reach real pages."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import weft
from tests.conftest import open_page
from weft.testing import ElementError, click, evaluate, type_text

BUTTON = """<!doctype html><body style="margin:0">
<button id="b" style="position:absolute; left:50px; top:40px; width:120px; height:40px"
  onmouseover="window.hovered = event.isTrusted"
  onclick="window.heard = {trusted: event.isTrusted, x: event.clientX, y: event.clientY, button: event.button}">go</button>
</body>"""


def test_a_click_reaches_the_button_as_a_trusted_event(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def scenario() -> Any:
        win = await open_page(runtime, BUTTON)
        await click(win, "#b")
        return await evaluate(win, "[window.hovered, window.heard]")

    # Hovered first, as by a person's pointer; clicked at the centre (CSS pixels).
    assert arun(scenario()) == [True, {"trusted": True, "x": 110, "y": 60, "button": 0}]


def run_page(runtime: weft.Runtime, arun: Callable[..., Any], html: str, steps: Callable[[weft.Window], Any],
             **options: Any) -> Any:
    async def scenario() -> Any:
        win = await open_page(runtime, html, **options)
        return await steps(win)

    return arun(scenario())


BELOW = """<!doctype html><body style="margin:0; height:3000px">
<button id="far" style="position:absolute; left:20px; top:2200px"
  onclick="window.heard = {trusted: event.isTrusted, scrolled: window.scrollY}">far</button></body>"""


def test_a_click_below_the_fold_scrolls_there_first(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        assert await evaluate(win, "window.scrollY") == 0
        await click(win, "#far")
        return await evaluate(win, "window.heard")

    heard = run_page(runtime, arun, BELOW, steps)
    assert heard["trusted"] is True and heard["scrolled"] > 1800


COVERED = """<!doctype html><body style="margin:0">
<button id="b" style="position:absolute; left:20px; top:20px; width:100px; height:40px"
  onclick="window.heard = true">under</button>
<div id="veil" class="modal dim" style="position:fixed; inset:0; background:rgba(0,0,0,.3)"
  onclick="window.veiled = true"></div></body>"""


def test_a_covered_element_is_refused_and_nothing_is_clicked(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        with pytest.raises(ElementError, match=r"'#b' matches button#b, which is covered by div#veil.modal.dim"):
            await click(win, "#b")
        return await evaluate(win, "[window.heard ?? null, window.veiled ?? null]")

    assert run_page(runtime, arun, COVERED, steps) == [None, None]


HIDDEN = """<!doctype html><body>
<button id="gone" style="display:none">a</button><button id="ghost" style="visibility:hidden">b</button>
<div id="empty" style="width:0; height:0"></div><button id="ok">c</button></body>"""


@pytest.mark.parametrize(("selector", "message"), [
    ("#gone", r"'#gone' matches button#gone, which is not visible"),
    ("#ghost", r"'#ghost' matches button#ghost, which is not visible"),
    ("#empty", r"'#empty' matches div#empty, which has no size \(0x0\)"),
    ("#nothing-here", r"'#nothing-here' matches no element"),
    ("#ok[", r"'#ok\[' is not a valid CSS selector"),
])
def test_what_cannot_be_clicked_is_named(runtime: weft.Runtime, arun: Callable[..., Any], selector: str,
                                        message: str) -> None:
    async def steps(win: weft.Window) -> None:
        with pytest.raises(ElementError, match=message):
            await click(win, selector)

    run_page(runtime, arun, HIDDEN, steps)


MOVES = """<!doctype html><body style="margin:0; height:400px">
<button id="b" style="position:absolute; left:20px; top:20px; width:100px; height:40px"
  onmousedown="this.style.display = 'none'" onclick="window.heard = true">flees</button></body>"""


def test_a_release_that_lands_elsewhere_is_reported(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> None:
        with pytest.raises(ElementError, match=r"the click on '#b' reached (body|html) instead"):
            await click(win, "#b")

    run_page(runtime, arun, MOVES, steps)


BUTTONS = """<!doctype html><body style="margin:0">
<div id="pad" style="width:200px; height:100px" oncontextmenu="event.preventDefault()"
  onmouseup="(window.ups ??= []).push([event.button, event.isTrusted])"></div></body>"""


def test_right_and_middle_buttons(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        await click(win, "#pad", button="right")
        await click(win, "#pad", button="middle")
        with pytest.raises(weft.ArgumentError, match="button is 'left', 'right' or 'middle', not 'back'"):
            await click(win, "#pad", button="back")  # type: ignore[arg-type]
        return await evaluate(win, "window.ups")

    assert run_page(runtime, arun, BUTTONS, steps) == [[2, True], [1, True]]


def test_a_zoomed_page_is_clicked_where_its_element_is(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        win.native.view.setZoomFactor(1.5)
        await evaluate(win, "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        await click(win, "#b")
        return await evaluate(win, "window.heard")

    # CSS pixels, at the button's centre: Qt's pixels were the CSS ones times the zoom.
    assert run_page(runtime, arun, BUTTON, steps) == {"trusted": True, "x": 110, "y": 60, "button": 0}


STALLS = """<!doctype html><body><button id="b" style="width:100px; height:40px"
  onmousedown="const end = Date.now() + 1500; while (Date.now() < end);">b</button></body>"""


def test_a_page_that_stalls_times_out_naming_the_click(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        with pytest.raises(TimeoutError, match=r"^the page did not receive the click on '#b' within 0.5 s$"):
            await click(win, "#b", timeout=0.5)
        return await evaluate(win, "'idle again'")

    assert run_page(runtime, arun, STALLS, steps) == "idle again"


def test_a_hidden_window_is_refused(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> None:
        with pytest.raises(ElementError, match="is not shown"):
            await click(win, "#b")

    run_page(runtime, arun, BUTTON, steps, visible=False)


FIELD = """<!doctype html><body><input id="name" value="">
<input id="other" value="x" oninput="window.wrong = true"></body>"""


def test_type_text_types_into_the_field_it_clicked(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        await type_text(win, "Ada Lovelace, 1815!", "#name")
        await type_text(win, " ök")  # the focus stayed there
        return await evaluate(win, "[document.getElementById('name').value, window.wrong ?? null]")

    assert run_page(runtime, arun, FIELD, steps) == ["Ada Lovelace, 1815! ök", None]


NOTES = """<!doctype html><body><textarea id="notes" onkeydown="(window.trusted ??= []).push(event.isTrusted)">
</textarea></body>"""


def test_type_text_types_lines_and_any_unicode(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    text = "Zoë writes\nnaïve café → 日本 😀"

    async def steps(win: weft.Window) -> Any:
        await evaluate(win, "document.getElementById('notes').value = ''")
        await type_text(win, text, "#notes")
        await type_text(win, "!?\b")  # a backspace takes the ? back
        with pytest.raises(weft.ArgumentError, match=r"not '\\x01'"):
            await type_text(win, "\x01")
        return await evaluate(win, "[document.getElementById('notes').value, window.trusted.every(Boolean)]")

    assert run_page(runtime, arun, NOTES, steps) == [text + "!", True]


SYNTHETIC = """<!doctype html><body style="margin:0; height:400px">
<button id="b" style="width:100px; height:40px" onclick="window.heard = event.isTrusted"
  onmousedown="document.body.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}))">b</button></body>"""


def test_the_page_s_own_synthetic_events_do_not_count_as_the_click(runtime: weft.Runtime,
                                                                  arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        await click(win, "#b")
        return await evaluate(win, "window.heard")

    assert run_page(runtime, arun, SYNTHETIC, steps) is True


def test_type_text_can_replace_what_the_field_holds(runtime: weft.Runtime, arun: Callable[..., Any]) -> None:
    async def steps(win: weft.Window) -> Any:
        await type_text(win, "world", "#name")
        await type_text(win, "Ada", "#name", replace=True)
        first = await evaluate(win, "document.getElementById('name').value")
        await type_text(win, "", replace=True)
        await type_text(win, "x")
        return [first, await evaluate(win, "document.getElementById('name').value")]

    assert run_page(runtime, arun, FIELD, steps) == ["Ada", "x"]
