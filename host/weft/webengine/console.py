"""A page's console messages on the ``weft.console`` logger.

An app's own pages are logged as they print. A plugin's are its author's
text reaching the host's log, so they are bounded: each is cut to
:data:`MAX_CHARS`, and past :data:`BURST` messages a second the rest are
counted, not logged, and one line a second says how many went unshown
(a plugin that prints a million lines does not fill the host's disk).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QTimer
from PySide6.QtWebEngineCore import QWebEnginePage

log = logging.getLogger("weft.console")

_LEVELS = {
    QWebEnginePage.JavaScriptConsoleMessageLevel.InfoMessageLevel: logging.INFO,
    QWebEnginePage.JavaScriptConsoleMessageLevel.WarningMessageLevel: logging.WARNING,
    QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel: logging.ERROR,
}
BURST = 50
"""Console messages a plugin page may log each second."""
MAX_CHARS = 2000
"""The most of one plugin console message that is logged."""


class Console:
    """One page's console: ``bounded`` for plugin pages."""

    def __init__(self, window_id: str, *, bounded: bool) -> None:
        self.window_id = window_id
        self.bounded = bounded
        self._since = 0.0
        self._logged = 0
        self._unshown = 0

    def message(self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, text: str, line: int, source: str) -> None:
        if self.bounded:
            now = time.monotonic()
            if now - self._since >= 1.0:
                self._since, self._logged = now, 0
            if self._logged >= BURST:
                if not self._unshown:
                    QTimer.singleShot(1000, lambda: self._summarise())
                self._unshown += 1
                return
            self._logged += 1
            if len(text) > MAX_CHARS:
                text = f"{text[:MAX_CHARS]}… ({len(text) - MAX_CHARS:,} more characters not shown)"
        log.log(_LEVELS.get(level, logging.INFO), "[%s] %s (%s:%d)", self.window_id, text, source, line)

    def _summarise(self) -> None:
        if self._unshown:
            log.warning("[%s] %d more console messages in the last second, not shown (a plugin logs at most %d "
                        "a second)", self.window_id, self._unshown, BURST)
            self._unshown = 0
