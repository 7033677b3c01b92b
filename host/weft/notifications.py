"""Desktop notifications: a title, a line of text, an optional image::

    from weft import notifications

    shown = await notifications.send("Export finished", "report.pdf is ready", icon="icon.png")

:func:`send` returns ``False`` when nothing can show a notification (no
session bus, no notification daemon, a daemon that refused or did not
answer in time) and logs one line to the ``weft.notifications`` logger
saying what is missing; it never raises for a missing service and never
waits longer than :data:`TIMEOUT`. A page's ``new Notification(title,
{body, icon})`` shows through the same call once :func:`attach` is
installed on its profile (weft does this for app windows, and for plugins
granted ``notifications``).

On Linux (and the BSDs) a notification is the freedesktop
``org.freedesktop.Notifications.Notify`` call on the D-Bus session bus, made
with jeepney: PySide6 6.11's QtDBus cannot send the ``uint32`` that
``Notify`` takes (a Python int goes as ``int32`` or, in a QDBusArgument, as
``uint16``) and daemons refuse the call. An icon travels as the
``image-data`` hint (the pixels themselves), so the daemon needs no access
to our files. Elsewhere it is a tray balloon (:class:`QSystemTrayIcon`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import weakref
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPixmap
from PySide6.QtWebEngineCore import QWebEngineNotification, QWebEngineProfile

from . import icons
from .errors import ArgumentError, PlatformError, RuntimeClosedError
from .icons import Icon

TIMEOUT = 5.0
"""Seconds a notification may take to reach the daemon before :func:`send` gives up."""

ICON_SIZE = 256
"""Larger images are scaled down to fit this square before they are sent."""

logger = logging.getLogger("weft.notifications")

_SERVICE = "org.freedesktop.Notifications"
_OPEN_LIMIT = 32
"""Page notifications kept open at most; the oldest is closed past that.
(The daemon's own closes are not listened for, so this bounds what is kept.)"""


async def send(title: str, body: str = "", *, icon: Icon | None = None) -> bool:
    """Show a desktop notification. ``icon``: a path to an image file or PNG
    bytes. ``True`` when the desktop's notification service accepted it;
    ``False``, with one log line saying why, when nothing could show it.
    :class:`weft.ArgumentError` for arguments of the wrong kind."""
    if not isinstance(title, str) or not isinstance(body, str):
        raise ArgumentError(f"title and body are strings, not {type(title).__name__} and {type(body).__name__}")
    image = icons.image(icon) if icon is not None else None
    return await _deliver(title, body, image) is not None


def attach(profile: QWebEngineProfile) -> None:
    """Show the ``Notification`` objects of ``profile``'s pages through
    :func:`send`; the permission to make them is the page's own matter."""
    profile.setNotificationPresenter(_present)


async def _deliver(title: str, body: str, image: QImage | None) -> int | None:
    """The daemon's id for the shown notification, or ``None`` (logged)."""
    app = QGuiApplication.instance()
    if app is None:
        raise RuntimeClosedError("no QApplication: start weft with weft.run(main) before sending notifications")
    app_name = QGuiApplication.applicationDisplayName() or QGuiApplication.applicationName()
    try:
        return await _backend(app_name, title, body, None if image is None or image.isNull() else image)
    except PlatformError as exc:
        logger.warning("notification %r not shown: %s", title, exc)
        return None


# --- freedesktop notifications over D-Bus -----------------------------------

def _session_bus() -> str:
    """The session bus's address, found as libdbus finds it."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if runtime_dir and Path(runtime_dir, "bus").is_socket():
        return f"unix:path={runtime_dir}/bus"
    raise PlatformError("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no notification service")


def _image_data(image: QImage) -> tuple[str, tuple[Any, ...]]:
    """The ``image-data`` hint: (width, height, rowstride, has alpha, bits
    per sample, channels, RGBA bytes)."""
    if max(image.width(), image.height()) > ICON_SIZE:
        from PySide6.QtCore import Qt  # not at import: see weft.window._window_type

        image = image.scaled(ICON_SIZE, ICON_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    pixels = bytes(image.constBits())
    return "(iiibiiay)", (image.width(), image.height(), image.bytesPerLine(), True, 8, 4, pixels)


async def _call(method: str, signature: str, args: tuple[Any, ...]) -> Any:
    """Call ``method`` of the notification service; its reply's body.
    :class:`PlatformError` saying what is missing when it cannot."""
    try:  # loaded where it is used: not on Windows or macOS
        from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call
        from jeepney.io.asyncio import open_dbus_router
    except ImportError:
        raise PlatformError("the jeepney package (weft's D-Bus client) is not installed") from None

    address = _session_bus()
    target = DBusAddress("/org/freedesktop/Notifications", bus_name=_SERVICE, interface=_SERVICE)
    try:
        async with asyncio.timeout(TIMEOUT):
            async with open_dbus_router(address) as router:
                reply = await router.send_and_get_reply(new_method_call(target, method, signature, args))
    except TimeoutError:
        raise PlatformError(f"the notification service did not answer within {TIMEOUT:g} s") from None
    except Exception as exc:  # any failure to reach the bus (refused, bad address, auth) is a missing service
        raise PlatformError(f"cannot reach the D-Bus session bus at {address}: {exc}") from None
    if reply.header.message_type == MessageType.error:
        error = reply.header.fields.get(HeaderFields.error_name, "")
        detail = reply.body[0] if reply.body else ""
        if error == "org.freedesktop.DBus.Error.ServiceUnknown":
            raise PlatformError(f"no notification daemon on the session bus ({detail})")
        raise PlatformError(f"the notification service refused it: {error}: {detail}")
    return reply.body


async def _notify_dbus(app_name: str, title: str, body: str, image: QImage | None) -> int:
    hints = {"image-data": _image_data(image)} if image is not None else {}
    # replaces_id 0: a new notification; expire_timeout -1: the daemon's default.
    (notification_id,) = await _call("Notify", "susssasa{sv}i", (app_name, 0, "", title, body, [], hints, -1))
    return notification_id


async def _close_dbus(notification_id: int) -> None:
    try:
        await _call("CloseNotification", "u", (notification_id,))
    except PlatformError as exc:
        logger.info("notification %d not closed: %s", notification_id, exc)


# --- Windows and macOS: a tray balloon ----------------------------------------
# Not exercised by weft's tests (they run on Linux): keep it this small.

_balloon_tray: Any = None


async def _notify_tray(app_name: str, title: str, body: str, image: QImage | None) -> int:
    from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

    if not QSystemTrayIcon.isSystemTrayAvailable():
        raise PlatformError("no system tray to show the notification in")
    global _balloon_tray
    if _balloon_tray is None:
        app_icon = QApplication.windowIcon()
        if app_icon.isNull():  # a tray icon needs some icon to be shown
            app_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        _balloon_tray = QSystemTrayIcon(app_icon, QApplication.instance())
        _balloon_tray.show()
    icon = QIcon(QPixmap.fromImage(image)) if image is not None else QSystemTrayIcon.MessageIcon.Information
    _balloon_tray.showMessage(title, body, icon)
    return 0


async def _close_tray(notification_id: int) -> None:
    """A balloon cannot be taken back: it goes by itself."""


_FREEDESKTOP = not sys.platform.startswith(("win", "darwin"))
_backend = _notify_dbus if _FREEDESKTOP else _notify_tray
"""What shows a notification: ``(app_name, title, body, image) -> id``, or
:class:`PlatformError` saying what is missing."""
_closer = _close_dbus if _FREEDESKTOP else _close_tray


# --- pages' Notification objects ------------------------------------------------

_open: dict[QWebEngineNotification, int] = {}
"""Page notifications (owned here, as Qt hands them over) and their daemon
ids (0 until shown)."""
_tasks: set[asyncio.Task[None]] = set()


def _spawn(coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _present(notification: QWebEngineNotification) -> None:
    _open[notification] = 0
    ref = weakref.ref(notification)
    notification.closed.connect(lambda: _on_page_closed(ref))
    _spawn(_show(notification))


async def _show(notification: QWebEngineNotification) -> None:
    icon = notification.icon()
    notification_id = await _deliver(notification.title(), notification.message(), None if icon.isNull() else icon)
    if not shiboken6.isValid(notification):
        return
    if notification not in _open:  # the page closed it meanwhile
        if notification_id is not None:
            await _closer(notification_id)
        return
    if notification_id is None:
        _release(notification)
        return
    _open[notification] = notification_id
    notification.show()
    while len(_open) > _OPEN_LIMIT:
        _release(next(iter(_open)))


def _on_page_closed(ref: weakref.ref[QWebEngineNotification]) -> None:
    """The page called ``close()``: take it off the screen too."""
    notification = ref()
    if notification is not None and notification in _open:
        # The task holds the notification, so that it is deleted after this
        # signal's emission, not inside it.
        _spawn(_close(notification, _open.pop(notification)))


async def _close(notification: QWebEngineNotification, notification_id: int) -> None:
    if notification_id:
        await _closer(notification_id)


def _release(notification: QWebEngineNotification) -> None:
    """Forget ``notification``, telling its page it closed."""
    del _open[notification]
    if shiboken6.isValid(notification):
        notification.close()
