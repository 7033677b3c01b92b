"""weft.notifications offscreen: with no session bus, no daemon, a daemon
that never answers or refuses, send says so (False and one log line) without
hanging or blocking the loop; with a notification service of our own on a
real session bus, it carries the title, body and image, and a page's
``new Notification`` shows (and closes) through it. The real daemon (dunst)
is in tests/desktop."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QGuiApplication, QImage

import weft
from tests.conftest import in_page, open_page
from tests.desktop.session import NOTIFICATIONS, Session, SessionError, desktop_session
from weft import notifications


def png(width: int = 4, height: int = 2, color: str = "red") -> bytes:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor(color))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


class Service:
    """An org.freedesktop.Notifications service of our own on a real bus,
    served from a thread: it records every call and answers as ``mode`` says
    ("answer", "refuse", or "silent": never)."""

    def __init__(self, bus: str, mode: str = "answer") -> None:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.mode = mode
        self.calls: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()
        self._connection = open_dbus_connection(bus=bus)
        reply = self._connection.send_and_get_reply(message_bus.RequestName(NOTIFICATIONS), timeout=5)
        assert reply.body == (1,), f"could not own {NOTIFICATIONS}: {reply.body}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from jeepney import HeaderFields, MessageType, new_error, new_method_return

        next_id = 1
        while not self._stop.is_set():
            try:
                message = self._connection.receive(timeout=0.05)
            except TimeoutError:
                continue
            if message.header.message_type != MessageType.method_call:
                continue
            member = message.header.fields[HeaderFields.member]
            self.calls.put((member, message.body))
            if self.mode == "refuse":
                self._connection.send(new_error(message, "org.example.Refused", "s", ("not today",)))
            elif self.mode == "answer" and member == "Notify":
                self._connection.send(new_method_return(message, "u", (next_id,)))
                next_id += 1
            elif self.mode == "answer":
                self._connection.send(new_method_return(message))

    async def next_call(self, timeout: float = 10.0) -> tuple[str, tuple[Any, ...]]:
        return await asyncio.to_thread(self.calls.get, True, timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._connection.close()


@pytest.fixture(scope="module")
def bus() -> Iterator[Session]:
    """A private session bus (dbus-daemon, installed if missing)."""
    try:
        with desktop_session(x=False, notifications=False) as session:
            yield session
    except SessionError as exc:
        pytest.fail(f"the session bus could not start: {exc}")


@pytest.fixture
def on_bus(bus: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.bus)
    return bus


@pytest.fixture
def service(on_bus: Session) -> Iterator[Service]:
    served = Service(on_bus.bus)
    yield served
    served.close()


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "weft.notifications"]


def test_without_a_session_bus_send_says_so_at_once(qapp: Any, arun: Any, caplog: pytest.LogCaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    started = time.monotonic()
    assert arun(notifications.send("Nobody hears this", "body")) is False
    assert time.monotonic() - started < 1
    assert logged(caplog) == ["notification 'Nobody hears this' not shown: no D-Bus session bus "
                              "(DBUS_SESSION_BUS_ADDRESS is not set), so no notification service"]


def test_a_bus_with_no_notification_daemon(on_bus: Session, arun: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert arun(notifications.send("Hello")) is False
    [line] = logged(caplog)
    assert line.startswith("notification 'Hello' not shown: no notification daemon on the session bus")


def test_a_daemon_that_never_answers_is_given_up_on_without_blocking_the_loop(
        on_bus: Session, arun: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "TIMEOUT", 0.5)
    silent = Service(on_bus.bus, mode="silent")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def main() -> bool:
        ticker = asyncio.ensure_future(tick())
        try:
            return await notifications.send("Hello")
        finally:
            ticker.cancel()

    try:
        started = time.monotonic()
        assert arun(main(), timeout=5) is False
        assert 0.4 <= time.monotonic() - started < 2  # (Qt timers may fire a few ms early)
        assert ticks >= 10, "the loop was blocked while send waited"
        assert logged(caplog) == ["notification 'Hello' not shown: "
                                  "the notification service did not answer within 0.5 s"]
        assert silent.calls.get_nowait()[0] == "Notify"
    finally:
        silent.close()


def test_a_daemon_that_refuses(on_bus: Session, arun: Any, caplog: pytest.LogCaptureFixture) -> None:
    refusing = Service(on_bus.bus, mode="refuse")
    try:
        assert arun(notifications.send("Hello")) is False
        assert logged(caplog) == ["notification 'Hello' not shown: the notification service refused it: "
                                  "org.example.Refused: not today"]
    finally:
        refusing.close()


def test_send_carries_title_body_app_name_and_image(service: Service, arun: Any, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    assert arun(notifications.send("Export finished", "report.pdf is ready", icon=png(4, 2, "red"))) is True
    member, (app_name, replaces, app_icon, title, body, actions, hints, expire) = service.calls.get_nowait()
    assert member == "Notify"
    assert app_name == (QGuiApplication.applicationDisplayName() or QGuiApplication.applicationName())
    assert (replaces, app_icon, title, body) == (0, "", "Export finished", "report.pdf is ready")
    assert (actions, expire) == ([], -1)
    signature, (width, height, stride, alpha, bits, channels, pixels) = hints["image-data"]
    assert signature == "(iiibiiay)"
    assert (width, height, stride, alpha, bits, channels) == (4, 2, 16, True, 8, 4)
    assert pixels == bytes([255, 0, 0, 255]) * 8  # RGBA, red
    assert logged(caplog) == []

    # A path to an image; a large one is scaled down to ICON_SIZE.
    (tmp_path / "big.png").write_bytes(png(1024, 512, "blue"))
    assert arun(notifications.send("Big", icon=tmp_path / "big.png")) is True
    _, (*_, hints, _) = service.calls.get_nowait()
    assert hints["image-data"][1][:2] == (notifications.ICON_SIZE, notifications.ICON_SIZE // 2)
    # None: no image at all.
    assert arun(notifications.send("Plain")) is True
    assert service.calls.get_nowait()[1][6] == {}


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((1,), {}, "title and body are strings, not int and str"),
    (("t", None), {}, "title and body are strings, not str and NoneType"),
    (("t",), {"icon": b"not a png"}, "icon: the bytes are not a PNG image"),
    (("t",), {"icon": "/no/such/icon.png"}, "icon: no image file at '/no/such/icon.png'"),
    (("t",), {"icon": 3}, "icon is a path to an image file or PNG bytes, not int"),
])
def test_arguments_of_the_wrong_kind(qapp: Any, arun: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                                     message: str) -> None:
    with pytest.raises(weft.ArgumentError) as raised:
        arun(notifications.send(*args, **kwargs))
    assert str(raised.value) == message


def test_a_file_that_is_no_image(qapp: Any, arun: Any, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(weft.ArgumentError, match="is not an image Qt can read"):
        arun(notifications.send("t", icon=tmp_path / "notes.txt"))


SHOW = """await Notification.requestPermission();
const shown = new Notification("hi", {body: "there"});
window.shown = shown;
return await new Promise((resolve) => { shown.onshow = () => resolve("show"); shown.onclose = () => resolve("close");
                                        shown.onerror = () => resolve("error"); });"""


def test_a_page_notification_shows_through_send_and_closes(runtime: weft.Runtime, arun: Any,
                                                           service: Service) -> None:
    async def main() -> None:
        win = await open_page(runtime, "<p>notifier</p>")
        notifications.attach(runtime._engine.profile)  # as the runtime does for app windows
        assert (await in_page(runtime, win, SHOW))["value"] == "show"
        member, args = await service.next_call()
        assert (member, args[3], args[4]) == ("Notify", "hi", "there")
        # The page closes it: so does the daemon.
        await win.evaluate("shown.close(); 1")
        assert await service.next_call() == ("CloseNotification", (1,))

    arun(main())


def test_a_page_notification_nothing_can_show_is_closed(runtime: weft.Runtime, arun: Any,
                                                        caplog: pytest.LogCaptureFixture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)

    async def main() -> None:
        win = await open_page(runtime, "<p>notifier</p>")
        notifications.attach(runtime._engine.profile)
        assert (await in_page(runtime, win, SHOW))["value"] == "close"

    arun(main())
    assert [line.split(":")[0] for line in logged(caplog)] == ["notification 'hi' not shown"]
