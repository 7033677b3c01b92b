"""Icons as weft's calls take them: a path to an image file, or PNG bytes.

Internal: windows (``icon=``), trays and notifications share it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QIcon, QImage, QPixmap

from .errors import ArgumentError

Icon = str | os.PathLike[str] | bytes
"""A path to an image file Qt can read (PNG, SVG, ICO, ...), or PNG bytes."""


def _source(icon: Icon, what: str) -> Path | bytes:
    """The path (checked to be a file) or the bytes; ArgumentError otherwise."""
    if isinstance(icon, (bytes, bytearray, memoryview)):
        return bytes(icon)
    if not isinstance(icon, (str, os.PathLike)):
        raise ArgumentError(f"{what} is a path to an image file or PNG bytes, not {type(icon).__name__}")
    path = Path(icon).expanduser()
    if not path.is_file():
        raise ArgumentError(f"{what}: no image file at {str(path)!r}")
    return path


def image(icon: Icon, what: str = "icon") -> QImage:
    """``icon``'s pixels; :class:`weft.ArgumentError` naming ``what`` if it
    is no image Qt can read."""
    source = _source(icon, what)
    if isinstance(source, bytes):
        loaded = QImage()
        if not loaded.loadFromData(QByteArray(source), "PNG"):
            raise ArgumentError(f"{what}: the bytes are not a PNG image")
        return loaded
    loaded = QImage(str(source))
    if loaded.isNull():
        raise ArgumentError(f"{what}: {str(source)!r} is not an image Qt can read")
    return loaded


def load(icon: Icon, what: str = "icon") -> QIcon:
    """``icon`` as a QIcon (a file stays a file, so an SVG stays sharp at any
    size); :class:`weft.ArgumentError` naming ``what`` if it is no image."""
    source = _source(icon, what)
    if isinstance(source, bytes):
        return QIcon(QPixmap.fromImage(image(source, what)))
    loaded = QIcon(str(source))
    if loaded.isNull() or loaded.pixmap(16, 16).isNull():
        raise ArgumentError(f"{what}: {str(source)!r} is not an image Qt can read")
    return loaded
