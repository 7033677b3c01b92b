"""Single instance: one running process per app id and user; a later launch
hands its ``argv`` and ``cwd`` to it and exits::

    primary = instance.claim(app.id, sys.argv, os.getcwd())
    if primary is None:
        sys.exit(0)                 # the running instance has our argv and cwd
    primary.on_message(lambda argv, cwd: print("started again:", argv, cwd))
    ...                             # run the app
    primary.close()

The first launch takes a lock file (``QLockFile``) and listens on a local
socket (``QLocalServer``) next to it. A later launch fails the lock,
connects, sends one message (a 4-byte big-endian length, then the JSON
``{"argv": [...], "cwd": "..."}``), waits for a one-byte ack and answers it
with a one-byte go-ahead; only then does the running instance act on the
message. Both live in ``$XDG_RUNTIME_DIR/weft``, else the app's cache
folder (``weft.paths``): per user, named from the app id. A crashed
instance's lock is stale (its process is gone) and taken over. A running
instance that does not ack within ``timeout`` is hung: the later launch
refuses to start a duplicate (:class:`~weft.errors.StartupError`;
``weft.run`` prints it and exits 2) and sends no go-ahead, so should the hung
one wake up, it drops the message: a launch that failed never acts later
(a deep link opened twice, once by each try). Anything on the socket that is
not such an exchange is dropped, logged once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QLockFile, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ..errors import ArgumentError, PlatformError, StartupError
from ..paths import AppPaths

log = logging.getLogger("weft.app")

MAX_MESSAGE = 1 << 20
"""The largest hand-over a running instance reads (bytes of JSON)."""
IDLE_MS = 5000
"""A connection that has not sent its whole message by then is dropped."""
MAX_EXCHANGES = 8
"""Hand-overs in progress at once. A connection past them is closed at once:
only this user can connect, but a flood of idle connections held a file
descriptor each until IDLE_MS."""
_HEADER = struct.Struct(">I")
_ACK = b"\x06"
_GO = b"\x04"
DEFAULT_TIMEOUT = 5.0
"""How long a later launch waits for the running instance's ack (seconds): a
busy one, starting its first window on a slow machine, is not hung."""
# sockaddr_un.sun_path holds 108 bytes on Linux, 104 on macOS (with the NUL).
_MAX_SOCKET_PATH = 100

MessageCallback = Callable[[list[str], str], Any]


class Primary:
    """This process is the app's running instance: it holds the lock and
    listens for later launches until :meth:`close`."""

    def __init__(self, lock: QLockFile, server_name: str) -> None:
        self._lock = lock
        self._callback: MessageCallback | None = None
        self._waiting: list[tuple[list[str], str]] = []
        self._live: set[_Exchange] = set()
        self._busy = _BusyLog()
        self._server: QLocalServer | None = QLocalServer()
        if sys.platform == "win32":  # pipe names are machine-wide: only this user may connect
            self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(server_name)  # a crashed instance's socket file: we hold the lock
        if not self._server.listen(server_name):
            problem = self._server.errorString()
            self.close()
            raise PlatformError(f"single instance: cannot listen on {server_name}: {problem}")
        self._server.newConnection.connect(self._on_new_connection)

    def on_message(self, callback: MessageCallback) -> None:
        """Call ``callback(argv, cwd)`` on the loop's thread for each later
        launch (replacing any earlier callback); launches that came before it
        was set are handed to it now, in order."""
        if not callable(callback):
            raise ArgumentError(f"on_message takes a callable, not {callback!r}")
        self._callback = callback
        waiting, self._waiting = self._waiting, []
        for argv, cwd in waiting:
            self._deliver(argv, cwd)

    def close(self) -> None:
        """Stop listening and release the lock (a later launch becomes the
        running instance). Safe to call more than once."""
        if self._server is not None:
            self._server.close()  # also removes the socket file
            self._server = None
        self._lock.unlock()

    def _on_new_connection(self) -> None:
        while self._server is not None and (conn := self._server.nextPendingConnection()) is not None:
            if len(self._live) >= MAX_EXCHANGES:
                self._busy.refused()
                conn.abort()
                conn.deleteLater()
                continue
            exchange = _Exchange(conn, self._deliver_later, self._live.discard)
            self._live.add(exchange)
            # Lambdas, not bound methods: PySide6 holds those weakly.
            conn.readyRead.connect(lambda e=exchange: e.on_ready_read())
            conn.disconnected.connect(lambda e=exchange: e.on_disconnected())
            conn.disconnected.connect(conn.deleteLater)
            QTimer.singleShot(IDLE_MS, conn, lambda e=exchange: e.refuse(f"nothing complete within {IDLE_MS} ms"))

    def _deliver_later(self, argv: list[str], cwd: str) -> None:
        # Later, not inside a socket's signal: the callback may close() us.
        QTimer.singleShot(0, lambda: self._deliver(argv, cwd))

    def _deliver(self, argv: list[str], cwd: str) -> None:
        if self._server is None:
            return  # closed meanwhile
        if self._callback is None:
            self._waiting.append((argv, cwd))
            return
        try:
            self._callback(argv, cwd)
        except Exception:
            log.exception("single instance: the on_message callback raised")


class _BusyLog:
    """Says that connections were refused for being past MAX_EXCHANGES: the
    first at once, then at most once a second, with the count."""

    def __init__(self) -> None:
        self._count = 0
        self._said_at: float | None = None

    def refused(self) -> None:
        self._count += 1
        now = time.monotonic()
        if self._said_at is None or now - self._said_at >= 1.0:
            log.warning("single instance: refused %d connection(s): %d hand-overs already in progress",
                        self._count, MAX_EXCHANGES)
            self._count, self._said_at = 0, now


class _Exchange:
    """One connection to the running instance: the message, the ack, the go-ahead."""

    def __init__(self, conn: QLocalSocket, deliver: Callable[[list[str], str], None],
                 over: Callable[[_Exchange], None]) -> None:
        self.conn = conn
        self.deliver = deliver
        self.over = over
        """Called once the connection is gone."""
        self.received = bytearray()
        self.message: tuple[list[str], str] | None = None
        self.end = 0  # where the message ends in received, once it is whole
        self.done = False

    def on_ready_read(self) -> None:
        if self.done or self.conn.state() != QLocalSocket.LocalSocketState.ConnectedState:
            return  # answered or refused already
        self.received += self.conn.readAll().data()
        if self.message is None and not self._read_message():
            return
        if len(self.received) <= self.end:
            return  # acked: waiting for the go-ahead
        if self.received[self.end:] != _GO:
            self.refuse("not a go-ahead after the ack")
            return
        self.done = True
        self.conn.disconnectFromServer()
        self.deliver(*self.message)  # type: ignore[misc]

    def _read_message(self) -> bool:
        """Whether the message is whole now (and acked); refuses it if it is bad."""
        if len(self.received) < _HEADER.size:
            return False
        (size,) = _HEADER.unpack_from(self.received)
        if size > MAX_MESSAGE:
            self.refuse(f"{size} bytes, over the {MAX_MESSAGE} limit")
            return False
        self.end = _HEADER.size + size
        if len(self.received) < self.end:
            return False
        self.message = _parse(bytes(self.received[_HEADER.size:self.end]))
        if self.message is None:
            self.refuse('not {"argv": [strings], "cwd": string}')
            return False
        self.conn.write(_ACK)
        return True

    def refuse(self, reason: str) -> None:
        if not self.done and self.conn.state() == QLocalSocket.LocalSocketState.ConnectedState:
            self.done = True
            log.warning("single instance: dropped a hand-over (%s)", reason)
            self.conn.abort()

    def on_disconnected(self) -> None:
        self.over(self)
        if self.message is not None and not self.done:
            self.done = True
            log.warning("single instance: dropped a hand-over (the launch gave up before it saw the ack; "
                        "it did not start and said so)")


def claim(app_id: str, argv: list[str], cwd: str, *, timeout: float = DEFAULT_TIMEOUT) -> Primary | None:
    """Become the running instance of ``app_id`` for this user, or hand
    ``argv`` and ``cwd`` to the one that runs.

    Returns a :class:`Primary` (this process holds the lock and listens), or
    None when a running instance received them (the caller exits 0). Needs
    the QCoreApplication, and blocks (without running the loop) for at most
    about ``timeout`` seconds. Raises :class:`~weft.errors.StartupError` when
    the running instance does not answer within ``timeout`` (hung),
    :class:`~weft.errors.PlatformError` when the lock or socket cannot be made.
    """
    if not isinstance(app_id, str) or not app_id:
        raise ArgumentError(f"claim takes an app id (a non-empty str), not {app_id!r}")
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv) or not isinstance(cwd, str):
        raise ArgumentError("claim takes argv as a list of str and cwd as a str")
    if QCoreApplication.instance() is None:
        raise StartupError("weft.app.instance.claim() needs the QApplication: create it first")
    payload = json.dumps({"argv": argv, "cwd": cwd}).encode()
    if len(payload) > MAX_MESSAGE:
        raise ArgumentError(f"the arguments are too long to hand over ({len(payload)} bytes; at most {MAX_MESSAGE})")
    lock_path, server_name = _where(app_id)
    lock = QLockFile(str(lock_path))
    lock.setStaleLockTime(0)  # only a gone process makes the lock stale, never its age: apps run for days
    deadline = time.monotonic() + timeout
    while True:
        if lock.tryLock(0):
            return Primary(lock, server_name)
        if lock.error() != QLockFile.LockError.LockFailedError:
            raise PlatformError(f"single instance: cannot create the lock file {lock_path} ({lock.error().name})")
        answered = _hand_over(server_name, _HEADER.pack(len(payload)) + payload, deadline)
        if answered:
            return None
        if answered is False or _left(deadline) == 0:
            break
        # Nobody listens (yet: the holder may be between its lock and its
        # listen). Wait a little for either, on the lock.
        if lock.tryLock(min(50, _left(deadline))):
            return Primary(lock, server_name)
    pid = lock.getLockInfo()[0] or "?"
    # No one listened all along: the holder is no weft instance any more (a
    # dead process whose PID was reused, a zombie). Qt removes the lock only if
    # no live process holds it (an OS lock on the file), so a live one keeps it.
    if answered is None and lock.removeStaleLockFile() and lock.tryLock(0):
        log.warning("single instance: took over the lock of process %s, which did not answer", pid)
        return Primary(lock, server_name)
    raise StartupError(f"{app_id} is already running (process {pid}) but did not answer within {timeout:g} s; "
                       f"not starting a second instance (nor handing it these arguments)")


def _hand_over(server_name: str, frame: bytes, deadline: float) -> bool | None:
    """Send ``frame`` to the running instance: True once it acked and has our
    go-ahead, False if it took the connection but did not ack in time, None
    if nobody listens."""
    conn = QLocalSocket()
    try:
        conn.connectToServer(server_name)
        if not conn.waitForConnected(max(1, _left(deadline))):
            return None
        conn.write(frame)
        while conn.bytesToWrite() and conn.waitForBytesWritten(_left(deadline)):
            pass
        if conn.bytesAvailable() == 0:
            conn.waitForReadyRead(_left(deadline))
        if conn.read(1).data() != _ACK:
            return False
        conn.write(_GO)
        return conn.waitForBytesWritten(max(1, _left(deadline))) or not conn.bytesToWrite()
    finally:
        conn.abort()


def _left(deadline: float) -> int:
    """Milliseconds until ``deadline``, at least 0."""
    return max(0, int((deadline - time.monotonic()) * 1000))


def _parse(data: bytes) -> tuple[list[str], str] | None:
    """``(argv, cwd)`` from a hand-over's JSON, or None if it is anything else."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or set(value) != {"argv", "cwd"}:
        return None
    argv, cwd = value["argv"], value["cwd"]
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv) or not isinstance(cwd, str):
        return None
    return argv, cwd


def _where(app_id: str) -> tuple[Path, str]:
    """The lock file and the server name of ``app_id`` for this user."""
    # Readable, and short whatever the id (Unix socket paths are limited).
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", app_id)[:24] + "-" + hashlib.sha256(app_id.encode()).hexdigest()[:10]
    if sys.platform == "win32":
        user = hashlib.sha256(os.environ.get("USERNAME", "").encode()).hexdigest()[:10]
        return AppPaths(app_id).cache / f"{stem}.lock", f"weft-{stem}-{user}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    folder = Path(runtime) / "weft" if os.path.isabs(runtime) else AppPaths(app_id).cache
    if len(os.fsencode(folder / f"{stem}.sock")) > _MAX_SOCKET_PATH:
        # In the shared temp folder, a folder of ours: made by this user, private.
        folder = Path(tempfile.gettempdir()) / f"weft-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise PlatformError(f"single instance: {folder} is not a folder private to this user")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{stem}.lock", str(folder / f"{stem}.sock")
