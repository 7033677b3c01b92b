"""The demo's desktop side: a menu bar, dialogs, a tray icon, notifications
and file drops, as an app would use them.

- File: *Open a file…* (a dialog; the page shows what was picked), *Save the
  note as…* (a save dialog, then a notification), *Quit*.
- View: *Always on top* and *Activity window* (checkable), and *Restart the
  counter plugin* (the panel it renders in the main window pairs again).
- Help: *About* (a message box).
- A tray icon, where the desktop has a tray: click it to bring the demo
  forward; its menu has *Show the demo* and *Quit*.
- Files dropped on the main window are listed in it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Awaitable, Callable

from .. import dialog, ipc, menu, notifications, tray, window
from ..ipc.events import IpcEvent
from .channels import OpenedFile

log = logging.getLogger("weft.demo")

MENU_BAR = menu.Menu([
    menu.Submenu("&File", [
        menu.Item("&Open a file…", id="open", accelerator="Ctrl+O"),
        menu.Item("&Save the note as…", id="save-note", accelerator="Ctrl+S"),
        menu.Separator(),
        menu.Item("&Quit", id="quit", accelerator="Ctrl+Q"),
    ]),
    menu.Submenu("&View", [
        menu.Item("Always on &top", id="on-top", checkable=True),
        menu.Item("&Activity window", id="activity", checkable=True, checked=True),
        menu.Separator(),
        menu.Item("&Restart the counter plugin", id="restart-counter"),
    ]),
    menu.Submenu("&Help", [menu.Item("&About the weft demo", id="about")]),
])

TRAY_MENU = menu.Menu([
    menu.Item("Show the demo", id="show"),
    menu.Separator(),
    menu.Item("Quit", id="quit"),
])


@ipc.handler("open-file")
async def open_file_for_page(_: None, window_id: str) -> OpenedFile | None:
    """The main page's Open button."""
    return await open_file(window_id)


async def open_file(window_id: str) -> OpenedFile | None:
    """Ask for a file; what the main page shows of it (None: cancelled)."""
    picked = await dialog.open_file(window=window_id, title="Open a file")
    if picked is None:
        return None
    return {"name": picked.name, "path": str(picked), "bytes": picked.stat().st_size}


class Desktop:
    """The demo's menu bar, tray icon and drop handling, for one run."""

    def __init__(self, note: dict[str, str], tell_activity: Callable[[dict[str, Any]], Awaitable[None]],
                 quit_demo: Callable[[], Awaitable[None]], restart_counter: Callable[[], Awaitable[None]]) -> None:
        self._note = note
        self._tell_activity = tell_activity
        self._quit = quit_demo
        self._restart_counter = restart_counter
        self._tray: tray.Tray | None = None
        self._unsubscribe = menu.on_item(self._on_item)
        ipc.on_event(self._on_event)

    def show_tray(self) -> None:
        """A tray icon, where the desktop has a tray (a line in the log otherwise)."""
        if not tray.available():
            log.info("weft demo: this desktop has no tray; the demo runs without its tray icon")
            return
        self._tray = tray.Tray(tooltip="weft demo", menu=TRAY_MENU)
        self._tray.on_click(self._bring_forward)
        self._tray.show()

    def close(self) -> None:
        self._unsubscribe()
        if self._tray is not None:
            self._tray.remove()
            self._tray = None

    def _bring_forward(self) -> None:
        if (win := _window("main")) is not None:
            win.show()
            win.focus()

    async def _on_item(self, item_id: str, window_id: str | None) -> None:
        if item_id == "open":
            picked = await open_file(window_id or "main")
            if picked is not None:
                await ipc.send_to_window("main", "file-opened", picked)
        elif item_id == "save-note":
            await self._save_note(window_id or "main")
        elif item_id == "quit":
            await self._quit()
        elif item_id == "on-top" and (win := _window(window_id)) is not None:
            win.set_always_on_top(MENU_BAR.is_checked("on-top"))
        elif item_id == "activity" and (win := _window("activity")) is not None:
            win.show() if MENU_BAR.is_checked("activity") else win.hide()
        elif item_id == "restart-counter":
            await self._restart_counter()
        elif item_id == "about":
            await dialog.message("weft: a Python desktop runtime.\nThis demo's menus, dialogs, tray icon and "
                                 "notifications are weft.menu, weft.dialog, weft.tray and weft.notifications.",
                                 window=window_id, title="About the weft demo")
        elif item_id == "show":
            self._bring_forward()

    async def _save_note(self, window_id: str) -> None:
        target = await dialog.save_file(window=window_id, title="Save the note", name="note.txt",
                                        filters={"Text": ["*.txt"]})
        if target is None:
            return
        Path(target).write_text(self._note["text"], encoding="utf-8")
        await self._tell_activity({"type": "saved", "payload": str(target)})
        await notifications.send("Note saved", str(target))

    async def _on_event(self, event: IpcEvent) -> None:
        if event.type == "drop" and event.window_id == "main":
            await ipc.send_to_window("main", "files-dropped", event.payload["paths"])
            await self._tell_activity({"type": "drop", "payload": f"{len(event.payload['paths'])} file(s)"})


def _window(window_id: str | None) -> window.Window | None:
    return next((win for win in window.windows() if win.id == window_id), None)
