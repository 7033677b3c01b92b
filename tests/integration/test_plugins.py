"""Plugin lifecycle with real pages: start, stop, restart, headless, crash,
and resources released."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest

import weft
from tests.conftest import live_qt_objects, next_event, write_plugin
from weft import plugins, remote
from weft.plugins import PluginState

ECHO = """<script>
    runtime.on("ping", (p) => runtime.send("pong", p));
    runtime.handle("never", () => { runtime.send("asked", "never"); return new Promise(() => {}); });
    runtime.handle("double", (p) => p * 2);
</script>"""
GRANTS = {"send": ["pong", "ask", "asked"], "receive": ["ping", "never", "double"]}


def test_headless_plugin_talks_to_the_host(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "echo", ECHO, **GRANTS))
        assert (plugin.state, plugin.window_id) == (PluginState.LOADED, "plugin:echo")
        await plugin.start()
        assert plugin.state is PluginState.RUNNING
        assert (str(plugin.state), f"{plugin.state}", plugin.state == "running") == ("running", "running", True)
        assert runtime.windows == ()  # headless: no window
        pongs = runtime.channel_events("pong")
        await runtime.send_to_window(plugin.window_id, "ping", {"n": 1})
        event = await next_event(pongs)
        assert (event.window_id, event.payload) == ("plugin:echo", {"n": 1})
        assert await runtime.invoke(plugin.window_id, "double", 21) == 42
        await plugin.start()  # already running: nothing happens
        assert runtime.plugins == (plugin,)

    arun(main())


def test_visible_plugin_has_a_window_and_closing_it_stops_the_plugin(
    runtime: weft.Runtime, arun: Any, tmp_path: Path
) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "shown", ECHO, visible=["true"], **GRANTS))
        await plugin.start()
        await plugin.wait_ready()
        view = plugin._sandbox.view
        assert view is not None and view.isVisible()
        closes = runtime.channel_events("close")
        view.close()  # as the user would
        event = await next_event(closes)
        assert event == weft.IpcEvent(window_id="plugin:shown", channel="close", type="close",
                                      payload={"reason": "closed"})
        await plugin.stop()
        assert plugin.state is PluginState.STOPPED

    arun(main())


def test_stop_fails_pending_calls_tells_the_host_and_restart_works(
    runtime: weft.Runtime, arun: Any, tmp_path: Path
) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "echo", ECHO, **GRANTS))
        await plugin.start()
        await plugin.wait_ready()
        closes = runtime.channel_events("close")
        asked = runtime.channel_events("asked")
        pending = asyncio.ensure_future(runtime.invoke(plugin.window_id, "never", timeout=None))
        assert (await next_event(asked)).window_id == plugin.window_id  # the call is out: the page is answering it
        await plugin.stop()
        with pytest.raises(weft.DisconnectedError, match="stopped"):
            await pending
        assert (await next_event(closes)).payload == {"reason": "stopped"}
        with pytest.raises(weft.WindowNotFoundError):
            await runtime.send_to_window(plugin.window_id, "ping")
        await plugin.stop()  # twice is harmless
        await plugin.restart()
        assert await runtime.invoke(plugin.window_id, "double", 2) == 4

    arun(main())


def test_a_renderer_crash_fails_calls_at_once_and_the_plugin_can_restart(
    runtime: weft.Runtime, arun: Any, tmp_path: Path
) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "fragile", ECHO, **GRANTS))
        other = await plugins.load(write_plugin(tmp_path, "bystander", ECHO, **GRANTS))
        await plugin.start()
        await other.start()
        await plugin.wait_ready()
        await other.wait_ready()
        closes = runtime.channel_events("close")
        asked = runtime.channel_events("asked")
        pending = asyncio.ensure_future(runtime.invoke(plugin.window_id, "never", timeout=None))
        assert (await next_event(asked)).window_id == plugin.window_id  # the call is out: the page is answering it
        os.kill(plugin._sandbox.page.renderProcessPid(), signal.SIGKILL)
        with pytest.raises(weft.DisconnectedError):
            await asyncio.wait_for(pending, 10)
        event = await next_event(closes)
        assert event.window_id == "plugin:fragile"
        assert event.payload["reason"] == "crashed"
        assert plugin.state is PluginState.CRASHED
        assert await runtime.invoke(other.window_id, "double", 5) == 10  # the other plugin never noticed
        await plugin.start()
        await plugin.wait_ready()
        assert await runtime.invoke(plugin.window_id, "double", 3) == 6

    arun(main())


def test_start_stop_cycles_release_what_they_held(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> list[int]:
        plugin = await plugins.load(write_plugin(tmp_path, "cycle", ECHO, visible=["true"], **GRANTS))
        counts = []
        for cycle in range(12):
            await plugin.start()
            await plugin.wait_ready()
            assert await runtime.invoke(plugin.window_id, "double", cycle) == cycle * 2
            await plugin.stop()
            counts.append(live_qt_objects())
        assert not runtime.router.has_window(plugin.window_id)
        assert runtime.router.tasks.names() == ["heartbeat"]  # nothing left behind by the plugin
        return counts

    counts = arun(main(), timeout=90)
    # After a warm-up, the number of live Qt objects stays flat.
    assert max(counts[4:]) - min(counts[4:]) <= 2, counts


def test_runtime_shutdown_stops_running_plugins(arun: Any, tmp_path: Path) -> None:
    rt = weft.Runtime()

    async def main() -> None:
        with rt.activated():
            plugin = await plugins.load(write_plugin(tmp_path, "echo", ECHO, **GRANTS))
            await plugin.start()
            await plugin.wait_ready()
            await rt.shutdown()
            assert plugin.state is PluginState.STOPPED
            with pytest.raises(weft.RuntimeClosedError):
                await plugin.start()

    arun(main())


def test_a_relative_plugin_path_is_in_the_app_folder(arun: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """As a window's url is: a frozen app started from a desktop entry runs
    in the user's home, not in its folder."""
    app_dir, elsewhere = tmp_path / "app", tmp_path / "home"
    write_plugin(app_dir / "plugins", "near", ECHO)
    write_plugin(elsewhere / "plugins", "far", ECHO)
    monkeypatch.chdir(elsewhere)

    async def main() -> None:
        with weft.Runtime(app_dir=app_dir).activated():
            plugin = await plugins.load("plugins/near")
            assert plugin.manifest.folder == (app_dir / "plugins" / "near").resolve()
            with pytest.raises(weft.ManifestError, match=str(app_dir / "plugins" / "far")):
                await plugins.load("plugins/far")  # not the working directory's
            assert (await plugins.load(elsewhere / "plugins" / "far")).id == "far"
        with weft.Runtime().activated():  # no app folder: the working directory's, as Python's paths are
            assert (await plugins.load("plugins/far")).id == "far"

    arun(main())


def test_a_session_with_a_plugin_that_is_not_running_says_so(runtime: weft.Runtime, arun: Any,
                                                            tmp_path: Path) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "idle", ECHO, send=["vue-remote:rpc"],
                                                 receive=["vue-remote:rpc"]))
        with pytest.raises(weft.PluginStateError, match=r"plugin 'idle' is loaded, not running: await plugin\.start"):
            await remote.open_session("main", plugin)
        await plugin.start()
        await plugin.stop()
        with pytest.raises(weft.PluginStateError, match="plugin 'idle' is stopped, not running"):
            await remote.open_session("main", plugin, reconnect=True)

    arun(main())


def test_loading_errors(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        with pytest.raises(weft.ManifestError, match="plugin.toml"):
            await plugins.load(tmp_path / "nothing-here")
        first = await plugins.load(write_plugin(tmp_path / "a", "same", ECHO))
        await first.start()
        with pytest.raises(ValueError, match="already running"):
            await plugins.load(write_plugin(tmp_path / "b", "same", ECHO))
        await first.stop()
        second = await plugins.load(write_plugin(tmp_path / "b", "same", ECHO))
        assert runtime.plugins == (second,)
        # Loaded twice, neither started: the later load wins, and the earlier says so.
        third = await plugins.load(write_plugin(tmp_path / "c", "same", ECHO))
        for replaced in (first, second):
            with pytest.raises(weft.PluginStateError, match=r"replaced by a later plugins\.load\(\) of the same id") as caught:
                await replaced.start()
            assert str(caught.value).startswith(f"plugin 'same' from {replaced.manifest.folder} was replaced")
            assert f"(from {third.manifest.folder})" in str(caught.value) and replaced.state is not PluginState.RUNNING
        await third.start()
        assert (runtime.plugins, third.state) == ((third,), PluginState.RUNNING)

    arun(main())


def test_the_plugins_page_s_allowance_check_runs_as_written(runtime: weft.Runtime, arun: Any, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """docs/plugins.md: ``allow=`` refuses a manifest that asks for more, and loads nothing."""
    import ast
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text("utf-8")
    sample = next(b for b in re.findall(r"```python\n(.*?)```", page, re.S) if "allow=GIVES" in b)
    code = compile(sample, "docs/plugins.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async def main() -> None:
        modest = {"plugins": plugins, "weft": weft,
                  "folder": write_plugin(tmp_path / "a", "modest", "<p>ok</p>", send=["notes:save"])}
        await eval(code, modest)  # noqa: S307 (the docs' own sample)
        assert modest["plugin"].state is PluginState.RUNNING
        # Already loaded under the same id from elsewhere: the refused load leaves it in place.
        earlier = await plugins.load(write_plugin(tmp_path / "b", "greedy", "<p>first</p>"))
        greedy = {"plugins": plugins, "weft": weft,
                  "folder": write_plugin(tmp_path / "c", "greedy", "<p>more</p>", receive=["notes:load"],
                                         send=["notes:save", "host:delete-everything"],
                                         origins=["https://collect.example"], permissions=["geolocation"])}
        await eval(code, greedy)  # noqa: S307
        assert "plugin" not in greedy
        assert capsys.readouterr().out == (
            f"plugin 'greedy' ({tmp_path / 'c' / 'greedy' / 'plugin.toml'}) asks for more than this app allows: "
            "send 'host:delete-everything'; permissions 'geolocation'; origins 'https://collect.example'\n")
        assert runtime.plugins[-1] is earlier
        await earlier.start()
        assert earlier.state is PluginState.RUNNING
        with pytest.raises(weft.ArgumentError, match="allow= takes a weft.plugins.Capabilities, not"):
            await plugins.load(greedy["folder"], allow={"send": ["notes:save"]})  # type: ignore[arg-type]

    arun(main())
