"""What the demo's channels carry, declared once (see :mod:`weft.ipc.declared`).

Every payload the demo's pages and plugins exchange with Python is checked
against these types at the boundary, and ``weft types`` turns them into the
TypeScript its pages (and, with ``--plugin``, the Notes plugin) are written
against. The handlers that need no state of a run are declared here too.
"""

from __future__ import annotations

from typing import Any, TypedDict

from .. import ipc, window


class ButtonClick(TypedDict):
    buttonId: str


class ButtonResponse(TypedDict):
    success: bool
    message: str


StateUpdate = TypedDict("StateUpdate", {"clicks": int, "last": str, "from": str})  # "from": not a Python name


class Reversed(TypedDict):
    reversed: str
    length: int


class Note(TypedDict):
    text: str


class Saved(TypedDict):
    length: int


class OpenedFile(TypedDict):
    name: str
    path: str
    bytes: int


class Activity(TypedDict):
    type: str
    payload: Any


class MischiefReport(TypedDict):
    results: dict[str, str]
    windowId: str


# The pages send:
ipc.channel("button-click", ButtonClick, direction="to_python")
ipc.channel("panel-changed", int, direction="to_python")
ipc.channel("mischief:report", MischiefReport, direction="to_python")
# Python sends:
ipc.channel("button-response", ButtonResponse, direction="to_page")
ipc.channel("state-update", StateUpdate, direction="to_page")
ipc.channel("activity", Activity, direction="to_page")
ipc.channel("notes:load", Note, direction="to_page")
ipc.channel("file-opened", OpenedFile, direction="to_page")
ipc.channel("files-dropped", list[str], direction="to_page")


@ipc.handler("reverse")
def reverse(text: str, window_id: str) -> Reversed:
    """The main page's text box: the text backwards."""
    return {"reversed": text[::-1], "length": len(text)}


NOTE_TEXT = "A note kept by the host.\nEdit it and save."
note: Note = {"text": NOTE_TEXT}
"""The note the Notes plugin edits (``main()`` starts each run with NOTE_TEXT)."""


@ipc.handler("notes:save")
async def save_note(saved: Note, window_id: str) -> Saved:
    """The Notes plugin saves its note (its manifest grants it this channel)."""
    note["text"] = saved["text"]
    await tell_activity({"type": "notes:save", "payload": f"{len(note['text'])} characters from {window_id}"})
    return {"length": len(note["text"])}


async def tell_activity(entry: Activity) -> None:
    """A line in the activity window, if it is open."""
    if any(win.id == "activity" for win in window.windows()):
        await ipc.send_to_window("activity", "activity", entry)
