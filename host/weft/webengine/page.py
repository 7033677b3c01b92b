"""An app page: the bridge, the runtime scripts, and a navigation lock."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import signal
from typing import Any, Callable

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWebEngineCore import QWebEngineLoadingInfo, QWebEnginePage, QWebEnginePermission, QWebEngineProfile

from .. import policy
from ..errors import DisconnectedError, LoadError, ScriptError
from ..ipc import capabilities
from ..ipc.bulk import THRESHOLD as BULK_THRESHOLD
from ..ipc.capabilities import Grant
from ..ipc.events import system_event
from ..ipc.router import Router
from .bridge import connect_bridge
from . import permissions as permission_rules
from .bulk import BulkStore, PageLane
from .console import Console
from .jsdialogs import JavaScriptDialogs
from .schemes import origin_of
from .scripts import asset, bridge_scripts

log = logging.getLogger("weft.page")

_NET_ABORTED = -3
"""Chromium's net::ERR_ABORTED: a navigation weft refused, not a failure."""


class AppPage(QWebEnginePage):
    """One window's page. Its identity (``window_id``) is bound here, when the
    page is made; the router never reads identity from what a page sends.

    The main frame may only navigate within the origin it was created on;
    ``window.open`` and ``target=_blank`` open nothing.
    """

    def __init__(
        self,
        profile: QWebEngineProfile,
        window_id: str,
        router: Router,
        max_message_chars: int,
        parent: QObject | None,
        grant: Grant | None = None,
        bulk: BulkStore | None = None,
        on_request_blocked: Callable[[str, str], None] | None = None,
        *,
        permissions: frozenset[str] = permission_rules.APP_DEFAULT,
        on_permission_denied: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(profile, parent)
        self._on_request_blocked = on_request_blocked
        # Every permission request is answered (one left pending hangs the page).
        self.permissions = permissions
        """Web permissions this page is granted; every other request is denied."""
        self._on_permission_denied = on_permission_denied or self._log_permission_denied
        self.permissionRequested.connect(self._on_permission_requested)
        self.window_id = window_id
        self._router = router
        self._grant = grant
        self._console = Console(window_id, bounded=grant is not None)
        self.dialogs = JavaScriptDialogs(parent, shown=grant is None, on_refused=self._on_dialog_refused)
        """Its alert/confirm/prompt; ``await dialogs.end()`` before deleting the page."""
        self._origin: str | None = None
        self._document: QUrl | None = None  # the main frame's last URL on its origin
        self.urlChanged.connect(self._on_url_changed)
        self._scripts_stale = False
        lane = PageLane(bulk, self) if bulk is not None else None
        config = {
            "windowId": window_id,
            "maxMessageChars": max_message_chars,
            "maxDepth": router.limits.max_depth,
            "bulkThreshold": BULK_THRESHOLD if bulk is not None else None,
            "maxBulkBytes": router.limits.max_bulk_bytes,
            "bulkKey": lane.key if lane is not None else None,
        }
        for script in bridge_scripts(config):
            self.scripts().insert(script)
        self._bridge = connect_bridge(self, functools.partial(router.receive, window_id), self._on_bridge_replaced)
        router.attach(window_id, self._bridge, grant, lane)
        self.renderProcessTerminated.connect(self._on_render_process_terminated)
        self.loadFinished.connect(self._on_load_finished)
        self.load_error: LoadError | None = None
        """Why the main frame's last load failed (None: it did not)."""
        self._loading = False
        self._load_waiters: list[asyncio.Future[None]] = []
        self.loadingChanged.connect(self._on_loading_changed)

    # The document tells the router when it goes (runtime.js sends "bye" on
    # pagehide). Not Qt's loadStarted: Qt emits it for navigations that
    # acceptNavigationRequest then refuses, when the document stays.

    def _on_bridge_replaced(self, bridge: Any) -> None:
        self._bridge = bridge
        self._router.unload(self.window_id, "its bridge was deleted")
        self._router.rebind(self.window_id, bridge)

    def open(self, url: QUrl) -> None:
        """Load ``url``; its origin becomes the one the page may stay on."""
        self._origin = origin_of(url)
        self._router.unload(self.window_id, "page is loading a new document")
        self.load_error, self._loading = None, True  # before Qt says so, for wait_loaded()
        self.load(url)

    def reload_document(self) -> None:
        self._router.unload(self.window_id, "page is reloading")
        self._loading = True
        # Past the cache: a reload is asked for because the files changed
        # (weft dev's edits); a plain Reload keeps its scripts and stylesheets.
        self.triggerAction(QWebEnginePage.WebAction.ReloadAndBypassCache)

    def _on_render_process_terminated(self, status: QWebEnginePage.RenderProcessTerminationStatus, code: int) -> None:
        normal = status == QWebEnginePage.RenderProcessTerminationStatus.NormalTerminationStatus
        log.log(logging.DEBUG if normal else logging.ERROR,
                "window %s: renderer process ended (%s, exit code %d)", self.window_id, status.name, code)
        self._router.unload(self.window_id, f"renderer process ended ({status.name})")
        if not normal:
            self._router.publish(system_event(self.window_id, "crashed", {"status": status.name, "exit_code": code}))

    def kill_renderer(self) -> bool:
        """End this page's renderer process (for a page that hangs); Qt then
        reports it as crashed. Returns False if it had none."""
        pid = self.renderProcessPid()
        if pid <= 0:
            return False
        try:
            os.kill(pid, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        except ProcessLookupError:
            return False
        return True

    def acceptNavigationRequest(  # noqa: N802 (Qt override)
        self, url: QUrl, type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        decision = policy.navigation(self._origin, origin_of(url), is_main_frame)
        if decision:
            if is_main_frame and self._scripts_stale:
                self._scripts_stale = False
                self._resync_scripts()
            return True
        log.warning("window %s: refused navigation to %s (%s)", self.window_id, url.toString(), decision.reason)
        if self._grant is not None:
            capabilities.record(self._grant.owner, "navigation", url.toString(), decision.reason)
        self._scripts_stale = True
        return False

    def _on_url_changed(self, url: QUrl) -> None:
        """Keep the main frame on its origin where Chromium does not ask
        :meth:`acceptNavigationRequest`: a navigation to ``about:blank``
        (which a cross-origin frame may start with one click) replaces the
        app's document with one of the frame's origin. Such a page is
        brought back to its last document on its own origin."""
        if self._origin is None or url.isEmpty():
            return
        decision = policy.navigation(self._origin, origin_of(url), True)
        if decision:
            self._document = url
            return
        log.warning("window %s: refused navigation to %s (%s); back to %s", self.window_id, url.toString(),
                    decision.reason, self._document.toString() if self._document is not None else "nothing")
        if self._grant is not None:
            capabilities.record(self._grant.owner, "navigation", url.toString(), decision.reason)
        if self._document is not None:
            self.open(self._document)

    def _on_permission_requested(self, permission: QWebEnginePermission) -> None:
        permission_rules.answer(permission, self.permissions, self._origin, self._on_permission_denied)

    def _log_permission_denied(self, name: str, reason: str) -> None:
        log.info("window %s: denied the web permission %s (%s)", self.window_id, name, reason)

    def _on_loading_changed(self, info: QWebEngineLoadingInfo) -> None:
        status = info.status()
        if status == QWebEngineLoadingInfo.LoadStatus.LoadStartedStatus:
            self.load_error, self._loading = None, True
            return
        # A navigation weft refused (aborted) leaves the document as it was:
        # not a failure of this window's page.
        if status == QWebEngineLoadingInfo.LoadStatus.LoadFailedStatus and info.errorCode() != _NET_ABORTED:
            url = info.url().toString()
            self.load_error = LoadError(f"window {self.window_id!r} could not load {url}: {info.errorString()}")
            log.error("window %s: could not load %s: %s (%s %d)", self.window_id, url, info.errorString(),
                      info.errorDomain().name, info.errorCode())
            self._router.publish(system_event(self.window_id, "load-failed",
                                              {"url": url, "error": info.errorString(), "code": info.errorCode()}))
        self._loading = False
        waiters, self._load_waiters = self._load_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_loaded(self) -> None:
        """Return once the main frame's current load has finished, or failed
        (see :attr:`load_error`)."""
        if self._loading:
            waiter = asyncio.get_running_loop().create_future()
            self._load_waiters.append(waiter)
            await waiter

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:  # also what Chromium refused by itself (ftp://, bad schemes)
            self._scripts_stale = True

    def _resync_scripts(self) -> None:
        # QtWebEngine 6.11 workaround: after a refused cross-site navigation
        # (refused here, or by Chromium itself, as for ftp://) the next
        # document of this page starts without the page's own scripts (Qt's
        # web channel transport is there, window.runtime is not), though
        # page.scripts() still lists them. Re-inserting them at the next
        # allowed main-frame navigation makes Qt send them again. (Not at
        # every navigation: on a page's first load that races the document.)
        scripts = self.scripts()
        current = scripts.toList()
        scripts.clear()
        for script in current:
            scripts.insert(script)

    async def evaluate(self, source: str, *, timeout: float = 10.0) -> Any:
        """Run ``source`` (an expression, or statements whose last value is
        the result) in the page's own world; return that value as JSON
        decodes it. A Promise result is not awaited (it gives None). Raises
        :class:`weft.ScriptError` if the script throws or its value is not
        JSON (a DOM node, a function)."""
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        def done(result: str | None) -> None:
            if not future.done():
                future.set_result(result)

        # Qt hands arrays and objects back as '' (PySide6 6.11), so the value
        # crosses as JSON text; the source crosses as a JSON string literal.
        self.runJavaScript(asset("evaluate.js") + "(" + json.dumps(source) + ")", 0, done)
        try:
            async with asyncio.timeout(timeout):
                text = await future
        except TimeoutError:
            raise DisconnectedError(f"window {self.window_id!r} did not run the script within {timeout} s") from None
        if not text:  # the page went before it answered
            raise DisconnectedError(f"window {self.window_id!r} gave no answer to the script")
        answer = json.loads(text)
        if "error" in answer:
            raise ScriptError(f"{answer['error']['name']}: {answer['error']['message']}")
        return answer["value"]

    def createWindow(self, type: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:  # noqa: N802
        log.warning("window %s: refused to open a new window (%s)", self.window_id, type.name)
        if self._grant is not None:
            capabilities.record(self._grant.owner, "new window", type.name, "plugins may not open windows")
        return None

    # JavaScript's dialogs (see jsdialogs): a plugin page shows none.

    def javaScriptAlert(self, securityOrigin: QUrl, msg: str) -> None:  # noqa: N802, N803 (Qt override)
        self.dialogs.alert(msg)

    def javaScriptConfirm(self, securityOrigin: QUrl, msg: str) -> bool:  # noqa: N802, N803
        return self.dialogs.confirm(msg)

    def javaScriptPrompt(self, securityOrigin: QUrl, msg: str, defaultValue: str) -> tuple[bool, str]:  # noqa: N802, N803
        return self.dialogs.prompt(msg, defaultValue)

    def _on_dialog_refused(self, kind: str, text: str) -> None:
        if self._grant is not None:  # flooded with dialogs, the log is summarised
            capabilities.record(self._grant.owner, "dialog", f"{kind}({text[:80]!r})", "plugin pages open no dialogs",
                                self._router.refusals)

    def javaScriptConsoleMessage(  # noqa: N802 (Qt override)
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        if self._grant is not None and (script := policy.csp_script_refusal(message)) is not None:
            capabilities.record(self._grant.owner, "script", script, "outside the plugin's Content-Security-Policy",
                                self._router.refusals)  # a flood of them is summarised
            return
        if self._on_request_blocked is not None and (refused := policy.csp_refusal(message)) is not None:
            if refused:
                self._on_request_blocked(refused, "outside the page's Content-Security-Policy")
            return
        self._console.message(level, message, line, source)
