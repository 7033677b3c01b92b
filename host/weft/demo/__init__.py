"""The demo app behind ``weft demo``: two windows talking through Python.

The main window's buttons send ``button-click``; Python answers that window
with ``button-response`` and keeps every window's click count in sync with
``broadcast``. The text box asks Python through ``runtime.invoke``. Python
asks the main page for its details with ``ipc.invoke``, and the activity
window lists the main window's system events (focus, resize, move).

Every channel is declared with its payload's type in :mod:`.channels`, so
what crosses is checked (a bad payload is refused naming the field) and
``weft types`` can write its TypeScript.

The main window has a menu bar (File, View, Help: dialogs, a notification,
window options), files dropped on it are listed in it, and a tray icon
brings it forward where the desktop has a tray (see :mod:`.desktop`).

Three sandboxed plugins run beside them (``plugins/`` in the repository,
``weft.examples`` when installed): Notes, which loads and saves its note
through the host on its granted channels; Mischief, which tries every
forbidden thing and shows that each was refused; and Counter, a headless
plugin whose Vue app renders, through a ``weft.remote`` session and
@omnicajs/vue-remote, into a panel of the main window.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from .. import ipc, plugins, remote, window
from ..ipc.events import IpcEvent
from .channels import NOTE_TEXT, ButtonClick, MischiefReport, note, tell_activity
from .desktop import MENU_BAR, Desktop

APP_DIR = Path(__file__).resolve().parent
PLUGINS_DIR = Path(str(importlib.resources.files("weft.examples")))


async def main() -> None:
    state = {"clicks": 0}
    note["text"] = NOTE_TEXT

    def open_ids() -> list[str]:
        return [w.id for w in window.windows()]

    async def on_click(click: ButtonClick, window_id: str) -> None:
        button = click["buttonId"]
        state["clicks"] += 1
        await ipc.send_to_window(window_id, "button-response",
                                 {"success": True, "message": f"Processed {button}"})
        await ipc.broadcast(open_ids(), "state-update",
                            {"clicks": state["clicks"], "last": button, "from": window_id})

    async def quit_demo() -> None:
        desktop.close()
        for plugin in loaded:
            await plugin.stop()
        for other in window.windows():
            await other.close()

    async def on_system_event(event: IpcEvent) -> None:
        if event.type is None or event.window_id != "main" or event.type == "drop":
            return
        if event.type == "close":
            await quit_demo()
            return
        await tell_activity({"type": event.type, "payload": event.payload})

    async def on_mischief_report(report: MischiefReport, window_id: str) -> None:
        results = report["results"]
        refused = sum(str(r).startswith("refused") for r in results.values())
        print(f"weft demo: the Mischief plugin tried {len(results)} things a plugin may not do; "
              f"{refused} were refused (the Activity window lists them)", flush=True)
        await tell_activity({"type": "mischief", "payload": f"{refused} of {len(results)} attempts refused"})

    async def on_panel_changed(count: int, window_id: str) -> None:
        await tell_activity({"type": "panel", "payload": f"the counter plugin's count is {count}"})

    ipc.on_channel("button-click", on_click)
    ipc.on_event(on_system_event)
    ipc.on_channel("mischief:report", on_mischief_report)
    ipc.on_channel("panel-changed", on_panel_changed)
    loaded: list[plugins.Plugin] = []

    async def restart_counter() -> None:
        await counter.restart()  # the panel pairs with the new page by itself
        await tell_activity({"type": "panel", "payload": "the counter plugin restarted"})

    desktop = Desktop(note, tell_activity, quit_demo, restart_counter)
    main_window = await window.create_window(
        title="weft demo", width=720, height=640, url="app://index.html", id="main", x=40, y=40, menu=MENU_BAR)
    desktop.show_tray()
    await window.create_window(
        title="weft demo · activity", width=420, height=600, url="app://activity.html", id="activity", x=780, y=40)

    for name, x in (("notes", 40), ("mischief", 480)):
        plugin = await plugins.load(PLUGINS_DIR / name)
        await plugin.start(x=x, y=680)
        loaded.append(plugin)
    await ipc.send_to_window("plugin:notes", "notes:load", note)
    counter = await plugins.load(PLUGINS_DIR / "counter")
    await counter.start()
    loaded.append(counter)
    await remote.open_session("main", counter, reconnect=True)  # paired again after each restart

    await main_window.wait_ready()
    info = await ipc.invoke("main", "page-info")
    await tell_activity({"type": "page-info", "payload": info})
