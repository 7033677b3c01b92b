"""The Qt side of the bulk lane (the format is in :mod:`weft.ipc.bulk`).

Bodies travel through the page's own scheme handler, at
``/.weft/bulk/<token>`` on the page's own origin, so nothing else can reach
them (a plugin's handler serves only that plugin's profile):

* ``POST /.weft/bulk/<token>?n=<bytes>``: the page stores a body; the router
  claims it, once, when the ``bulk`` frame naming it arrives on the bridge;
* ``GET /.weft/bulk/<token>``: the page fetches, once, a body Python staged.

Tokens are 128-bit random (Python's) or UUIDs (the page's ``crypto``).
Stored bodies nobody claims are dropped after :data:`UNCLAIMED_SECONDS`, and
at most ``max_bytes`` wait at once.
"""

from __future__ import annotations

import ctypes
import logging
import re
import secrets
import sys
import time
from pathlib import Path
from typing import Sequence

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLibraryInfo, QObject, QUrlQuery
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineUrlRequestJob

from ..ipc.bulk import Binary

log = logging.getLogger("weft.bulk")

BULK_PATH = "/.weft/bulk/"
UNCLAIMED_SECONDS = 60.0
_TOKEN = re.compile(r"[0-9A-Za-z-]{16,64}")
_SERVED_SCHEMES = ("app", "plugin")


def _request_body_function() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """``QWebEngineUrlRequestJob::requestBody()``, called through ctypes.

    PySide6 6.11 crashes making a Python wrapper for the device it returns
    (in ``getWrapperForQObject``), so weft calls the C++ method itself and
    wraps the pointer as a plain QIODevice.
    """
    names = {
        "linux": ("libQt6WebEngineCore.so.6", "_ZNK23QWebEngineUrlRequestJob11requestBodyEv"),
        "darwin": ("QtWebEngineCore.framework/QtWebEngineCore", "_ZNK23QWebEngineUrlRequestJob11requestBodyEv"),
        "win32": ("Qt6WebEngineCore.dll", "?requestBody@QWebEngineUrlRequestJob@@QEBAPEAVQIODevice@@XZ"),
    }
    entry = names.get(sys.platform)
    if entry is None:
        return None
    library, symbol = entry
    kind = QLibraryInfo.LibraryPath.BinariesPath if sys.platform == "win32" else QLibraryInfo.LibraryPath.LibrariesPath
    try:
        try:  # already loaded by PySide6.QtWebEngineCore: found by name
            loaded = ctypes.CDLL(Path(library).name if sys.platform != "darwin" else library)
        except OSError:
            loaded = ctypes.CDLL(str(Path(QLibraryInfo.path(kind)) / library))
        function = getattr(loaded, symbol)
    except (OSError, AttributeError) as exc:
        log.warning("the bulk lane cannot read request bodies (%s); binary messages from pages will fail", exc)
        return None
    function.restype = ctypes.c_void_p
    function.argtypes = [ctypes.c_void_p]
    return function


_request_body = _request_body_function()


def _read_body(job: QWebEngineUrlRequestJob, size: int) -> QByteArray | None:
    """The request's body, exactly ``size`` bytes, or None.

    Pages send one ArrayBuffer, which reaches Qt as bytes in memory. (A Blob
    body would come as a data pipe, which Qt 6.11 reads by spinning on this,
    the main, thread; reading it elsewhere trips a Chromium check.) Qt's
    body device also moves past an element after one read call, and never
    reports its end, so the
    whole body is read in one call of the size the page declared.
    """
    if _request_body is None:
        return None
    address = _request_body(shiboken6.getCppPointer(job)[0])
    if not address:
        return QByteArray() if size == 0 else None
    device = shiboken6.wrapInstance(address, QIODevice)
    if not device.isOpen() and not device.open(QIODevice.OpenModeFlag.ReadOnly):
        return None
    data = device.read(size) if size else QByteArray()
    return data if data.size() == size else None


class _ChunkDevice(QIODevice):
    """Serves a staged body straight from Python's buffers, so a large
    message is not copied once more into a QByteArray. Chromium reads it in
    small pieces (64 KiB), on a thread of its own."""

    def __init__(self, chunks: Sequence[memoryview], parent: QObject) -> None:
        super().__init__(parent)
        self._chunks = list(chunks)
        self._size = sum(chunk.nbytes for chunk in self._chunks)
        self._index = 0
        self._offset = 0
        self.open(QIODevice.OpenModeFlag.ReadOnly)

    def size(self) -> int:
        return self._size

    def isSequential(self) -> bool:
        return False

    def bytesAvailable(self) -> int:
        return self._size - self.pos() + super().bytesAvailable()

    def readData(self, maxlen: int) -> bytes:
        pieces = []
        while maxlen > 0 and self._index < len(self._chunks):
            chunk = self._chunks[self._index]
            piece = chunk[self._offset:self._offset + maxlen]
            pieces.append(piece)
            maxlen -= piece.nbytes
            self._offset += piece.nbytes
            if self._offset >= chunk.nbytes:
                self._index += 1
                self._offset = 0
        return b"".join(pieces)

    def writeData(self, data: bytes) -> int:
        return -1


def _frozen(chunk: Binary) -> memoryview:
    """A view of ``chunk`` that cannot change before the page fetches it:
    bytes are shared as they are, anything mutable is copied."""
    view = memoryview(chunk).cast("B")
    return view if isinstance(view.obj, bytes) else memoryview(bytes(view))


class BulkStore:
    """Bodies waiting on one scheme handler: stored by pages, staged by Python."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._keys: set[str] = set()
        """Keys of the pages' runtimes; a body without one is not read."""
        self._stored: dict[str, tuple[QByteArray, float]] = {}
        self._staged: dict[str, list[memoryview]] = {}

    # -- Python's side -----------------------------------------------------

    def stage(self, chunks: Sequence[Binary]) -> str:
        token = secrets.token_hex(16)
        self._staged[token] = [_frozen(chunk) for chunk in chunks]
        return token

    def unstage(self, tokens: Sequence[str]) -> None:
        for token in tokens:
            self._staged.pop(token, None)

    def is_staged(self, token: str) -> bool:
        return token in self._staged

    def claim(self, token: str) -> memoryview | None:
        entry = self._stored.pop(token, None)
        return memoryview(entry[0]) if entry is not None else None

    # -- the page's side (called by the scheme handler) --------------------

    def handle(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        token = path[len(BULK_PATH):]
        method = bytes(job.requestMethod().data())
        if not _TOKEN.fullmatch(token):
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
        elif method == b"GET":
            self._serve(job, token)
        elif method == b"POST":
            self._store(job, token)
        else:
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)

    def _serve(self, job: QWebEngineUrlRequestJob, token: str) -> None:
        body = self._staged.pop(token, None)
        if body is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        job.reply(b"application/octet-stream", _ChunkDevice(body, job))

    def new_key(self) -> str:
        key = secrets.token_hex(16)
        self._keys.add(key)
        return key

    def forget_key(self, key: str) -> None:
        self._keys.discard(key)

    def _store(self, job: QWebEngineUrlRequestJob, token: str) -> None:
        # Only weft's runtime knows the key, and it always sends one
        # ArrayBuffer. A body made any other way (a Blob from page script)
        # could reach Qt as a data pipe, which Qt reads by spinning on this
        # thread; it is refused unread.
        key = bytes(job.requestHeaders().get(QByteArray(b"x-weft-bulk"), QByteArray()).data()).decode("latin-1")
        if key not in self._keys:
            log.warning("refused a bulk body without a runtime's key")
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        self._drop_unclaimed()
        size_text = QUrlQuery(job.requestUrl()).queryItemValue("n")
        size = int(size_text) if size_text.isdigit() else -1
        waiting = sum(body.size() for body, _ in self._stored.values())
        if not 0 <= size <= self.max_bytes - waiting or token in self._stored:
            log.warning("refused a bulk body of %s bytes (%d already wait, limit %d)", size_text, waiting, self.max_bytes)
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        body = _read_body(job, size)
        if body is None:
            log.warning("could not read a bulk body of %d bytes", size)
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)
            return
        self._stored[token] = (body, time.monotonic())
        done = QBuffer(parent=job)
        done.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(b"text/plain", done)

    def _drop_unclaimed(self) -> None:
        deadline = time.monotonic() - UNCLAIMED_SECONDS
        for token in [token for token, (_, stored) in self._stored.items() if stored < deadline]:
            log.warning("dropped a bulk body nobody claimed within %d s", UNCLAIMED_SECONDS)
            del self._stored[token]


class PageLane:
    """One page's :class:`weft.ipc.bulk.Lane` over its origin's store."""

    def __init__(self, store: BulkStore, page: QWebEnginePage) -> None:
        self._store = store
        self._page = page
        self._staged: list[str] = []
        self.key = store.new_key()
        """Given to the page's runtime (and nothing else) to store bodies."""
        page.destroyed.connect(lambda: store.forget_key(self.key))

    def stage(self, chunks: Sequence[Binary]) -> str | None:
        if self._page.url().scheme() not in _SERVED_SCHEMES:
            return None
        token = self._store.stage(chunks)
        self._staged.append(token)
        if len(self._staged) > 64:  # forget tokens whose bodies were fetched
            self._staged = [t for t in self._staged if self._store.is_staged(t)]
        return token

    def claim(self, token: str) -> memoryview | None:
        return self._store.claim(token)

    def discard(self) -> None:
        self._store.unstage(self._staged)
        self._staged.clear()
