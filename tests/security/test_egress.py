"""Nothing leaves a plugin past its grant, by any road.

Each road is tried twice at once: from a plugin, against a loopback recorder
of its own that must see nothing, and from an app window (which keeps every
web feature), against another recorder that must see it. The app's traffic
proves the road is real and tells the test when to look, so no test sleeps;
and removing the layer that closes a road makes the plugin's recorder see
it too.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import logging
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

import weft
from tests.conftest import open_page, plugin_eval, write_plugin
from tests.security.recorder import Recorder
from weft import plugins

#: Each road: JavaScript that sends something to 127.0.0.1:%(port)d, and
#: the layer that closes it for plugins (README, "What a plugin can still do").
ROADS: dict[str, str] = {
    "fetch": "fetch(`http://127.0.0.1:${port}/fetch`, {mode: 'no-cors'}).catch(() => {});",
    "image": "new Image().src = `http://127.0.0.1:${port}/img`;",
    "xhr": "const x = new XMLHttpRequest(); x.open('GET', `http://127.0.0.1:${port}/xhr`); x.send();",
    "websocket": "new WebSocket(`ws://127.0.0.1:${port}/ws`);",
    "eventsource": "new EventSource(`http://127.0.0.1:${port}/es`);",
    "beacon": "navigator.sendBeacon(`http://127.0.0.1:${port}/beacon`, 'x');",
    "css": "const s = document.createElement('style'); s.textContent = `body { background: url(http://127.0.0.1:${port}/css) }`; document.head.append(s);",
    "module import": "import(`http://127.0.0.1:${port}/module.js`).catch(() => {});",
    "webrtc stun": "const pc = new RTCPeerConnection({iceServers: [{urls: `stun:127.0.0.1:${port}`}]}); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); keep.push(pc);",
    "webrtc turn over tcp": "const pc = new RTCPeerConnection({iceServers: [{urls: `turn:127.0.0.1:${port}?transport=tcp`, username: 'u', credential: 'c'}]}); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); keep.push(pc);",
    "webtransport": "const t = new WebTransport(`https://127.0.0.1:${port}/wt`); t.ready.catch(() => {}); t.closed.catch(() => {});",
    "preconnect link": "const l = document.createElement('link'); l.rel = 'preconnect'; l.href = `https://127.0.0.1:${port}`; document.head.append(l);",
    "preconnect by markup": "document.head.insertAdjacentHTML('beforeend', `<link rel=preconnect href=https://127.0.0.1:${port}>`);",
    "worker fetch and webtransport": "new Worker(URL.createObjectURL(new Blob([`fetch('http://127.0.0.1:${port}/w').catch(() => {}); new WebTransport('https://127.0.0.1:${port}/wt').ready.catch(() => {});`], {type: 'text/javascript'})));",
    "remote iframe": "const f = document.createElement('iframe'); f.src = `http://127.0.0.1:${port}/frame`; document.body.append(f);",
    "data: iframe with webrtc": "const f = document.createElement('iframe'); f.src = `data:text/html,<script>const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:${port}'}]}); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o));</script>`; document.body.append(f);",
    "srcdoc iframe with webrtc": "const f = document.createElement('iframe'); f.srcdoc = `<script>const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:${port}'}]}); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); parent.keep.push(pc);</script>`; document.body.append(f);",
    "new frame's window with webrtc": "const f = document.createElement('iframe'); document.body.append(f); const pc = new window[window.length - 1].RTCPeerConnection({iceServers: [{urls: `stun:127.0.0.1:${port}`}]}); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); keep.push(pc);",
    "frame in a shadow root, run by a javascript: url": "const host = document.createElement('div'); document.body.append(host); const f = document.createElement('iframe'); f.src = `javascript:eval(atob('${btoa(`const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:${port}'}]}); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); top.keep.push(pc);`)}'))`; host.attachShadow({mode: 'closed'}).append(f);",
    "frame navigated again to about:blank": "const f = document.createElement('iframe'); document.body.append(f); void f.contentWindow; f.onload = () => { const pc = new f.contentWindow.RTCPeerConnection({iceServers: [{urls: `stun:127.0.0.1:${port}`}]}); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); keep.push(pc); }; f.src = 'about:blank';",
    "form into a frame": "const f = document.createElement('iframe'); f.name = 'sink' + port; document.body.append(f); const form = document.createElement('form'); form.action = `http://127.0.0.1:${port}/form`; form.target = f.name; document.body.append(form); form.submit();",
}

# The page runs every road, each against its own port; a road that throws
# (because the lockdown removed what it needs) is recorded, not fatal.
RUNNER = """(() => { window.keep = window.keep || []; const outcome = {};
  for (const [name, [port, source]] of Object.entries(%s)) {
    try { new Function("port", source)(port); outcome[name] = "ran"; }
    catch (e) { outcome[name] = "threw " + e.name; }
  }
  return outcome; })()"""


class _Redirector(http.server.BaseHTTPRequestHandler):
    """A granted origin that redirects ``/to/<port>/...`` to that loopback port."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        port = self.path.split("/")[2]
        self.send_response(302)
        self.send_header("Location", f"http://127.0.0.1:{port}/landed?data=secret")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorders() -> Iterator[Any]:
    made: list[Recorder] = []

    def make() -> Recorder:
        made.append(Recorder())
        return made[-1]

    yield make
    for recorder in made:
        recorder.close()


@pytest.fixture
def redirector() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def _until_all_seen(recorders: dict[str, Recorder], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while missing := [name for name, r in recorders.items() if not r.snapshot()]:
            await asyncio.sleep(0.05)
    assert not missing


def _roads(recorders: dict[str, Recorder]) -> str:
    return json.dumps({name: [recorders[name].port, ROADS[name]] for name in recorders})


def test_a_plugin_granted_nothing_sends_nothing_by_any_road(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, recorders: Any, caplog: pytest.LogCaptureFixture
) -> None:
    plugin_side = {name: recorders() for name in ROADS}
    app_side = {name: recorders() for name in ROADS}

    async def main() -> dict[str, str]:
        plugin = await plugins.load(write_plugin(tmp_path, "quiet", "<!DOCTYPE html><body></body>"))
        await plugin.start()
        await plugin.wait_ready()
        outcome = await plugin_eval(plugin, RUNNER % _roads(plugin_side))
        app = await open_page(runtime, "<!DOCTYPE html><body></body>")
        await app.evaluate(RUNNER % _roads(app_side))
        await _until_all_seen(app_side)  # every road is real, and has had its time
        return outcome

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        outcome = arun(main(), timeout=60)
    leaked = {name: r.snapshot() for name, r in plugin_side.items() if r.snapshot()}
    assert leaked == {}, outcome
    # WebRTC and WebTransport are gone from every frame; hints are refused.
    assert outcome["webrtc stun"] == outcome["webtransport"] == "threw ReferenceError"
    assert outcome["preconnect link"] == outcome["preconnect by markup"] == "threw TypeError"
    assert outcome["new frame's window with webrtc"] == "threw TypeError"
    frames = [name for name, source in ROADS.items() if "createElement('iframe')" in source]
    assert len(frames) == 7 and {outcome[name] for name in frames} == {"threw TypeError"}  # no frame gets in
    assert any(getattr(r, "direction", None) == "request" for r in caplog.records)


def test_a_redirect_from_a_granted_origin_stops_before_any_connection(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, recorders: Any, redirector: str
) -> None:
    plugin_side, app_side = recorders(), recorders()
    road = ("(port) => { new Image().src = `%s/to/${port}/img`;"
            " fetch(`%s/to/${port}/fetch`, {mode: 'no-cors'}).catch(() => {}); return 1; }") % (redirector, redirector)

    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "granted", "<!DOCTYPE html><body></body>",
                                                 origins=[redirector]))
        await plugin.start()
        await plugin.wait_ready()
        await plugin_eval(plugin, f"({road})({plugin_side.port})")
        app = await open_page(runtime, "<!DOCTYPE html><body></body>")
        await app.evaluate(f"({road})({app_side.port})")
        await _until_all_seen({"app": app_side})

    arun(main())
    assert plugin_side.snapshot() == []


def test_a_javascript_url_never_makes_a_plugin_a_fresh_document(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, recorders: Any
) -> None:
    """A javascript: URL whose value is a string replaces the document with
    one Qt injects nothing into: a realm with every constructor. The
    plugin's policy runs no javascript: URL; an app window's page does."""
    plugin_side, app_side = recorders(), recorders()
    fresh = ("location.href = \"javascript:'<title>fresh</title><script>const pc = new RTCPeerConnection({iceServers: "
             "[{urls: \\\\'stun:127.0.0.1:%d\\\\'}]}); pc.createDataChannel(\\\\'x\\\\'); "
             "pc.createOffer().then((o) => pc.setLocalDescription(o)); window.keep = pc;<\\\\/script>'\";")

    async def main() -> None:
        folder = write_plugin(tmp_path, "jsurl", "<!DOCTYPE html><title>kept</title><script src=go.js></script>")
        (folder / "go.js").write_text(fresh % plugin_side.port)
        plugin = await plugins.load(folder)
        await plugin.start()
        app = await open_page(runtime, "<!DOCTYPE html><title>app</title>")
        await app.evaluate(fresh % app_side.port)
        await _until_all_seen({"app": app_side})
        assert await plugin_eval(plugin, "document.title") == "kept"

    arun(main(), timeout=60)
    assert plugin_side.snapshot() == []


ATOM_HINT = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:h="http://www.w3.org/1999/xhtml">
<h:link rel="preconnect" href="https://127.0.0.1:%d/"/><title>hint</title></feed>"""


@pytest.mark.parametrize("entry", ["index.html", "feed.atom"])  # Chromium renders any +xml type as XML
def test_a_plugin_document_that_names_a_resource_hint_is_not_served(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, recorders: Any, caplog: pytest.LogCaptureFixture, entry: str
) -> None:
    plugin_side, app_side = recorders(), recorders()
    page = "<!DOCTYPE html><link rel=pre&#99;onnect href=https://127.0.0.1:%d><p>hint</p>"

    async def main() -> None:
        folder = write_plugin(tmp_path, "hinted", page % plugin_side.port)
        if entry != "index.html":
            (folder / entry).write_text(ATOM_HINT % plugin_side.port)
            manifest = folder / "plugin.toml"
            manifest.write_text(manifest.read_text().replace('entry = "index.html"', f'entry = "{entry}"'))
        plugin = await plugins.load(folder)
        await plugin.start()
        await open_page(runtime, page % app_side.port)
        await _until_all_seen({"app": app_side})

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main())
    assert plugin_side.snapshot() == []
    refusals = [r for r in caplog.records if getattr(r, "direction", None) == "file"]
    assert refusals and "resource hints" in refusals[0].reason  # type: ignore[attr-defined]
