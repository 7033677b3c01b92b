"""Every web permission request is answered, in app windows and plugins:
none is left pending (a pending request hangs the page's promise for ever)."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

import weft
from tests.conftest import js_value_until, open_page, plugin_eval, write_plugin
from weft import plugins

ASK = """window.asked = {};
Notification.requestPermission().then((a) => asked.notifications = a);
navigator.geolocation.getCurrentPosition(() => asked.geolocation = "granted",
    (e) => asked.geolocation = e.code === e.PERMISSION_DENIED ? "denied" : "granted, but " + e.code);
1"""
BOTH = "asked.notifications && asked.geolocation ? asked : null"


def test_app_windows_get_the_default_grants_and_denials(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        default = await open_page(runtime, "<p>default</p>")
        await default.evaluate(ASK)
        assert await js_value_until(default, BOTH) == {"notifications": "granted", "geolocation": "denied"}
        # Per window, not per origin: this one on the same origin is granted nothing.
        chosen = await open_page(runtime, "<p>chosen</p>", permissions=[])
        await chosen.evaluate(ASK)
        assert await js_value_until(chosen, BOTH) == {"notifications": "denied", "geolocation": "denied"}
        with pytest.raises(weft.WindowOptionError, match="unknown web permissions"):
            await runtime.create_window(html="<p>x</p>", permissions=["camera-please"])

    arun(main())


def test_a_headless_plugin_s_requests_are_answered_too(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "asker", "<p>asker</p>", permissions=["notifications"]))
        await plugin.start()
        await plugin.wait_ready()
        await plugin_eval(plugin, ASK)
        assert await js_value_until(plugin, BOTH) == {"notifications": "granted", "geolocation": "denied"}

    arun(main())


FRAMED = b"""<!doctype html><script>
Notification.requestPermission().then((a) => parent.postMessage({ notifications: a }, "*"));
</script>"""


class _FramedPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(FRAMED)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def foreign_page() -> Iterator[str]:
    """A page on another origin (http on 127.0.0.1) that asks for notifications."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FramedPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_frame_of_another_origin_is_granted_nothing(runtime: weft.Runtime, arun: Any, foreign_page: str) -> None:
    """Permissions are the window's own documents': an embedded page asking
    for notifications would otherwise post them in the app's name."""
    async def main() -> None:
        win = await open_page(runtime, f"""<iframe src="{foreign_page}"></iframe><script>
            addEventListener("message", (e) => window.framed = e.data.notifications);</script>""")
        assert await js_value_until(win, "window.framed || null", timeout=20) == "denied"
        await win.evaluate(ASK)  # the page itself keeps its grants
        assert await js_value_until(win, BOTH) == {"notifications": "granted", "geolocation": "denied"}

    arun(main())
