"""``--weft-self-check``: proves an install (a frozen one above all) can do
the essentials, headless, and exits 0 only if it can.

It opens a window and does a round trip each way, moves bytes both ways on
the bulk lane (as requests, then over the page's socket), starts a sandboxed plugin,
checks that the plugin's requests outside its grant are still refused, and
that the desktop modules work: a menu bar, a dialog answered, the library
notifications use; that Chromium found UI strings for this ``LANG``
(a bundle trimmed to some locales falls back to en-US); and that collation,
case mapping and codecs work in pages, in Python and in Qt Core (or, with
Qt Core's ICU data trimmed, fall back as documented).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import attrs

from .launcher import SELF_CHECK_SECOND as SECOND

WINDOW_PAGE = """<!DOCTYPE html><script>
runtime.handle("double", (n) => n * 2);
runtime.handle("reverse", (bytes) => bytes.slice().reverse());
runtime.handle("text", () => [
  new Intl.Collator("de").compare("ä", "z"), new Intl.Collator("sv").compare("ä", "z"),
  "istanbul".toLocaleUpperCase("tr"), new TextDecoder("shift_jis").decode(new Uint8Array([0x82, 0xa0])),
  new Intl.DateTimeFormat("de", {month: "long", timeZone: "UTC"}).format(new Date(0)),
]);
runtime.invoke("add", {a: 20, b: 22}).then((sum) => runtime.send("sum", sum));
</script>"""

PLUGIN_MANIFEST = """id = "selfcheck"
name = "self-check"
version = "1.0.0"
entry = "index.html"
api = 1
[capabilities]
send = ["probe"]
[window]
visible = false
"""
PLUGIN_PAGE = """<!DOCTYPE html><script>
const attempt = (url) => fetch(url).then(() => "ALLOWED", (e) => "refused");
Promise.all([attempt("app://localhost/"), attempt("https://weft.invalid/"), attempt("file:///etc/hostname")])
  .then((results) => runtime.send("probe", results));
</script>"""


@attrs.define
class Report:
    checks: list[tuple[str, bool, str]] = attrs.field(factory=list)

    def add(self, name: str, ok: bool, detail: Any = "") -> None:
        self.checks.append((name, ok, str(detail)))
        print(f"weft self-check: {'ok    ' if ok else 'FAILED'} {name} {detail}", flush=True)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)


async def _checks(report: Report) -> None:
    from . import ipc, plugins, window

    ipc.handle("add", lambda payload, window_id: payload["a"] + payload["b"])
    sums = ipc.channel_events("sum")
    win = await window.create_window(title="weft self-check", width=320, height=200, html=WINDOW_PAGE)
    event = await asyncio.wait_for(sums.next(), 30)
    report.add("page → Python → page (runtime.invoke)", event is not None and event.payload == 42,
               event.payload if event else None)
    doubled = await ipc.invoke(win.id, "double", 21, timeout=30)
    report.add("Python → page → Python (ipc.invoke)", doubled == 42, doubled)
    await _bulk_check(report, win.id)

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "plugin.toml").write_text(PLUGIN_MANIFEST)
        (Path(folder) / "index.html").write_text(PLUGIN_PAGE)
        probes = ipc.channel_events("probe")
        plugin = await plugins.load(folder)
        await plugin.start()
        probe = await asyncio.wait_for(probes.next(), 30)
        results = probe.payload if probe else None
        report.add("sandboxed plugin started and talked", probe is not None and probe.window_id == plugin.window_id)
        report.add("forbidden requests refused", results == ["refused"] * 3 and plugin.blocked_requests >= 2,
                   f"{results}, {plugin.blocked_requests} blocked")
        await plugin.stop()
    _locale_check(report)
    page_text = await ipc.invoke(win.id, "text", timeout=30)
    report.add("text in pages: collation, case mapping, codecs", page_text == PAGE_TEXT, page_text)
    _qt_text_check(report)
    await _desktop_checks(report, win)
    await _storage_check(report)
    await _single_instance_check(report)
    await win.close()


async def _bulk_check(report: Report, window_id: str) -> None:
    """1 MiB of bytes each way on the bulk lane: as requests (the page's
    first body), then over the page's socket, once its runtime opened it."""
    from . import ipc
    from .ipc import active

    data = bytes(range(256)) * 4096
    back = await ipc.invoke(window_id, "reverse", data, timeout=30)
    report.add("bytes both ways as requests (bulk lane)", back == data[::-1], f"{len(back)} bytes")
    lane = active.router()._peers[window_id].lane
    for _ in range(200):  # the socket opens beside the first body: a few ms
        if lane.on_socket:
            break
        await asyncio.sleep(0.05)
    back = await ipc.invoke(window_id, "reverse", data, timeout=30)
    report.add("bytes both ways over the page's socket (socket lane)", lane.on_socket and back == data[::-1],
               f"{len(back)} bytes" if lane.on_socket else "the socket did not open")


def _locale_check(report: Report) -> None:
    """Chromium loaded one locale pak (its UI strings) for this ``LANG``:
    the locale's own, or en-US when the bundle left that locale out. Seen
    in what the process has mapped, so Linux only."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        report.add("UI strings for this locale", True, "not checked on this system")
        return
    paks = {Path(line.split()[-1]).stem for line in maps.read_text().splitlines()
            if "/qtwebengine_locales/" in line and line.endswith(".pak")}
    report.add("UI strings for this locale", len(paks) == 1,
               f"{', '.join(sorted(paks)) or 'no locale pak loaded'} (LANG={os.environ.get('LANG', '')})")


PAGE_TEXT = [-1, 1, "İSTANBUL", "あ", "Januar"]
"""What the page's text handler answers with Chromium's own ICU data."""


def _qt_text_check(report: Report) -> None:
    """Python's and Qt Core's text handling: collation, case mapping and
    codecs. With ``--trim icu`` Qt Core's ICU has no data: the check then
    proves it falls back as documented (QCollator compares code points,
    QStringDecoder knows only the UTFs and Latin-1) and that case mapping,
    compiled into ICU's code, still works."""
    import importlib.util

    import PySide6
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder

    from . import icustub

    python = ["straße".upper(), "é€".encode("cp1252"), "ÄÖ".casefold()]
    report.add("text in Python: case mapping, codecs", python == ["STRASSE", b"\xe9\x80", "äö"], python)
    if importlib.util.find_spec("_codecs_jp") is not None:  # gone with --trim modules
        decoded = b"\x82\xa0".decode("shift_jis")
        report.add("text in Python: CJK codecs", decoded == "あ", decoded)
    library = icustub.loaded_data_library(Path(PySide6.__file__).parent / "Qt" / "lib")
    if library is None:  # a Qt built without ICU (on macOS and Windows it may use the system's APIs)
        report.add("text in Qt Core", True, "no ICU library in this Qt: not checked")
        return
    stub = icustub.is_stub(library)
    collated = QCollator(QLocale("de_DE")).compare("ä", "z")
    seen = [collated < 0, QLocale("tr_TR").toUpper("istanbul"), QStringDecoder("Shift-JIS").isValid()]
    expected = [not stub, "İSTANBUL", not stub]
    report.add(f"text in Qt Core ({'ICU data stub: code-point collation, UTF and Latin-1 only' if stub else 'ICU'})",
               seen == expected, seen)


STORAGE_PAGE = """<!DOCTYPE html><script>
const before = localStorage.getItem("weft-self-check");
localStorage.setItem("weft-self-check", "kept");
runtime.send("stored", before);
</script>"""


async def _storage_check(report: Report) -> None:
    """A page's localStorage outlives its runtime (a persistent web profile
    in a scratch folder, made, dropped and made again)."""
    from .runtime import Runtime

    seen = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(2):
            runtime = Runtime(storage=Path(folder) / "web")
            stored = runtime.channel_events("stored")
            try:
                await runtime.create_window(html=STORAGE_PAGE, visible=False)
                event = await asyncio.wait_for(stored.next(), 30)
                seen.append(event.payload if event else "no answer")
            finally:
                await runtime.shutdown()
    report.add("web storage kept across runs", seen == [None, "kept"], seen)


async def _desktop_checks(report: Report, win: Any) -> None:
    """The desktop modules' Qt parts and libraries are there: a menu bar, a
    dialog answered, the D-Bus library notifications use."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from . import dialog, menu, tray

    win.set_menu(menu.Menu([menu.Submenu("&File", [menu.Item("&Quit", id="quit", accelerator="Ctrl+Q")])]))
    labels = [action.text() for action in win.native.menuBar().actions()]
    report.add("menu bar", labels == ["&File"], labels)
    asked = asyncio.ensure_future(dialog.confirm("weft self-check", window=win))
    async with asyncio.timeout(30):
        while not isinstance(box := QApplication.activeModalWidget(), QMessageBox):
            await asyncio.sleep(0.01)
    box.defaultButton().click()
    report.add("dialog shown and answered", await asyncio.wait_for(asked, 30) is True)
    try:
        import jeepney  # noqa: F401 (notifications' D-Bus library, imported on first send)
    except ImportError as exc:
        report.add("notifications' D-Bus library", False, exc)
    else:
        report.add("notifications' D-Bus library", True)
    report.add("tray", True, "available" if tray.available() else "none on this desktop")


async def _single_instance_check(report: Report) -> None:
    """This program, started again as a second instance of a scratch app id,
    hands its arguments over to us and exits 0."""
    from .app import instance

    app_id = f"dev.weft.selfcheck.p{os.getpid()}"
    primary = instance.claim(app_id, [], os.getcwd())
    if primary is None:
        report.add("single instance", False, f"{app_id} is claimed already")
        return
    handed: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    primary.on_message(lambda argv, cwd: handed.done() or handed.set_result(argv))
    again = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "weft.selfcheck"]
    try:
        child = await asyncio.create_subprocess_exec(*again, SECOND, app_id, stdout=asyncio.subprocess.DEVNULL)
        code = await asyncio.wait_for(child.wait(), 30)
        argv = await asyncio.wait_for(handed, 30)
    finally:
        primary.close()
    report.add("single instance: a second launch handed over", code == 0 and argv == ["hello"], f"{code}, {argv}")


def second_instance(app_id: str) -> int:
    """The second launch of :func:`_single_instance_check`: 0 once the first
    took its arguments."""
    from PySide6.QtWidgets import QApplication

    from .app import instance

    app = QApplication(sys.argv[:1])  # noqa: F841 (claim needs one)
    return 0 if instance.claim(app_id, ["hello"], os.getcwd()) is None else 1


def run_self_check(*, no_sandbox: bool | None = None) -> int:
    """Run the checks in a new runtime; return 0 if all passed."""
    from . import __file__ as weft_file
    from .app import run

    print(f"weft self-check: weft from {Path(weft_file).resolve().parent}", flush=True)
    report = Report()

    async def main() -> None:
        try:
            await asyncio.wait_for(_checks(report), 120)
        except Exception as exc:  # noqa: BLE001 (reported, and the exit code says so)
            report.add("completed", False, f"{type(exc).__name__}: {exc}")

    code = run(main, no_sandbox=no_sandbox, ephemeral=True)  # nothing of the check is kept
    passed = report.ok and code == 0
    print(f"weft self-check: {'passed' if passed else 'FAILED'} ({len(report.checks)} checks)", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":  # the second instance, when weft runs from source
    sys.exit(second_instance(sys.argv[sys.argv.index(SECOND) + 1]))
