"""Windows that come back as they were: ``create_window(..., remember=name)``::

    win = await weft.window.create_window(url="index.html", width=900, height=600, remember="main")

A remembered window is restored to the size, place and maximized or
fullscreen state it had when last seen; the ``x``/``y``/``width``/``height``
given to ``create_window`` are used only while nothing is saved. What is
saved is put back on a screen that exists now: a window last seen on a
monitor that is gone comes back on the primary screen, whole, and no larger
than the screen's free area.

Each window's state is saved when it closes, as soon as it is maximized,
restored or made fullscreen, and at most every :data:`SAVE_EVERY_MS` while it
is moved or resized, into ``<state folder>/windows.json`` (``weft.run``'s
state folder is ``weft.app.paths.config``), one entry per name, written
atomically. A file that cannot be read or understood is ignored (one log
line) and replaced by the next save.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

import attrs
import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from .errors import WindowOptionError

__all__ = ["SAVE_EVERY_MS", "STATE_FILE", "Keeper", "Placement", "StateFile", "check_name", "fit"]

log = logging.getLogger("weft.windowstate")

STATE_FILE = "windows.json"
SAVE_EVERY_MS = 500
"""While a window is moved or resized, its state is saved at most this often."""
_FORMAT = 1
_MAX_NAME = 128
_LIMIT = 1_000_000  # pixels: anything beyond is not a place a window was

Area = tuple[int, int, int, int]
"""``(x, y, width, height)`` of a screen's free area, on the virtual desktop."""


@attrs.frozen(kw_only=True)
class Placement:
    """Where a window is: its place (of its frame's top-left corner) and
    size (of its content) when neither maximized nor fullscreen, and whether
    it is either."""

    x: int
    y: int
    width: int
    height: int
    maximized: bool = False
    fullscreen: bool = False

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Placement | None:
        """The placement in ``data``, or None if it is not a sound one."""
        if not isinstance(data, dict) or set(data) != {f.name for f in attrs.fields(cls)}:
            return None
        numbers = [data[key] for key in ("x", "y", "width", "height")]
        if not all(isinstance(n, int) and not isinstance(n, bool) and abs(n) <= _LIMIT for n in numbers):
            return None
        if data["width"] <= 0 or data["height"] <= 0:
            return None
        if not isinstance(data["maximized"], bool) or not isinstance(data["fullscreen"], bool):
            return None
        return cls(**data)


def check_name(name: object) -> str:
    """``remember=``'s name, checked: a printable string of 1 to 128 characters."""
    if not isinstance(name, str) or not name.strip() or not name.isprintable() or len(name) > _MAX_NAME:
        raise WindowOptionError(
            f"remember= is a name for the window's saved state: a printable string of 1 to {_MAX_NAME} "
            f"characters, not {name!r}")
    return name


def _overlap(a: Area, b: Area) -> int:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0


def fit(placement: Placement, areas: Sequence[Area], primary: Area) -> Placement:
    """``placement`` moved onto the screen it overlaps most (the ``primary``
    area if it overlaps none of ``areas``), made no larger than that screen's
    free area and moved until it is wholly inside it."""
    rect = (placement.x, placement.y, placement.width, placement.height)
    best = max(areas, key=lambda area: _overlap(rect, area), default=primary)
    if _overlap(rect, best) == 0:
        best = primary
    x, y, width, height = best
    new_width, new_height = min(placement.width, width), min(placement.height, height)
    return attrs.evolve(
        placement, width=new_width, height=new_height,
        x=min(max(placement.x, x), x + width - new_width), y=min(max(placement.y, y), y + height - new_height))


def fit_on_screens(placement: Placement) -> Placement:
    """:func:`fit` with the screens there are now."""
    app = QGuiApplication.instance()
    primary = QGuiApplication.primaryScreen() if app is not None else None
    if primary is None:
        return placement

    def area(screen: Any) -> Area:
        rect = screen.availableGeometry()
        return rect.x(), rect.y(), rect.width(), rect.height()

    return fit(placement, [area(screen) for screen in QGuiApplication.screens()], area(primary))


class StateFile:
    """``<folder>/windows.json``: the remembered windows' placements by name."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / STATE_FILE
        self._complained = False

    def _complain(self, problem: str) -> None:
        # One line per problem file, not one per window or save.
        if not self._complained:
            self._complained = True
            log.warning("window state %s %s; starting afresh", self.path, problem)

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self._complain(f"cannot be read ({exc.strerror or exc})")
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self._complain("is not valid JSON")
            return {}
        if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("windows"), dict):
            self._complain("is not a weft window state file")
            return {}
        return data["windows"]

    def load(self, name: str) -> Placement | None:
        """The placement saved for ``name``, or None (nothing saved, or not
        a sound one)."""
        saved = self._read().get(name)
        if saved is None:
            return None
        placement = Placement.from_json(saved)
        if placement is None:
            self._complain(f"has an unusable entry for {name!r}")
        return placement

    def save(self, name: str, placement: Placement) -> None:
        """Save ``placement`` under ``name``, keeping the other names'
        (written to a temporary file, then renamed over the old one). A
        failure is logged, never raised: a window's place is not worth a crash."""
        windows = self._read()
        windows[name] = placement.to_json()
        text = json.dumps({"format": _FORMAT, "windows": windows}, indent=1, sort_keys=True)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{STATE_FILE}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            self._complain(f"cannot be written ({exc.strerror or exc})")


_MOVED = (QEvent.Type.Move, QEvent.Type.Resize)


class Keeper(QObject):
    """Watches one window and saves its placement under ``name``: at once
    when its state changes or it closes, at most every SAVE_EVERY_MS while it
    moves or is resized. A child of the window: it goes with it."""

    def __init__(self, window: QWidget, name: str, file: StateFile) -> None:
        super().__init__(window)
        from PySide6.QtCore import Qt  # not at import: see weft.window._window_type

        self._state = Qt.WindowState
        self._not_normal = self._state.WindowMaximized | self._state.WindowFullScreen | self._state.WindowMinimized
        self._window = window
        self.name = name
        self._file = file
        pos, size = window.pos(), window.size()
        self._normal = (pos.x(), pos.y(), size.width(), size.height())
        """The last place and size it had while neither maximized nor
        fullscreen: what it returns to when restored."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_EVERY_MS)
        self._timer.timeout.connect(self.save)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind in _MOVED:
            if not self._window.windowState() & self._not_normal:
                pos, size = self._window.pos(), self._window.size()
                self._normal = (pos.x(), pos.y(), size.width(), size.height())
            if not self._timer.isActive():  # a throttle: at most one save per interval while it moves
                self._timer.start()
        elif kind == QEvent.Type.WindowStateChange:
            self.save()
        elif kind == QEvent.Type.Close:
            self._timer.stop()
            self.save()
        return False

    def placement(self) -> Placement:
        """Its placement now (a minimized window: as it was before)."""
        state = self._window.windowState()
        x, y, width, height = self._normal
        return Placement(x=x, y=y, width=width, height=height,
                         maximized=bool(state & self._state.WindowMaximized),
                         fullscreen=bool(state & self._state.WindowFullScreen))

    def save(self) -> None:
        if shiboken6.isValid(self._window):
            self._file.save(self.name, self.placement())
