"""The Qt side of the bulk lane (the format is in :mod:`weft.ipc.bulk`).

Bodies travel through the page's own scheme handler, at
``/.weft/bulk/<token>`` on the page's own origin, so nothing else can reach
them (a plugin's handler serves only that plugin's profile):

* ``POST /.weft/bulk/<token>?n=<bytes>&s=<segment sizes>&c=<chunk>``: the
  page stores a body in chunks (:class:`weft.ipc.bulk.Assembly`), several
  in flight; the router claims it, once, when the ``bulk`` frame naming it
  arrives on the bridge, and only for the page whose runtime stored it;
* ``GET /.weft/bulk/<token>``: the page fetches, once, a body Python staged.
* ``GET /.weft/bulk/s/<token>``: the page pulls the next chunk of a stream
  (:mod:`weft.ipc.streams`), answered when Python's iterator gives it: the
  bytes, or an empty ``application/x-weft-end``, or an
  ``application/x-weft-error`` with ``{"type", "message"}``; with
  ``?cancel`` it cancels the stream.

Tokens are 128-bit random (Python's) or UUIDs (the page's ``crypto``).
A body whose chunks stop coming is dropped :data:`INCOMPLETE_SECONDS` after
its last one, a stored body nobody claims after :data:`UNCLAIMED_SECONDS`;
at most ``max_bytes`` (declared sizes, reserved at a body's first chunk) and
:data:`MAX_BODIES` bodies wait at once.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import shiboken6
import attrs
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLibraryInfo, QObject, QTimer, QUrlQuery
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineUrlRequestJob

from .. import protocol
from ..errors import PayloadError, ProtocolError
from ..ipc.bulk import Assembly, Binary, Declared, read_declared
from ..ipc.streams import Chunk, Outflow

if TYPE_CHECKING:
    import ctypes

    from .sockets import SocketServer, PageSocket

log = logging.getLogger("weft.bulk")

BULK_PATH = "/.weft/bulk/"
STREAM_PREFIX = "s/"
SOCKET_PATH = "socket"
PUSHED = protocol.BULK_PUSHED_PREFIX
"""Tokens of bodies pushed down a page's socket (:mod:`weft.webengine.sockets`) start with this."""
STREAM_END = b"application/x-weft-end"
STREAM_ERROR = b"application/x-weft-error"
UNCLAIMED_SECONDS = 60.0
INCOMPLETE_SECONDS = 30.0
MAX_BODIES = 256
_TOKEN = re.compile(r"[0-9A-Za-z-]{16,64}")
_SERVED_SCHEMES = ("app", "plugin")


def _token() -> str:
    """128 random bits from the OS, as hex: a body's token, a page's key
    (what ``secrets.token_hex(16)`` returns, without importing ``secrets``,
    ``hmac`` and ``hashlib`` at startup)."""
    return os.urandom(16).hex()


@functools.cache
def _request_body_function() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """``QWebEngineUrlRequestJob::requestBody()``, called through ctypes
    (looked up at the first upload, not at startup).

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
    import ctypes

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


def _read_body(job: QWebEngineUrlRequestJob, size: int) -> QByteArray | None:
    """The request's body, exactly ``size`` bytes, or None.

    Pages send one ArrayBuffer, which reaches Qt as bytes in memory. (A Blob
    body would come as a data pipe, which Qt 6.11 reads by spinning on this,
    the main, thread; reading it elsewhere trips a Chromium check.) Qt's
    body device also moves past an element after one read call, and never
    reports its end, so the
    whole body is read in one call, one byte longer than the page declared:
    a longer body shows itself so, and is refused.
    """
    request_body = _request_body_function()
    if request_body is None:
        return None
    address = request_body(shiboken6.getCppPointer(job)[0])
    if not address:  # no body at all
        return QByteArray() if size == 0 else None
    device = shiboken6.wrapInstance(address, QIODevice)
    if not device.isOpen() and not device.open(QIODevice.OpenModeFlag.ReadOnly):
        return None
    data = device.read(size + 1)
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
                # Read: let it go now, not when Qt deletes the finished job.
                self._chunks[self._index] = memoryview(b"")
                self._index += 1
                self._offset = 0
        return b"".join(pieces)

    def writeData(self, data: bytes) -> int:
        return -1


def _reply_bytes(job: QWebEngineUrlRequestJob, kind: bytes, data: bytes) -> None:
    buffer = QBuffer(parent=job)
    buffer.setData(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    job.reply(kind, buffer)


def _frozen(chunk: Binary) -> memoryview:
    """A view of ``chunk`` that cannot change before the page fetches it:
    bytes are shared as they are, anything mutable is copied."""
    view = memoryview(chunk).cast("B")
    return view if isinstance(view.obj, bytes) else memoryview(bytes(view))


@attrs.define(eq=False)
class _Upload:
    """A body a page's runtime is storing, or has stored."""

    key: str
    """The runtime that stores it: only its page may claim it."""
    assembly: Assembly
    since: float
    """When its last chunk came (time.monotonic())."""


class BulkStore:
    """Bodies waiting on one scheme handler: stored by pages, staged by Python."""

    def __init__(self, max_bytes: int, *, sockets: QObject | None = None) -> None:
        self.max_bytes = max_bytes
        self._sockets = sockets
        """The owner of the socket lane's server, if pages may move bodies
        over a loopback socket (app pages: their profile); None: they may not."""
        self._server: SocketServer | None = None
        """Made when a page first asks for it (``GET /.weft/bulk/socket``)."""
        self.incomplete_seconds = INCOMPLETE_SECONDS
        """A body whose chunks stop coming is dropped this long after its last."""
        self.unclaimed_seconds = UNCLAIMED_SECONDS
        """A stored body nobody claims is dropped this long after its last chunk."""
        self._keys: set[str] = set()
        """Keys of the pages' runtimes; a body without one is not read."""
        self._uploads: dict[str, _Upload] = {}
        self._staged: dict[str, list[memoryview]] = {}
        self._streams: dict[str, Outflow] = {}
        self._sweep = QTimer()
        self._sweep.setSingleShot(True)
        self._sweep.timeout.connect(self._drop_stale)

    # -- Python's side -----------------------------------------------------

    def stage(self, chunks: Sequence[Binary]) -> str:
        token = _token()
        self._staged[token] = [_frozen(chunk) for chunk in chunks]
        return token

    def unstage(self, tokens: Sequence[str]) -> None:
        for token in tokens:
            self._staged.pop(token, None)

    def is_staged(self, token: str) -> bool:
        return token in self._staged

    def claim(self, token: str, key: str) -> list[bytes] | None:
        """The body the runtime with ``key`` stored under ``token``, once:
        its segments, or None (no such body, not complete, or another page's)."""
        upload = self._uploads.get(token)
        if upload is None or upload.key != key or not upload.assembly.complete:
            return None
        del self._uploads[token]
        return upload.assembly.body()

    def waiting_bytes(self) -> int:
        """Bytes reserved by bodies stored or being stored."""
        return sum(upload.assembly.declared.total for upload in self._uploads.values())

    def drop_bodies_of(self, key: str) -> None:
        """Forget what the runtime with ``key`` stored (its document went)."""
        for token in [t for t, upload in self._uploads.items() if upload.key == key]:
            del self._uploads[token]

    # -- the page's side (called by the scheme handler) --------------------

    def open_stream(self, outflow: Outflow) -> str:
        token = _token()
        self._streams[token] = outflow
        return token

    def close_streams(self, tokens: Sequence[str]) -> None:
        for token in tokens:
            outflow = self._streams.pop(token, None)
            if outflow is not None:
                outflow.cancel()

    def has_stream(self, token: str) -> bool:
        return token in self._streams

    def handle(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        token = path[len(BULK_PATH):]
        method = bytes(job.requestMethod().data())
        if token == SOCKET_PATH and method == b"GET":
            self._offer_socket(job)
        elif token.startswith(STREAM_PREFIX) and method == b"GET" and _TOKEN.fullmatch(token[len(STREAM_PREFIX):]):
            self._pull(job, token[len(STREAM_PREFIX):])
        elif not _TOKEN.fullmatch(token):
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
        elif method == b"GET":
            self._serve(job, token)
        elif method == b"POST":
            self._store(job, token)
        else:
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)

    def _pull(self, job: QWebEngineUrlRequestJob, token: str) -> None:
        outflow = self._streams.get(token)
        if outflow is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if QUrlQuery(job.requestUrl()).hasQueryItem("cancel"):
            self.close_streams([token])
            _reply_bytes(job, STREAM_END, b"")
            return

        def deliver(chunk: Chunk) -> None:
            if chunk is None or isinstance(chunk, dict):
                self._streams.pop(token, None)  # ended: its token is spent
            if not shiboken6.isValid(job):  # the page went while Python produced
                return
            if chunk is None:
                _reply_bytes(job, STREAM_END, b"")
            elif isinstance(chunk, dict):
                _reply_bytes(job, STREAM_ERROR, json.dumps(chunk).encode())
            else:
                job.reply(b"application/octet-stream", _ChunkDevice([memoryview(chunk)], job))

        outflow.pull(deliver)

    def _serve(self, job: QWebEngineUrlRequestJob, token: str) -> None:
        body = self._staged.pop(token, None)
        if body is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        job.reply(b"application/octet-stream", _ChunkDevice(body, job))

    def _offer_socket(self, job: QWebEngineUrlRequestJob) -> None:
        """Tell a page's runtime (it shows its key) the socket lane's port;
        404 where there is no socket lane (plugins) or it could not listen."""
        if self._sockets is None or self._key_of(job) not in self._keys:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if self._server is None:
            from .sockets import SocketServer  # QtWebSockets only once a page moves a body

            self._server = SocketServer(self, self._sockets)
        port = self._server.port
        if port is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        _reply_bytes(job, b"application/json", json.dumps({"port": port}).encode())

    def connection_for(self, key: str) -> PageSocket | None:
        """The socket of the page whose runtime holds ``key``, if it has one."""
        return self._server.connection_for(key) if self._server is not None else None

    def has_key(self, key: str) -> bool:
        return key in self._keys

    def close(self) -> None:
        """Close the socket lane (the app is shutting down)."""
        if self._server is not None:
            self._server.close()

    def new_key(self) -> str:
        key = _token()
        self._keys.add(key)
        return key

    def forget_key(self, key: str) -> None:
        self._keys.discard(key)
        self.drop_bodies_of(key)
        self.unbind(key)

    def unbind(self, key: str) -> None:
        """Close the socket of the page whose runtime holds ``key`` (its document went)."""
        if self._server is not None:
            self._server.unbind(key)

    @staticmethod
    def _key_of(job: QWebEngineUrlRequestJob) -> str:
        return bytes(job.requestHeaders().get(QByteArray(b"x-weft-bulk"), QByteArray()).data()).decode("latin-1")

    def _store(self, job: QWebEngineUrlRequestJob, token: str) -> None:
        # Only weft's runtime knows the key, and it always sends an
        # ArrayBuffer view. A body made any other way (a Blob from page
        # script) could reach Qt as a data pipe, which Qt reads by spinning
        # on this thread; it is refused unread.
        key = self._key_of(job)
        if key not in self._keys:
            log.warning("refused a bulk body without a runtime's key")
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        query = QUrlQuery(job.requestUrl())
        index_text = query.queryItemValue("c")
        try:
            if not index_text.isdigit() or len(index_text) > 9:
                raise ProtocolError("a bulk chunk names its index")
            self.begin_upload(token, key, query.queryItemValue("n"), query.queryItemValue("s"))
            size = self._uploads[token].assembly.expect(int(index_text))
        except ProtocolError as exc:
            log.warning("refused a bulk chunk: %s", exc)
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        data = _read_body(job, size)
        if data is None:
            log.warning("could not read a bulk chunk of %d bytes; its body is dropped", size)
            self.drop_upload(token)
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)
            return
        self.put_chunk(token, key, int(index_text), memoryview(data))
        del data
        done = QBuffer(parent=job)
        done.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(b"text/plain", done)

    def begin_upload(self, token: str, key: str, total: str, segments: str) -> Declared:
        """The body a chunk adds to, made at its first chunk: what it
        declares (``total`` and ``segments`` as the page wrote them);
        ProtocolError for a body that breaks a limit."""
        self._drop_stale()
        if not _TOKEN.fullmatch(token):
            raise ProtocolError("a bulk token is 16 to 64 letters, digits or dashes")
        waiting = self.waiting_bytes()
        upload = self._uploads.get(token)
        declared = read_declared(total, segments,
                                 self.max_bytes - waiting + (upload.assembly.declared.total if upload else 0))
        if upload is not None:
            if upload.key != key or upload.assembly.declared != declared:
                raise ProtocolError("a chunk declares another body than the first chunk of its token")
            return declared
        if len(self._uploads) >= MAX_BODIES:
            raise ProtocolError(f"{MAX_BODIES} bulk bodies already wait")
        self._uploads[token] = _Upload(key=key, assembly=Assembly(declared), since=time.monotonic())
        self._arm()
        return declared

    def put_chunk(self, token: str, key: str, index: int, data: memoryview) -> None:
        """Put chunk ``index`` of the body ``key``'s runtime began under
        ``token`` in place; ProtocolError if it is not one it waits for."""
        upload = self._upload_of(token, key)
        upload.assembly.write(index, data)
        self._touch(upload)

    def append(self, token: str, key: str, data: memoryview) -> bool:
        """Add ``data`` to the body ``key``'s runtime began under ``token``,
        which comes in order (the socket lane); whether it is complete now."""
        upload = self._upload_of(token, key)
        upload.assembly.append(data)
        self._touch(upload)
        return upload.assembly.complete

    def _upload_of(self, token: str, key: str) -> _Upload:
        upload = self._uploads.get(token)
        if upload is None or upload.key != key:
            raise ProtocolError("a part of a body that is not being stored")
        return upload

    def _touch(self, upload: _Upload) -> None:
        upload.since = time.monotonic()
        self._arm()

    def drop_upload(self, token: str) -> None:
        self._uploads.pop(token, None)

    def _drop_stale(self) -> None:
        now = time.monotonic()
        for token, upload in list(self._uploads.items()):
            complete = upload.assembly.complete
            if now - upload.since >= (self.unclaimed_seconds if complete else self.incomplete_seconds):
                log.warning("dropped a bulk body %s within %g s", "nobody claimed" if complete else
                            "whose chunks stopped coming", self.unclaimed_seconds if complete else self.incomplete_seconds)
                del self._uploads[token]
        self._arm()

    def _arm(self) -> None:
        """Wake :meth:`_drop_stale` when the next body would go stale."""
        if not self._uploads:
            self._sweep.stop()
            return
        due = min(upload.since + (self.unclaimed_seconds if upload.assembly.complete else self.incomplete_seconds)
                  for upload in self._uploads.values())
        self._sweep.start(max(0, int((due - time.monotonic()) * 1000) + 1))


class PageLane:
    """One page's :class:`weft.ipc.bulk.Lane` over its origin's store."""

    def __init__(self, store: BulkStore, page: QWebEnginePage) -> None:
        self._store = store
        self._page = page
        self._staged: list[str] = []
        self.key = store.new_key()
        """Given to the page's runtime (and nothing else) to store bodies."""
        self._streams: list[str] = []
        page.destroyed.connect(self._on_page_destroyed)

    def _on_page_destroyed(self) -> None:
        self._store.forget_key(self.key)
        self._store.close_streams(self._streams)

    def stage(self, chunks: Sequence[Binary]) -> str | None:
        if self._page.url().scheme() not in _SERVED_SCHEMES:
            return None
        size = sum(memoryview(chunk).nbytes for chunk in chunks)
        if size > self._store.max_bytes:  # the limit a page's bodies have, the other way too
            raise PayloadError(f"message of {size:,} bytes is over the limit of {self._store.max_bytes:,}")
        connection = self._store.connection_for(self.key)
        if connection is not None:  # pushed down the page's socket at once
            token = PUSHED + _token()
            connection.push(token, [_frozen(chunk) for chunk in chunks])
            return token
        token = self._store.stage(chunks)
        self._staged.append(token)
        if len(self._staged) > 64:  # forget tokens whose bodies were fetched
            self._staged = [t for t in self._staged if self._store.is_staged(t)]
        return token

    def claim(self, token: str) -> list[bytes] | None:
        return self._store.claim(token, self.key)

    @property
    def on_socket(self) -> bool:
        """Whether the page's document has its socket up: bodies go over it."""
        return self._store.connection_for(self.key) is not None

    def open_stream(self, outflow: Outflow) -> str | None:
        if self._page.url().scheme() not in _SERVED_SCHEMES:
            return None
        self.streams_open()  # forget the ended ones
        token = self._store.open_stream(outflow)
        self._streams.append(token)
        return token

    def streams_open(self) -> int:
        self._streams = [t for t in self._streams if self._store.has_stream(t)]
        return len(self._streams)

    def discard(self) -> None:
        self._store.unbind(self.key)
        self._store.unstage(self._staged)
        self._staged.clear()
        self._store.close_streams(self._streams)
        self._streams.clear()
        # Bodies it stored stay: the next document's runtime, with the same
        # key, may have stored one before its hello. They go when their
        # claim comes, when they go stale, or with the page.
