"""A hostile plugin against the sandbox, with real offscreen pages. Each test
would fail if its lock were removed."""

from __future__ import annotations

import asyncio
import http.server
import logging
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

import weft
from tests.conftest import PLUGINS_DIR, js_value_until, next_event, plugin_eval, until, write_plugin
from weft import plugins

MISCHIEF_ATTEMPTS = {
    "reach the QWebChannel transport", "fetch a remote origin", "fetch the host app (app://)",
    "fetch another plugin", "fetch a local file (file://)", "read outside its folder (..)",
    "send on a channel not granted", "invoke a channel not granted", "ask for notifications",
    "ask for the location", "open a new window", "start a download", "navigate away",
    "talk WebRTC (STUN, TURN)", "open a WebTransport (QUIC)", "preconnect to a host", "use a new frame's window",
    "frame a remote page", "run a javascript: URL",
}


MISCHIEF_REQUESTS = sorted([
    "https://example.com/", "app://localhost/index.html", "plugin://notes/notes.js", "file:///etc/hostname",  # fetch()
])
"""What the mischief plugin's page asks for and its Content-Security-Policy
refuses (the other attempts are refused before any request)."""


def full_audit(runtime: weft.Runtime) -> None:
    """Make every refusal its own audit record, with its target (no summaries)."""
    runtime.router.refusals.interval = 0


async def refused_requests(caplog: pytest.LogCaptureFixture, plugin_id: str, count: int) -> list[str]:
    """The targets of the plugin's refused requests on the audit trail, sorted,
    once there are ``count`` of them (or after 10 s, to show what there was)."""

    def targets() -> list[str]:
        return sorted(r.target for r in caplog.records  # type: ignore[attr-defined]
                      if r.name == "weft.audit" and r.direction == "request" and r.plugin == plugin_id)

    try:
        async with asyncio.timeout(10):
            while len(targets()) < count:
                await asyncio.sleep(0.02)
    except TimeoutError:
        pass
    return targets()


def test_the_mischief_plugin_is_refused_everything(
    runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    full_audit(runtime)

    async def main() -> None:
        saved: list[Any] = []
        runtime.handle("notes:save", lambda payload, window_id: saved.append(payload))
        heard: list[weft.IpcEvent] = []
        runtime.on_event(heard.append)
        reports = runtime.channel_events("mischief:report")
        notes = await plugins.load(PLUGINS_DIR / "notes")
        mischief = await plugins.load(PLUGINS_DIR / "mischief")
        await notes.start()
        await mischief.start()
        report = await next_event(reports, timeout=30)
        results = report.payload["results"]
        assert set(results) == MISCHIEF_ATTEMPTS
        assert {name: r for name, r in results.items() if not r.startswith("refused")} == {}
        # Identity comes from the page, not from the payload's "windowId".
        assert report.window_id == "plugin:mischief"
        # Nothing it tried reached the host's handler or subscribers.
        assert saved == []
        assert not [e for e in heard if e.window_id == "plugin:mischief" and e.channel == "notes:save"]
        assert await refused_requests(caplog, "mischief", len(MISCHIEF_REQUESTS)) == MISCHIEF_REQUESTS
        assert mischief.blocked_requests == len(MISCHIEF_REQUESTS)  # each counted once

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main(), timeout=60)
    audit = [r for r in caplog.records if r.name == "weft.audit"]
    denied = {(r.plugin, r.direction) for r in audit}  # type: ignore[attr-defined]
    for direction in ("page → host", "request", "permission", "download", "navigation", "script"):
        assert ("mischief", direction) in denied, direction
    assert [r.target for r in audit if r.direction == "script"] == ["a javascript: URL"]  # type: ignore[attr-defined]
    assert all(r.plugin == "mischief" for r in audit)  # type: ignore[attr-defined]


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


FETCH_PAGE = "<!DOCTYPE html><p>fetcher</p>"
FETCH = """(async () => { try { const r = await fetch(%r); return "read " + await r.text(); }
                          catch (e) { return "refused " + e.name; } })()"""


def test_a_plugin_reaches_only_the_origins_it_was_granted(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, loopback: tuple[str, list[str]],
    caplog: pytest.LogCaptureFixture
) -> None:
    origin, requests = loopback
    full_audit(runtime)

    async def main() -> None:
        granted = await plugins.load(write_plugin(tmp_path, "granted", FETCH_PAGE, origins=[origin]))
        denied = await plugins.load(write_plugin(tmp_path, "denied", FETCH_PAGE))
        for plugin in (granted, denied):
            await plugin.start()
            await plugin.wait_ready()
        await plugin_eval(denied, "window.result = null; " + FETCH % (origin + "/denied") + ".then(r => window.result = r)")
        await plugin_eval(denied, "new Image().src = %r; new WebSocket(%r); 1" % (
            origin + "/denied-img", origin.replace("http", "ws") + "/denied-ws"))
        await plugin_eval(granted, "window.result = null; " + FETCH % (origin + "/granted") + ".then(r => window.result = r)")
        for plugin, expected in ((denied, "refused TypeError"), (granted, "read ok")):
            assert await js_value_until(plugin, "window.result") == expected
        refused = [origin + "/denied", origin + "/denied-img", origin.replace("http", "ws") + "/denied-ws"]
        assert await refused_requests(caplog, "denied", 3) == sorted(refused)  # fetch, image, websocket
        assert (denied.blocked_requests, granted.blocked_requests) == (3, 0)

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main())
    # The lock acts before any connection: the server saw only the granted one.
    assert requests == ["/granted"]


def test_host_may_deliver_only_on_receive_channels(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = """<script>
        runtime.on("granted", (p) => runtime.send("out", ["granted", p]));
        runtime.on("secret", (p) => runtime.send("out", ["secret", p]));
        runtime.handle("granted", () => "answered");
        runtime.handle("secret", () => "leaked");
    </script>"""

    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "p", page, send=["out"], receive=["granted"]))
        await plugin.start()
        out = runtime.channel_events("out")
        with pytest.raises(weft.PermissionDeniedError, match="secret"):
            await runtime.send_to_window(plugin.window_id, "secret", 1)
        with pytest.raises(weft.PermissionDeniedError):
            await runtime.invoke(plugin.window_id, "secret")
        result = await runtime.broadcast([plugin.window_id], "secret", 1)
        assert isinstance(result.failed[plugin.window_id], weft.PermissionDeniedError)
        await runtime.send_to_window(plugin.window_id, "granted", 2)
        assert (await next_event(out)).payload == ["granted", 2]  # the first (and only) delivery
        assert await runtime.invoke(plugin.window_id, "granted") == "answered"
        await plugin.stop()  # denials after the first are summarised; stopping logs the summary

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main())
    denials = [r for r in caplog.records if r.name == "weft.audit"]
    assert {(r.channel, r.direction) for r in denials} == {("secret", "host → page")}  # type: ignore[attr-defined]
    assert sum(r.count for r in denials) == 3  # type: ignore[attr-defined]


def test_plugin_side_denials_fail_its_calls_and_warn_its_sends(
    runtime: weft.Runtime, arun: Any, tmp_path: Path
) -> None:
    page = """<script>
        window.outcome = null;
        runtime.on("runtime:error", (e) => { window.notice = e.name; });
        runtime.send("not-granted", 1);
        runtime.invoke("not-granted-either").then(
            () => window.outcome = "answered", (e) => window.outcome = e.name + ": " + e.message);
    </script>"""

    async def main() -> None:
        heard: list[weft.IpcEvent] = []
        runtime.on_event(heard.append)
        runtime.handle("not-granted-either", lambda payload, window_id: "leaked")
        plugin = await plugins.load(write_plugin(tmp_path, "p", page, send=["fine"]))
        await plugin.start()
        assert (await js_value_until(plugin, "window.outcome")).startswith("PermissionDeniedError: ")
        assert await plugin_eval(plugin, "window.notice") == "PermissionDeniedError"
        assert [e for e in heard if e.type is None] == []

    arun(main())


def test_plugins_share_no_storage_with_each_other_or_the_host(
    runtime: weft.Runtime, arun: Any, tmp_path: Path
) -> None:
    async def main() -> None:
        first = await plugins.load(write_plugin(tmp_path, "first", FETCH_PAGE))
        second = await plugins.load(write_plugin(tmp_path, "second", FETCH_PAGE))
        for plugin in (first, second):
            await plugin.start()
            await plugin.wait_ready()
        await plugin_eval(first, "localStorage.setItem('k', 'first'); document.cookie = 'c=first'; 1")
        assert await plugin_eval(second, "localStorage.getItem('k')") is None
        assert await plugin_eval(second, "document.cookie") == ""
        # The same origin on the same profile would see it; a restart makes a
        # new, empty, off-the-record profile.
        await first.restart()
        await first.wait_ready()
        assert await plugin_eval(first, "localStorage.getItem('k')") is None

    arun(main())


NAVIGATIONS = {
    # Where the page tries to go: how it is refused. weft's navigation lock
    # makes an audit record; Chromium refuses the last two itself, saying so
    # on the page's console.
    "https://example.com/": "navigation",
    "app://localhost/index.html": "navigation",
    "plugin://other/index.html": "navigation",
    "file:///etc/hostname": "Not allowed to load local resource: file:///etc/hostname",
    "data:text/html,<p>x</p>": "Not allowed to navigate top frame to data URL: data:text/html,<p>x</p>",
}


def _refused(record: logging.LogRecord, target: str, how: str) -> bool:
    if how == "navigation":
        return (record.name == "weft.audit" and record.direction == "navigation"  # type: ignore[attr-defined]
                and record.target == target)  # type: ignore[attr-defined]
    return record.name == "weft.console" and how in record.getMessage()


def test_plugin_page_cannot_reach_the_transport_and_keeps_its_bridge_in_place(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "p", FETCH_PAGE))
        await plugin.start()
        await plugin.wait_ready()
        assert await plugin_eval(plugin, "[typeof qt, typeof QWebChannel, typeof runtime, location.origin]") == [
            "undefined", "undefined", "object", "plugin://p"]
        for target, how in NAVIGATIONS.items():
            seen = len(caplog.records)
            await plugin_eval(plugin, "location.href = %r; 1" % target)
            # The navigation was refused (it would commit, were it allowed) ...
            async with asyncio.timeout(10):
                while not any(_refused(record, target, how) for record in caplog.records[seen:]):
                    await asyncio.sleep(0.02)
            # ... and the page stayed.
            assert await plugin_eval(plugin, "location.href") == "plugin://p/index.html", target

    with caplog.at_level(logging.INFO, logger="weft"):
        arun(main())


def test_permissions_follow_the_manifest(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    ask = "window.answer = null; Notification.requestPermission().then(a => window.answer = a); 1"

    async def main() -> None:
        allowed = await plugins.load(write_plugin(tmp_path, "allowed", FETCH_PAGE, permissions=["notifications"]))
        refused = await plugins.load(write_plugin(tmp_path, "refused", FETCH_PAGE))
        for plugin, expected in ((allowed, "granted"), (refused, "denied")):
            await plugin.start()
            await plugin.wait_ready()
            await plugin_eval(plugin, ask)
            assert await js_value_until(plugin, "window.answer") == expected, plugin.id

    arun(main())


def test_target_blank_links_open_nothing(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    page = """<a id="out" href="plugin://p/index.html" target="_blank"
                 style="position:absolute; left:10px; top:10px; width:200px; height:60px">out</a>"""

    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "p", page, visible=["true"]))
        await plugin.start()
        await plugin.wait_ready()
        # A real click (a user gesture), which the popup blocker lets through
        # to the page's createWindow, which must refuse it.
        target = plugin._sandbox.view.view.focusProxy()  # the page's render widget
        async with asyncio.timeout(10):
            while not any(getattr(r, "direction", None) == "new window" for r in caplog.records):
                QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(50, 30))
                await asyncio.sleep(0.1)
        assert await plugin_eval(plugin, "location.href") == "plugin://p/index.html"

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main())


def test_a_plugin_page_opens_no_dialogs(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A plugin's alert/confirm/prompt would be modal over the host, in words the plugin
    chose ("your session expired, enter your password"): each is answered as dismissed,
    no dialog shows, and the audit trail says so."""
    from PySide6.QtWidgets import QApplication, QDialog

    full_audit(runtime)

    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "p", "<p>plugin</p>", visible=["true"]))
        await plugin.start()
        await plugin.wait_ready()
        def visible() -> list[QDialog]:
            return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]

        asked = asyncio.ensure_future(
            plugin_eval(plugin, "[alert('hi'), confirm('sure?'), prompt('password', 'x'), 'done']"))
        shown: list[str] = []
        while (seen := await until(lambda: visible() or asked.done())) is not True:
            for dialog in seen:  # one did show: dismissed, so that the test fails rather than hangs
                shown.append(dialog.windowTitle())
                dialog.reject()
        assert (await asked, shown) == ([None, False, None, "done"], [])
        refused = [(r.target, r.reason) for r in caplog.records  # type: ignore[attr-defined]
                   if r.name == "weft.audit" and r.direction == "dialog"]
        assert refused == [(f"{kind}({text!r})", "plugin pages open no dialogs")
                           for kind, text in (("alert", "hi"), ("confirm", "sure?"), ("prompt", "password"))]

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main())


def test_a_plugin_document_past_the_cap_is_refused_unread(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Each plugin document is read whole in the host to be checked: one
    larger than ``MAX_DOCUMENT_BYTES`` is refused before a byte is read."""
    from weft import policy

    folder = write_plugin(tmp_path, "bulky", FETCH_PAGE)
    with open(folder / "huge.html", "wb") as huge:  # sparse: no disk used
        huge.truncate(policy.MAX_DOCUMENT_BYTES + 1)
    (folder / "fits.html").write_bytes(b"<p>ok</p>".ljust(policy.MAX_DOCUMENT_BYTES, b" "))

    async def main() -> None:
        plugin = await plugins.load(folder)
        await plugin.start()
        await plugin.wait_ready()
        for name, expected in (("huge.html", "status 403"), ("fits.html", "read <p>ok</p>")):
            await plugin_eval(plugin, "window.result = null; fetch(%r).then(r => r.ok ? r.text().then(t => "
                                      "'read ' + t.trimEnd()) : 'status ' + r.status).then(r => window.result = r); 1"
                              % f"plugin://bulky/{name}")
            assert await js_value_until(plugin, "window.result", timeout=30) == expected
        await plugin.stop()

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main(), timeout=60)
    refusals = [r for r in caplog.records if getattr(r, "direction", None) == "file"]
    assert [(r.target, r.reason) for r in refusals] == [  # type: ignore[attr-defined]
        ("plugin://bulky/huge.html", "documents over 32 MiB are not served (each is read whole to be checked)")]
