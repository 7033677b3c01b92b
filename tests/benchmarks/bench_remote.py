"""How long an @remote-ui/rpc ``endpoint.call`` takes through weft.

    python tests/benchmarks/bench_remote.py [--calls 2000] [--rounds 5]

A host window calls ``endpoint.call.echo(n)`` on a headless sandboxed plugin
(the real @remote-ui/rpc, bundled from tests/remote by esbuild, which this
script builds first with npm) serially, and for scale the same window's
``runtime.invoke`` round trip to Python in the same run. Prints medians of
the per-round means. A measuring script: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]
CLIENTS = REPO / "tests" / "remote"

TIMED_CALLS = """(async () => {
  const call = window.host.endpoint.call;
  for (let i = 0; i < 100; i++) await call.echo(i);          // warm-up
  let start = performance.now();
  for (let i = 0; i < CALLS; i++) await call.echo(i);
  const rpc = (performance.now() - start) / CALLS;
  for (let i = 0; i < 100; i++) await runtime.invoke("echo", i);
  start = performance.now();
  for (let i = 0; i < CALLS; i++) await runtime.invoke("echo", i);
  const invoke = (performance.now() - start) / CALLS;
  runtime.send("timed", {rpc, invoke});
})(); 1"""


def build_clients() -> Path:
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        sys.exit("bench_remote needs Node.js and npm on PATH")
    if not (CLIENTS / "node_modules").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENTS, check=True)
    subprocess.run([node, "build.mjs"], cwd=CLIENTS, check=True)
    return CLIENTS / "dist"


async def measure(runtime: object, calls: int, rounds: int, folder: Path) -> tuple[list[float], list[float]]:
    from weft import plugins, remote

    runtime.handle("echo", lambda payload, window_id: payload)  # type: ignore[attr-defined]
    plugin = await plugins.load(folder / "plugin")
    await plugin.start()
    host = await runtime.create_window(title="bench", width=400, height=300, url="app://host.html")  # type: ignore[attr-defined]
    await host.wait_ready()
    await plugin.wait_ready()
    await remote.open_session(host.id, plugin)
    timed = runtime.channel_events("timed")  # type: ignore[attr-defined]
    rpc, invoke = [], []
    for round_ in range(rounds):
        await host.evaluate(TIMED_CALLS.replace("CALLS", str(calls)))
        event = await asyncio.wait_for(timed.next(), 120)
        rpc.append(event.payload["rpc"])
        invoke.append(event.payload["invoke"])
        print(f"  round {round_ + 1}/{rounds}: endpoint.call {rpc[-1]:.3f} ms, runtime.invoke {invoke[-1]:.3f} ms",
              file=sys.stderr)
    await plugin.stop()
    return rpc, invoke


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    dist = build_clients()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "app").mkdir()
        shutil.copy(dist / "rpc-host.js", folder / "app")
        (folder / "app" / "host.html").write_text('<script type="module" src="rpc-host.js"></script>')
        (folder / "plugin").mkdir()
        shutil.copy(dist / "rpc-plugin.js", folder / "plugin")
        (folder / "plugin" / "index.html").write_text('<script type="module" src="rpc-plugin.js"></script>')
        (folder / "plugin" / "plugin.toml").write_text(
            'id = "bench"\nname = "bench"\nversion = "1.0.0"\nentry = "index.html"\napi = 1\n'
            '[capabilities]\nsend = ["vue-remote:rpc"]\nreceive = ["vue-remote:rpc"]\n[window]\nvisible = false\n')

        import weft
        from weft import app as weft_app

        qapp = weft_app.application(no_sandbox=True)
        loop = weft_app.event_loop(qapp)
        asyncio.set_event_loop(loop)
        runtime = weft.Runtime(app_dir=folder / "app")
        with runtime.activated():
            rpc, invoke = loop.run_until_complete(measure(runtime, args.calls, args.rounds, folder))
            loop.run_until_complete(runtime.shutdown())
    print(f"\nserial round trips, median of {args.rounds} rounds × {args.calls} calls (host window, headless plugin)")
    print(f"@remote-ui/rpc endpoint.call host → plugin → host   {statistics.median(rpc):.3f} ms")
    print(f"runtime.invoke host → Python → host (same run)      {statistics.median(invoke):.3f} ms")


if __name__ == "__main__":
    main()
