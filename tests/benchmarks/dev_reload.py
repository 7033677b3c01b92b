"""What ``weft dev`` costs: a web file change to the reloaded page's first
message, and a ``.py`` change to the restarted app's first message.

Runs ``weft dev`` on a small app in a temporary folder (offscreen, without
Chromium's sandbox) and changes its files, one change at a time, waiting for
each to land. For each reload it reports two figures:

* **reload**: what ``weft dev`` prints, from the change being noticed (the
  request reaching the app) to the new document's first message reaching
  Python (its bridge saying hello, its load finished);
* **seen**: from the file being written, here, to the app printing what the
  new page sent, read here: the reload plus the wait for the next scan (up
  to the poll interval; changes are made at random points between scans)
  plus the pipes.

For each restart, **seen** only: from ``main.py`` being written to the new
process printing what its page sent (stop, start, import, first page).

    python tests/benchmarks/dev_reload.py [--samples 15] [--devtools]
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from weft.dev import POLL_SECONDS

MAIN = '''
import sys
from weft import ipc, window

async def main():
    ipc.on_channel("hello", lambda text, window_id: print("hello:", text, {version}, file=sys.stderr, flush=True))
    await window.create_window(title="bench", width=400, height=300, url="app://index.html")
'''
PAGE = '<!DOCTYPE html><link rel="stylesheet" href="style.css"><p>{n}</p><script>runtime.send("hello", {n})</script>'
TIMEOUT = 60.0


class Dev:
    """``weft dev`` on ``folder``, its stderr lines timed as they arrive."""

    def __init__(self, folder: Path, devtools: bool) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        command = [sys.executable, "-m", "weft.cli", "dev", str(folder), "--no-sandbox"] + ["--devtools"] * devtools
        self.process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put((time.perf_counter(), line))

    def wait_for(self, *patterns: str) -> list[tuple[float, re.Match[str]]]:
        """When each pattern was first matched by a line, and how (in any order)."""
        deadline = time.perf_counter() + TIMEOUT
        found: dict[str, tuple[float, re.Match[str]]] = {}
        while len(found) < len(patterns):
            try:
                at, line = self.lines.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                raise SystemExit(f"no line matching {set(patterns) - found.keys()} within {TIMEOUT} s") from None
            for pattern in patterns:
                if pattern not in found and (match := re.search(pattern, line)):
                    found[pattern] = (at, match)
        return [found[pattern] for pattern in patterns]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(TIMEOUT)


def _summary(name: str, values: list[float]) -> str:
    return (f"{name:32} median {statistics.median(values):6.0f} ms   min {min(values):6.0f}   "
            f"max {max(values):6.0f}   (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--devtools", action="store_true", help="with DevTools open on the window")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "main.py").write_text(MAIN.format(version=0))
        (folder / "index.html").write_text(PAGE.format(n=0))
        (folder / "style.css").write_text("p { color: teal }\n")
        dev = Dev(folder, args.devtools)
        try:
            dev.wait_for(r"hello: 0 0\b")
            reloads, seen = [], []
            for n in range(1, args.samples + 1):
                time.sleep(random.uniform(0, POLL_SECONDS))  # a change comes at any point between two scans
                written = time.perf_counter()
                (folder / "index.html").write_text(PAGE.format(n=n))
                (_, reported), (at, _) = dev.wait_for(r"reloaded window-1 in (\d+) ms", rf"hello: {n} 0\b")
                reloads.append(float(reported.group(1)))
                seen.append((at - written) * 1000)
            restarts = []
            for version in range(1, args.restarts + 1):
                written = time.perf_counter()
                (folder / "main.py").write_text(MAIN.format(version=version))
                ((at, _),) = dev.wait_for(rf"hello: {args.samples} {version}\b")
                restarts.append((at - written) * 1000)
        finally:
            dev.stop()
    print(f"weft dev, {'with' if args.devtools else 'without'} DevTools open, offscreen:")
    print(_summary("reload (noticed -> hello)", reloads))
    print(_summary("reload seen (written -> hello)", seen))
    print(_summary("restart seen (written -> hello)", restarts))


if __name__ == "__main__":
    main()
