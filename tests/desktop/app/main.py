"""The weft side of tests/desktop: run with ``weft run`` inside the desktop
session. It reports what happens as ``desktop-test: {json}`` lines on stdout:
the tray's availability, a notification's outcome, a page's Notification, a
click on the tray icon, files dropped and a page's own drop."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QGuiApplication, QImage

from weft import ipc, notifications, window

PAGE = """<!doctype html><title>weft desktop test</title><p>desktop test</p>
<script>
Notification.requestPermission().then(() => {
  const shown = new Notification("From the page", {body: "page body"});
  for (const outcome of ["show", "error", "close"])
    shown.addEventListener(outcome, () => runtime.send("page-notification", {outcome}));
});
</script>"""

DRAG_PAGE = """<!doctype html><title>weft drag test</title><body style="margin:0">
<a href="file:///etc/hostname" style="display:block;width:300px;height:100px;background:#fc0">a local file's link</a>
<div id="zone" style="position:absolute;left:0;top:150px;width:480px;height:170px;background:#cef"></div>
<script>
zone.addEventListener("dragover", (e) => e.preventDefault());
zone.addEventListener("drop", (e) => {
  e.preventDefault();
  runtime.send("page-drop", {uri: e.dataTransfer.getData("text/uri-list")});
});
</script>"""

kept: list[Any] = []


def report(event: str, **data: Any) -> None:
    print("desktop-test:", json.dumps({"event": event, **data}), flush=True)


def icon_png() -> bytes:
    image = QImage(32, 32, QImage.Format.Format_ARGB32)
    image.fill(QColor("#2a7ae2"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


async def main() -> None:
    report("start", app_name=QGuiApplication.applicationDisplayName() or QGuiApplication.applicationName())
    icon = icon_png()
    report("sent", ok=await notifications.send("From Python", "python body", icon=icon))
    ipc.on_channel("page-notification", lambda payload, window_id: report("page", **payload))
    await window.create_window(title="weft desktop test", width=480, height=320, html=PAGE)
    ipc.on_channel("drop", lambda payload, window_id: report("drop", paths=payload["paths"]))
    ipc.on_channel("page-drop", lambda payload, window_id: report("page-drop", **payload))
    dragged = await window.create_window(title="weft drag test", width=480, height=320, x=600, y=0, html=DRAG_PAGE)
    await dragged.wait_ready()
    report("drag-window")

    try:  # a tray that fails is reported, and the notifications' tests go on
        show_tray(icon)
    except Exception as exc:
        report("tray-error", error=repr(exc))


def show_tray(icon: bytes) -> None:
    from weft import tray

    report("tray-available", available=tray.available())
    icon_in_tray = tray.Tray(icon=icon, tooltip="weft desktop test")
    icon_in_tray.on_click(lambda *args: report("tray-click"))
    kept.append(icon_in_tray)
    report("tray", shown=icon_in_tray.show())
