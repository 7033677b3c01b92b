"""Memory per extra window (weft and raw) and per plugin (weft): the
proportional set size (PSS) of this process and every process under it
(Chromium's renderers, GPU and utility processes), before and after opening
a few more, divided by how many. PSS splits shared pages between the
processes sharing them, so the sum over the tree is not inflated by shared
libraries. Linux only (``/proc/<pid>/smaps_rollup``)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Awaitable, Callable

import weft
from weft import plugins

from measure import OPEN_TIMEOUT, BenchmarkError, within
from report import Figure

EXTRA = 4
"""Windows or plugins opened per measurement."""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_pss_mb(root: int | None = None) -> float:
    """PSS of ``root`` (this process) and all its descendants, in MB."""
    total_kib = 0
    stack = [root or os.getpid()]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
                    break
        except OSError:
            continue  # it ended meanwhile
        stack += _children(pid)
    return total_kib * 1024 / 1e6


async def settled_pss_mb(timeout: float = 15.0) -> float:
    """Tree PSS once it holds still (within 2 MB over 0.5 s): processes of
    windows closed just before may still be exiting."""
    previous = tree_pss_mb()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await asyncio.sleep(0.5)  # a measuring script: sampling needs time to pass
        current = tree_pss_mb()
        if abs(current - previous) < 2:
            return current
        previous = current
    raise BenchmarkError(f"memory of the process tree did not settle within {timeout} s")


async def _per_extra(open_some: Callable[[], Awaitable[None]]) -> float:
    before = await settled_pss_mb()
    await open_some()
    return (await settled_pss_mb() - before) / EXTRA


PLUGIN_HTML = "<!doctype html><p>idle plugin</p>"
MANIFEST = """id = "{id}"
name = "bench {id}"
version = "1.0.0"
entry = "index.html"
api = 1
"""


async def per_plugin(runtime: weft.Runtime) -> float:
    """MB per running headless plugin (its own profile and renderer)."""
    with tempfile.TemporaryDirectory(prefix="weft-bench-plugins-") as folder:
        started = []

        async def start_some() -> None:
            for number in range(EXTRA):
                path = Path(folder) / f"bench{number}"
                path.mkdir()
                (path / "plugin.toml").write_text(MANIFEST.format(id=f"bench{number}"))
                (path / "index.html").write_text(PLUGIN_HTML)
                with runtime.activated():
                    plugin = await plugins.load(path)
                    await plugin.start()
                    await within(OPEN_TIMEOUT, plugin.wait_ready(), "a benchmark plugin to start")
                started.append(plugin)

        try:
            return await _per_extra(start_some)
        finally:
            for plugin in started:
                await plugin.stop()


async def measure(systems: list, runtime: weft.Runtime | None) -> list[Figure]:
    """Rows: MB per extra window for each system; MB per plugin for weft."""
    plugin_figures = []
    if runtime is not None:
        try:
            weft_plugin = await per_plugin(runtime)
        except (BenchmarkError, weft.Error) as exc:
            raise BenchmarkError(f"plugins for the memory figure: {exc}") from None
        plugin_figures.append(Figure(label=f"memory per running plugin (PSS, as above; {EXTRA} started)",
                                     values={"weft": weft_plugin}, unit="MB"))
    per_window: dict[str, float] = {}
    for system in systems:
        fan = system.fanout()
        try:
            per_window[system.name] = await _per_extra(lambda fan=fan: fan.open(EXTRA))
        finally:
            await fan.close()
    figures = [Figure(label=f"memory per extra window (PSS, host + Chromium processes; {EXTRA} opened)",
                      values=per_window, unit="MB")]
    return figures + plugin_figures
