"""Re-pairing: ``remote.open_session(..., reconnect=True)`` keeps a host
window paired with a plugin across the plugin's restarts, with real
@remote-ui/rpc and @omnicajs/vue-remote host pages that make a fresh endpoint
per session with weft-runtime's ``eachSession``."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWebEngineCore import QWebEnginePage

import weft
from tests.conftest import in_page, js_value_until, until, write_plugin
from tests.integration.test_remote_sessions import GRANT, RPC, SERVED_ECHO, app, bundled_plugin, bundles
from weft import plugins, remote
from weft.ipc.sessions import is_control

__all__ = ["app", "bundles"]  # fixtures, used by name

COUNT = "document.querySelector('#panel [data-id=count]')?.textContent ?? null"
"""The vue plugin's count as the host page shows it."""


def hellos_from(rt: weft.Runtime, window_id: str) -> Any:
    """A subscription to what ``window_id`` sends on the rpc channel outside
    a session (its endpoint's hello, heard by nobody)."""
    return rt.router.hub.subscribe(lambda event: event.window_id == window_id and event.channel == RPC)


def pairing_tasks(rt: weft.Runtime) -> list[str]:
    return [name for name in rt.router.tasks.names() if name.startswith("pairing")]


async def restart(plugin: Any, how: str, session: weft.remote.Session) -> None:
    """Make the plugin's page go and come back, as ``how`` says."""
    if how == "stop-start":
        await plugin.stop()
        assert session.state == "closed"
        await plugin.start()
    elif how == "restart":
        await plugin.restart()
    elif how == "crash":
        os.kill(plugin._sandbox.page.renderProcessPid(), signal.SIGKILL)
        await asyncio.wait_for(session.wait_closed(), 10)
        await plugin.start()
    elif how == "reload":
        plugin._sandbox.page.triggerAction(QWebEnginePage.WebAction.Reload)
        await asyncio.wait_for(session.wait_closed(), 10)
    else:
        raise AssertionError(how)


async def _host_and_plugin(rt: weft.Runtime, tmp_path: Path, bundles: Path, kind: str) -> tuple[Any, Any]:
    """The ``kind`` ("rpc" or "vue") repair host page and plugin, both ready."""
    host = await rt.create_window(title="host", width=400, height=300, url=f"app://{kind}-repair-host.html",
                                  id="host")
    plugin = await plugins.load(bundled_plugin(tmp_path, bundles, f"{kind}plugin", f"{kind}-plugin.js"))
    await plugin.start()
    await host.wait_ready()
    await plugin.wait_ready()
    return host, plugin


async def _echo(rt: weft.Runtime, host: Any, value: str) -> Any:
    out = await in_page(rt, host, f"return await window.host.endpoint.call.echo({value!r});")
    assert out["ok"], out
    return out["value"]


def test_a_pairing_pairs_again_after_stop_start_restart_crash_and_reload(
    app: weft.Runtime, arun: Any, tmp_path: Path, bundles: Path
) -> None:
    async def main() -> None:
        host, plugin = await _host_and_plugin(app, tmp_path, bundles, "rpc")
        listeners = len(app.router.hub._listeners)
        pairing = await app.open_session(host.id, plugin, reconnect=True)
        assert isinstance(pairing, remote.Pairing)
        assert pairing.sessions_opened == 1 and pairing.session is not None
        assert await _echo(app, host, "first") == "first"
        assert pairing_tasks(app) == [f"pairing host ↔ {plugin.window_id}"]

        sessions = [pairing.session]
        for how in ("stop-start", "restart", "crash", "reload"):
            if how == "stop-start":
                await plugin.stop()
                assert pairing.session is None and app.router.sessions == ()  # between sessions
                await plugin.start()
            else:
                await restart(plugin, how, sessions[-1])
            session = await pairing.wait_open(10)
            assert session not in sessions and session.state == "open"
            assert app.router.sessions == (session,)
            sessions.append(session)
            # The host page's current endpoint talks to the new plugin page.
            assert await _echo(app, host, how) == how
        assert pairing.sessions_opened == 5
        assert await host.evaluate("window.host.pairing.sessions") == 5
        reasons = await host.evaluate("window.host.closedReasons")
        went = ("stopped", "renderer process ended", "unloaded")  # (a reload's first word is the page's bye)
        assert all(r.startswith(plugin.window_id) for r in reasons), reasons
        assert [tuple(word in r for word in went) for r in reasons] == [
            (True, False, False), (True, False, False), (False, True, False), (False, False, True)]
        assert [s.ended_by for s in sessions[:-1]] == ["remote"] * 4

        await pairing.close()
        assert pairing.closed and pairing.session is None and app.router.sessions == ()
        assert sessions[-1].state == "closed"
        assert pairing_tasks(app) == [] and len(app.router.hub._listeners) == listeners
        with pytest.raises(weft.SessionError, match="the pairing was closed"):
            await pairing.wait_open(1)
        # The host page was told; its next endpoint waits for a session that
        # nobody opens (stopping is the page's own decision).
        assert await js_value_until(host, "window.host.closedReasons.length === 5 ? "
                                          "window.host.closedReasons[4] : null") == "the pairing was closed"

    arun(main(), timeout=90)


def test_a_pairing_stops_when_the_host_ends_it_or_closes(app: weft.Runtime, arun: Any, tmp_path: Path,
                                                         bundles: Path) -> None:
    async def main() -> None:
        host, plugin = await _host_and_plugin(app, tmp_path, bundles, "rpc")
        pairing = await remote.open_session(host.id, plugin, reconnect=True)
        await host.evaluate("window.host.pairing.stop(); 1")
        assert await asyncio.wait_for(pairing.wait_closed(), 10) == "the host side terminated"
        assert app.router.sessions == () and pairing_tasks(app) == []

        # A plugin restart does not pair a stopped pairing again.
        hellos = hellos_from(app, plugin.window_id)
        await plugin.restart()
        event = await asyncio.wait_for(hellos.next(), 10)
        assert event is not None and is_control(event.payload)
        assert app.router.sessions == () and pairing.sessions_opened == 1

        # A fresh host page; closing its window ends the pairing for good.
        await host.close()
        host = await app.create_window(url="app://rpc-repair-host.html", id="host-2")
        await host.wait_ready()
        pairing = await remote.open_session(host.id, plugin, reconnect=True)
        await host.close()
        assert "host window is gone" in await asyncio.wait_for(pairing.wait_closed(), 10)
        assert app.router.sessions == () and pairing_tasks(app) == []
        with pytest.raises(weft.SessionError, match="host window is gone"):
            await pairing.wait_open(1)

    arun(main())


def test_a_refused_pairing_stops_and_says_why(app: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        host = await app.create_window(url="app://rpc-repair-host.html", id="host")
        folder = write_plugin(tmp_path / "plugins", "evolving", SERVED_ECHO.replace("PROTOCOL", "1"), **GRANT)
        plugin = await plugins.load(folder)
        await plugin.start()
        await plugin.wait_ready()
        await host.wait_ready()
        pairing = await remote.open_session(host.id, plugin, reconnect=True)

        # The plugin comes back speaking another version: refused once, not
        # retried; wait_open says why.
        await plugin.stop()
        (folder / "index.html").write_text(SERVED_ECHO.replace("PROTOCOL", "99"))
        await plugin.start()
        with pytest.raises(weft.ProtocolError, match="protocol 99"):
            await pairing.wait_open(10)
        assert pairing.closed and "protocol 99" in (pairing.reason or "")
        assert "protocol 99" in await js_value_until(plugin, "window.refusal ?? null")
        assert app.router.sessions == () and pairing_tasks(app) == [] and pairing.sessions_opened == 1
        with pytest.raises(weft.ProtocolError, match="protocol 99"):
            await pairing.wait_open(1)

    arun(main())


def test_without_reconnect_a_restarted_plugin_is_not_paired_again(app: weft.Runtime, arun: Any, tmp_path: Path,
                                                                   bundles: Path) -> None:
    async def main() -> None:
        host, plugin = await _host_and_plugin(app, tmp_path, bundles, "rpc")
        session = await remote.open_session(host.id, plugin)
        assert isinstance(session, remote.Session)
        hellos = hellos_from(app, plugin.window_id)
        await plugin.restart()
        event = await asyncio.wait_for(hellos.next(), 10)
        assert event is not None and is_control(event.payload)  # its hello, heard by nobody
        assert session.state == "closed" and app.router.sessions == () and pairing_tasks(app) == []

    arun(main())


def test_a_reloaded_host_shows_the_ui_again_from_a_plugin_with_an_endpoint_per_session(
    app: weft.Runtime, arun: Any, tmp_path: Path, bundles: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The plugin page stays loaded; its eachSession endpoint renders into
    each new host document (the demo's counter plugin works this way)."""
    async def main() -> None:
        clicked = app.channel_events("clicked")
        host, plugin = await _host_and_plugin(app, tmp_path, bundles, "vue")
        await plugin.evaluate("window.loadedOnce = true")
        pairing = await remote.open_session(host.id, plugin, reconnect=True)
        for reload in range(3):
            if reload:
                host.reload()
                await until(lambda: pairing.sessions_opened > opened)
            opened = pairing.sessions_opened
            assert await js_value_until(host, COUNT) == "clicked 0 times"
            await host.evaluate("document.querySelector('#panel button[data-id=increment]').click(); 1")
            assert await js_value_until(host, COUNT, "clicked 1 times")
            event = await asyncio.wait_for(clicked.next(), 10)
            assert event is not None and event.payload == 1
        assert await plugin.evaluate("window.loadedOnce") is True  # the same plugin page throughout
        assert app.router.sessions == (pairing.session,)
        assert not [r.getMessage() for r in caplog.records if r.name == "weft.console"]

    arun(main(), timeout=60)


def test_a_plugin_that_cannot_pair_again_is_named_when_its_host_reloads(
    app: weft.Runtime, arun: Any, tmp_path: Path, bundles: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """rpc-plugin.js makes one fromDesktopIpc endpoint, which ends with the
    first session: after the host reloads, the pairing waits for it for
    ever, and says so rather than stay silent."""
    monkeypatch.setattr(remote, "HELLO_PATIENCE", 0.5)

    async def main() -> None:
        host, plugin = await _host_and_plugin(app, tmp_path, bundles, "rpc")
        pairing = await app.open_session(host.id, plugin, reconnect=True)
        with caplog.at_level("INFO", logger="weft.remote"):
            host.reload()
            record = await until(lambda: next((r for r in caplog.records if r.levelname == "WARNING"), None))
        message = record.getMessage()
        assert f"{plugin.window_id} (on 'vue-remote:rpc') said no hello within 0.5 s" in message, message
        assert "still waiting" in message and "eachSession (docs/plugins.md)" in message and "host" not in message.split("said")[0]
        assert pairing.session is None and not pairing.closed  # still waiting
        said = [r.getMessage() for r in caplog.records if "pairing again" in r.getMessage()]
        assert said and not any("once" in m for m in said), said  # the plugin never went

    arun(main(), timeout=60)


@pytest.mark.slow
def test_a_vue_remote_host_shows_the_plugin_across_100_restarts_without_leaks(
    app: weft.Runtime, arun: Any, tmp_path: Path, bundles: Path
) -> None:
    """What the host retains for the remote, measured each session:
    ``functions`` (host functions the plugin may call) and ``proxies``
    (plugin functions the host holds), mirrored from @remote-ui/rpc's
    encoder by tests/remote/src/ledger.js over live endpoints; ``nodes`` in
    the vue-remote receivers' trees; live ``receivers``; and the page's DOM
    element count. Each teardown must bring all but the DOM to 0 (the DOM
    back to the empty page's), and each session's figures must equal the
    first's. Python side: one router session, the pairing's one task, the
    hub's listeners."""
    text = COUNT

    async def main() -> None:
        clicked = app.channel_events("clicked")
        host, plugin = await _host_and_plugin(app, tmp_path, bundles, "vue")
        pairing = await remote.open_session(host.id, plugin, reconnect=True)
        assert await js_value_until(host, text) == "clicked 0 times"
        rendered = await host.evaluate("window.host.retained()")
        assert rendered["endpoints"] == 1 and rendered["receivers"] == 1
        assert rendered["functions"] >= 2 and rendered["nodes"] >= 3
        def python() -> tuple[Any, ...]:
            hub = app.router.hub
            return len(app.router.sessions), len(hub._listeners), len(hub._subscriptions), pairing_tasks(app)

        flat = python()
        hows = ("restart", "stop-start", "crash", "reload")
        started = time.monotonic()
        for cycle in range(100):
            session = pairing.session
            assert session is not None
            await restart(plugin, hows[cycle % 4], session)
            await pairing.wait_open(10)
            assert await js_value_until(host, text) == "clicked 0 times"
            assert await host.evaluate("window.host.retained()") == rendered, cycle
            assert python() == flat, cycle
            if cycle % 25 == 24:  # the UI is alive, not a picture
                await host.evaluate("document.querySelector('#panel button[data-id=increment]').click(); 1")
                assert await js_value_until(host, text, "clicked 1 times")
                event = await asyncio.wait_for(clicked.next(), 10)
                assert event is not None and event.payload == 1
        elapsed = time.monotonic() - started
        teardowns = await host.evaluate("window.host.teardowns")
        assert len(teardowns) == 100
        empty = teardowns[0]["dom"]
        assert all(t == {"endpoints": 0, "functions": 0, "proxies": 0, "receivers": 0, "nodes": 0, "dom": empty}
                   for t in teardowns), [t for t in teardowns if t["functions"] or t["proxies"] or t["nodes"]][:3]
        assert pairing.sessions_opened == 101 and await host.evaluate("window.host.sessions") == 101
        assert await host.evaluate("window.host.errors") == []
        print(f"\n100 restarts in {elapsed:.1f} s; per session {rendered}; after each teardown {teardowns[-1]}")

    arun(main(), timeout=180)
