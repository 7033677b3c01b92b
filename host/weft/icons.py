"""Icons as weft's calls take them: a path to an image file, or PNG bytes.

Internal: windows (``icon=``) and trays share it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QIcon, QPixmap

from .errors import ArgumentError

Icon = str | Path | bytes
"""A path to an image file Qt can read (PNG, SVG, ICO, ...), or PNG bytes."""


def load(icon: Icon, what: str = "icon") -> QIcon:
    """``icon`` as a QIcon; :class:`weft.ArgumentError` naming ``what`` if it
    is no image Qt can read."""
    if isinstance(icon, (bytes, bytearray, memoryview)):
        pixmap = QPixmap()
        if not pixmap.loadFromData(QByteArray(bytes(icon)), "PNG"):
            raise ArgumentError(f"{what}: the bytes are not a PNG image")
        return QIcon(pixmap)
    if not isinstance(icon, (str, Path)):
        raise ArgumentError(f"{what} is a path to an image file or PNG bytes, not {type(icon).__name__}")
    path = Path(icon).expanduser()
    if not path.is_file():
        raise ArgumentError(f"{what}: no image file at {str(path)!r}")
    loaded = QIcon(str(path))
    if loaded.isNull() or not loaded.availableSizes() and loaded.pixmap(16, 16).isNull():
        raise ArgumentError(f"{what}: {str(path)!r} is not an image Qt can read")
    return loaded
