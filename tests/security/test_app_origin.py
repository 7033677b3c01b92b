"""weft's own origins answer only themselves, and only a window's own
documents navigate it. Each test fails when its protection is removed."""

from __future__ import annotations

import asyncio
import http.server
import logging
import os
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

import weft
from tests.conftest import js_value_until, open_page, plugin_eval, write_plugin
from weft import plugins

# Each frame asks for the app's data and posts what it got to its parent.
ASK = ("fetch('%s').then((r) => r.ok ? r.text().then((t) => 'read ' + t.trim()) : 'refused ' + r.status,"
       " (e) => 'refused ' + e.name).then((outcome) => parent.postMessage(['%s', outcome], '*'))")


class _Remote(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def remote() -> Iterator[type[_Remote]]:
    """A remote page on 127.0.0.1 (``_Remote.body``), served as ``_Remote.url``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Remote)
    _Remote.url = f"http://127.0.0.1:{server.server_address[1]}/frame.html"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield _Remote
    finally:
        server.shutdown()
        server.server_close()


def _frames(target: str) -> str:
    data = ASK % (target, "data:")
    sandboxed = ASK % (target, "sandboxed srcdoc")
    same = ASK % (target, "same-origin srcdoc")
    return f"""
      <iframe src="data:text/html,<script>{data}</script>"></iframe>
      <iframe sandbox="allow-scripts" srcdoc="<script>{sandboxed}</script>"></iframe>
      <iframe srcdoc="<script>{same}</script>"></iframe>"""


LISTEN = "<!DOCTYPE html><script>window.got = {}; addEventListener('message', (e) => got[e.data[0]] = e.data[1]);</script>"


def test_foreign_frames_read_nothing_from_the_app_origin(
    runtime: weft.Runtime, arun: Any, remote: Any, caplog: pytest.LogCaptureFixture
) -> None:
    target = "app://localhost/data.json"
    remote.body = f"<script>{ASK % (target, 'remote')}</script>".encode()

    async def main() -> dict[str, str]:
        win = await open_page(runtime, LISTEN + _frames(target) + f'<iframe src="{remote.url}"></iframe>')
        return await js_value_until(win, "Object.keys(got).length === 4 ? got : null")

    with caplog.at_level(logging.WARNING, logger="weft.security"):
        got = arun(main())
    assert got == {
        "same-origin srcdoc": 'read {"fetched": true}',  # the app's own documents still read
        "data:": "refused 403",
        "sandboxed srcdoc": "refused 403",
        "remote": "refused 403",
    }
    refusals = sorted(r.getMessage() for r in caplog.records if r.name == "weft.security")
    assert len(refusals) == 3
    assert sum("opaque origin" in line for line in refusals) == 2
    assert sum(remote.url.rsplit("/", 1)[0] in line for line in refusals) == 1


def test_a_foreign_frame_cannot_navigate_the_window(
    runtime: weft.Runtime, arun: Any, remote: Any, caplog: pytest.LogCaptureFixture
) -> None:
    remote.body = b"<script>top.location = 'app://localhost/sub/index.html'</script>"

    async def main() -> None:
        win = await open_page(runtime, f'<!DOCTYPE html><p>home</p><iframe src="{remote.url}"></iframe>')
        async with asyncio.timeout(10):
            while not any("sub/index.html" in r.getMessage() for r in caplog.records):
                await asyncio.sleep(0.02)
        # The navigation was refused where it would have been served: the
        # window keeps its document and its bridge.
        assert await win.evaluate("document.querySelector('p').textContent") == "home"
        runtime.handle("still-here", lambda payload, window_id: "yes")
        assert await win.evaluate("window.answer = null; runtime.invoke('still-here').then((a) => answer = a); 1") == 1
        assert await js_value_until(win, "answer") == "yes"

    with caplog.at_level(logging.WARNING, logger="weft.security"):
        arun(main())


def test_a_plugin_document_with_a_frame_is_not_served(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A frame would be a realm the lockdown cannot reach in time (here, an
    # opaque one that could also try to navigate the plugin's window).
    frame = "<script>top.location = 'plugin://nav/other.html'</script>"
    page = f'<!DOCTYPE html><p>home</p><iframe sandbox="allow-scripts allow-top-navigation" srcdoc="{frame}"></iframe>'

    async def main() -> None:
        folder = write_plugin(tmp_path, "nav", page)
        (folder / "other.html").write_text("<p>elsewhere</p>")
        plugin = await plugins.load(folder)
        await plugin.start()
        async with asyncio.timeout(10):
            while not any(getattr(r, "target", "").endswith("index.html") for r in caplog.records):
                await asyncio.sleep(0.02)
        assert await plugin_eval(plugin, "document.querySelector('p') === null") is True

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main())
    refused = [r for r in caplog.records if getattr(r, "direction", None) == "file"]
    assert [(r.target, r.reason) for r in refused] == [  # type: ignore[attr-defined]
        ("plugin://nav/index.html", "plugins may not use frames (<iframe>)")]


def test_a_fifo_swapped_into_a_plugin_folder_is_refused_unread(
    runtime: weft.Runtime, arun: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weft.webengine.schemes import FolderSchemeHandler

    folder = write_plugin(tmp_path, "pipes", "<!DOCTYPE html><p>pipes</p>")
    os.mkfifo(folder / "pipe.txt")
    # As if the FIFO were swapped in after the handler looked at the path:
    # opening it for reading would block the app's only thread for good.
    monkeypatch.setattr(FolderSchemeHandler, "_resolve", lambda self, path: self._root / path.lstrip("/"))

    async def main() -> str:
        plugin = await plugins.load(folder)
        await plugin.start()
        await plugin.wait_ready()
        await plugin_eval(plugin, "window.got = null; fetch('pipe.txt').then((r) => got = 'status ' + r.status); 1")
        return await js_value_until(plugin, "got")

    assert arun(main(), timeout=20) == "status 403"
