"""Hand things to the desktop: open a link in the person's browser or mail
program, show a file in the file manager, move a file to the trash::

    from weft import shell

    await shell.open_external("https://example.org")
    shell.show_in_folder("report.pdf")
    shell.trash("old.log")
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from PySide6.QtCore import QCoreApplication, QFile, QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from .errors import PermissionDeniedError, PlatformError, RuntimeClosedError

#: What :func:`open_external` hands to the desktop. A ``file:`` URL would run
#: or open whatever a page names; ``javascript:`` and the like mean nothing
#: outside a page.
EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})

_FILE_MANAGER = "org.freedesktop.FileManager1"


def _application() -> QCoreApplication:
    app = QGuiApplication.instance()
    if app is None:
        raise RuntimeClosedError("no QApplication: start weft with weft.run(main) before using weft.shell")
    return app


async def open_external(url: str) -> None:
    """Open ``url`` in the desktop's program for it (the browser, the mail
    program). Only ``http``, ``https`` and ``mailto`` URLs are opened; any
    other is refused with :class:`weft.PermissionDeniedError` and never
    reaches the desktop. :class:`weft.PlatformError` if the desktop has no
    program for it."""
    _application()
    qurl = QUrl(url, QUrl.ParsingMode.StrictMode)
    if not qurl.isValid() or qurl.scheme().lower() not in EXTERNAL_SCHEMES:
        raise PermissionDeniedError(
            f"open_external opens only {', '.join(sorted(EXTERNAL_SCHEMES))} URLs, not {url!r:.200}")
    if qurl.scheme().lower() == "mailto" and (extra := _mail_fields(qurl.query()) - MAIL_FIELDS):
        # attach= and the like: some mail programs attach the file they name.
        raise PermissionDeniedError(f"a mailto URL may set {', '.join(sorted(MAIL_FIELDS))}, not "
                                    f"{', '.join(sorted(extra))!s:.200}")
    # openUrl hands the URL over (xdg-open started detached, the desktop
    # portal, ShellExecute, NSWorkspace) and returns without waiting for the
    # program; it runs on the Qt thread because the platform services are
    # not documented as thread-safe. Yield first so that a burst of calls
    # does not run in one turn of the loop.
    await asyncio.sleep(0)
    if not QDesktopServices.openUrl(qurl):
        raise PlatformError(f"the desktop could not open {url!r:.200}")


#: The fields of a ``mailto:`` URL that :func:`open_external` passes on.
MAIL_FIELDS = frozenset({"to", "cc", "bcc", "subject", "body", "in-reply-to"})


def _mail_fields(query: str) -> set[str]:
    return {unquote(key).strip().lower() for key, _ in parse_qsl(query, keep_blank_values=True)}


def _existing(path: str | os.PathLike[str]) -> Path:
    target = Path(path).absolute()
    if not target.exists() and not target.is_symlink():
        raise PlatformError(f"no such file: {str(target)!r}")
    return target


def show_in_folder(path: str | os.PathLike[str]) -> None:
    """Show the file manager with ``path`` selected; where the desktop cannot
    select a file, open the folder that holds it."""
    _application()
    target = _existing(path)
    if sys.platform == "darwin":
        started, _ = QProcess.startDetached("open", ["-R", str(target)])
    elif sys.platform == "win32":
        started, _ = QProcess.startDetached("explorer", [f"/select,{target}"])
    else:
        started = _show_items(target) or QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent)))
    if not started:
        raise PlatformError(f"the desktop has no file manager to show {str(target)!r}")


def _show_items(target: Path) -> bool:
    """Ask the freedesktop file manager (Files, Dolphin, Nemo, ...) over
    D-Bus to show ``target``; False when there is no session bus or no such
    service."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusMessage
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    names = bus.interface()
    registered = names.isServiceRegistered(_FILE_MANAGER)
    activatable = bus.call(QDBusMessage.createMethodCall("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                         "org.freedesktop.DBus", "ListActivatableNames"))
    if not (registered.value() or _FILE_MANAGER in (activatable.arguments() or [[]])[0]):
        return False
    call = QDBusMessage.createMethodCall(_FILE_MANAGER, "/org/freedesktop/FileManager1", _FILE_MANAGER, "ShowItems")
    call.setArguments([[QUrl.fromLocalFile(str(target)).toString()], ""])
    # Not waited for: the file manager may take seconds to start.
    return bus.send(call)


def trash(path: str | os.PathLike[str]) -> None:
    """Move ``path`` (a file or a folder) to the desktop's trash.
    :class:`weft.PlatformError` if it cannot: the desktop has no trash (no
    trash folder on a Linux machine without a desktop), or the file is gone."""
    _application()
    target = _existing(path)
    if not QFile(str(target)).moveToTrash():
        raise PlatformError(f"could not move {str(target)!r} to the trash: this desktop has no trash for it")
