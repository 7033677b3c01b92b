"""File and message dialogs, awaited on weft's loop::

    from weft import dialog

    path = await dialog.open_file(window=win, filters={"Text": ["*.txt"], "All files": ["*"]})
    if path is not None and await dialog.confirm(f"Load {path.name}?", window=win):
        ...

The desktop's own dialogs where it has them (the XDG portal or the platform
theme's on Linux, the system's on Windows and macOS), Qt's own otherwise: Qt
picks, weft never forces either. Headless (``QT_QPA_PLATFORM=offscreen``)
there are none, so tests drive Qt's own (``weft.testing.answer_dialog``).

``window=`` (a :class:`weft.Window` or its id) makes a dialog modal to that
window; without it the dialog is modal to the whole application. Nothing
here runs a nested event loop: a dialog is shown and its answer awaited, so
IPC, timers and other windows keep going meanwhile. Cancelling the awaiting
task closes the dialog; a dialog whose window closes returns as if
cancelled by the person (``None``; ``False`` for :func:`confirm`).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal, TypeVar

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QWidget

from .errors import ArgumentError, RuntimeClosedError
from .window import Window, native_of

__all__ = ["Kind", "confirm", "message", "open_file", "open_folder", "save_file"]

Kind = Literal["info", "warning", "error", "question"]
_ICONS = {"info": QMessageBox.Icon.Information, "warning": QMessageBox.Icon.Warning,
          "error": QMessageBox.Icon.Critical, "question": QMessageBox.Icon.Question}

#: Dynamic properties on every dialog weft shows: which call showed it, and
#: in what order (``weft.testing`` finds and answers them by these).
MARK = "weft_dialog"
ORDER = "weft_dialog_order"
_order = itertools.count(1)

# What Qt's name-filter parser accepts inside "Name (*.a *.b)", less the
# separators (space, ';'): anything else would be read as part of the name.
_PATTERN = re.compile(r"[A-Za-z0-9_.,*?#\-\[\]@{}/!<>$%&=^~:|]+")
_SUFFIX = re.compile(r"\*\.([A-Za-z0-9_-]+)")

T = TypeVar("T")
WindowRef = Window | str | None
Folder = str | os.PathLike[str]


async def open_file(*, window: WindowRef = None, title: str | None = None, directory: Folder | None = None,
                    filters: Mapping[str, Sequence[str]] | None = None,
                    multiple: bool = False) -> Path | list[Path] | None:
    """Ask for an existing file (``multiple=True``: one or more).

    Returns its absolute path (``multiple``: a non-empty list of them), or
    ``None`` if the person cancelled. ``filters`` maps a name to its glob
    patterns, ``{"Images": ["*.png", "*.jpg"]}``; the first is selected.
    """
    if not isinstance(multiple, bool):
        raise ArgumentError(f"multiple is True or False, not {multiple!r}")
    dlg = _file_dialog("open_file", window, title, directory, filters)
    dlg.setFileMode(QFileDialog.FileMode.ExistingFiles if multiple else QFileDialog.FileMode.ExistingFile)
    paths = await _files(dlg)
    if paths is None:
        return None
    return paths if multiple else paths[0]


async def open_folder(*, window: WindowRef = None, title: str | None = None,
                      directory: Folder | None = None) -> Path | None:
    """Ask for an existing folder; its absolute path, or ``None`` if cancelled."""
    dlg = _file_dialog("open_folder", window, title, directory, None)
    dlg.setFileMode(QFileDialog.FileMode.Directory)
    dlg.setOption(QFileDialog.Option.ShowDirsOnly)
    paths = await _files(dlg)
    return None if paths is None else paths[0]


async def save_file(*, window: WindowRef = None, title: str | None = None, directory: Folder | None = None,
                    name: str | None = None, filters: Mapping[str, Sequence[str]] | None = None) -> Path | None:
    """Ask where to save; the absolute path chosen, or ``None`` if cancelled.

    ``name`` prefills the file name (in ``directory``). Choosing a file that
    exists asks the person whether to replace it (the dialog asks, not weft).
    When the selected filter is a single ``*.ext`` and the name typed has no
    extension, Qt's own dialog (and Windows') appends ``.ext``; the portal's
    and GTK's return the name as typed. weft appends nothing afterwards: the
    dialog's replace question was about the name it returned.
    """
    if name is not None and (not isinstance(name, str) or name in ("", ".", "..")
                             or "/" in name or os.sep in name):
        raise ArgumentError(f"name is a file name (the folder goes in directory=), not {name!r}")
    dlg = _file_dialog("save_file", window, title, directory, filters)
    dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dlg.setFileMode(QFileDialog.FileMode.AnyFile)
    suffixes = {_qt_filter(label, patterns): _suffix(patterns) for label, patterns in (filters or {}).items()}
    if suffixes:
        dlg.setDefaultSuffix(next(iter(suffixes.values())))
        dlg.filterSelected.connect(lambda selected: dlg.setDefaultSuffix(suffixes.get(selected, "")))
    if name is not None:
        dlg.selectFile(name)
    paths = await _files(dlg)
    return None if paths is None else paths[0]


async def message(text: str, *, window: WindowRef = None, title: str | None = None, kind: Kind = "info",
                  buttons: Sequence[str] = ("OK",)) -> str | None:
    """Show ``text`` (plain text) with ``buttons`` (labels, shown as
    written, in order; the first is the default) and an icon for ``kind``.

    Returns the label of the button pressed. With one button, Escape and the
    window's close button press it (as an alert's only button is also its
    dismissal); with several, they dismiss the box and this returns ``None``.
    """
    _check_text("text", text)
    if not isinstance(kind, str) or kind not in _ICONS:
        raise ArgumentError(f"kind is 'info', 'warning', 'error' or 'question', not {kind!r}")
    labels = _buttons(buttons)
    box = _message_box("message", window, title, text, _ICONS[kind])
    pressed = {box.addButton(label.replace("&", "&&"), QMessageBox.ButtonRole.ActionRole): label
               for label in labels}
    first = next(iter(pressed))
    box.setDefaultButton(first)
    if len(pressed) == 1:
        box.setEscapeButton(first)
    return await _show(box, lambda _: pressed.get(box.clickedButton()))


async def confirm(text: str, *, window: WindowRef = None, title: str | None = None) -> bool:
    """Ask a question answered with OK (``True``) or Cancel (``False``), as
    a web page's ``confirm()`` does. OK is the default button; Escape and
    the window's close button mean Cancel."""
    _check_text("text", text)
    box = _message_box("confirm", window, title, text, QMessageBox.Icon.Question)
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    ok = box.button(QMessageBox.StandardButton.Ok)
    box.setDefaultButton(ok)
    box.setEscapeButton(box.button(QMessageBox.StandardButton.Cancel))
    return bool(await _show(box, lambda _: box.clickedButton() is ok))


# -- building dialogs --------------------------------------------------------


def _file_dialog(call: str, window: WindowRef, title: str | None, directory: Folder | None,
                 filters: Mapping[str, Sequence[str]] | None) -> QFileDialog:
    """A QFileDialog for ``call``, checked arguments first (a bad one leaves
    nothing behind)."""
    _check_text("title", title, optional=True)
    folder = _directory(directory)
    names = [_qt_filter(label, patterns) for label, patterns in _filters(filters).items()]
    dlg = QFileDialog(_parent(window))
    _mark(dlg, call)
    if title is not None:
        dlg.setWindowTitle(title)
    if folder is not None:
        dlg.setDirectory(str(folder))
    if names:
        dlg.setNameFilters(names)
    return dlg


def _message_box(call: str, window: WindowRef, title: str | None, text: str, icon: QMessageBox.Icon) -> QMessageBox:
    _check_text("title", title, optional=True)
    box = QMessageBox(_parent(window))
    box.installEventFilter(_Dismissable(box))
    _mark(box, call)
    box.setWindowTitle(QApplication.applicationDisplayName() if title is None else title)
    box.setTextFormat(Qt.TextFormat.PlainText)  # shown as written: no markup, no images, from a page's string
    box.setText(text)
    box.setIcon(icon)
    return box


class _Dismissable(QObject):
    """Lets Escape and the close button dismiss a message box with no
    escape button (Qt's ignores both then, so it could not be dismissed).
    An event filter, not a subclass: Qt shows only QMessageBox itself
    natively, never a subclass of it."""

    def eventFilter(self, box: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        dismiss = event.type() == QEvent.Type.Close or (
            event.type() == QEvent.Type.KeyPress and event.matches(QKeySequence.StandardKey.Cancel))
        if dismiss and isinstance(box, QMessageBox) and box.escapeButton() is None:
            box.reject()
            return True
        return False


def _parent(window: WindowRef) -> QWidget | None:
    if QApplication.instance() is None:
        raise RuntimeClosedError("no QApplication: start weft with weft.run(main) before showing a dialog")
    return native_of(window)


def _mark(dlg: QDialog, call: str) -> None:
    dlg.setProperty(MARK, call)
    dlg.setProperty(ORDER, next(_order))


# -- showing and awaiting ----------------------------------------------------


async def _files(dlg: QFileDialog) -> list[Path] | None:
    chosen: list[str] = []
    dlg.filesSelected.connect(chosen.extend)

    def outcome(result: int) -> list[Path] | None:
        files = chosen or (dlg.selectedFiles() if result == QDialog.DialogCode.Accepted else [])
        if result != QDialog.DialogCode.Accepted or not files:
            return None
        return [Path(file).absolute() for file in files]

    return await _show(dlg, outcome)


async def _show(dlg: QDialog, outcome: Callable[[int], T]) -> T | None:
    """Show ``dlg`` (window-modal to its parent, else application-modal) and
    return ``outcome(result)``, worked out as it finishes; ``None`` if it is
    destroyed first (its window closed). Cancelling closes it."""
    answered: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()

    def on_finished(result: int) -> None:
        if not answered.done():
            answered.set_result(outcome(result))

    def on_destroyed() -> None:
        if not answered.done():
            answered.set_result(None)

    dlg.finished.connect(on_finished)
    dlg.destroyed.connect(on_destroyed)
    try:
        if dlg.parentWidget() is not None:
            dlg.open()  # window-modal to its parent
        else:
            dlg.setWindowModality(Qt.WindowModality.ApplicationModal)
            dlg.show()
        return await answered
    finally:
        # The dialog may be gone already: its window closed and took it along.
        if shiboken6.isValid(dlg):
            if dlg.isVisible():
                dlg.reject()  # our task was cancelled
            dlg.deleteLater()


# -- checking arguments ------------------------------------------------------


def _check_text(what: str, value: object, *, optional: bool = False) -> None:
    if not (isinstance(value, str) or (optional and value is None)):
        raise ArgumentError(f"{what} is a string{' or None' if optional else ''}, not {value!r}")


def _directory(directory: Folder | None) -> Path | None:
    if directory is None:
        return None
    if not isinstance(directory, (str, os.PathLike)) or not os.fspath(directory):
        raise ArgumentError(f"directory is a folder's path, not {directory!r}")
    folder = Path(directory).expanduser().absolute()
    if not folder.is_dir():
        raise ArgumentError(f"directory {str(folder)!r} {'is not a folder' if folder.exists() else 'does not exist'}")
    return folder


def _filters(filters: Mapping[str, Sequence[str]] | None) -> Mapping[str, Sequence[str]]:
    if filters is None:
        return {}
    if not isinstance(filters, Mapping) or not filters:
        raise ArgumentError('filters maps names to glob patterns, {"Images": ["*.png", "*.jpg"]}, '
                            f"not {filters!r}")
    for label, patterns in filters.items():
        if not isinstance(label, str) or not label.strip() or "\n" in label:
            raise ArgumentError(f"a filter's name is a one-line string, not {label!r}")
        if isinstance(patterns, str) or not isinstance(patterns, Sequence) or not patterns:
            raise ArgumentError(f"filter {label!r} takes a non-empty list of glob patterns, not {patterns!r}")
        for pattern in patterns:
            if not isinstance(pattern, str) or not _PATTERN.fullmatch(pattern):
                raise ArgumentError(f"filter {label!r}: {pattern!r} is not a glob pattern Qt's dialogs take "
                                    "(one pattern per item, like '*.txt'; no spaces, ';' or brackets)")
    return filters


def _buttons(buttons: Sequence[str]) -> list[str]:
    if isinstance(buttons, str) or not isinstance(buttons, Sequence) or not buttons:
        raise ArgumentError(f"buttons is a non-empty list of labels, not {buttons!r}")
    for label in buttons:
        if not isinstance(label, str) or not label.strip():
            raise ArgumentError(f"a button's label is a non-empty string, not {label!r}")
    if len(set(buttons)) != len(buttons):
        raise ArgumentError(f"buttons has the same label twice: {list(buttons)!r}")
    return list(buttons)


def _qt_filter(label: str, patterns: Sequence[str]) -> str:
    return f"{label} ({' '.join(patterns)})"


def _suffix(patterns: Sequence[str]) -> str:
    """The extension a save dialog appends for this filter: its one
    ``*.ext`` pattern's, else none."""
    match = _SUFFIX.fullmatch(patterns[0]) if len(patterns) == 1 else None
    return match.group(1) if match else ""
