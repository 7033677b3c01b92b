"""Start the app when the user logs in (``weft.app.login``): ``weft.app.set_autostart`` and
``weft.app.autostart``::

    from weft import app

    app.set_autostart(True)     # from the next login on
    assert app.autostart

Per app id (:func:`weft.app.identity.config`) and user:

- Linux (and other freedesktop systems): ``$XDG_CONFIG_HOME/autostart/<id>.desktop``
  (default ``~/.config``). A desktop that the user told to skip it
  (``Hidden=true``, ``X-GNOME-Autostart-enabled=false``) counts as off.
- macOS: ``~/Library/LaunchAgents/<id>.plist`` with ``RunAtLoad``.
- Windows: the value ``<id>`` under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``.

What starts is this app again (:func:`command`): frozen, its executable;
run as ``python main.py``, that script with this Python; otherwise (``weft
run``, ``weft dev``, a test) ``weft run <app folder>``. ``--no-sandbox`` is
kept when this process was given it. Qt-free.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import ArgumentError, PlatformError
from . import identity

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
#: What makes an argument of a desktop entry's Exec need quotes.
RESERVED = frozenset(" \t\n\r\"'\\><~|&;$*?#()`")


def command() -> list[str]:
    """The command line that starts this app again, as it was started."""
    if getattr(sys, "frozen", False):
        args = [sys.executable]
    else:
        main = sys.modules.get("__main__")
        script = getattr(main, "__file__", None)
        if script and script.endswith(".py") and getattr(main, "__spec__", None) is None:
            args = [sys.executable, str(Path(script).resolve())]  # python main.py
        else:
            weft = shutil.which("weft", path=str(Path(sys.executable).parent)) or shutil.which("weft")
            if weft is None:
                raise PlatformError("autostart: cannot tell how to start this app again: the `weft` command is "
                                    "not on PATH")
            args = [weft, "run", str(identity.folder())]
    if "--no-sandbox" in sys.argv[1:]:
        args.append("--no-sandbox")
    return args


def set_autostart(enabled: bool) -> None:
    """Start this app at login (``True``) or no longer (``False``). Idempotent."""
    if not isinstance(enabled, bool):
        raise ArgumentError(f"set_autostart takes True or False, not {enabled!r}")
    app_id = identity.config().id
    if sys.platform == "win32":
        _windows(app_id, command() if enabled else None)
        return
    path = _entry_path(app_id)
    if not enabled:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise PlatformError(f"autostart: cannot remove {path}: {exc.strerror or exc}") from None
        return
    if sys.platform == "darwin":
        data = plistlib.dumps({"Label": app_id, "ProgramArguments": command(), "RunAtLoad": True})
    else:
        data = desktop_entry(identity.config().name, command()).encode("utf-8")
    _write_atomically(path, data)


def is_enabled() -> bool:
    """Whether this app starts at login (for this user)."""
    app_id = identity.config().id
    if sys.platform == "win32":
        return _windows(app_id, None, query=True)
    path = _entry_path(app_id)
    if sys.platform == "darwin":
        return path.is_file()
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as exc:
        raise PlatformError(f"autostart: cannot read {path}: {exc}") from None
    values: dict[str, str] = {}
    for line in lines:
        key, equals, value = line.partition("=")
        if equals:
            values.setdefault(key.strip(), value.strip())
    return values.get("Hidden") != "true" and values.get("X-GNOME-Autostart-enabled") != "false"


def desktop_entry(name: str, args: list[str]) -> str:
    """The autostart desktop entry that runs ``args``."""
    # Name is printable (weft.appconfig); backslashes are its only escape.
    return ("[Desktop Entry]\nType=Application\nVersion=1.4\n"
            f"Name={name.replace(chr(92), chr(92) * 2)}\nExec={exec_line(args)}\n"
            "Terminal=false\nX-GNOME-Autostart-enabled=true\n")


def exec_line(args: list[str]) -> str:
    """``args`` as a desktop entry's ``Exec`` value: each quoted as the spec
    says where it needs to be, then the whole escaped as its strings are."""
    quoted = []
    for arg in args:
        arg = arg.replace("%", "%%")  # not a field code
        if not arg or any(c in arg for c in RESERVED):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        quoted.append(arg)
    line = " ".join(quoted).replace("\\", "\\\\")
    return line.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _entry_path(app_id: str) -> Path:
    if sys.platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{app_id}.plist"
    base = os.environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec: a relative value is invalid and ignored.
    config = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return config / "autostart" / f"{app_id}.desktop"


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once: a login never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise PlatformError(f"autostart: cannot write in {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise PlatformError(f"autostart: cannot write {path}: {exc.strerror or exc}") from None


def _windows(app_id: str, args: list[str] | None, *, query: bool = False) -> bool:
    """Set (``args``), delete (None) or ask for (``query``) the Run value."""
    import winreg  # type: ignore[import-not-found,unused-ignore]

    try:
        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, RUN_KEY, 0,
                                winreg.KEY_QUERY_VALUE | winreg.KEY_SET_VALUE) as key:
            if query:
                try:
                    winreg.QueryValueEx(key, app_id)
                except FileNotFoundError:
                    return False
                return True
            if args is not None:
                winreg.SetValueEx(key, app_id, 0, winreg.REG_SZ, subprocess.list2cmdline(args))
            else:
                try:
                    winreg.DeleteValue(key, app_id)
                except FileNotFoundError:
                    pass  # already off
    except OSError as exc:
        raise PlatformError(f"autostart: cannot use HKCU\\{RUN_KEY}: {exc}") from None
    return args is not None
