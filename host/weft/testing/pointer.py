"""Clicking and typing in a page in tests, as a person would::

    from weft.testing import click, type_text

    await type_text(win, "Ada", "#name")     # clicks the field, then types into it
    await click(win, "#greet button")        # the page's handlers have run when it returns

:func:`click` finds the element in the page, scrolls it into view, and
sends Qt mouse events to the widget Chromium reads input from, at the
element's centre: the page sees trusted events (``event.isTrusted``),
focus moves, a form submits, exactly as for a real click. It refuses, with
:class:`ElementError`, an element that is missing, hidden, of no size or
covered by another one, rather than clicking what is on top of it.
:func:`type_text` sends key events the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from typing import Any, AsyncIterator, Literal

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from ..errors import ArgumentError, Error
from ..window import Window

__all__ = ["ElementError", "click", "type_text"]

Button = Literal["left", "right", "middle"]
_BUTTONS = {"left": Qt.MouseButton.LeftButton, "right": Qt.MouseButton.RightButton,
            "middle": Qt.MouseButton.MiddleButton}


class ElementError(Error, LookupError):
    """An element cannot be clicked or typed into: no element matches the
    selector, or the one that does is hidden, of no size or covered."""


# The page's side, run by weft.testing.evaluate with its arguments appended
# as JSON literals (Python builds no JavaScript from its data). "locate"
# scrolls the element into view, checks that a click at its centre would
# reach it, and starts recording the trusted events the page gets; "take"
# says what it recorded.
# TODO(renderer_assets): this belongs beside testing.js in renderer_assets/
# (pointer.js); it lives here until that folder's owner takes it.
_PAGE = r"""
(function weftPointer(op, key, selector, wanted, count) {
  "use strict";
  const slots = (window[Symbol.for("weft.testing.pointer")] ??= Object.create(null));
  const name = (el) => !el ? "nothing" : el.localName + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const listen = (el) => {
    const slot = { events: [], done: false };
    const last = wanted[wanted.length - 1];
    const record = (event) => {
      if (!event.isTrusted) return;  // the page's own synthetic events are not ours
      slot.events.push({ type: event.type, target: name(event.target),
                         inside: !el || event.target === el || el.contains(event.target) });
      if (slot.events.filter((seen) => seen.type === last).length >= count) slot.done = true;
    };
    slot.stop = () => { for (const type of new Set(wanted)) window.removeEventListener(type, record, true); };
    for (const type of new Set(wanted)) window.addEventListener(type, record, true);
    slots[key] = slot;
  };
  if (op === "take") {
    const slot = slots[key];
    if (!slot) return { lost: true };
    if (!slot.done) return null;
    delete slots[key];
    slot.stop();
    return { events: slot.events };
  }
  if (op === "listen") {
    listen(null);
    return {};
  }
  return (async () => {  // "locate"
    let el;
    try { el = document.querySelector(selector); }
    catch (err) { return { problem: "is not a valid CSS selector (" + err.message + ")" }; }
    if (!el) return { problem: "matches no element" };
    if (!el.checkVisibility({ visibilityProperty: true }))
      return { problem: "matches " + name(el) + ", which is not visible (display, visibility or content-visibility hide it)" };
    el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
    for (let i = 0; i < 2; i++) await new Promise((done) => requestAnimationFrame(done));  // painted where it now is
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0)
      return { problem: "matches " + name(el) + ", which has no size (" + r.width + "x" + r.height + ")" };
    const left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
    const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
    if (left >= right || top >= bottom)
      return { problem: "matches " + name(el) + ", which stays outside the page's view after scrolling" };
    const x = (left + right) / 2, y = (top + bottom) / 2;
    const hit = document.elementFromPoint(x, y);
    if (!hit || !(hit === el || el.contains(hit)))
      return { problem: "matches " + name(el) + ", which is covered by " + name(hit) + " at its centre" };
    listen(el);
    return { x, y, ratio: devicePixelRatio };
  })();
})
"""

_keys = itertools.count(1)


def _call(op: str, key: str, selector: str | None = None, wanted: tuple[str, ...] = (), count: int = 1) -> str:
    return _PAGE + "(" + ", ".join(json.dumps(arg) for arg in (op, key, selector, wanted, count)) + ")"


def _input_widget(win: Window) -> QWidget:
    """The widget Chromium reads a window's mouse and keys from."""
    native = win.native
    if not native.isVisible():
        raise ElementError(f"{win!r} is not shown: a hidden window gets no clicks (show it first)")
    view = native.view
    return view.focusProxy() or view


async def _locate(win: Window, selector: str, wanted: tuple[str, ...], timeout: float) -> tuple[str, QPoint]:
    """Scroll ``selector``'s element into view; return the key its events
    are recorded under and the point to click, in the input widget's pixels."""
    from . import evaluate

    widget = _input_widget(win)  # first: a hidden page paints no frame, and locating waits for one
    key = f"p{next(_keys)}"
    found = await evaluate(win, _call("locate", key, selector, wanted), timeout=timeout)
    if "problem" in found:
        raise ElementError(f"{selector!r} {found['problem']}")
    # CSS pixels to Qt's: the page's devicePixelRatio is the screen's times
    # the zoom, the widget's the screen's alone.
    scale = found["ratio"] / (widget.devicePixelRatioF() or 1.0)
    return key, QPoint(round(found["x"] * scale), round(found["y"] * scale))


async def _received(win: Window, key: str, what: str) -> list[dict[str, Any]]:
    """Wait until the page has had the last event it waits for; its events."""
    while (taken := await win.evaluate(_call("take", key))) is None:
        await asyncio.sleep(0.01)
    if taken.get("lost"):
        raise ElementError(f"the page went away (reloaded or navigated) before it had the {what}")
    return taken["events"]  # type: ignore[no-any-return]


class _Steps:
    """One deadline for a helper's steps; a timeout names the step it cut."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.step = ""

    @contextlib.asynccontextmanager
    async def within(self) -> AsyncIterator[_Steps]:
        try:
            async with asyncio.timeout(self.timeout):
                yield self
        except TimeoutError:
            raise TimeoutError(f"{self.step} within {self.timeout} s") from None


async def click(win: Window, selector: str, *, button: Button = "left", timeout: float = 10.0) -> None:
    """Click the element ``selector`` (``document.querySelector``) matches,
    with real mouse events at its centre, once scrolled into view; return
    when the page has handled the click. :class:`ElementError` if nothing
    matches or the element is hidden, of no size, or covered, or the click
    landed on another element; ``TimeoutError`` if the page does not find
    the element and get the click within ``timeout`` s."""
    if button not in _BUTTONS:
        raise ArgumentError(f"button is 'left', 'right' or 'middle', not {button!r}")
    async with _Steps(timeout).within() as steps:
        steps.step = f"the page did not find {selector!r}"
        key, where = await _locate(win, selector, ("mousedown", "mouseup"), timeout)
        widget = _input_widget(win)
        qt_button = _BUTTONS[button]
        QTest.mousePress(widget, qt_button, Qt.KeyboardModifier.NoModifier, where)
        QTest.mouseRelease(widget, qt_button, Qt.KeyboardModifier.NoModifier, where)
        steps.step = f"the page did not receive the click on {selector!r}"
        events = await _received(win, key, f"click on {selector!r}")
    astray = [event for event in events if not event["inside"]]
    if astray:
        raise ElementError(f"the click on {selector!r} reached {astray[0]['target']} instead")


async def type_text(win: Window, text: str, selector: str | None = None, *, replace: bool = False,
                    timeout: float = 10.0) -> None:
    """Type ``text`` with real key events (Qt's, as :func:`click` sends
    mouse events) into the element that has the focus, after clicking
    ``selector``'s element if given: that moves the focus there as a
    person's click does, and the caret to where the click lands.
    ``replace=True`` first selects what the element holds (Ctrl+A), so the
    text takes its place. Returns when the page has had every key;
    ``TimeoutError`` if it has not within ``timeout`` s."""
    _check_keys(text)
    if selector is not None:
        await click(win, selector, timeout=timeout)
    if not text and not replace:
        return
    async with _Steps(timeout).within() as steps:
        steps.step = f"the page did not receive the keys of {text!r}"
        widget = _input_widget(win)
        key = f"k{next(_keys)}"
        # QTest presses a modifier as a key of its own: Ctrl+A is two keyups.
        await win.evaluate(_call("listen", key, None, ("keydown", "keyup"), len(text) + (2 if replace else 0)))
        if replace:
            QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        _send_keys(widget, text)
        await _received(win, key, f"keys of {text!r}")


_NAMED_KEYS = {"\n": Qt.Key.Key_Return, "\r": Qt.Key.Key_Return, "\t": Qt.Key.Key_Tab, "\b": Qt.Key.Key_Backspace}


def _check_keys(text: str) -> None:
    for char in text:
        if char.isascii() and not char.isprintable() and char not in _NAMED_KEYS:
            raise ArgumentError(f"type_text types printable text, newlines, tabs and backspaces, not {char!r}")


def _send_keys(widget: QWidget, text: str) -> None:
    for char in text:
        if char in _NAMED_KEYS:
            QTest.keyClick(widget, _NAMED_KEYS[char])
        elif char.isascii():
            QTest.keyClick(widget, char)
        else:  # QTest knows ASCII only (it aborts on the rest): a key that carries just its text
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))
