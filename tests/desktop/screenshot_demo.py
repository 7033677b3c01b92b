"""Take docs/desktop.png: the demo on a real X11 session (Xvfb, trayer,
dunst), with its File menu open (the tray icon in the corner) and then its
save dialog, side by side. Run by hand: ``python -m tests.desktop.screenshot_demo``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.desktop.session import Session, desktop_session, screenshot, wait_until

ROOT = Path(__file__).resolve().parents[2]
SETTLE = 1.5
"""Seconds for a menu or dialog to be drawn once asked for: nothing in X
says a Qt popup has finished painting, so a picture waits this long."""


def _main_window(session: Session) -> str:
    found = subprocess.run(["xdotool", "search", "--name", "^weft demo$"], env=session.env,
                           capture_output=True, text=True)
    return found.stdout.split()[0] if found.returncode == 0 and found.stdout.split() else ""


def shoot(out: Path) -> Path:
    with desktop_session() as session:
        demo = subprocess.Popen([shutil.which("weft") or "weft", "demo"], env={**session.env, "WEFT_NO_SANDBOX": "1"},
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert demo.stdout is not None
            for line in demo.stdout:  # the demo says when its last plugin has reported
                if "Mischief plugin tried" in line:
                    break
            window = str(wait_until(lambda: _main_window(session), "the demo's window did not appear", session))
            session.run("xdotool", "windowfocus", "--sync", window)
            session.run("xdotool", "key", "--window", window, "alt+f")
            time.sleep(SETTLE)
            menu = screenshot(session, session.folder / "menu.png")
            session.run("xdotool", "key", "Escape")
            session.run("xdotool", "key", "--window", window, "ctrl+s")
            time.sleep(SETTLE)
            dialog = screenshot(session, session.folder / "dialog.png")
            return _side_by_side(menu, dialog, out)
        finally:
            demo.terminate()
            demo.wait(timeout=30)


def _side_by_side(left: Path, right: Path, out: Path, width: int = 760, gap: int = 12) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QImage scaling needs one)
    images = [QImage(str(path)).copy(QRect(0, 0, 1280, 700)).scaledToWidth(
        width, Qt.TransformationMode.SmoothTransformation) for path in (left, right)]
    picture = QImage(2 * width + gap, images[0].height(), QImage.Format.Format_RGB32)
    picture.fill(QColor("#ffffff"))
    painter = QPainter(picture)
    painter.drawImage(0, 0, images[0])
    painter.drawImage(width + gap, 0, images[1])
    painter.end()
    assert picture.save(str(out), "PNG"), f"could not write {out}"
    return out


if __name__ == "__main__":
    print(shoot(ROOT / "docs" / "desktop.png"))
