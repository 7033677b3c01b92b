"""One startup sample for raw QWebChannel (run by startup.py in a fresh process).

The bare PySide6 equivalent of startup_weft.py: a view whose page posts one
message through QWebChannel; prints the marker given as argv[1] as soon as it
reaches Python, then quits.

With ``--asyncio`` it first imports asyncio, and nothing else changes: the
startup floor of any runtime that drives its pages from asyncio, as weft does
(startup.FLOOR).
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses root otherwise

if "--asyncio" in sys.argv[2:]:
    import asyncio  # noqa: F401  (the import is the point)

import shiboken6  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWebEngineCore import QWebEngineProfile  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import rawchannel  # noqa: E402
from pages import page_html  # noqa: E402

TIMEOUT_MS = 60_000
EXIT_TIMED_OUT = 3


def main() -> int:
    marker = sys.argv[1]
    app = QApplication(sys.argv[:1])
    profile = QWebEngineProfile()  # off the record, like weft's

    def on_post(text: str) -> None:
        print(marker, flush=True)
        app.quit()

    view, _ = rawchannel.open_view(profile, page_html("raw_startup.js"), on_post)
    QTimer.singleShot(TIMEOUT_MS, lambda: app.exit(EXIT_TIMED_OUT))
    code = app.exec()
    shiboken6.delete(view)  # and with it the page, before its profile
    shiboken6.delete(profile)
    return code


if __name__ == "__main__":
    sys.exit(main())
