from __future__ import annotations
import asyncio, json, logging, time
from typing import Any
import pytest
import weft
from tests.conftest import in_page, next_event, open_page

PAGE = """<script>
runtime.on("runtime:error", (e) => runtime.send("saw-error", {name: e.name, message: e.message}));
runtime.on("echo", (p) => runtime.send("echoed", p));
runtime.handle("echo", (p) => p);
runtime.handle("deep", () => { let v = 1; for (let i = 0; i < 200; i++) v = [v]; return v; });
</script>"""

def test_explore(runtime, arun, caplog):
    async def main():
        heard = []
        runtime.on_event(heard.append)
        runtime.handle("py:echo", lambda p, w: p)
        win = await open_page(runtime, PAGE)
        errs = runtime.channel_events("saw-error")
        out = await in_page(runtime, win, """
           const p = runtime.invoke("py:echo", 1, {timeout: 3000});
           runtime.send("neighbour", 1);
           let v = 1; for (let i = 0; i < 200; i++) v = [v];
           runtime.send("deep", v);
           return await p;""")
        print("page invoke:", out)
        print([(e.channel) for e in heard if e.type is None])
        print((await next_event(errs)).payload)
        t = time.monotonic()
        try:
            print(await runtime.invoke(win.id, "deep", timeout=4))
        except Exception as exc:
            print("py invoke:", type(exc).__name__, exc, round(time.monotonic() - t, 2))
        t = time.monotonic()
        try:
            print(await runtime.invoke(win.id, "echo", {"__proto__": {"polluted": 1}}, timeout=4))
        except Exception as exc:
            print("py invoke:", type(exc).__name__, exc, round(time.monotonic() - t, 2))
        print(await win.evaluate("[({}).polluted === undefined, Object.keys(Object.prototype).length]"))
        print(caplog.text[-2000:])
    arun(main(), timeout=100)
