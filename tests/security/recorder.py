"""A loopback recorder: counts every TCP connection and UDP datagram it gets.

The sandbox tests point every road out of a plugin at it; a protection holds
when the recorder sees nothing at all.
"""

from __future__ import annotations

import select
import socket
import threading
from typing import Iterator

import attrs


@attrs.define(eq=False)
class Recorder:
    """TCP and UDP on the same loopback port, recording what arrives."""

    port: int = attrs.field(init=False)
    seen: list[str] = attrs.field(factory=list, init=False)
    """One line a TCP connection (with its first bytes) or a UDP datagram."""
    _tcp: socket.socket = attrs.field(init=False)
    _udp: socket.socket = attrs.field(init=False)
    _stop: threading.Event = attrs.field(factory=threading.Event, init=False)
    _thread: threading.Thread = attrs.field(init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def __attrs_post_init__(self) -> None:
        # One port number for both protocols: bind UDP first, then TCP on it.
        for _ in range(20):
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._udp.bind(("127.0.0.1", 0))
            self.port = self._udp.getsockname()[1]
            self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self._tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self._udp.close()
                self._tcp.close()
        self._tcp.listen(16)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _record(self, line: str) -> None:
        with self._lock:
            self.seen.append(line)

    def _serve(self) -> None:
        clients: list[socket.socket] = []
        while not self._stop.is_set():
            readable, _, _ = select.select([self._tcp, self._udp, *clients], [], [], 0.05)
            for sock in readable:
                if sock is self._tcp:
                    conn, peer = sock.accept()
                    conn.setblocking(False)
                    clients.append(conn)
                    self._record(f"tcp connection from {peer[0]}")
                elif sock is self._udp:
                    data, peer = sock.recvfrom(65536)
                    self._record(f"udp datagram of {len(data)} bytes: {data[:24]!r}")
                else:
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    if data:
                        self._record(f"tcp data of {len(data)} bytes: {data[:40]!r}")
                    else:
                        clients.remove(sock)
                        sock.close()
        for sock in clients:
            sock.close()

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self.seen)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._tcp.close()
        self._udp.close()


def recording() -> Iterator[Recorder]:
    recorder = Recorder()
    try:
        yield recorder
    finally:
        recorder.close()
