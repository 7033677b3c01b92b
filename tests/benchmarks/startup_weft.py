"""One startup sample for weft (run by startup.py in a fresh process).

Opens a window whose page does ``runtime.send("ready")``; prints the marker
given as argv[1] as soon as that message reaches Python, then closes the
window, which ends ``weft.run``.
"""

import asyncio
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import weft  # noqa: E402  (after the platform is chosen)
from weft import ipc, window  # noqa: E402

PAGE = '<!doctype html><script>runtime.send("ready");</script>'
TIMEOUT = 60.0


async def main() -> None:
    marker = sys.argv[1]
    ready = asyncio.get_running_loop().create_future()

    def on_ready(payload: object, window_id: str) -> None:
        print(marker, flush=True)
        if not ready.done():
            ready.set_result(None)

    ipc.on_channel("ready", on_ready)
    win = await window.create_window(title="bench startup", width=400, height=300, html=PAGE)
    await asyncio.wait_for(ready, TIMEOUT)
    await win.close()


if __name__ == "__main__":
    sys.exit(weft.run(main, no_sandbox=True))
