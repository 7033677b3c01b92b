"""Remote sessions with the real @remote-ui/rpc and @omnicajs/vue-remote,
bundled by esbuild from tests/remote, between real offscreen pages."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

import weft
from tests.conftest import REMOTE_CLIENTS, in_page, install_remote_clients, js_value_until, write_plugin
from weft import plugins, remote
from weft.ipc.sessions import is_control

RPC = "vue-remote:rpc"
GRANT = {"send": [RPC], "receive": [RPC]}


@pytest.fixture(scope="session")
def bundles() -> Path:
    """Install the npm clients (once) and bundle them with esbuild."""
    _, node = install_remote_clients()
    subprocess.run([node, "build.mjs"], cwd=REMOTE_CLIENTS, check=True, timeout=120)
    return REMOTE_CLIENTS / "dist"


@pytest.fixture
def app(tmp_path: Path, bundles: Path, arun: Any) -> Any:
    """A runtime whose app folder holds the host pages and bundles."""
    folder = tmp_path / "app"
    folder.mkdir()
    for bundle in bundles.glob("*.js"):
        shutil.copy(bundle, folder)
        if bundle.stem.endswith("-host"):  # rpc-host.html, vue-repair-host.html, ...
            (folder / f"{bundle.stem}.html").write_text(
                f'<div id="host"></div><script type="module" src="{bundle.name}"></script>')
    rt = weft.Runtime(app_dir=folder)
    with rt.activated():
        yield rt
    arun(rt.shutdown())


def bundled_plugin(tmp_path: Path, bundles: Path, plugin_id: str, bundle: str, **grants: list[str]) -> Path:
    folder = write_plugin(tmp_path / "plugins", plugin_id, f'<script type="module" src="{bundle}"></script>',
                          **(grants or GRANT))
    shutil.copy(bundles / bundle, folder)
    return folder


async def _host_and_plugin(rt: weft.Runtime, tmp_path: Path, bundles: Path, kind: str) -> tuple[Any, Any, Any]:
    host = await rt.create_window(title="host", width=500, height=400, url=f"app://{kind}-host.html", id="host")
    plugin = await plugins.load(bundled_plugin(tmp_path, bundles, f"{kind}plugin", f"{kind}-plugin.js"))
    await plugin.start()
    await host.wait_ready()
    await plugin.wait_ready()
    session = await remote.open_session(host.id, plugin)
    return host, plugin, session


def test_rpc_calls_callbacks_retain_release_and_errors(app: weft.Runtime, arun: Any, tmp_path: Path,
                                                        bundles: Path) -> None:
    async def main() -> None:
        heard: list[weft.IpcEvent] = []
        app.on_event(heard.append)
        host, plugin, session = await _host_and_plugin(app, tmp_path, bundles, "rpc")
        assert session.state == "open"
        out = await in_page(app, host, """
            const call = window.host.endpoint.call;
            const results = {};
            results.run = await call.run((x) => "host saw " + x, 21);
            results.echo = await call.echo({a: [1, "x", null], b: {c: true}});
            let calls = 0;
            results.keep = await call.keep((v) => { calls += 1; return "kept " + v; });
            results.callKept = await call.callKept("later");
            results.drop = await call.drop();
            try { await call.callKept("after drop"); results.afterDrop = "answered"; }
            catch (e) { results.afterDrop = "rejected"; }
            try { await call.fail(); results.fail = "answered"; }
            catch (e) { results.fail = [e.name, e.message]; }
            results.calls = calls;
            return results;""")
        assert out["value"] == {
            "run": {"got": "host saw 42", "from": "plugin:rpcplugin"},
            "echo": {"a": [1, "x", None], "b": {"c": True}},
            "keep": True, "callKept": "kept later", "drop": True, "afterDrop": "rejected",
            "fail": ["TypeError", "the plugin says no"], "calls": 1,
        }
        assert session.messages > 10
        # The session's traffic went to its pair only, never to Python's
        # subscribers (a page's hello before it was paired is an ordinary event).
        assert [e for e in heard if e.channel == RPC and not is_control(e.payload)] == []

    arun(main())


def test_terminate_on_one_side_reaches_the_other(app: weft.Runtime, arun: Any, tmp_path: Path, bundles: Path) -> None:
    async def main() -> None:
        host, plugin, session = await _host_and_plugin(app, tmp_path, bundles, "rpc")
        await host.evaluate("window.host.endpoint.terminate(); 1")
        assert await asyncio.wait_for(session.wait_closed(), 10) == "the host side terminated"
        reason = await js_value_until(plugin, "window.closedReason ?? (window.plugin.messenger.closed.then("
                                              "(r) => window.closedReason = r), null)")
        assert reason == "the host side terminated"
        out = await plugin.evaluate("window.plugin.messenger.isOpen")
        assert out is False
        assert app.router.sessions == ()

    arun(main())


def test_vue_remote_tree_renders_in_the_host_and_events_flow_back(app: weft.Runtime, arun: Any, tmp_path: Path,
                                                                   bundles: Path) -> None:
    async def main() -> None:
        clicked = app.channel_events("clicked")
        host, plugin, session = await _host_and_plugin(app, tmp_path, bundles, "vue")
        await host.evaluate("window.host.start(); 1")
        text = "document.querySelector('#panel [data-id=count]')?.textContent ?? null"
        assert await js_value_until(host, text) == "clicked 0 times"
        assert await host.evaluate("document.querySelector('#panel button[data-id=increment]').className") == "v-button"
        for expected in (1, 2):
            await host.evaluate("document.querySelector('#panel button[data-id=increment]').click(); 1")
            assert await js_value_until(host, text, f"clicked {expected} times")
            event = await asyncio.wait_for(clicked.next(), 10)
            assert (event.window_id, event.payload) == ("host", expected)

        # Teardown: stopping the plugin unmounts the tree in the host and
        # terminates the host's encoder, dropping every retained function.
        await plugin.stop()
        assert await js_value_until(host, "document.getElementById('gone')?.textContent ?? null") == \
            "the plugin is gone"
        assert await host.evaluate("document.getElementById('panel')") is None
        state = await host.evaluate("window.host.state")
        assert state["encoderTerminated"] is True
        assert "plugin stopped" in state["closedReason"]
        assert session.state == "closed" and app.router.sessions == ()

    arun(main())


def test_the_guard_keeps_a_hostile_plugin_s_tree_out_of_the_host(app: weft.Runtime, arun: Any, tmp_path: Path,
                                                                  bundles: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A plugin that calls the host's receive channel itself with inline handlers, innerHTML,
    an iframe, a foreign image, a clobbering id and insertAdjacentHTML: the host's guardReceiver
    refuses each (the plugin hears why, weft logs it) and runs none of it; an honest tree renders."""

    async def main() -> None:
        host = await app.create_window(title="host", width=500, height=400, url="app://vue-host.html", id="host")
        plugin = await plugins.load(bundled_plugin(tmp_path, bundles, "hostile", "vue-hostile-plugin.js"))
        await plugin.start()
        await host.wait_ready()
        await plugin.wait_ready()
        await remote.open_session(host.id, plugin)
        with caplog.at_level("WARNING", logger="weft.console"):
            await host.evaluate("window.host.start(); 1")
            outcomes = await js_value_until(plugin, "window.plugin.outcomes.invoke ? window.plugin.outcomes : null")
            assert await js_value_until(host, "document.querySelector('#panel [data-id=honest]')?.textContent ?? null") \
                == "<b>plain text</b>"
        assert outcomes.pop("honest") == "accepted"
        assert all("the host refused" in outcome for outcome in outcomes.values()), json.dumps(outcomes, indent=1)
        assert "invoking \"insertAdjacentHTML\" on <div> is not allowed" in outcomes["invoke"]
        assert await host.evaluate("[window.__pwned ?? null, document.querySelectorAll('#panel img, iframe').length,"
                                   " 'hostConfig' in window]") == [None, 0, False]
        warned = [r.getMessage() for r in caplog.records if "weft-runtime:" in r.getMessage()]
        assert len(warned) == len(outcomes), warned

    arun(main())


SERVED_ECHO = """<script type="module">
import { fromDesktopIpc } from "/.weft/runtime/index.js";
window.seen = [];
window.m = fromDesktopIpc(window.runtime, "vue-remote:rpc", {protocol: PROTOCOL});
m.addEventListener("message", (e) => { seen.push(e.data); m.postMessage({echo: e.data, from: runtime.windowId}); });
m.closed.then((reason) => window.closedReason = reason);
m.ready.catch((err) => window.refusal = err.message);
</script>"""

HOST_PAGE = """<script type="module">
import { fromDesktopIpc } from "/.weft/runtime/index.js";
window.seen = {};
window.ms = {};
window.closedReasons = {};
for (const channel of CHANNELS) {
  const m = fromDesktopIpc(window.runtime, channel, {protocol: PROTOCOL});
  window.seen[channel] = [];
  m.addEventListener("message", (e) => window.seen[channel].push(e.data));
  m.closed.then((reason) => window.closedReasons[channel] = reason);
  m.ready.catch((err) => window.refusal = err.message);
  window.ms[channel] = m;
}
</script>"""


def _host_page(channels: list[str], protocol: int = 1) -> str:
    return HOST_PAGE.replace("CHANNELS", repr(channels)).replace("PROTOCOL", str(protocol))


async def _echo_plugin(tmp_path: Path, plugin_id: str, protocol: int = 1, **grants: list[str]) -> Any:
    page = SERVED_ECHO.replace("PROTOCOL", str(protocol))
    plugin = await plugins.load(write_plugin(tmp_path / "plugins", plugin_id, page, **(grants or GRANT)))
    await plugin.start()
    await plugin.wait_ready()
    return plugin


def test_sessions_never_see_each_others_traffic(app: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        heard: list[weft.IpcEvent] = []
        app.on_event(heard.append)
        a = await app.create_window(html=_host_page(["rpc:1", "rpc:2"]), id="host-a")
        b = await app.create_window(html=_host_page([RPC]), id="host-b")
        p1, p2, p3 = [await _echo_plugin(tmp_path, name) for name in ("p-one", "p-two", "p-three")]
        await a.wait_ready()
        await b.wait_ready()
        s1 = await remote.open_session("host-a", p1, host_channel="rpc:1")
        s2 = await remote.open_session("host-a", p2, host_channel="rpc:2")
        s3 = await remote.open_session("host-b", p3)
        assert len({s1.id, s2.id, s3.id}) == 3
        await a.evaluate("ms['rpc:1'].postMessage('to one'); ms['rpc:2'].postMessage('to two'); 1")
        await b.evaluate("ms['vue-remote:rpc'].postMessage('to three'); 1")
        for plugin, message in ((p1, "to one"), (p2, "to two"), (p3, "to three")):
            assert await js_value_until(plugin, "seen.length ? seen : null") == [message]
        assert await js_value_until(a, "seen['rpc:2'].length ? seen : null") == {
            "rpc:1": [{"echo": "to one", "from": "plugin:p-one"}],
            "rpc:2": [{"echo": "to two", "from": "plugin:p-two"}],
        }
        assert await js_value_until(b, "seen['vue-remote:rpc'].length ? seen : null") == {
            RPC: [{"echo": "to three", "from": "plugin:p-three"}]}
        assert [e for e in heard if e.channel in (RPC, "rpc:1", "rpc:2") and not is_control(e.payload)] == []
        with pytest.raises(ValueError, match="already in"):
            await remote.open_session("host-a", p3, host_channel="rpc:1")

    arun(main())


DIGESTS = """(messages) => messages.map((m) => {
  const b = m instanceof Uint8Array ? m : m.bytes;
  if (!(b instanceof Uint8Array)) return String(b);
  return [m instanceof Uint8Array ? null : m.label, b.length, b.reduce((s, x) => (Math.imul(s, 31) + x) >>> 0, 0)];
})"""


def _digest(label: str | None, data: bytes) -> list[Any]:
    total = 0
    for byte in data:
        total = (total * 31 + byte) & 0xFFFFFFFF
    return [label, len(data), total]


def test_bytes_travel_both_ways_in_a_session(app: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        host = await app.create_window(html=_host_page([RPC]), id="host")
        plugin = await _echo_plugin(tmp_path, "bytes")
        await host.wait_ready()
        session = await remote.open_session(host.id, plugin)
        await host.evaluate(f"""
            const small = Uint8Array.from({{length: 256}}, (_, i) => i);
            const large = Uint8Array.from({{length: 1 << 20}}, (_, i) => (i * 7 + 3) & 255);
            ms[{RPC!r}].postMessage(small);
            ms[{RPC!r}].postMessage({{label: "large", bytes: large}});
            1""")
        small = bytes(range(256))
        large = bytes((i * 7 + 3) & 255 for i in range(1 << 20))
        expected = [_digest(None, small), _digest("large", large)]
        # Host → plugin: Uint8Arrays with every byte in place ...
        assert await js_value_until(plugin, f"seen.length === 2 ? ({DIGESTS})(seen) : null") == expected
        assert await plugin.evaluate("Array.from(seen[0])") == list(small)
        # ... and back, inside the plugin's echo.
        echoed = f"seen[{RPC!r}].length === 2 ? ({DIGESTS})(seen[{RPC!r}].map((m) => m.echo)) : null"
        assert await js_value_until(host, echoed) == expected
        assert await host.evaluate(f"Array.from(seen[{RPC!r}][0].echo)") == list(small)
        assert session.state == "open" and session.messages == 4

    arun(main())


def test_binary_values_and_long_strings_cross_an_rpc_session_in_order(
    app: weft.Runtime, arun: Any, tmp_path: Path, bundles: Path
) -> None:
    """rpc calls whose arguments and results hold a 1 MiB Uint8Array and a
    200 KiB string (both past renderer_assets/protocol.json's bulk
    thresholds, so on the bulk lane each way), between small calls: every
    byte and character arrives, and calls and results keep their order."""
    thresholds = json.loads((REMOTE_CLIENTS.parents[1] / "renderer_assets/protocol.json").read_text())["bulk"]
    assert 1 << 20 > thresholds["threshold"] and 200 * 1024 > thresholds["longText"]

    async def main() -> None:
        host, plugin, session = await _host_and_plugin(app, tmp_path, bundles, "rpc")
        out = await in_page(app, host, """
            const call = window.host.endpoint.call;
            const bytes = Uint8Array.from({length: 1 << 20}, (_, i) => (i * 7 + 3) & 255);
            const text = Array.from({length: 200 * 1024}, (_, i) => String.fromCharCode(97 + (i % 26))).join("")
              + "é✓😀";
            const order = [];
            const calls = [];
            for (let round = 0; round < 3; round += 1) {
              calls.push(call.small(`s${round}a`).then((v) => { order.push(v); }));
              calls.push(call.mirror(`big${round}`, bytes, text).then((v) => { order.push(v.label); return v; }));
              calls.push(call.small(`s${round}b`).then((v) => { order.push(v); }));
            }
            const results = (await Promise.all(calls)).filter((v) => v !== undefined);
            const reversed = [...text].reverse().join("");
            return {
              order,
              checks: results.map((r) => [r.label, r.bytes instanceof Uint8Array, r.bytes.length,
                r.bytes.every((b, i) => b === 255 - bytes[i]), r.text.length, r.text === reversed]),
            };""", timeout=60)
        assert out["ok"], out
        labels = [label for n in range(3) for label in (f"s{n}a", f"big{n}", f"s{n}b")]
        assert out["value"]["order"] == labels
        assert out["value"]["checks"] == [[f"big{n}", True, 1 << 20, True, 200 * 1024 + 4, True] for n in range(3)]
        assert await plugin.evaluate("window.plugin.arrivals") == labels
        assert session.state == "open"

    arun(main(), timeout=90)


def test_an_incompatible_protocol_is_refused_on_both_sides(app: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        host = await app.create_window(html=_host_page([RPC]), id="host")
        plugin = await _echo_plugin(tmp_path, "future", protocol=99)
        await host.wait_ready()
        with pytest.raises(weft.ProtocolError, match="protocol 99"):
            await remote.open_session(host.id, plugin)
        for page in (host, plugin):
            assert "protocol 99" in await js_value_until(page, "window.refusal ?? null")
        assert "protocol 99" in await js_value_until(plugin, "window.closedReason ?? null")
        assert app.router.sessions == ()

    arun(main())


def test_a_plugin_needs_the_channel_in_send_and_receive(
    app: weft.Runtime, arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        host = await app.create_window(html=_host_page([RPC]), id="host")
        send_only = await _echo_plugin(tmp_path, "send-only", send=[RPC])
        receive_only = await _echo_plugin(tmp_path, "receive-only", receive=[RPC])
        for plugin in (send_only, receive_only):
            with pytest.raises(weft.PermissionDeniedError):
                await remote.open_session(host.id, plugin)
        assert app.router.sessions == ()

    with caplog.at_level(logging.WARNING, logger="weft.audit"):
        arun(main())
    # (The receive-only page's own hello may add another page → host denial.)
    denials = {(r.plugin, r.direction) for r in caplog.records if r.name == "weft.audit"}  # type: ignore[attr-defined]
    assert denials == {("send-only", "host → page"), ("receive-only", "page → host")}


def test_a_crash_or_a_closed_host_tells_the_other_side(app: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        host = await app.create_window(html=_host_page([RPC]), id="host")
        plugin = await _echo_plugin(tmp_path, "fragile")
        await host.wait_ready()
        session = await remote.open_session(host.id, plugin)
        os.kill(plugin._sandbox.page.renderProcessPid(), signal.SIGKILL)
        reason = await asyncio.wait_for(session.wait_closed(), 10)
        assert "plugin:fragile" in reason
        assert "plugin:fragile" in await js_value_until(host, f"closedReasons[{RPC!r}] ?? null")

        await plugin.start()
        await plugin.wait_ready()
        other_host = await app.create_window(html=_host_page([RPC]), id="other-host")
        await other_host.wait_ready()
        session = await remote.open_session(other_host.id, plugin)
        await other_host.close()
        assert "window closed" in await asyncio.wait_for(session.wait_closed(), 10)
        assert "other-host" in await js_value_until(plugin, "window.closedReason ?? null")

    arun(main())


def test_the_demo_bundles_are_built_from_their_sources(bundles: Path, tmp_path: Path) -> None:
    """The demo ships prebuilt bundles (panel.js, counter.js); they must be
    what tests/remote/build.mjs makes from the committed sources."""
    subprocess.run([shutil.which("node") or "node", "build.mjs", "--demo", str(tmp_path)],
                   cwd=REMOTE_CLIENTS, check=True, timeout=120)
    repo = REMOTE_CLIENTS.parents[1]
    for built, committed in (("panel.js", repo / "host/weft/demo/panel.js"),
                             ("counter.js", repo / "plugins/counter/counter.js")):
        assert (tmp_path / built).read_bytes() == committed.read_bytes(), (
            f"{committed} is stale: run `npm run build-demo` in tests/remote and copy build/demo/{built}")
