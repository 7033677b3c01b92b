"""Leak soaks: windows, plugins, listeners and reloads come and go; host
memory, live Qt objects and listener counts return to a bounded baseline.

"Bounded" is measured between the middle and the end of each soak (the
first rounds warm caches up), so steady growth fails the test. The figures
are printed; run with -s to see them.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest

import weft
from tests.conftest import host_rss_mib, in_page, live_qt_objects, next_event, open_page, write_plugin
from weft import plugins

ECHO = '<script>runtime.handle("echo", (p) => p);</script>'


class Soak:
    def __init__(self, name: str) -> None:
        self.name = name
        self.samples: list[tuple[int, float, int]] = []

    def sample(self, round_: int) -> None:
        self.samples.append((round_, host_rss_mib(), live_qt_objects()))

    def report(self, *, rss_slack_mib: float, wrapper_slack: int) -> None:
        (_, rss0, w0), (_, rss_mid, w_mid), (last, rss_end, w_end) = (
            self.samples[0], self.samples[len(self.samples) // 2], self.samples[-1])
        print(f"\n{self.name}: {last} rounds; host RSS {rss0:.0f} → {rss_mid:.0f} → {rss_end:.0f} MiB; "
              f"live Qt objects {w0} → {w_mid} → {w_end}")
        assert rss_end - rss_mid < rss_slack_mib, self.samples
        assert w_end - w_mid <= wrapper_slack, self.samples


def test_300_windows_open_and_close(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        soak = Soak("300 windows")
        soak.sample(0)
        for round_ in range(1, 31):
            windows = [await runtime.create_window(title="soak", width=200, height=150, html=ECHO)
                       for _ in range(10)]
            for win in windows:
                await win.wait_ready()
            assert await runtime.invoke(windows[-1].id, "echo", round_) == round_
            for win in windows:
                await win.close()
            await runtime.wait_until_closed()
            if round_ % 5 == 0:
                soak.sample(round_ * 10)
        assert runtime.windows == () and not runtime.router._peers
        soak.report(rss_slack_mib=60, wrapper_slack=5)

    arun(main(), timeout=600)


def test_a_plugin_started_and_stopped_100_times(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        plugin = await plugins.load(write_plugin(tmp_path, "soak", ECHO, send=[], receive=["echo"]))
        soak = Soak("plugin start/stop")
        soak.sample(0)
        for round_ in range(1, 101):
            await plugin.start()
            await plugin.wait_ready()
            assert await runtime.invoke(plugin.window_id, "echo", round_) == round_
            await plugin.stop()
            if round_ % 10 == 0:
                soak.sample(round_)
        assert runtime.router.tasks.names() == ["heartbeat"]
        soak.report(rss_slack_mib=40, wrapper_slack=5)

    arun(main(), timeout=600)


def test_on_off_10000_times_leaves_no_listener(
    runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>x</p>")
        counts = runtime.channel_events("counts")
        out = await in_page(runtime, win, """
            const calls = {x: 0, y: 0, z: 0, error: 0};
            const onX = () => { calls.x += 1; };
            const onError = () => { calls.error += 1; };
            for (let i = 0; i < 10000; i++) { runtime.on("x", onX); runtime.off("x", onX); }
            for (let i = 0; i < 10000; i++) { const off = runtime.on("y", () => { calls.y += 1; }); off(); }
            for (let i = 0; i < 10000; i++) { runtime.on("runtime:error", onError); runtime.off("runtime:error", onError); }
            runtime.once("z", () => { calls.z += 1; });
            runtime.on("done", () => runtime.send("counts", calls));
            return calls;""")
        assert out["value"] == {"x": 0, "y": 0, "z": 0, "error": 0}
        # Frames reach the page in order: when "done" is heard, x, y and both
        # z's have been delivered. Were `off` a no-op, x would count 1 (the
        # same function is listed once) and y 10,000; were a `once` listener kept, z 2.
        for channel in ("x", "y", "z", "z", "done"):
            await runtime.send_to_window(win.id, channel)
        assert (await next_event(counts)).payload == {"x": 0, "y": 0, "z": 1, "error": 0}
        # The page's registry has no entry left for a channel whose listeners
        # all went (not even an empty list): observable on runtime:error,
        # whose notices go to the console only when no listener is registered.
        win._view.page()._bridge.post("not json")  # a batch that is no batch, as the bridge receives it
        async with asyncio.timeout(10):
            while not (logged := [r.getMessage() for r in caplog.records
                                  if r.name == "weft.console" and "weft: ProtocolError" in r.getMessage()]):
                await asyncio.sleep(0.02)
        assert len(logged) == 1, logged
        await runtime.send_to_window(win.id, "done")
        assert (await next_event(counts)).payload == {"x": 0, "y": 0, "z": 1, "error": 0}
        counts.close()
        before = len(runtime.router.hub._listeners)
        for _ in range(10_000):
            runtime.on_channel("x", lambda payload, window_id: None)()
            runtime.on_event(lambda event: None)()
        assert len(runtime.router.hub._listeners) == before
        subs = [runtime.channel_events("x") for _ in range(10_000)]
        del subs
        gc.collect()
        assert len(runtime.router.hub._subscriptions) == 0
        print("\non/off: 30,000 page listeners and 20,000 Python listeners added and removed; none left")

    arun(main(), timeout=120)


def test_a_page_reloaded_100_times(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        win = await open_page(runtime, ECHO)
        soak = Soak("100 reloads")
        soak.sample(0)
        for round_ in range(1, 101):
            win.reload()
            await win.wait_ready()
            assert await runtime.invoke(win.id, "echo", round_) == round_
            if round_ % 10 == 0:
                soak.sample(round_)
        soak.report(rss_slack_mib=40, wrapper_slack=3)

    arun(main(), timeout=600)
