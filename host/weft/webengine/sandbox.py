"""A plugin's sandbox: its own profile, origin and files, and every lock.

Each plugin gets a ``QWebEngineProfile`` of its own (no cookies, storage or
cache shared with the host or other plugins): off-the-record, or, when its
manifest asks for ``[storage] persistent = true`` and the runtime has a
plugin storage folder, a disk profile in ``<plugin storage>/<id>/`` that only
it uses. Either way it has pages on its own origin ``plugin://<id>/`` served
only from its folder, and:

* every request is checked by :class:`OriginLock`: its own origin, and the
  remote origins its manifest lists exactly, pass; ``file://``, ``app://``,
  other plugins and every other origin are blocked before any connection;
* main-frame navigation away from its origin and new windows are refused
  (:class:`~weft.webengine.page.AppPage`), downloads are cancelled, and web
  permissions are denied unless the manifest declares them;
* its bridge carries only the channels its manifest grants (the router
  enforces the :class:`~weft.ipc.capabilities.Grant`).

Every refusal is one record on the ``weft.audit`` logger.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from pathlib import Path
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QUrl
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

from .. import policy
from ..ipc import capabilities
from ..ipc.capabilities import Grant
from ..ipc.events import IpcEvent, system_event
from ..ipc.router import Router
from ..plugins.manifest import Manifest
from .lifetime import delete_later
from .page import AppPage
from .bulk import BulkStore
from .profiles import WebProfile
from .schemes import APP_SCHEME, PLUGIN_SCHEME, FolderSchemeHandler, origin_of
from .scripts import geolocation_denied_script, lockdown_script
from .view import WindowFrame

log = logging.getLogger("weft.plugins")


_A = QWebEngineSettings.WebAttribute
_LOCKED_SETTINGS = {
    _A.JavascriptCanOpenWindows: False,
    _A.LocalContentCanAccessRemoteUrls: False,
    _A.LocalContentCanAccessFileUrls: False,
    _A.AllowRunningInsecureContent: False,
    _A.DnsPrefetchEnabled: False,  # no lookups or preconnects to hosts it may not reach
    _A.HyperlinkAuditingEnabled: False,
    _A.PluginsEnabled: False,
    _A.PdfViewerEnabled: False,
    _A.ScreenCaptureEnabled: False,
    _A.FullScreenSupportEnabled: False,
    _A.AllowWindowActivationFromJavaScript: False,
    _A.NavigateOnDropEnabled: False,
    _A.JavascriptCanPaste: False,
}
def _normalised(origin: str) -> str:
    return origin_of(QUrl(origin))


class OriginLock(QWebEngineUrlRequestInterceptor):
    """Blocks every request a plugin makes outside what it was granted."""

    def __init__(self, plugin_id: str, origins: frozenset[str], parent: QObject,
                 on_blocked: Callable[[str, str], None]) -> None:
        super().__init__(parent)
        self._own = f"{PLUGIN_SCHEME}://{plugin_id}"
        self._origins = frozenset(_normalised(origin) for origin in origins)
        self._on_blocked = on_blocked

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt override)
        url = info.requestUrl()
        decision = policy.plugin_request(url.scheme(), origin_of(url), self._own, self._origins)
        if not decision:
            info.block(True)
            self._on_blocked(url.toString(), decision.reason)


class PluginSandbox:
    """The Qt side of one running plugin. Made by :meth:`weft.plugins.Plugin.start`."""

    def __init__(
        self,
        manifest: Manifest,
        router: Router,
        publish: Callable[[IpcEvent], None],
        on_ended: Callable[[str, dict[str, Any]], None],
        storage: Path | None = None,
    ) -> None:
        """``storage``: the folder of this plugin's persistent profile (None:
        off-the-record)."""
        self.manifest = manifest
        self.window_id = f"plugin:{manifest.id}"
        self._router = router
        self._publish = publish
        self._on_ended = on_ended
        self._ended = False
        caps = manifest.capabilities

        # Its own profile; on disk only in its own folder. Granted permissions
        # are kept in memory only, as off-the-record: a manifest that drops
        # one is obeyed on the next run.
        self._web_profile = WebProfile(storage, f"weft-plugin-{manifest.id}", f"plugin {manifest.id!r}",
                                       QWebEngineProfile.PersistentPermissionsPolicy.StoreInMemory)
        self.profile = self._web_profile.profile
        settings = self.profile.settings()
        for attribute, value in _LOCKED_SETTINGS.items():
            settings.setAttribute(attribute, value)
        self.blocked = 0
        """Requests blocked so far (by the request lock or the plugin's
        Content-Security-Policy)."""
        self.lock = OriginLock(manifest.id, caps.origins, self.profile, self._on_request_blocked)
        self.profile.setUrlRequestInterceptor(self.lock)
        own = f"{PLUGIN_SCHEME}://{manifest.id}"
        nonce = os.urandom(16).hex()  # per start: marks the inline scripts of the documents it is served
        self._files = FolderSchemeHandler(
            manifest.folder, self.profile, scheme=PLUGIN_SCHEME, host=manifest.id,
            bulk=BulkStore(router.limits.max_bulk_bytes), headers=policy.plugin_headers(own, caps.origins, nonce),
            on_refused=self._on_file_refused, check_document=policy.plugin_document,
            rewrite_document=functools.partial(policy.with_nonce, nonce=nonce))
        self.profile.installUrlSchemeHandler(PLUGIN_SCHEME.encode(), self._files)
        # Without a handler for app://, Chromium answers a navigation there by
        # replacing the page with about:blank#blocked, bridge and all, before
        # the navigation lock is asked. A handler that serves nothing makes
        # such a navigation reach the lock, which refuses it.
        self.profile.installUrlSchemeHandler(APP_SCHEME.encode(), FolderSchemeHandler(None, self.profile))
        self.profile.downloadRequested.connect(self._on_download_requested)

        grant = Grant(owner=manifest.id, send=caps.send, receive=caps.receive)
        limit = router.limits.max_batch_chars
        self.view: WindowFrame | None = None
        if manifest.window.visible:
            self.view = WindowFrame(self.window_id, self._publish_from_view, lambda: self.end("closed"))
            self.page = AppPage(self.profile, self.window_id, router, limit, self.view, grant, self._files.bulk,
                               self._on_request_blocked, permissions=caps.permissions,
                               on_permission_denied=self._on_permission_denied)
            self.view.setPage(self.page)
            self.view.setWindowTitle(manifest.window.title)
            self.view.resize(manifest.window.width, manifest.window.height)
        else:
            self.page = AppPage(self.profile, self.window_id, router, limit, None, grant, self._files.bulk,
                               self._on_request_blocked, permissions=caps.permissions,
                               on_permission_denied=self._on_permission_denied)
        self.page.scripts().insert(lockdown_script())
        if "geolocation" not in caps.permissions:
            self.page.scripts().insert(geolocation_denied_script())
        self.page.renderProcessTerminated.connect(self._on_render_process_terminated)
        self.page.open(QUrl(f"{PLUGIN_SCHEME}://{manifest.id}/{manifest.entry}"))
        if self.view is not None:
            self.view.show()

    # -- what the page asks for ----------------------------------------------

    def _on_permission_denied(self, name: str, reason: str) -> None:
        capabilities.record(self.manifest.id, "permission", name, reason)

    def _on_request_blocked(self, url: str, reason: str) -> None:
        self.blocked += 1
        capabilities.record(self.manifest.id, "request", url, reason, self._router.refusals)

    def _on_file_refused(self, initiator: str, url: str, reason: str) -> None:
        capabilities.record(self.manifest.id, "file", url, reason, self._router.refusals)

    def _on_download_requested(self, download: QWebEngineDownloadRequest) -> None:
        capabilities.record(self.manifest.id, "download", download.url().toString(), "plugins may not download")
        download.cancel()

    def _on_render_process_terminated(self, status: QWebEnginePage.RenderProcessTerminationStatus, code: int) -> None:
        if status != QWebEnginePage.RenderProcessTerminationStatus.NormalTerminationStatus:
            self.end("crashed", status=status.name, exit_code=code)

    # -- the end ----------------------------------------------------------

    def _publish_from_view(self, event: IpcEvent) -> None:
        if event.type != "close":  # the sandbox publishes one close, with its reason
            self._publish(event)

    def end(self, reason: str, **details: Any) -> None:
        """The plugin's page is finished (closed, stopped or crashed): fail
        its calls, tell the host once, and let the plugin release us."""
        if self._ended:
            return
        self._ended = True
        self._router.detach(self.window_id, f"plugin {reason}")
        payload = {"reason": reason, **details}
        self._publish(system_event(self.window_id, "close", payload))
        self._on_ended(reason, payload)

    async def release(self) -> None:
        """Delete the page (and window), then the profile."""
        self.end("stopped")
        doomed: QObject = self.view if self.view is not None else self.page
        if shiboken6.isValid(self.page):
            await self.page.dialogs.end()  # not from inside an alert's loop (see jsdialogs)
        if shiboken6.isValid(doomed):
            if isinstance(doomed, WindowFrame):
                doomed.hide()
            await asyncio.wait_for(delete_later(doomed), timeout=10)
        await self._web_profile.close()  # and its storage folder, once the profile is gone
