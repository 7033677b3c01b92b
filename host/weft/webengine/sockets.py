"""The socket lane: an app page's bulk bodies over a WebSocket on 127.0.0.1.

At 10 MB a loopback WebSocket moves a body about a third faster than any
request to a scheme handler (Chromium's scheme loader hands replies over
through a small pipe), so an app page's runtime moves its bodies here once
its socket is up, and on the scheme lane (:mod:`weft.webengine.bulk`) until
then, or if it cannot open one. Plugins keep the scheme lane: their request
lock has no hole for a loopback port.

The bodies keep the scheme lane's rules: the socket is of no use until it
gives a page runtime's key (:meth:`BulkStore.new_key`, which only that
runtime holds); a body it stores is claimed, once, by that page's router,
as on the scheme lane; a body Python pushes goes down the socket of the
page it is for and nowhere else. The server listens on 127.0.0.1 only, and
accepts handshakes from ``app://`` pages only.

The messages (``MESSAGE`` is :data:`weft.protocol.BULK_SOCKET_MESSAGE`, 1 MiB):

page → host
  * the key, as the first message (anything else closes the socket);
  * ``{"i": token, "n": "<bytes>", "s": "<segment sizes>"}``, then the
    body's bytes in order, in binary messages of at most ``MESSAGE``
    bytes (none for an empty body).

host → page
  * ``{"k": "ok"}`` once the key is known;
  * ``{"k": "stored", "i": token}`` once a body is whole, or
    ``{"k": "refused", "i": token, "e": "..."}`` if it is not taken (its
    bytes are then dropped);
  * ``{"k": "body", "i": token, "n": bytes}``, then its bytes the same
    way: a body pushed to the page, named by a ``bulk`` frame whose token
    starts with :data:`weft.webengine.bulk.PUSHED`. At most
    :data:`PUSH_WINDOW` bytes wait in the socket at once, so a large body
    is not copied whole into Qt's buffers.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from typing import TYPE_CHECKING, Iterator, Sequence

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtNetwork import QHostAddress
from PySide6.QtWebSockets import QWebSocket, QWebSocketCorsAuthenticator, QWebSocketProtocol, QWebSocketServer

from ..errors import ProtocolError
from .. import protocol

if TYPE_CHECKING:
    from .bulk import BulkStore

log = logging.getLogger("weft.bulk")

MESSAGE = protocol.BULK_SOCKET_MESSAGE
"""Bytes at most in one binary message, either way."""
PUSH_WINDOW = 8 * MESSAGE
"""Bytes at most waiting in a socket's buffer while a body is pushed."""
KEY_SECONDS = 5.0
"""A socket that has not given a key this long after it opened is closed."""
MAX_STRANGERS = 16
"""Sockets at most open at once without a key."""
_ORIGIN_SCHEME = "app://"


class SocketServer(QObject):
    """The loopback WebSocket server of one :class:`BulkStore` (the app's)."""

    def __init__(self, store: BulkStore, parent: QObject | None) -> None:
        super().__init__(parent)
        self._store = store
        self._server = QWebSocketServer("weft", QWebSocketServer.SslMode.NonSecureMode, self)
        self._server.originAuthenticationRequired.connect(self._on_origin_authentication_required)
        self._server.newConnection.connect(self._on_new_connection)
        self._open: set[PageSocket] = set()
        self._bound: dict[str, PageSocket] = {}
        """Each page's socket, by its runtime's key."""
        if not self._server.listen(QHostAddress.SpecialAddress.LocalHost, 0):
            log.warning("the socket lane is off: %s", self._server.errorString())

    @property
    def port(self) -> int | None:
        return self._server.serverPort() if self._server.isListening() else None

    def _on_origin_authentication_required(self, authenticator: QWebSocketCorsAuthenticator) -> None:
        authenticator.setAllowed(authenticator.origin().startswith(_ORIGIN_SCHEME))

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            if sum(connection.key is None for connection in self._open) >= MAX_STRANGERS:
                socket.close(QWebSocketProtocol.CloseCode.CloseCodeTooMuchData, "too many sockets without a key")
                socket.deleteLater()
                continue
            self._open.add(PageSocket(socket, self._store, self))

    def bind(self, key: str, connection: PageSocket) -> None:
        """``connection`` gave ``key``: it is that page's socket now (a
        socket its last document left is closed)."""
        old = self._bound.get(key)
        self._bound[key] = connection
        if old is not None:
            old.close("the page opened another socket")

    def release(self, connection: PageSocket) -> None:
        """``connection`` is closing: no page's socket from now on."""
        if connection.key is not None and self._bound.get(connection.key) is connection:
            del self._bound[connection.key]

    def forget(self, connection: PageSocket) -> None:
        """``connection`` closed."""
        self.release(connection)
        self._open.discard(connection)

    def connection_for(self, key: str) -> PageSocket | None:
        """The open socket of the page whose runtime holds ``key``."""
        return self._bound.get(key)

    def unbind(self, key: str) -> None:
        """The page's document went: close its socket; the next document opens its own."""
        connection = self._bound.pop(key, None)
        if connection is not None:
            connection.close("the page's document went")

    def close(self) -> None:
        """Stop listening and drop every socket at once (weft is shutting down)."""
        self._server.close()
        for connection in list(self._open):
            connection.abort()


class PageSocket(QObject):
    """One socket of the server: a page's once it gives its runtime's key;
    its uploads coming in, its pushes going out.

    A child of its socket, so it lives exactly as long as the socket does:
    Qt drops its connections and its key timer when the socket goes, and
    none of them can call into it after the server has let it go (a plain
    Python object's bound methods, once it was collected, were still called
    by the socket's signals and its timer)."""

    def __init__(self, socket: QWebSocket, store: BulkStore, server: SocketServer) -> None:
        super().__init__(socket)
        self._socket = socket
        self._store = store
        self._server = server
        self.key: str | None = None
        self._receiving: str | None = None
        """The token of the body whose bytes come next."""
        self._skip = 0
        """Bytes still to come of a body that was refused."""
        self._pushes: deque[tuple[str, int, Iterator[bytes]]] = deque()
        self._pushing: Iterator[bytes] | None = None
        socket.setMaxAllowedIncomingMessageSize(MESSAGE)
        socket.textMessageReceived.connect(self._on_text_message_received)
        socket.binaryMessageReceived.connect(self._on_binary_message_received)
        socket.bytesWritten.connect(self._pump)
        socket.disconnected.connect(self._on_disconnected)
        QTimer.singleShot(int(KEY_SECONDS * 1000), self, self._on_key_timeout)

    def close(self, reason: str) -> None:
        """Close it; from now on it is nobody's socket (pushes go over requests)."""
        self._server.release(self)
        self._pushes.clear()
        self._pushing = None
        if shiboken6.isValid(self._socket):
            self._socket.close(QWebSocketProtocol.CloseCode.CloseCodeNormal, reason)

    def abort(self) -> None:
        self._pushes.clear()
        self._pushing = None
        if shiboken6.isValid(self._socket):
            self._socket.abort()

    def _on_key_timeout(self) -> None:
        if self.key is None:
            self.close("no key")

    def _on_disconnected(self) -> None:
        self._server.forget(self)
        if self._receiving is not None:
            self._store.drop_upload(self._receiving)
        self._pushes.clear()
        self._pushing = None
        if shiboken6.isValid(self._socket):  # not when it goes with its server
            self._socket.deleteLater()

    def _send(self, message: dict[str, object]) -> None:
        assert message["k"] in protocol.SOCKET_KINDS
        self._socket.sendTextMessage(json.dumps(message, separators=(",", ":")))

    def _on_text_message_received(self, text: str) -> None:
        if self.key is None:
            if not self._store.has_key(text):
                log.warning("closed a bulk socket that gave no runtime's key")
                self._socket.close(QWebSocketProtocol.CloseCode.CloseCodePolicyViolated, "no key")
                return
            self.key = text
            self._server.bind(text, self)
            self._send({"k": "ok"})
            return
        if self._receiving is not None or self._skip:
            self._violated("a body's header came before the last body was whole")
            return
        header = _read_header(text)
        if header is None:
            self._violated("a body's header is not {\"i\", \"n\", \"s\"} with strings")
            return
        token, total, segments = header
        try:
            declared = self._store.begin_upload(token, self.key, total, segments)
        except ProtocolError as exc:
            if not total.isdigit() or len(total) > 16:
                self._violated(f"a body's header is not one ({exc})")
                return
            log.warning("refused a bulk body on a socket: %s", exc)
            self._skip = int(total)
            self._send({"k": "refused", "i": token, "e": str(exc)})
            return
        self._receiving = token
        if declared.total == 0:
            self._take(token, memoryview(b""))

    def _on_binary_message_received(self, data: object) -> None:
        view = memoryview(data)  # type: ignore[arg-type]
        if self._skip:
            self._skip -= min(self._skip, view.nbytes)
            return
        if self._receiving is None or self.key is None:
            self._violated("bytes came without a header")
            return
        self._take(self._receiving, view)

    def _take(self, token: str, data: memoryview) -> None:
        assert self.key is not None
        try:
            complete = self._store.append(token, self.key, data)
        except ProtocolError as exc:
            self._violated(f"a body's bytes do not fit it ({exc})")
            return
        if complete:
            self._receiving = None
            self._send({"k": "stored", "i": token})

    def _violated(self, reason: str) -> None:
        log.warning("closed a bulk socket: %s", reason)
        self._socket.close(QWebSocketProtocol.CloseCode.CloseCodeProtocolError, reason)

    # -- pushes -------------------------------------------------------------

    def push(self, token: str, chunks: Sequence[memoryview]) -> None:
        """Send the body made of ``chunks`` (read-only views) to the page."""
        total = sum(chunk.nbytes for chunk in chunks)
        self._pushes.append((token, total, _messages(chunks)))
        self._pump()

    def _pump(self, _written: int = 0) -> None:
        while shiboken6.isValid(self._socket) and self._socket.bytesToWrite() < PUSH_WINDOW:
            if self._pushing is None:
                if not self._pushes:
                    return
                token, total, self._pushing = self._pushes.popleft()
                self._send({"k": "body", "i": token, "n": total})
            message = next(self._pushing, None)
            if message is None:
                self._pushing = None
                continue
            self._socket.sendBinaryMessage(message)


def _read_header(text: str) -> tuple[str, str, str] | None:
    """A body's header's token, size and segment sizes; None if it is not one."""
    try:
        header = json.loads(text)
    except ValueError:
        return None
    if not isinstance(header, dict) or header.keys() != {"i", "n", "s"}:
        return None
    fields = (header["i"], header["n"], header["s"])
    return fields if all(isinstance(field, str) for field in fields) else None


def _messages(chunks: Sequence[memoryview]) -> Iterator[bytes]:
    """The body's bytes in messages of at most ``MESSAGE`` bytes, none of
    them across two chunks; made one at a time as the socket drains."""
    for chunk in chunks:
        for start in range(0, chunk.nbytes, MESSAGE):
            yield bytes(chunk[start:start + MESSAGE])
