"""The Qt side a Runtime owns: its profile, its scheme handler, its views.

An app's pages share one profile: off-the-record (nothing on disk), or,
given a storage folder, a disk profile that keeps ``localStorage``,
IndexedDB, cookies and the HTTP cache there across runs::

    engine = Engine(app_dir, router, storage=Path("~/.local/share/org.example.shelf/web"))

(The profile and its storage folder: :mod:`weft.webengine.profiles`.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable

import shiboken6
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWidgets import QApplication

from ..errors import RuntimeClosedError
from ..ipc.events import IpcEvent
from ..ipc.router import Router
from .bulk import BulkStore
from .lifetime import delete_later
from .page import AppPage
from .permissions import APP_DEFAULT
from .profiles import WebProfile
from .schemes import APP_SCHEME, FolderSchemeHandler, html_path
from .view import WindowFrame


class Engine:
    """Makes app windows. Pages die before the profile: :meth:`shutdown`
    waits for every view (and so every page) to be destroyed first, and lets
    the storage folder go after the profile."""

    def __init__(self, app_dir: Path | None, router: Router, storage: Path | None = None) -> None:
        if QApplication.instance() is None:
            raise RuntimeClosedError(
                "no QApplication: start weft with weft.run(main), or call weft.app.application() first"
            )
        self._router = router
        # Each window has its own web permissions: none is remembered for the
        # origin, so every request reaches its page's policy.
        self.web_profile = WebProfile(storage, "weft-app", "the app's windows",
                                      QWebEngineProfile.PersistentPermissionsPolicy.AskEveryTime)
        self.profile = self.web_profile.profile
        # App pages may move bodies over a loopback socket (weft.webengine.sockets).
        bulk = BulkStore(router.limits.max_bulk_bytes, sockets=self.profile)
        self.schemes = FolderSchemeHandler(app_dir, self.profile, bulk=bulk)
        self.profile.installUrlSchemeHandler(APP_SCHEME.encode(), self.schemes)
        self._views: set[WindowFrame] = set()
        self._gone: set[asyncio.Future[None]] = set()

    def create_view(self, window_id: str, publish: Callable[[IpcEvent], None], on_closed: Callable[[], None],
                    permissions: frozenset[str] = APP_DEFAULT) -> WindowFrame:
        view = WindowFrame(window_id, publish, on_closed)
        page = AppPage(self.profile, window_id, self._router, self._router.limits.max_batch_chars, view,
                       bulk=self.schemes.bulk, permissions=permissions)
        view.setPage(page)
        page.windowCloseRequested.connect(view.close)  # the page called window.close()
        self._views.add(view)
        return view

    def add_document(self, window_id: str, html: str) -> str:
        path = html_path(window_id)
        self.schemes.add_document(path, html)
        return path

    def release_view(self, view: WindowFrame, window_id: str) -> None:
        """Forget a closed window and let Qt delete it (and its page)."""
        self.schemes.remove_document(html_path(window_id))
        self._views.discard(view)
        page = view.page()
        if isinstance(page, AppPage) and page.dialogs.showing:
            gone = asyncio.ensure_future(self._delete(view, page))  # not from inside its loop (see jsdialogs)
        else:
            gone = delete_later(view)
        self._gone.add(gone)
        gone.add_done_callback(self._gone.discard)

    @staticmethod
    async def _delete(view: WindowFrame, page: AppPage) -> None:
        await page.dialogs.end()
        if shiboken6.isValid(view):
            await delete_later(view)

    async def shutdown(self) -> None:
        """Close what is open, wait for the views to go, drop the profile,
        then let its storage folder go."""
        for view in tuple(self._views):
            if shiboken6.isValid(view):
                view.close()
        if self._gone:
            await asyncio.wait(tuple(self._gone), timeout=10)
        if self.schemes.bulk is not None:
            self.schemes.bulk.close()
        await self.web_profile.close()
