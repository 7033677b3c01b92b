"""Windows: creation, system events, the app:// scheme, and the navigation lock."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import weft
from tests.conftest import in_page, next_event, open_page, until


def test_url_windows_load_from_the_app_folder(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        loaded = runtime.channel_events("app-loaded")
        win = await runtime.create_window(title="from folder", width=320, height=240, url="app://index.html")
        event = await next_event(loaded)
        assert event.payload == {"title": "test app", "script": "app.js"}
        assert event.window_id == win.id
        assert win.url == "app://localhost/index.html"
        assert win.title == "from folder"
        sub = runtime.channel_events("sub-loaded")
        other = await runtime.create_window(title="sub", width=320, height=240, url="sub/")
        assert (await next_event(sub)).payload == "/sub/"
        assert other.id != win.id

    arun(main())


def test_app_files_are_read_as_utf8_without_a_meta_charset(runtime: weft.Runtime, arun: Any) -> None:
    # Text types come with charset=utf-8: without it Chromium reads a page and
    # its scripts as windows-1252, and "✓" shows as "âœ“".
    async def main() -> None:
        loaded = runtime.channel_events("utf8-loaded")
        await runtime.create_window(url="app://utf8.html")
        assert (await next_event(loaded)).payload == {"title": "ü", "text": "✓ ü", "script": "✓ ü", "charset": "UTF-8"}

    arun(main())


def test_window_ids_and_arguments(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        first = await runtime.create_window(html="<p>1</p>")
        second = await runtime.create_window(html="<p>2</p>", id="chosen")
        assert first.id.startswith("window-") and second.id == "chosen"
        assert runtime.window("chosen") is second
        assert runtime.windows == (first, second)
        bad_calls = [
            dict(html="x", id="chosen"),
            dict(html="x", id=""),
            dict(html="x", id="plugin:notes"),
            dict(),
            dict(html="x", url="app://index.html"),
            dict(html="x", width=0),
            dict(html="x", height=-5),
            dict(url="file:///etc/passwd"),
            dict(url="https://example.com/"),
            dict(url="http://127.0.0.1:5173/"),
            dict(url="about:blank"),
            dict(url="data:text/html,<p>x</p>"),
            dict(url="qrc:/index.html"),
            dict(url="plugin://notes/index.html"),
        ]
        for kwargs in bad_calls:
            with pytest.raises(ValueError):
                await runtime.create_window(**kwargs)
        with pytest.raises(weft.WindowNotFoundError):
            runtime.window("ghost")

    arun(main())


def test_setters_change_the_window(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<title>t</title>")
        win.set_title("renamed")
        assert win.title == "renamed"
        win.set_size(500, 400)
        assert win.size == (500, 400)
        win.set_position(30, 40)
        assert win.position == (30, 40)
        win.hide()
        assert not win.visible
        win.show()
        assert win.visible
        with pytest.raises(ValueError):
            win.set_size(0, 10)
        win.set_html("<script>runtime.send('replaced', location.protocol)</script>")
        replaced = runtime.channel_events("replaced")
        assert (await next_event(replaced)).payload == "app:"

    arun(main())


def test_system_events_arrive_as_ipc_events(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        events = runtime.window_events_for(win.id)
        heard_close: list[tuple[Any, str]] = []
        runtime.on_channel("close", lambda payload, window_id: heard_close.append((payload, window_id)))
        win.set_size(321, 234)
        win.set_position(12, 34)
        seen = {}
        while not {"resize", "move"} <= seen.keys():
            event = await next_event(events)
            seen[event.type] = event
        assert seen["resize"] == weft.IpcEvent(
            window_id=win.id, channel="resize", payload={"width": 321, "height": 234}, type="resize")
        assert seen["move"] == weft.IpcEvent(window_id=win.id, channel="move", payload={"x": 12, "y": 34}, type="move")
        await win.close()
        while (event := await next_event(events)).type != "close":
            pass
        assert event == weft.IpcEvent(window_id=win.id, channel="close", type="close")
        assert heard_close == [(None, win.id)]
        assert win.closed

    arun(main())


def test_focus_and_blur(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        first = await open_page(runtime, "<p>1</p>")
        second = await open_page(runtime, "<p>2</p>")
        events = runtime.window_events()
        first.focus()
        second.focus()
        wanted = {(first.id, "focus"), (first.id, "blur"), (second.id, "focus")}
        got: set[tuple[str, str | None]] = set()
        while not wanted <= got:
            event = await next_event(events)
            got.add((event.window_id, event.type))

    arun(main())


def test_closing_fails_pending_calls_and_forgets_the_window(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, """<script>
            runtime.handle("never", () => { runtime.send("asked", "never"); return new Promise(() => {}); });
        </script>""")
        asked = runtime.channel_events("asked")
        pending = asyncio.ensure_future(runtime.invoke(win.id, "never", timeout=None))
        assert (await next_event(asked)).payload == "never"  # the call is out: the page is answering it
        await win.close()
        with pytest.raises(weft.DisconnectedError, match="closed"):
            await pending
        with pytest.raises(weft.WindowNotFoundError):
            await runtime.send_to_window(win.id, "x")
        with pytest.raises(weft.WindowNotFoundError):
            win.set_title("gone")
        await win.close()  # closing twice is harmless
        assert runtime.windows == ()

    arun(main())


def test_page_calling_window_close_closes_the_window(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        closes = runtime.channel_events("close")
        await win.evaluate("window.close()")
        assert (await next_event(closes)).window_id == win.id
        await runtime.wait_until_closed()

    arun(main())


def test_app_scheme_serves_only_the_app_folder(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await runtime.create_window(url="app://index.html")
        await win.wait_ready()
        out = await in_page(runtime, win, """
            const status = async (url) => { try { return (await fetch(url)).status; } catch (e) { return "refused"; } };
            return {
                data: await (await fetch("data.json")).json(),
                missing: await status("nope.json"),
                dotdot: await status("app://localhost/../conftest.py"),
                encoded: await status("app://localhost/%2e%2e/conftest.py"),
                encoded_slash: await status("app://localhost/..%2fconftest.py"),
                other_host: await status("app://elsewhere/index.html"),
                post: await (async () => { try { return (await fetch("data.json", {method: "POST"})).status; }
                                           catch (e) { return "refused"; } })(),
                file: await status("file:///etc/passwd"),
            };""")
        value = out["value"]
        assert value["data"] == {"fetched": True}
        for key in ("missing", "dotdot", "encoded", "encoded_slash", "other_host", "post", "file"):
            assert value[key] in (404, "refused"), key

    arun(main())


def test_a_request_the_scheme_fails_to_serve_fails_at_once(runtime: weft.Runtime, arun: Any,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    # A bug (here: resolving a path raises) must fail the request, not leave
    # the page's fetch waiting for good.
    from weft.webengine import schemes

    async def main() -> None:
        win = await runtime.create_window(url="app://index.html")
        await win.wait_ready()

        def broken(self: Any, path: str) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(schemes.FolderSchemeHandler, "_resolve", broken)
        out = await in_page(runtime, win, """
            try { return (await fetch("data.json")).status; } catch (e) { return "failed"; }""")
        assert out["value"] == "failed" or out["value"] >= 400, out  # Chromium answers a failed job 400

    with caplog.at_level("ERROR", logger="weft"):
        arun(main(), timeout=20)
    assert any("serving app://localhost/data.json failed" in r.getMessage() for r in caplog.records)


def test_symlinks_out_of_the_app_folder_are_refused(arun: Any, tmp_path: Any) -> None:
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (app_dir / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (app_dir / "ok.txt").write_text("fine")
    rt = weft.Runtime(app_dir=app_dir)

    async def main() -> None:
        win = await rt.create_window(html="<p>x</p>")
        await win.wait_ready()
        out = await in_page(rt, win, """
            const get = async (u) => { try { const r = await fetch(u); return r.ok ? await r.text() : r.status; }
                                       catch (e) { return "refused"; } };
            return [await get("ok.txt"), await get("leak.txt")];""")
        assert out["value"][0] == "fine"
        assert out["value"][1] in (404, "refused")

    try:
        arun(main())
    finally:
        arun(rt.shutdown())


def test_navigation_away_and_new_windows_are_refused(
    runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def until_logged(logger: str, text: str) -> None:
        async with asyncio.timeout(10):
            while not any(r.name == logger and text in r.getMessage() for r in caplog.records):
                await asyncio.sleep(0.02)

    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        url = win.url
        # Chromium hands back a proxy, but no window is made and it closes.
        out = await in_page(runtime, win, """
            const w = window.open("app://localhost/index.html");
            const deadline = performance.now() + 5000;
            while (w && !w.closed && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            return w === null || w.closed;""")
        assert out["value"] is True
        assert runtime.windows == (win,)
        # Refused (each would commit, were it allowed): by weft's navigation
        # lock, and by Chromium itself for file:, which says so on the console.
        await win.evaluate("location.href = 'https://example.com/'")
        await until_logged("weft.page", "refused navigation to https://example.com/")
        await win.evaluate("location.href = 'file:///etc/passwd'")
        await until_logged("weft.console", "Not allowed to load local resource: file:///etc/passwd")
        # Still the same document: its runtime answers, and nothing reloaded.
        out = await in_page(runtime, win, "return location.href;")
        assert out["value"] == url
        # Navigation inside the app origin is allowed.
        loaded = runtime.channel_events("app-loaded")
        await win.evaluate("location.href = 'app://localhost/index.html'")
        assert (await next_event(loaded)).window_id == win.id
        assert runtime.windows == (win,)

    with caplog.at_level(logging.INFO, logger="weft"):
        arun(main())


def test_reload_keeps_messages_for_the_new_document(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, '<script>runtime.on("m", (p) => runtime.send("echo", p));</script>')
        echoes = runtime.channel_events("echo")
        win.reload()
        await runtime.send_to_window(win.id, "m", "after reload")
        assert (await next_event(echoes)).payload == "after reload"

    arun(main())


def test_a_refused_navigation_leaves_the_page_fully_working(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, """<script>
            runtime.on("m", (p) => runtime.send("echo", p));
            runtime.handle("ping", () => "pong");</script>""")
        echoes = runtime.channel_events("echo")
        await win.evaluate("location.href = 'https://example.com/'")
        await in_page(runtime, win, "return 1")  # the refusal has been handled
        await runtime.send_to_window(win.id, "m", "still here")
        assert (await next_event(echoes)).payload == "still here"
        assert await runtime.invoke(win.id, "ping") == "pong"

    arun(main())


def test_a_main_frame_sent_to_about_blank_comes_back_to_its_document(
    runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Chromium does not ask acceptNavigationRequest about ``about:blank``:
    a cross-origin frame with one click could replace the app's document
    with one of its own origin. The page is brought back to its document."""
    async def main() -> None:
        win = await open_page(runtime, """<script>runtime.handle("ping", () => "pong");
            runtime.send("loaded", location.href);</script>""")
        loaded = runtime.channel_events("loaded")
        document = win.url
        await win.evaluate("location.href = 'about:blank'; 1")
        refusal = f"refused navigation to about:blank (outside app://localhost); back to {document}"
        await until(lambda: any(r.name == "weft.page" and refusal in r.getMessage() for r in caplog.records))
        assert (await next_event(loaded)).payload == document
        assert win.url == document and await runtime.invoke(win.id, "ping") == "pong"
        loaded.close()

    with caplog.at_level(logging.WARNING, logger="weft.page"):
        arun(main())


@pytest.mark.parametrize("refused", ["https://example.com/", "file:///etc/passwd", "ftp://example.com/"])
def test_the_next_document_after_a_refusal_has_its_runtime(runtime: weft.Runtime, arun: Any, refused: str) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        await win.evaluate("location.href = %r" % refused)
        await in_page(runtime, win, "return 1")
        loaded = runtime.channel_events("sub-loaded")
        await win.evaluate("location.href = 'app://localhost/sub/index.html'")
        assert (await next_event(loaded)).window_id == win.id

    arun(main())


def test_several_refusals_and_navigations_in_a_row(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        for round_ in range(3):
            await win.evaluate("location.href = 'https://example.com/'")
            await in_page(runtime, win, "return 1")
            loaded = runtime.channel_events("sub-loaded")
            await win.evaluate("location.href = 'app://localhost/sub/index.html?%d'" % round_)
            assert (await next_event(loaded)).window_id == win.id
            loaded.close()

    arun(main())


def test_evaluate_gives_json_values_and_says_what_went_wrong(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<!DOCTYPE html><p id=x>text</p>")
        assert await win.evaluate("const a = [1, {b: 'c'}]; a") == [1, {"b": "c"}]
        assert await win.evaluate("undefined") is None
        assert await win.evaluate("Promise.resolve(1)") is None  # not awaited
        with pytest.raises(weft.ScriptError, match="^ReferenceError: nope is not defined$"):
            await win.evaluate("nope + 1")
        with pytest.raises(weft.ScriptError, match="^Error: thrown on purpose$"):
            await win.evaluate("throw new Error('thrown on purpose')")
        with pytest.raises(weft.ScriptError, match='not a JSON value: a HTMLParagraphElement at "value"'):
            await win.evaluate("document.getElementById('x')")
        with pytest.raises(weft.ScriptError, match='not a JSON value: a Function at "f"'):
            await win.evaluate("({f() {}})")

    arun(main())


def test_a_page_that_cannot_load_is_loud(
    runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        failed = runtime.channel_events("load-failed")
        win = await runtime.create_window(title="typo", width=300, height=200, url="app://indx.html")
        with pytest.raises(weft.LoadError, match="could not load app://localhost/indx.html"):
            await win.wait_ready()
        event = await next_event(failed)
        assert (event.window_id, event.type, event.payload["url"]) == (win.id, "load-failed",
                                                                        "app://localhost/indx.html")
        # The window can be pointed somewhere that exists, and is fine again.
        win.load_url("app://index.html")
        await win.wait_ready()
        # Never a page of another origin: its scripts would get window.runtime.
        with pytest.raises(weft.WindowOptionError, match=r"'https://example.com/': a window shows the app's own "
                                                         r"pages .* never https: ones, whose scripts would get"):
            win.load_url("https://example.com/")
        # A navigation weft refuses is not a failure of the window's page.
        await win.evaluate("location.href = 'https://example.com/'; 1")
        await win.evaluate("location.href = 'app://localhost/sub/index.html'; 1")
        async with asyncio.timeout(10):  # the navigation starts after the script returns
            while win.url != "app://localhost/sub/index.html":
                await asyncio.sleep(0.02)
        await win.wait_ready()
        failed.close()

    with caplog.at_level(logging.ERROR, logger="weft.page"):
        arun(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "weft.page" and r.levelno >= logging.ERROR]
    assert len(lines) == 1 and lines[0].startswith(f"window window-1: could not load app://localhost/indx.html")


def test_reloads_leave_the_console_clean(runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        for _ in range(5):
            win.reload()
            await win.wait_ready()
        # A round trip after the last reload: anything stray has arrived by now.
        runtime.handle("ping", lambda payload, window_id: "pong")
        assert (await in_page(runtime, win, "return await runtime.invoke('ping')"))["value"] == "pong"

    with caplog.at_level(logging.INFO, logger="weft.console"):
        arun(main())
    assert [r.getMessage() for r in caplog.records if r.name == "weft.console"] == []
