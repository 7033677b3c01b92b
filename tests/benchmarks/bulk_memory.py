"""Host peak memory of one 100 MB bytes echo through weft's bulk lane, in a
fresh process (issue 18's target: at most 2× the payload).

    python tests/benchmarks/bulk_memory.py [MB]

A page sends a Uint8Array to a Python handler that returns it; the host's
peak RSS rise (VmHWM after a reset, minus RSS at the start) is printed for
three echoes. bench_ipc.py measures the same inside its long run, where
earlier echoes have already grown the allocators' pools, so its figure
reads lower.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import weft  # noqa: E402
from weft import app as weft_app  # noqa: E402

from memory import PeakRss  # noqa: E402
from tests.conftest import in_page, open_page  # noqa: E402


async def main(megabytes: int) -> None:
    runtime = weft.Runtime()
    with runtime.activated():
        runtime.handle("echo", lambda payload, window_id: payload)
        window = await open_page(runtime, "<p>bulk memory</p>")
        for number in range(1, 4):
            gc.collect()
            peak = PeakRss()
            peak.start()
            outcome = await in_page(runtime, window, f"""
                const sent = new Uint8Array({megabytes} * 1e6); sent[7] = 3;
                const start = performance.now();
                const back = await runtime.invoke("echo", sent);
                return [back.length === sent.length && back[7] === 3, performance.now() - start];""", timeout=120)
            ok, elapsed = outcome["value"]
            rise = peak.increase_mb()
            print(f"echo {number}: {megabytes} MB of bytes in {elapsed:.0f} ms, intact: {ok}, "
                  f"host peak RSS rise {rise:.0f} MB = {rise / megabytes:.2f}× the payload", flush=True)
        await runtime.shutdown()


if __name__ == "__main__":
    app = weft_app.application(no_sandbox=True)
    loop = weft_app.event_loop(app)
    asyncio.set_event_loop(loop)
    loop.run_until_complete(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
