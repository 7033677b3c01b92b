"""The system clipboard: text, HTML and PNG images.

Each call reads or replaces the whole clipboard, as a person's copy does::

    from weft import clipboard

    clipboard.write_html("<b>bold</b>", text="bold")
    clipboard.read_text()   # "bold"
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication, QImage

from .errors import ArgumentError, PayloadError, RuntimeClosedError


def _clipboard() -> QClipboard:
    if QGuiApplication.instance() is None:
        raise RuntimeClosedError("no QApplication: start weft with weft.run(main) before using the clipboard")
    return QGuiApplication.clipboard()


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ArgumentError(f"{what} is a str, not {type(value).__name__}")
    return value


def read_text() -> str:
    """The clipboard's plain text; ``""`` when it holds none."""
    return _clipboard().text()


def write_text(text: str) -> None:
    """Put ``text`` on the clipboard, replacing what was there."""
    _clipboard().setText(_text(text, "write_text's text"))


def read_html() -> str | None:
    """The clipboard's HTML, or ``None`` when it holds none."""
    data = _clipboard().mimeData()
    return data.html() if data is not None and data.hasHtml() else None


def write_html(html: str, text: str | None = None) -> None:
    """Put ``html`` on the clipboard, with ``text`` for the places that take
    only plain text (none: those places get nothing)."""
    _text(html, "write_html's html")
    if text is not None:
        _text(text, "write_html's text")
    data = QMimeData()
    data.setHtml(html)
    if text is not None:
        data.setText(text)
    _clipboard().setMimeData(data)
    global _python_data
    _python_data = True


_python_data = False
"""weft put a QMimeData made in Python on the clipboard."""


def release() -> None:
    """Before Python ends: a QMimeData made in Python must not outlive it
    (PySide6 6.11 crashes at exit when the clipboard still holds one, as a
    plain PySide6 script shows). Its text stays on the clipboard; its HTML
    goes. ``weft.run`` calls this as it ends."""
    global _python_data
    if _python_data and QGuiApplication.instance() is not None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(clipboard.text())
    _python_data = False


def read_image() -> bytes | None:
    """The clipboard's image encoded as PNG, or ``None`` when it holds none."""
    image = _clipboard().image()
    if image.isNull():
        return None
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def write_image(png: bytes) -> None:
    """Put the PNG image ``png`` on the clipboard; :class:`weft.PayloadError`
    if it is not a PNG Qt can decode."""
    if not isinstance(png, (bytes, bytearray, memoryview)):
        raise ArgumentError(f"write_image takes PNG bytes, not {type(png).__name__}")
    image = QImage.fromData(QByteArray(bytes(png)), "PNG")
    if image.isNull():
        raise PayloadError("write_image: the bytes are not a PNG image")
    _clipboard().setImage(image)
