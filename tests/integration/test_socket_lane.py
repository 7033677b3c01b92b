"""The socket lane: an app page's bulk bodies over a WebSocket on 127.0.0.1
(host/weft/webengine/sockets.py), against real pages, and what a socket
without a runtime's key gets."""

from __future__ import annotations

import json
from typing import Any

import shiboken6
from PySide6.QtCore import QUrl
from PySide6.QtNetwork import QNetworkRequest
from PySide6.QtWebSockets import QWebSocket

import weft
from weft.ipc.bulk import CHUNK
from weft.webengine import bulk as scheme_lane
from weft.webengine import sockets
from tests.conftest import in_page, js_value_until, next_event, open_page, until

PATTERN = """
const pattern = (n, seed = 0) => { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = (i * 7 + seed) % 251; return a; };
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
"""
BIG = CHUNK + 12345  # two chunks, the last one short


def pattern(n: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + seed) % 251 for i in range(n))


def _store(rt: weft.Runtime, win: weft.Window) -> Any:
    return rt.router._peers[win.id].lane._store


def _key(rt: weft.Runtime, win: weft.Window) -> str:
    return rt.router._peers[win.id].lane.key


async def _socket_up(rt: weft.Runtime, win: weft.Window) -> Any:
    """Move one body (it goes over requests, and opens the socket); wait
    until the page's socket has given its key, and the page has heard the
    host take it (a body pushed after that reached the page)."""
    outcome = await in_page(rt, win, 'runtime.send("socklane-warm", new Uint8Array(3));')
    assert outcome["ok"], outcome
    store, key = _store(rt, win), _key(rt, win)
    await until(lambda: store.connection_for(key) is not None)
    await win.evaluate('window.warmed = null; '
                       'runtime.once("socklane-warm-down", (p) => { window.warmed = p.length; }); null')
    await rt.send_to_window(win.id, "socklane-warm-down", b"xy")
    await js_value_until(win, "window.warmed", 2)
    return store.connection_for(key)


def test_bodies_move_over_the_socket_both_ways_once_it_is_up(runtime: weft.Runtime, arun: Any,
                                                             monkeypatch: Any) -> None:
    """With the scheme lane's upload and download both broken, bodies still
    move, whole and in order: they took the socket."""
    async def main() -> None:
        runtime.handle("socklane-reverse",
                       lambda payload, _w: {"back": payload["data"][::-1], "n": len(payload["data"])})
        events = runtime.channel_events("socklane-up")
        win = await open_page(runtime, "<p>socket</p>")
        await _socket_up(runtime, win)

        def broken(*_args: Any) -> None:
            raise AssertionError("the scheme lane was used")

        monkeypatch.setattr(scheme_lane.BulkStore, "_store", broken)
        monkeypatch.setattr(scheme_lane.BulkStore, "stage", broken)
        outcome = await in_page(runtime, win, PATTERN + f"""
            runtime.send("socklane-up", pattern({BIG}));
            runtime.send("socklane-up", "small, after a body: it waits its turn");
            runtime.send("socklane-up", {{empty: new Uint8Array(0), text: "é".repeat(70000)}});
            const answer = await runtime.invoke("socklane-reverse", {{data: pattern({BIG}, 5)}});
            return [answer.n, same(answer.back, pattern({BIG}, 5).reverse())];
        """, timeout=30)
        assert outcome.get("value") == [BIG, True], outcome
        assert (await next_event(events)).payload == pattern(BIG)
        assert (await next_event(events)).payload == "small, after a body: it waits its turn"
        assert (await next_event(events)).payload == {"empty": b"", "text": "é" * 70000}

        await win.evaluate("""window.got = []; runtime.on("socklane-down", (p) => window.got.push(p)); null""")
        await runtime.send_to_window(win.id, "socklane-down", pattern(BIG, 9))
        await runtime.send_to_window(win.id, "socklane-down", "after it")
        await runtime.send_to_window(win.id, "socklane-down", b"")
        outcome = await in_page(runtime, win, PATTERN + f"""
            while (window.got.length < 3) await new Promise((r) => setTimeout(r, 5));
            return [same(window.got[0], pattern({BIG}, 9)), window.got[1], window.got[2].length];
        """)
        assert outcome["value"] == [True, "after it", 0], outcome

    arun(main(), timeout=60)


def test_a_body_whose_socket_dies_goes_again_over_requests(runtime: weft.Runtime, arun: Any,
                                                           monkeypatch: Any) -> None:
    async def main() -> None:
        events = runtime.channel_events("socklane-up")
        # The socket dies at a body's first chunk.
        monkeypatch.setattr(sockets.PageSocket, "_on_binary_message_received",
                            lambda connection, _data: connection.close("test"))
        win = await open_page(runtime, "<p>socket</p>")
        await _socket_up(runtime, win)
        outcome = await in_page(runtime, win, PATTERN + f'runtime.send("socklane-up", pattern({BIG}, 2));')
        assert outcome["ok"], outcome
        assert (await next_event(events, timeout=20)).payload == pattern(BIG, 2)
        # The page moves its next bodies over requests; Python's go to it so
        # too (the answer's bytes).
        assert _store(runtime, win).connection_for(_key(runtime, win)) is None
        runtime.handle("socklane-twice", lambda payload, _w: payload * 2)
        outcome = await in_page(runtime, win,
                                'return Array.from(await runtime.invoke("socklane-twice", new Uint8Array([1, 2])));')
        assert outcome["value"] == [1, 2, 1, 2], outcome

    arun(main(), timeout=60)


def test_a_new_document_opens_its_own_socket_and_the_old_one_is_closed(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        runtime.handle("socklane-echo", lambda payload, _w: payload)
        win = await open_page(runtime, "<p>socket</p>")
        first = await _socket_up(runtime, win)
        win.reload()
        await win.wait_ready()
        store, key = _store(runtime, win), _key(runtime, win)
        assert store.connection_for(key) is None  # closed with its document
        second = await _socket_up(runtime, win)
        assert second is not first
        outcome = await in_page(runtime, win, PATTERN + f"""
            const back = await runtime.invoke("socklane-echo", pattern({BIG}, 4));
            return same(back, pattern({BIG}, 4));
        """, timeout=20)
        assert outcome["value"] is True, outcome

    arun(main(), timeout=60)


class _Client:
    """A WebSocket client in this process, as another local program could open."""

    def __init__(self, port: int, origin: str = "app://app") -> None:
        self.socket = QWebSocket(origin)
        self.texts: list[dict[str, Any]] = []
        self.closed = False
        self.ever_connected = False
        self.socket.connected.connect(lambda: setattr(self, "ever_connected", True))
        self.socket.textMessageReceived.connect(lambda text: self.texts.append(json.loads(text)))
        self.socket.disconnected.connect(lambda: setattr(self, "closed", True))
        self.socket.open(QNetworkRequest(QUrl(f"ws://127.0.0.1:{port}/")))

    def connected(self) -> bool:
        return self.socket.state().name == "ConnectedState"


def test_a_socket_is_of_no_use_without_a_runtimes_key(runtime: weft.Runtime, arun: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(sockets, "KEY_SECONDS", 0.3)

    async def main() -> None:
        win = await open_page(runtime, "<p>socket</p>")
        await _socket_up(runtime, win)
        store = _store(runtime, win)
        port = store._server.port
        wrong = _Client(port)
        await until(wrong.connected)
        wrong.socket.sendTextMessage("0" * 32)
        await until(lambda: wrong.closed)
        assert wrong.texts == []
        silent = _Client(port)
        await until(silent.connected)
        silent.socket.sendBinaryMessage(b"x" * 10)  # a chunk before any key: closed at once
        await until(lambda: silent.closed)
        idle = _Client(port)
        await until(idle.connected)
        await until(lambda: idle.closed)  # gave nothing for KEY_SECONDS
        stranger = _Client(port, origin="https://example.com")  # refused at the handshake
        await until(lambda: stranger.closed or stranger.socket.error().name != "UnknownSocketError")
        assert not stranger.ever_connected and stranger.texts == []
        assert store.waiting_bytes() == 0

    arun(main(), timeout=30)


def test_the_host_refuses_a_body_over_the_limit_and_takes_the_next(runtime: weft.Runtime, arun: Any) -> None:
    """Over the socket, as over requests: a body the store cannot take is
    refused at its header, its chunks are dropped, and the socket goes on."""
    async def main() -> None:
        win = await open_page(runtime, "<p>socket</p>")
        await _socket_up(runtime, win)
        store = _store(runtime, win)
        key = store.new_key()  # a second runtime's key, held by this test
        client = _Client(store._server.port)
        await until(client.connected)
        client.socket.sendTextMessage(key)
        await until(lambda: client.texts == [{"k": "ok"}])
        store.max_bytes = 10
        client.socket.sendTextMessage(json.dumps({"i": "t" * 20, "n": "20", "s": "20"}))
        client.socket.sendBinaryMessage(b"x" * 15)  # its bytes are dropped unread
        client.socket.sendBinaryMessage(b"y" * 5)
        client.socket.sendTextMessage(json.dumps({"i": "u" * 20, "n": "5", "s": "2,3"}))
        client.socket.sendBinaryMessage(b"hello")
        await until(lambda: len(client.texts) == 3)
        assert client.texts[1]["k"] == "refused" and "over the limit" in client.texts[1]["e"]
        assert client.texts[2] == {"k": "stored", "i": "u" * 20}
        assert store.claim("u" * 20, key) == [b"he", b"llo"]
        assert store.claim("u" * 20, key) is None  # once
        assert not client.closed
        store.forget_key(key)
        await until(lambda: client.closed)  # its runtime went: so does its socket

    arun(main(), timeout=60)


def test_a_page_whose_csp_forbids_the_socket_keeps_the_scheme_lane(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        runtime.handle("socklane-echo", lambda payload, _w: payload)
        win = await open_page(runtime, """<meta http-equiv="Content-Security-Policy" content="connect-src 'self'">
                                          <p>strict</p>""")
        outcome = await in_page(runtime, win, PATTERN + f"""
            const results = [];
            for (let i = 0; i < 4; i++) {{
              results.push(same(await runtime.invoke("socklane-echo", pattern({BIG}, i)), pattern({BIG}, i)));
              await new Promise((r) => setTimeout(r, 50));  // time for a socket to open, were it allowed
            }}
            return results;
        """, timeout=30)
        assert outcome["value"] == [True] * 4, outcome
        store = _store(runtime, win)
        assert store.connection_for(_key(runtime, win)) is None

    arun(main(), timeout=60)


def test_sockets_that_go_with_their_server_leave_nothing_running(runtime: weft.Runtime, arun: Any,
                                                                  monkeypatch: Any) -> None:
    """The server's sockets are its children: when it goes (with the app's
    profile), each emits disconnected as it is destroyed. Its PageSocket must
    not touch the dying socket, nor run its key timer afterwards (a failure
    here shows as an exception caught in Qt's event loop)."""
    monkeypatch.setattr(sockets, "KEY_SECONDS", 0.3)

    async def main() -> None:
        win = await open_page(runtime, "<p>socket</p>")
        await _socket_up(runtime, win)
        store = _store(runtime, win)
        stranger = _Client(store._server.port)  # no key: its timer is running
        await until(stranger.connected)
        await until(lambda: len(store._server._open) == 2)
        server, store._server = store._server, None
        shiboken6.delete(server)
        await until(lambda: stranger.closed)
        outcome = await in_page(runtime, win, PATTERN + """
          const back = await runtime.invoke("socklane-echo", pattern(1000));
          return same(back, pattern(1000));""")
        assert outcome["ok"] and outcome["value"] is True, outcome  # the page went back to requests

    runtime.handle("socklane-echo", lambda payload, window_id: payload)
    arun(main(), timeout=30)
