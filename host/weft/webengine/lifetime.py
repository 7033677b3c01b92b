"""Deleting Qt objects in order: pages before their profile."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject


def delete_later(obj: QObject) -> asyncio.Future[None]:
    """``deleteLater`` the object; the future resolves once Qt destroyed it.

    Await it before deleting what the object depends on (a profile after its
    pages): Qt warns, and QtWebEngine misbehaves, when a profile goes first.
    """
    gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    obj.destroyed.connect(lambda: gone.done() or gone.set_result(None))
    obj.deleteLater()
    return gone
