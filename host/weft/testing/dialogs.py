"""Answer weft's dialogs in tests, as a person would::

    import asyncio
    import pytest
    from weft import dialog
    from weft.testing import answer_dialog

    @pytest.mark.weft
    async def test_pick(tmp_path):
        (tmp_path / "a.txt").write_text("x")
        path, seen = await asyncio.gather(dialog.open_file(directory=tmp_path, filters={"Text": ["*.txt"]}),
                                          answer_dialog(tmp_path / "a.txt"))
        assert path == tmp_path / "a.txt" and seen.filters == ("Text (*.txt)",)

:func:`answer_dialog` waits for the oldest :mod:`weft.dialog` dialog that is
open (or the next to open) and answers it through Qt's own widgets: it types
paths into a file dialog's file-name box and presses its Open / Save /
Choose button, or presses a message box's button (``None``: Cancel, or
Escape on a message box). It drives Qt's widget dialogs, which is what a
headless (offscreen) session has; a desktop's native dialog has no widgets
to drive and is refused with :class:`weft.PlatformError`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import attrs
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QLineEdit, QMessageBox)

from .. import window as weft_window
from ..dialog import MARK, ORDER
from ..errors import ArgumentError, PlatformError, RuntimeClosedError

__all__ = ["DialogSeen", "answer_dialog", "dismiss_dialogs", "next_dialog"]

#: What answers what: a file dialog takes a path (or, for
#: ``open_file(multiple=True)``, several), a message box a button's label,
#: ``confirm`` also ``True`` (OK) or ``False`` (Cancel); ``None`` cancels.
Answer = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | bool | None

_ICON_KINDS = {QMessageBox.Icon.Information: "info", QMessageBox.Icon.Warning: "warning",
               QMessageBox.Icon.Critical: "error", QMessageBox.Icon.Question: "question"}


@attrs.frozen(kw_only=True)
class DialogSeen:
    """What a weft dialog showed, as :func:`answer_dialog` found it."""

    kind: Literal["open_file", "open_folder", "save_file", "message", "confirm"]
    """The :mod:`weft.dialog` call that showed it."""
    title: str
    """Its window title."""
    window: str | None
    """The id of the weft window it is modal to; ``None``: application-modal."""
    text: str = ""
    """A message box's text."""
    icon: str | None = None
    """A message box's kind, by its icon: ``"info"``, ``"warning"``, ``"error"``, ``"question"``."""
    buttons: tuple[str, ...] = ()
    """A message box's button labels, in the order they were given."""
    default: str | None = None
    """The label of a message box's default button (Enter presses it)."""
    directory: Path | None = None
    """The folder a file dialog showed."""
    name: str = ""
    """What a file dialog's file-name box held as it opened (``save_file(name=)``)."""
    filters: tuple[str, ...] = ()
    """A file dialog's filters as listed, ``("Images (*.png *.jpg)", ...)``; the first was selected."""
    multiple: bool = False
    """A file dialog takes several files (``open_file(multiple=True)``)."""
    asked: tuple[str, ...] = ()
    """What Qt's file dialog asked on the way ("a.txt already exists. Do you
    want to replace it?"), each answered Yes as the person choosing it would."""


async def answer_dialog(answer: Answer, *, timeout: float = 10.0) -> DialogSeen:
    """Answer the oldest open weft dialog, or the next to open within
    ``timeout`` s, with ``answer``; return what it showed.

    ``TimeoutError`` if no dialog opens in time, or it does not close within
    as long again once answered. An answer that does not fit the dialog (a
    label not on the box, a file that does not exist for ``open_file``, a
    folder where a file goes) cancels the dialog, as a person giving up
    would, and raises :class:`weft.ArgumentError`.
    """
    dlg = await next_dialog(timeout=timeout)
    seen = _seen(dlg)
    try:
        async with asyncio.timeout(timeout):
            if isinstance(dlg, QFileDialog):
                return attrs.evolve(seen, asked=await _answer_files(dlg, answer))
            _answer_box(dlg, seen, answer)
            return seen
    except TimeoutError:
        raise TimeoutError(f"the {seen.kind} dialog did not close within {timeout} s of its answer") from None


async def next_dialog(*, timeout: float = 10.0) -> QDialog:
    """The oldest open weft dialog, or the next to open within ``timeout``
    s (else ``TimeoutError``), unanswered: the Qt object, for a test that
    looks closer (its parent, its modality) before answering it."""
    if QApplication.instance() is None:
        raise RuntimeClosedError("no QApplication: weft's dialogs are answered inside a weft test")
    try:
        async with asyncio.timeout(timeout):
            while not (found := _open_dialogs()):
                await asyncio.sleep(_POLL)
    except TimeoutError:
        raise TimeoutError(f"no weft dialog opened within {timeout} s") from None
    return found[0]


def dismiss_dialogs() -> int:
    """Cancel every weft dialog still open (a test's teardown); how many."""
    open_now = _open_dialogs() if QApplication.instance() is not None else []
    for dlg in open_now:
        dlg.reject()
    return len(open_now)


# -- finding dialogs ---------------------------------------------------------

#: Seconds between looks for a dialog. Qt tells Python nothing as a dialog
#: shows, and the way to hear it, an application-wide event filter, crashes
#: PySide 6.11.3 here: wrapping an object for the filter sets a property on
#: it, whose change event goes through the filter again, before the wrapper
#: exists (seen in gdb on a QtWebEngine page's hover events).
_POLL = 0.005


def _open_dialogs() -> list[QDialog]:
    """weft's visible dialogs, oldest first (an answered one is hidden)."""
    found = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QDialog) and w.isVisible() and w.property(MARK)]
    return sorted(found, key=lambda w: w.property(ORDER))


def _seen(dlg: QDialog) -> DialogSeen:
    if dlg.testAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen):
        dlg.reject()
        raise PlatformError("the dialog is the desktop's own, which answer_dialog cannot drive: run the test "
                            "where Qt shows its own (QT_QPA_PLATFORM=offscreen)")
    common = {"kind": dlg.property(MARK), "title": dlg.windowTitle(), "window": _window_id(dlg)}
    if isinstance(dlg, QFileDialog):
        combo = dlg.findChild(QComboBox, "fileTypeCombo")
        filters = tuple(combo.itemText(i) for i in range(combo.count())) if combo and combo.isVisible() else ()
        return DialogSeen(**common, directory=Path(dlg.directory().absolutePath()), name=_name_box(dlg).text(),
                          filters=filters, multiple=dlg.fileMode() == QFileDialog.FileMode.ExistingFiles)
    assert isinstance(dlg, QMessageBox)
    default = dlg.defaultButton()
    return DialogSeen(**common, text=dlg.text(), icon=_ICON_KINDS.get(dlg.icon()),
                      buttons=tuple(_label(b) for b in dlg.buttons()),
                      default=_label(default) if default is not None else None)


def _window_id(dlg: QDialog) -> str | None:
    parent = dlg.parentWidget()
    if parent is None or dlg.windowModality() != Qt.WindowModality.WindowModal:
        return None
    return next((win.id for win in weft_window.windows() if win.native is parent), None)


def _label(button: QAbstractButton) -> str:
    return button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


# -- answering ----------------------------------------------------------------


async def _answer_files(dlg: QFileDialog, answer: Answer) -> tuple[str, ...]:
    buttons = dlg.findChild(QDialogButtonBox, "buttonBox")
    if answer is None:
        buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        return ()
    typed = _typed(dlg, answer)
    accept = next(b for b in buttons.buttons() if buttons.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole)
    pressed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    failed: list[str] = []

    def press() -> None:
        # Typed and pressed in one step: the dialog's model may still be
        # listing the folder, and could change the box in between.
        _name_box(dlg).setText(typed)
        if accept.isEnabled():
            accept.click()  # may ask a question in a box of its own (and wait for it there)
        else:
            failed.append(f"its {_label(accept)} button stays disabled (no such file or folder?)")
        if not pressed.done():
            pressed.set_result(None)

    # Pressed from Qt's loop, not this task: the question Qt's dialog may ask
    # runs a nested event loop until answered, and this task answers it.
    QTimer.singleShot(0, dlg, press)
    asked: list[str] = []
    while not pressed.done():
        box = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.isVisible() and w.parentWidget() is dlg), None)
        if box is None:
            await asyncio.wait({pressed}, timeout=_POLL)
            continue
        yes = box.button(QMessageBox.StandardButton.Yes)
        if yes is not None:
            asked.append(box.text())
            yes.click()
        else:
            failed.append(f"it said {box.text()!r}")
            box.buttons()[0].click()
    if shiboken6.isValid(dlg) and dlg.isVisible():
        dlg.reject()
        why = "; ".join(failed) or "it stayed open"
        raise ArgumentError(f"the {dlg.property(MARK)} dialog did not take {typed!r}: {why}")
    return tuple(asked)


def _typed(dlg: QFileDialog, answer: Answer) -> str:
    """What a person types for ``answer``: a path (relative ones are in the
    dialog's folder), or several as ``"a" "b"``."""
    many = not isinstance(answer, (str, os.PathLike))
    paths = list(answer) if many and isinstance(answer, Sequence) else [answer]
    if isinstance(answer, bool) or not paths or not all(isinstance(p, (str, os.PathLike)) and os.fspath(p)
                                                        for p in paths):
        dlg.reject()
        raise ArgumentError(f"a file dialog is answered with a path, several paths or None, not {answer!r}")
    texts = [os.fspath(p) for p in paths]
    if len(texts) > 1 and dlg.fileMode() != QFileDialog.FileMode.ExistingFiles:
        dlg.reject()
        raise ArgumentError(f"the {dlg.property(MARK)} dialog takes one path, not {len(texts)}")
    if any('"' in text for text in texts):
        dlg.reject()
        raise ArgumentError(f'Qt\'s file dialog cannot take a name with " in it: {texts!r}')
    return texts[0] if len(texts) == 1 else " ".join(f'"{text}"' for text in texts)


def _name_box(dlg: QFileDialog) -> QLineEdit:
    box = dlg.findChild(QLineEdit, "fileNameEdit")
    if box is None:
        dlg.reject()
        raise PlatformError("the file dialog is the desktop's own, which answer_dialog cannot drive")
    return box


def _answer_box(box: QMessageBox, seen: DialogSeen, answer: Answer) -> None:
    if answer is None:
        QTest.keyClick(box, Qt.Key.Key_Escape)  # a person dismissing it
        if box.isVisible():
            box.reject()
            raise ArgumentError(f"the {seen.kind} box stayed open on Escape")
        return
    if seen.kind == "confirm" and isinstance(answer, bool):
        answer = "OK" if answer else "Cancel"
    if not isinstance(answer, str):
        box.reject()
        raise ArgumentError(f"a message box is answered with a button's label or None, not {answer!r}")
    button = next((b for b in box.buttons() if _label(b) == answer), None)
    if button is None:
        box.reject()
        raise ArgumentError(f"the message box has no button {answer!r}; it has {', '.join(map(repr, seen.buttons))}")
    button.click()
