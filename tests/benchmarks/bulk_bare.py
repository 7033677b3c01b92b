"""Bulk transfer: weft's bulk lane against the bare transports inside the
same QtWebEngine, side by side in one run (issue 18's bulk figures).

    python tests/benchmarks/bulk_bare.py [--rounds N] [--sizes 10,100]

Each transport echoes one Uint8Array of 10 MB and of 100 MB,
page → Python → page, timed in the page by loads.js's timeLargeEchoes:

* ``weft``: ``runtime.invoke("echo", bytes)`` through weft's bulk lane
  (its socket lane: the warm-up echo opens the page's socket);
* ``scheme``: one POST of the body to a bare scheme handler, one GET back;
* ``chunked``: POSTs of 4 MiB, 4 in flight, into one preallocated
  QByteArray; the GET's body read into a preallocated Uint8Array;
* ``websocket``: a WebSocket to a ``QWebSocketServer`` on 127.0.0.1, 1 MiB
  messages both ways.

The bare ones run in a page of their own off-the-record profile whose
``app`` scheme handler does nothing but the transport (it reads request
bodies as weft does, through ``weft.webengine.bulk._read_body``: PySide6
6.11 cannot wrap the body device itself). Rounds alternate the transports;
the figures are medians over every timed echo. bench_ipc.py runs the same
phase and prints weft ÷ each bare transport.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import statistics
import sys
from typing import Any, Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtNetwork import QHostAddress
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineUrlRequestJob, QWebEngineUrlSchemeHandler
from PySide6.QtWebSockets import QWebSocket, QWebSocketServer

import shiboken6
from weft.webengine.bulk import _read_body, _request_body_function

from loads import PAGE_CALL_TIMEOUT_MS
from measure import OPEN_TIMEOUT, BenchmarkError, within
from memory import PeakRss
from pages import page_html
from report import Figure

MB = 1_000_000
BARE = ("scheme", "chunked", "websocket")
WS_MESSAGE = 1024 * 1024
Progress = Callable[[str], None]


class _Handler(QWebEngineUrlSchemeHandler):
    """The bare scheme: the page, its bodies, and its reports."""

    def __init__(self, html: bytes, reports: dict[str, asyncio.Future[Any]]) -> None:
        super().__init__()
        self._html = html
        self._reports = reports
        self._bodies: dict[str, QByteArray] = {}

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        path = job.requestUrl().path()
        query = dict(item.split("=") for item in job.requestUrl().query().split("&") if item)
        post = bytes(job.requestMethod().data()) == b"POST"
        if path == "/":
            self._reply(job, b"text/html", QByteArray(self._html))
        elif path.startswith("/.bare/report/"):
            body = _report_body(job)
            future = self._reports.pop(path.rsplit("/", 1)[1], None)
            if future is not None and not future.done():
                future.set_result(json.loads(bytes(body.data())))
            self._reply(job, b"text/plain", QByteArray())
        elif path.startswith("/.bare/one/") and post:
            self._bodies[path] = _read_body(job, int(query["n"]))
            self._reply(job, b"text/plain", QByteArray())
        elif path.startswith("/.bare/chunk/") and post:
            total, index = int(query["n"]), int(query["c"])
            whole = self._bodies.get(path)
            if whole is None:
                whole = self._bodies[path] = QByteArray(total, 0)
            size = min(4 * 1024 * 1024, total - index * 4 * 1024 * 1024)
            memoryview(whole)[index * 4 * 1024 * 1024:][:size] = memoryview(_read_body(job, size))
            self._reply(job, b"text/plain", QByteArray())
        elif path.startswith(("/.bare/one/", "/.bare/chunk/")):
            self._reply(job, b"application/octet-stream", self._bodies.pop(path))
        else:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)

    @staticmethod
    def _reply(job: QWebEngineUrlRequestJob, kind: bytes, data: QByteArray) -> None:
        buffer = QBuffer(job)
        buffer.setData(data)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(kind, buffer)


def _report_body(job: QWebEngineUrlRequestJob) -> QByteArray:
    """A report's JSON (at most 1 MB; the body device gives what it has)."""
    address = _request_body_function()(shiboken6.getCppPointer(job)[0])
    device = shiboken6.wrapInstance(address, QIODevice)
    if not device.isOpen():
        device.open(QIODevice.OpenModeFlag.ReadOnly)
    return device.read(MB)


class _Echo:
    """The Python end of the WebSocket: the size as text, then the bytes;
    sends them back in WS_MESSAGE messages once all have come."""

    def __init__(self, socket: QWebSocket) -> None:
        self._socket = socket
        self._data: QByteArray | None = None
        self._filled = 0
        socket.textMessageReceived.connect(self._on_text)
        socket.binaryMessageReceived.connect(self._on_binary)

    def _on_text(self, text: str) -> None:
        self._data = QByteArray(int(text), 0)
        self._filled = 0

    def _on_binary(self, message: QByteArray) -> None:
        assert self._data is not None
        memoryview(self._data)[self._filled:self._filled + message.size()] = memoryview(message)
        self._filled += message.size()
        if self._filled == self._data.size():
            view = memoryview(self._data)
            for at in range(0, len(view), WS_MESSAGE):
                self._socket.sendBinaryMessage(QByteArray(bytes(view[at:at + WS_MESSAGE])))
            self._data = None


class BareTransports:
    """A page of its own profile, its scheme handler and a WebSocket server."""

    def __init__(self) -> None:
        self._reports: dict[str, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._profile = QWebEngineProfile()  # off the record
        self._handler = _Handler(page_html("loop.js", "loads.js", "bare_bulk.js").encode(), self._reports)
        self._profile.installUrlSchemeHandler(b"app", self._handler)
        self._page = QWebEnginePage(self._profile)
        self._server = QWebSocketServer("bare", QWebSocketServer.SslMode.NonSecureMode)
        self._sockets: list[_Echo] = []
        self._server.newConnection.connect(self._on_connection)

    def _on_connection(self) -> None:
        self._sockets.append(_Echo(self._server.nextPendingConnection()))

    async def open(self) -> None:
        if not self._server.listen(QHostAddress.SpecialAddress.LocalHost, 0):
            raise BenchmarkError(f"QWebSocketServer: {self._server.errorString()}")
        loaded = asyncio.get_running_loop().create_future()
        self._page.loadFinished.connect(lambda ok: loaded.done() or loaded.set_result(ok))
        self._page.load("app://bare/")
        if not await within(OPEN_TIMEOUT, loaded, "the bare page to load"):
            raise BenchmarkError("the bare page did not load")
        await self.task("open", {"port": self._server.serverPort()}, OPEN_TIMEOUT)

    async def task(self, transport: str, settings: dict[str, Any], timeout: float) -> dict[str, Any]:
        report_id = str(next(self._ids))
        future = self._reports[report_id] = asyncio.get_running_loop().create_future()
        self._page.runJavaScript(f"runBare({json.dumps(report_id)}, {json.dumps(transport)}, {json.dumps(settings)})")
        report = await within(timeout, future, f"the bare {transport} echo")
        if "error" in report:
            raise BenchmarkError(f"bare {transport}: {report['error']}")
        return report["timing"]

    async def close(self) -> None:
        self._server.close()
        self._page.deleteLater()
        await asyncio.sleep(0)


async def measure(weft_task: Callable[[dict[str, Any], float], Any], sizes: list[int], rounds: int,
                  progress: Progress, repeats: Callable[[int], int] = lambda mb: 6 if mb <= 10 else 1) -> list[Figure]:
    """Figures per size: each transport's median echo (ms), and each one's
    host peak RSS rise (MB, largest over rounds). ``weft_task(settings,
    timeout)`` runs loads.js's "large" task in weft's page."""
    bare = BareTransports()
    await bare.open()
    samples: dict[tuple[int, str], list[float]] = {(mb, t): [] for mb in sizes for t in ("weft", *BARE)}
    rises: dict[tuple[int, str], list[float]] = {key: [] for key in samples}
    peak = PeakRss()
    try:
        for number in range(1, rounds + 1):
            for mb in sizes:
                settings = {"chars": mb * MB, "repeats": repeats(mb), "warmup": 1, "timeoutMs": PAGE_CALL_TIMEOUT_MS,
                            "binary": True}
                timeout = OPEN_TIMEOUT + (repeats(mb) + 1) * PAGE_CALL_TIMEOUT_MS / 1e3
                order = ("weft", *BARE) if number % 2 else (*BARE, "weft")
                for transport in order:
                    gc.collect()
                    peak.start()
                    timing = await (weft_task(settings, timeout) if transport == "weft"
                                    else bare.task(transport, settings, timeout))
                    rises[(mb, transport)].append(peak.increase_mb())
                    samples[(mb, transport)].extend(timing["samples"])
                    progress(f"bulk {number}/{rounds}: {mb} MB {transport:<9} "
                             f"{statistics.median(timing['samples']):.0f} ms")
    finally:
        await bare.close()
    figures = []
    for mb in sizes:
        figures.append(Figure(label=f"{mb} MB bytes echo, page → Python → page",
                              values={t: statistics.median(samples[(mb, t)]) for t in ("weft", *BARE)}, unit="ms"))
        figures.append(Figure(label=f"{mb} MB bytes echo: host peak RSS rise (max)",
                              values={t: max(rises[(mb, t)]) for t in ("weft", *BARE)}, unit="MB"))
    return figures


def print_table(figures: list[Figure]) -> None:
    names = ("weft", *BARE)
    print("| figure | " + " | ".join(names) + " | weft ÷ fastest bare |")
    print("| --- |" + " --- |" * (len(names) + 1))
    for figure in figures:
        cells = [f"{figure.values[n]:,.0f} {figure.unit}" for n in names]
        fastest = min(figure.values[n] for n in BARE)
        ratio = f"{figure.values['weft'] / fastest:.2f}×" if figure.unit == "ms" else ""
        print(f"| {figure.label} | " + " | ".join(cells) + f" | {ratio} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="10,100", help="payload sizes in MB, comma-separated")
    args = parser.parse_args()
    from inproc import QtHost, WeftSystem

    host = QtHost()

    async def run() -> list[Figure]:
        weft_system = WeftSystem()
        await weft_system.open()
        try:
            return await measure(lambda settings, timeout: weft_system.page_task("large", settings, timeout),
                                 [int(s) for s in args.sizes.split(",")], args.rounds,
                                 lambda m: print(f"  {m}", file=sys.stderr, flush=True))
        finally:
            await weft_system.close()

    print_table(host.run(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
