"""weft.clipboard, weft.shell and weft.screens on the offscreen platform,
whose clipboard works within the process and which has one screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import attrs
import pytest
from PySide6.QtCore import QBuffer, QIODevice, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage

import weft
from weft import clipboard, screens, shell


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What reached QDesktopServices.openUrl (nothing reaches the desktop)."""
    calls: list[str] = []

    def record(url: QUrl) -> bool:
        calls.append(url.toString())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(record))
    return calls


def test_the_modules_are_reachable_from_weft() -> None:
    assert (weft.clipboard, weft.shell, weft.screens) == (clipboard, shell, screens)
    assert issubclass(weft.PlatformError, weft.Error)


# -- clipboard -------------------------------------------------------------


def test_text_round_trips(qapp: Any) -> None:
    clipboard.write_text("héllo ✓\nworld")
    assert clipboard.read_text() == "héllo ✓\nworld"
    assert clipboard.read_html() is None
    assert clipboard.read_image() is None


def test_html_round_trips_with_its_text_fallback(qapp: Any) -> None:
    clipboard.write_html("<b>bold</b>", text="bold")
    assert clipboard.read_html() == "<b>bold</b>"
    assert clipboard.read_text() == "bold"
    clipboard.write_html("<i>only html</i>")
    assert clipboard.read_html() == "<i>only html</i>"
    assert clipboard.read_text() == ""


def test_png_round_trips(qapp: Any) -> None:
    image = QImage(3, 2, QImage.Format.Format_ARGB32)
    image.fill(QColor(17, 34, 51, 255))
    image.setPixelColor(2, 1, QColor(200, 100, 0, 255))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    clipboard.write_image(bytes(buffer.data().data()))
    png = clipboard.read_image()
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    back = QImage.fromData(png, "PNG")
    assert (back.width(), back.height()) == (3, 2)
    assert back.pixelColor(0, 0) == QColor(17, 34, 51, 255)
    assert back.pixelColor(2, 1) == QColor(200, 100, 0, 255)
    assert clipboard.read_html() is None


def test_write_image_refuses_what_is_not_a_png(qapp: Any) -> None:
    with pytest.raises(weft.PayloadError, match="not a PNG"):
        clipboard.write_image(b"GIF89a not really")


@pytest.mark.parametrize(("call", "says"), [
    (lambda: clipboard.write_text(123), "write_text's text is a str, not int"),
    (lambda: clipboard.write_text(None), "write_text's text is a str, not NoneType"),
    (lambda: clipboard.write_html(b"<b>x</b>"), "write_html's html is a str, not bytes"),
    (lambda: clipboard.write_html("<b>x</b>", text=1), "write_html's text is a str, not int"),
    (lambda: clipboard.write_image("x.png"), "write_image takes PNG bytes, not str"),
])
def test_a_clipboard_write_of_the_wrong_kind_is_an_argument_error(qapp: Any, call: Any, says: str) -> None:
    clipboard.write_text("kept")
    with pytest.raises(weft.ArgumentError, match=says):
        call()
    assert clipboard.read_text() == "kept"


# -- screens ---------------------------------------------------------------


def test_the_offscreen_platform_has_one_sane_screen(qapp: Any) -> None:
    found = screens.all()
    assert len(found) == 1
    main = screens.primary()
    assert found == [main]
    assert isinstance(main.name, str)
    assert main.width > 0 and main.height > 0 and main.scale > 0
    box = main.available
    assert box.width > 0 and box.height > 0
    assert main.x <= box.x and box.x + box.width <= main.x + main.width
    assert main.y <= box.y and box.y + box.height <= main.y + main.height
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        main.width = 1  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        box.x = 1  # type: ignore[misc]


# -- shell -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.org/x",
                                 "FILE:///etc/passwd", "app://index.html", "not a url", ""])
def test_open_external_refuses_other_schemes_without_asking_the_desktop(
        url: str, opened: list[str], arun: Callable[..., Any]) -> None:
    with pytest.raises(weft.PermissionDeniedError, match="opens only http, https, mailto"):
        arun(shell.open_external(url))
    assert opened == []


@pytest.mark.parametrize(("url", "extra"), [
    ("mailto:x@example.org?attach=/root/.ssh/id_rsa", "attach"),
    ("mailto:?subject=hi&Attachment=file:///etc/shadow", "attachment"),
    ("mailto:x@example.org?%61ttach=/etc/shadow", "attach"),
    ("mailto:x@example.org?body=a&x-mailer=b", "x-mailer"),
])
def test_open_external_refuses_mailto_fields_that_name_files(
        url: str, extra: str, opened: list[str], arun: Callable[..., Any]) -> None:
    """Some mail programs attach the file an ``attach=`` names."""
    with pytest.raises(weft.PermissionDeniedError, match=f"a mailto URL may set bcc, body, cc, in-reply-to, "
                                                         f"subject, to, not {extra}$"):
        arun(shell.open_external(url))
    assert opened == []


@pytest.mark.parametrize("url", ["https://example.org/a?b=c", "http://example.org/", "mailto:someone@example.org",
                                 "mailto:a@example.org?cc=b@example.org&subject=Hi&body=x&BCC=c@example.org"])
def test_open_external_hands_allowed_urls_to_the_desktop_once(
        url: str, opened: list[str], arun: Callable[..., Any]) -> None:
    arun(shell.open_external(url))
    assert opened == [url]


def test_open_external_says_when_the_desktop_cannot(monkeypatch: pytest.MonkeyPatch,
                                                    arun: Callable[..., Any]) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    with pytest.raises(weft.PlatformError, match="could not open"):
        arun(shell.open_external("https://example.org"))


def test_trash_moves_a_file_to_the_trash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: Any) -> None:
    # The freedesktop trash of a home in tmp_path: nothing of the person's own.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "old.log").write_text("x")
    shell.trash(folder / "old.log")
    assert list(folder.iterdir()) == []
    assert (tmp_path / "data" / "Trash" / "files" / "old.log").read_text() == "x"


def test_trash_says_plainly_when_there_is_no_trash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   qapp: Any) -> None:
    # No data folder, as on a machine without a desktop: Qt finds no trash.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "missing" / "data"))
    (tmp_path / "old.log").write_text("x")
    with pytest.raises(weft.PlatformError, match="no trash"):
        shell.trash(tmp_path / "old.log")
    assert (tmp_path / "old.log").read_text() == "x"


def test_trash_and_show_in_folder_say_when_the_file_is_missing(tmp_path: Path, qapp: Any) -> None:
    with pytest.raises(weft.PlatformError, match="no such file"):
        shell.trash(tmp_path / "missing")
    with pytest.raises(weft.PlatformError, match="no such file"):
        shell.show_in_folder(tmp_path / "missing")


def test_show_in_folder_asks_the_file_manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             opened: list[str], qapp: Any) -> None:
    shown: list[Path] = []
    monkeypatch.setattr(shell, "_show_items", lambda target: shown.append(target) or True)
    (tmp_path / "report.pdf").write_text("x")
    shell.show_in_folder(tmp_path / "report.pdf")
    assert shown == [tmp_path / "report.pdf"]
    assert opened == []


def test_show_in_folder_opens_the_folder_without_a_file_manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                opened: list[str], qapp: Any) -> None:
    monkeypatch.setattr(shell, "_show_items", lambda target: False)
    (tmp_path / "report.pdf").write_text("x")
    shell.show_in_folder(tmp_path / "report.pdf")
    assert opened == [QUrl.fromLocalFile(str(tmp_path)).toString()]


def test_without_a_qapplication_each_says_how_to_start_weft() -> None:
    # A fresh process: this one has pytest-qt's QApplication.
    import subprocess
    import sys

    script = """
import asyncio, weft
from weft import clipboard, screens, shell
for call in (clipboard.read_text, screens.all, screens.primary, lambda: shell.trash(".")):
    try:
        call()
    except weft.RuntimeClosedError as error:
        print(error)
try:
    asyncio.run(shell.open_external("https://example.org"))
except weft.RuntimeClosedError as error:
    print(error)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 5 and all("no QApplication: start weft with weft.run(main)" in line for line in lines), out


def test_an_app_that_put_html_on_the_clipboard_exits_cleanly(tmp_path: Path) -> None:
    # PySide6 6.11 crashes at exit while the clipboard holds a QMimeData made
    # in Python; weft.run hands the clipboard Qt's own copy of the text first.
    import subprocess
    import sys

    from tests.e2e.conftest import clean_env

    (tmp_path / "main.py").write_text(
        "import sys, weft\nfrom weft import clipboard\n"
        "async def main():\n    clipboard.write_html('<b>Done</b>', text='Done')\n"
        "sys.exit(weft.run(main, no_sandbox=True))\n")
    done = subprocess.run([sys.executable, str(tmp_path / "main.py")], env=clean_env(), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
