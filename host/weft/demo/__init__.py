"""The demo app behind ``weft demo``: two windows talking through Python.

The main window's buttons send ``button-click``; Python answers that window
with ``button-response`` and keeps every window's click count in sync with
``broadcast``. The text box asks Python through ``runtime.invoke``. Python
asks the main page for its details with ``ipc.invoke``, and the activity
window lists the main window's system events (focus, resize, move).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import ipc, window
from ..ipc.events import IpcEvent

APP_DIR = Path(__file__).resolve().parent


async def main() -> None:
    state = {"clicks": 0}

    def open_ids() -> list[str]:
        return [w.id for w in window.windows()]

    async def on_click(payload: Any, window_id: str) -> None:
        button = payload.get("buttonId", "?") if isinstance(payload, dict) else "?"
        state["clicks"] += 1
        await ipc.send_to_window(window_id, "button-response",
                                 {"success": True, "message": f"Processed {button}"})
        await ipc.broadcast(open_ids(), "state-update",
                            {"clicks": state["clicks"], "last": button, "from": window_id})

    def reverse(payload: Any, window_id: str) -> dict[str, Any]:
        if not isinstance(payload, str):
            raise TypeError("reverse takes a string")
        return {"reversed": payload[::-1], "length": len(payload)}

    async def on_system_event(event: IpcEvent) -> None:
        if event.type is None or event.window_id != "main":
            return
        if event.type == "close":
            for other in window.windows():
                await other.close()
            return
        if "activity" in open_ids():
            await ipc.send_to_window("activity", "activity", {"type": event.type, "payload": event.payload})

    ipc.on_channel("button-click", on_click)
    ipc.handle("reverse", reverse)
    ipc.on_event(on_system_event)

    main_window = await window.create_window(
        title="weft demo", width=720, height=520, url="app://index.html", id="main", x=40, y=40)
    await window.create_window(
        title="weft demo · activity", width=420, height=520, url="app://activity.html", id="activity", x=780, y=40)

    await main_window.wait_ready()
    info = await ipc.invoke("main", "page-info")
    await ipc.send_to_window("activity", "activity", {"type": "page-info", "payload": info})
