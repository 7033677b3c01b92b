"""weft on a real desktop session (tests/desktop/conftest.py): Xvfb with the
xcb platform, dunst on a session bus, trayer as the XEmbed tray host. A weft
app runs as a child process (this process's Qt is offscreen); the tests see
its notifications reach dunst and its tray icon embedded in trayer and
clicked."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.session import Session, wait_until

pytestmark = pytest.mark.slow

APP = Path(__file__).parent / "app"
MARK = "desktop-test: "


class Child:
    """The weft app of tests/desktop/app, running in the session; its
    ``desktop-test:`` lines are awaited with timeouts."""

    def __init__(self, session: Session) -> None:
        weft = shutil.which("weft")
        assert weft, "the `weft` console script is not on PATH: install the package (pip install -e .)"
        self.stderr_path = session.folder / f"child-{time.monotonic_ns()}.log"
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen([weft, "run", str(APP)], env={**session.env, "WEFT_NO_SANDBOX": "1"},
                                            stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.taken: set[int] = set()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(MARK):
                self.events.put(json.loads(line[len(MARK):]))

    def expect(self, event: str, timeout: float = 20.0) -> dict[str, Any]:
        """The first report of ``event`` not yet expected, waiting up to ``timeout`` s for it."""
        deadline = time.monotonic() + timeout
        while True:
            for index, report in enumerate(self.seen):
                if report["event"].endswith("-error"):
                    raise AssertionError(f"the app failed: {report}; waiting for {event!r}")
                if report["event"] == event and index not in self.taken:
                    self.taken.add(index)
                    return report
            ended = self.process.poll() is not None
            try:
                self.seen.append(self.events.get(timeout=0.1))
                continue
            except queue.Empty:
                if ended or time.monotonic() > deadline:
                    raise AssertionError(f"the app did not report {event!r} within {timeout:g} s; "
                                         f"it reported {self.seen}; {self.status()}") from None

    def status(self) -> str:
        code = self.process.poll()
        state = "still running" if code is None else f"ended with {code}"
        return f"the app is {state}; its stderr ends: {self.stderr_path.read_text(errors='replace')[-1500:]}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture(scope="module")
def child(desktop: Session) -> Iterator[Child]:
    running = Child(desktop)
    yield running
    running.stop()


def dunst_history(session: Session) -> list[dict[str, Any]]:
    """What dunst has shown and closed: appname, summary, body of each."""
    entries = json.loads(session.run("dunstctl", "history"))["data"][0]
    return [{key: entry[key]["data"] for key in ("appname", "summary", "body")} for entry in entries]


def test_notifications_reach_the_daemon(desktop: Session, child: Child) -> None:
    app_name = child.expect("start")["app_name"]
    assert child.expect("sent") == {"event": "sent", "ok": True}
    assert child.expect("page") == {"event": "page", "outcome": "show"}
    # Closed, dunst's notifications go to its history, which says what it received.
    desktop.run("dunstctl", "close-all")
    history = wait_until(lambda: len(dunst_history(desktop)) >= 2 and dunst_history(desktop),
                         "dunst's history did not list both notifications", desktop)
    assert sorted((entry["summary"], entry["body"]) for entry in history) == [
        ("From Python", "python body"), ("From the page", "page body")]
    assert {entry["appname"] for entry in history} == {app_name}


def icon_window(session: Session, pid: int) -> str | None:
    """The X window of ``pid``'s tray icon inside trayer's panel, if there is one."""
    tree = session.run("xwininfo", "-root", "-tree")
    panel = re.search(r"^\s*(0x[0-9a-f]+) \"panel\": \(\"panel\" \"trayer\"\)", tree, re.MULTILINE)
    if panel is None:
        return None
    inside = set(re.findall(r"^\s*(0x[0-9a-f]+) ", session.run("xwininfo", "-tree", "-id", panel[1]), re.MULTILINE))
    try:
        owned = session.run("xdotool", "search", "--pid", str(pid)).split()
    except Exception:  # xdotool exits 1 while the app has no window yet
        return None
    return next((window for window in inside if int(window, 16) in {int(w) for w in owned}), None)


def test_the_tray_icon_is_embedded_and_clicked(desktop: Session, child: Child) -> None:
    assert child.expect("tray-available", timeout=30) == {"event": "tray-available", "available": True}
    assert child.expect("tray") == {"event": "tray", "shown": True}
    window = wait_until(lambda: icon_window(desktop, child.process.pid),
                        "the app's tray icon was not embedded in trayer's panel", desktop)
    desktop.run("xdotool", "mousemove", "--window", str(window), "5", "5", "click", "1")
    child.expect("tray-click", timeout=10)


def test_a_drag_that_begins_in_the_page_drops_no_file(desktop: Session, child: Child) -> None:
    """A link to a local file dragged inside the window reaches the page's
    own drop handler, and is no ``drop`` of a file in Python (page content
    could otherwise name any path as one the user dropped)."""
    child.expect("drag-window", timeout=30)
    window = wait_until(lambda: desktop.run("xdotool", "search", "--name", "^weft drag test$").split(),
                        "the drag test's window did not appear", desktop)[0]  # type: ignore[index]
    steps = [arg for dy in (4, 8, 14, 20, 30, 45, 60, 80, 100, 120, 140, 160, 180, 200)
             for arg in ("mousemove", "--window", window, str(100 + dy // 8), str(50 + dy), "sleep", "0.1")]
    desktop.run("xdotool", "mousemove", "--window", window, "100", "50", "mousedown", "1", "sleep", "0.3",
                *steps, "sleep", "0.3", "mouseup", "1", timeout=30)
    assert child.expect("page-drop", timeout=20) == {"event": "page-drop", "uri": "file:///etc/hostname"}
    assert [report for report in child.seen if report["event"] == "drop"] == []
