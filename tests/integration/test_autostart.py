"""weft.app.set_autostart (weft.app.login) on Linux: the XDG autostart entry, written in a
temporary XDG_CONFIG_HOME, and its Exec line read back by GLib (``gio
launch``), the parser desktops use."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tests.conftest import ensure_program
from weft.app import identity
from weft.app import login as autostart
from weft.appconfig import AppConfig
from weft.errors import ArgumentError, PlatformError


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setattr(identity, "_settled", AppConfig(id="org.example.shelf", name="Shelf \\ Books"))
    folder = tmp_path / "my app"
    folder.mkdir()
    monkeypatch.setattr(identity, "_declared_dir", folder)
    monkeypatch.setattr(sys, "argv", [sys.argv[0]])
    return home


def entry(home: Path) -> dict[str, str]:
    lines = (home / "autostart" / "org.example.shelf.desktop").read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:])


def test_enabling_writes_an_entry_that_starts_the_app_again(config_home: Path, tmp_path: Path) -> None:
    assert autostart.is_enabled() is False
    autostart.set_autostart(True)
    weft = shutil.which("weft", path=str(Path(sys.executable).parent)) or shutil.which("weft")
    assert entry(config_home) == {
        "Type": "Application", "Version": "1.4", "Name": "Shelf \\\\ Books",
        "Exec": f'{weft} run "{tmp_path}/my app"', "Terminal": "false", "X-GNOME-Autostart-enabled": "true"}
    assert autostart.is_enabled() is True
    path = config_home / "autostart" / "org.example.shelf.desktop"
    checked = subprocess.run([ensure_program("desktop-file-validate", "desktop-file-utils"), str(path)],
                             capture_output=True, text=True)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    # Idempotent, and atomic: the same file again, no temporary file left.
    before = path.read_bytes()
    autostart.set_autostart(True)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert path.read_bytes() == before
    autostart.set_autostart(False)
    assert not path.exists()
    assert autostart.is_enabled() is False
    autostart.set_autostart(False)  # already off: fine


def test_the_command_is_how_the_app_was_started(config_home: Path, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    script = types.ModuleType("__main__")
    script.__file__ = str(tmp_path / "main.py")  # python main.py: no __spec__
    script.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", script)
    monkeypatch.setattr(sys, "argv", ["main.py", "--no-sandbox", "shelf://x"])
    assert autostart.command() == [sys.executable, str(tmp_path / "main.py"), "--no-sandbox"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/shelf/shelf")
    monkeypatch.setattr(sys, "argv", ["/opt/shelf/shelf", "shelf://x"])
    autostart.set_autostart(True)
    assert entry(config_home)["Exec"] == "/opt/shelf/shelf"


def test_glib_reads_the_exec_line_back_into_the_same_arguments(config_home: Path, tmp_path: Path) -> None:
    gio = ensure_program("gio", "libglib2.0-bin")
    odd = tmp_path / "a dir $ with `odd` \"chars\""
    odd.mkdir()
    (odd / "echo.py").write_text("import json, socket, sys\n"
                                 "with socket.create_connection(('127.0.0.1', int(sys.argv[1]))) as s:\n"
                                 "    s.sendall(json.dumps(sys.argv[2:]).encode())\n")
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(30)
        port = str(server.getsockname()[1])
        args = ["50%", "c$d\\e", "two\\\\backslashes", "it's", "", "x=y", "~/q", "tab\there", "line\nbreak"]
        path = tmp_path / "t.desktop"
        path.write_text(autostart.desktop_entry("T", [sys.executable, str(odd / "echo.py"), port, *args]))
        assert subprocess.run([gio, "launch", str(path)], capture_output=True, timeout=30).returncode == 0
        connection, _ = server.accept()
        with connection:
            connection.settimeout(30)
            received = b"".join(iter(lambda: connection.recv(65536), b""))
    assert json.loads(received) == args


def test_a_desktop_told_to_skip_it_counts_as_off(config_home: Path) -> None:
    (config_home / "autostart").mkdir(parents=True)
    path = config_home / "autostart" / "org.example.shelf.desktop"
    for line in ("Hidden=true", "X-GNOME-Autostart-enabled = false"):
        path.write_text(f"[Desktop Entry]\nType=Application\nExec=x\n{line}\n")
        assert autostart.is_enabled() is False
    autostart.set_autostart(True)
    assert autostart.is_enabled() is True


def test_bad_arguments_and_unwritable_folders_are_weft_errors(config_home: Path) -> None:
    for value in ("yes", 1, None):
        with pytest.raises(ArgumentError, match="set_autostart takes True or False"):
            autostart.set_autostart(value)  # type: ignore[arg-type]
    assert not config_home.exists()
    config_home.mkdir()
    (config_home / "autostart").write_text("a file where the folder goes")
    with pytest.raises(PlatformError, match="autostart: cannot write in"):
        autostart.set_autostart(True)


def test_a_relative_xdg_config_home_is_ignored(config_home: Path, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # were it taken, it would be here
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    autostart.set_autostart(True)
    assert (tmp_path / "home" / ".config" / "autostart" / "org.example.shelf.desktop").is_file()
    assert not (tmp_path / "relative").exists()


def test_the_public_names_are_weft_app_set_autostart_and_autostart(config_home: Path) -> None:
    from weft import app

    assert app.autostart is False
    app.set_autostart(True)
    assert app.autostart is True
    app.set_autostart(False)
    assert app.autostart is False
