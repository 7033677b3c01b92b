from __future__ import annotations
import asyncio, json, logging, time
from typing import Any
import pytest
import shiboken6
import weft
from PySide6.QtWebEngineCore import QWebEngineScript
from tests.conftest import in_page, next_event, open_page

async def in_app_world(win, source, timeout=10.0):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    def done(result):
        if not fut.done():
            fut.set_result(result)
    win._view.page().runJavaScript("JSON.stringify((0, eval)(" + json.dumps(source) + ") ?? null)",
        QWebEngineScript.ScriptWorldId.ApplicationWorld, done)
    async with asyncio.timeout(timeout):
        text = await fut
    return None if text is None else json.loads(text)

SETUP = """
  window.__atk = [];
  const t = qt.webChannelTransport; const orig = t.onmessage;
  t.onmessage = function (m) { let d = m.data; if (typeof d === 'string') d = JSON.parse(d);
     if (typeof d.id === 'string') { window.__atk.push(d); return; } return orig.call(this, m); };
  window.__send = (x) => { try { t.send(x); return 'sent'; } catch (e) { return 'threw ' + String(e); } };
  1"""
PAGE = """<script>
window.got = [];
runtime.on("echo", (p) => window.got.push(p));
runtime.handle("echo", (p) => p);
</script>"""

@pytest.mark.qt_log_ignore(".*")
def test_explore(runtime, arun, caplog, qtlog):
    async def main():
        win = await open_page(runtime, PAGE)
        await in_app_world(win, SETUP)
        import os
        for x in [os.environ["MSG"]]:
            print(x[:60], await in_app_world(win, "window.__send(%s)" % x))
        await asyncio.sleep(0.3)
        await runtime.send_to_window(win.id, "echo", 1)
        await asyncio.sleep(0.5)
        print("got after triple connect", await win.evaluate("window.got"))
        print("valid", shiboken6.isValid(win._view.page()._bridge), win._view.page()._bridge.objectName())
        for x in ["'{\"type\":8,\"object\":\"bridge\",\"signal\":4,\"id\":\"n\"}'"] * 3:
            print(x[:60], await in_app_world(win, "window.__send(%s)" % x))
        await asyncio.sleep(0.3)
        await runtime.send_to_window(win.id, "echo", 2)
        await asyncio.sleep(0.5)
        print("got after disconnect", await win.evaluate("window.got"))
        print(await in_app_world(win, "window.__send('{\"type\":7,\"object\":\"bridge\",\"signal\":4}')"))
        await asyncio.sleep(0.3)
        await runtime.send_to_window(win.id, "echo", 3)
        await asyncio.sleep(0.5)
        print("got after reconnect", await win.evaluate("window.got"))
        print(json.dumps(await in_app_world(win, "window.__atk"))[:1500])
        for r in qtlog.records: print("QT:", r.type_name, r.message)
    arun(main())
