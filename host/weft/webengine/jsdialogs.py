"""A page's ``alert()``, ``confirm()`` and ``prompt()``.

App pages show them as Qt does, modal to their window, with the text as
plain text. Plugin pages show none: a plugin's dialog would be the host's
(modal over its windows, with words the plugin chose), so each is answered
at once as if dismissed (``confirm`` false, ``prompt`` null) and recorded.

A JavaScript dialog runs a nested event loop inside the page's C++ call.
Deleting the page from that loop (a window closed, a plugin stopped, while
its alert is up) frees it under that call and aborts the process, so a page
is only deleted after :meth:`JavaScriptDialogs.end` has closed its dialogs
and their loops have returned.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QMessageBox

# Qt's enums and the dialog classes are imported where a dialog shows: every
# page has a JavaScriptDialogs, and building PySide6's ``Qt`` namespace at
# startup costs 15-45 ms (tests/e2e/test_startup.py).


class JavaScriptDialogs:
    """The dialogs of one page; ``on_refused(kind, text)`` hears each one a
    plugin page asked for (``shown=False``)."""

    def __init__(self, owner: QObject | None, *, shown: bool, on_refused: Callable[[str, str], None]) -> None:
        self._owner = owner
        self._shown = shown
        self._on_refused = on_refused
        self._open: list[QDialog] = []
        self._ending = False
        self._idle: asyncio.Future[None] | None = None

    def alert(self, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        dialog = self._message(text, QMessageBox.Icon.Information, QMessageBox.StandardButton.Ok)
        if dialog is not None:
            self._run(dialog)

    def confirm(self, text: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        buttons = QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel
        dialog = self._message(text, QMessageBox.Icon.Question, buttons, kind="confirm")
        if dialog is None:
            return False
        self._run(dialog)
        clicked = dialog.clickedButton()  # None when closed or ended
        return clicked is not None and dialog.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole

    def prompt(self, text: str, default: str) -> tuple[bool, str]:
        from PySide6.QtWidgets import QDialog, QInputDialog

        if not self._may_show("prompt", text):
            return False, ""
        dialog = QInputDialog(self._parent())
        dialog.setWindowTitle("JavaScript Prompt")
        dialog.setLabelText(text)
        dialog.setTextValue(default)
        accepted = self._run(dialog) == QDialog.DialogCode.Accepted
        return accepted, dialog.textValue() if accepted else ""

    @property
    def showing(self) -> bool:
        """Whether a dialog of this page is open (its loop is on the stack)."""
        return bool(self._open)

    async def end(self) -> None:
        """Close the open dialogs (as dismissed), answer any later one at once,
        and return once every dialog's loop has returned."""
        self._ending = True
        if not self._open:
            return
        self._idle = asyncio.get_running_loop().create_future()
        for dialog in tuple(self._open):
            dialog.reject()
        await self._idle

    # -- showing one ------------------------------------------------------

    def _may_show(self, kind: str, text: str) -> bool:
        if not self._shown:
            self._on_refused(kind, text)
        return self._shown and not self._ending

    def _message(self, text: str, icon: QMessageBox.Icon, buttons: QMessageBox.StandardButton,
                 *, kind: str = "alert") -> QMessageBox | None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        if not self._may_show(kind, text):
            return None
        dialog = QMessageBox(icon, f"JavaScript {kind.capitalize()}", text, buttons, self._parent())
        dialog.setTextFormat(Qt.TextFormat.PlainText)
        return dialog

    def _parent(self) -> QWidget | None:
        owner = self._owner
        return owner.window() if isinstance(owner, QWidget) else None

    def _run(self, dialog: QDialog) -> int:
        from PySide6.QtCore import Qt

        dialog.setWindowModality(Qt.WindowModality.WindowModal if dialog.parent() else Qt.WindowModality.ApplicationModal)
        self._open.append(dialog)
        try:
            return dialog.exec()
        finally:
            self._open.remove(dialog)
            dialog.deleteLater()
            if not self._open and self._idle is not None and not self._idle.done():
                self._idle.set_result(None)
