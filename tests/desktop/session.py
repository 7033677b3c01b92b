"""A real X11 desktop session built from Debian packages, for tests and
screenshots::

    with desktop_session() as session:
        subprocess.run([...], env=session.env)   # DISPLAY, DBUS_SESSION_BUS_ADDRESS, xcb

Xvfb (its own free display), a private session bus (``dbus-daemon``), a
notification daemon (``dunst``) and an XEmbed tray host (``trayer``). Each
part is waited for on a condition (the display's number written back, the
bus's address printed, the name ``org.freedesktop.Notifications`` owned, the
``_NET_SYSTEM_TRAY_S0`` selection owned); a part that cannot start raises
:class:`SessionError` saying which and why. Missing programs are installed
with apt-get first (:func:`ensure_packages`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import attrs

#: Programs the session runs or the tests use, and the Debian package of each.
PROGRAMS = {
    "Xvfb": "xvfb",
    "dbus-daemon": "dbus-daemon",
    "dbus-send": "dbus-bin",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "trayer": "trayer",
    "xdotool": "xdotool",
    "xwininfo": "x11-utils",
}

#: Libraries Qt's xcb platform plugin links to that a server image may lack,
#: and their Debian packages.
XCB_LIBRARIES = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
}

NOTIFICATIONS = "org.freedesktop.Notifications"
START_TIMEOUT = 15.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
# No <servicedir>: nothing is started on demand, so the daemon that answers
# is the one started here.

_DUNSTRC = """[global]
    monitor = 0
    follow = none
    font = Monospace 8
    idle_threshold = 0
    show_indicators = no
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"""
# timeout = 0: notifications stay until closed, so the tests count them.


class SessionError(Exception):
    """A part of the desktop session could not be installed or started."""


def missing_packages(programs: Iterable[str] = PROGRAMS, xcb: bool = True) -> list[str]:
    """Debian packages whose ``programs``, or (``xcb``) libraries of Qt's xcb
    plugin, are missing."""
    packages = {PROGRAMS[program] for program in programs if shutil.which(program) is None}
    unknown = []
    for library in _missing_xcb_libraries() if xcb else ():
        if library in XCB_LIBRARIES:
            packages.add(XCB_LIBRARIES[library])
        else:
            unknown.append(library)
    if unknown:
        raise SessionError(f"Qt's xcb platform plugin needs {unknown}: add their Debian packages to XCB_LIBRARIES")
    return sorted(packages)


def _missing_xcb_libraries() -> set[str]:
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    missing = set()
    for binary in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"):
        listing = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, timeout=30).stdout
        missing.update(line.split()[0] for line in listing.splitlines() if "not found" in line)
    return missing


def ensure_packages(programs: Iterable[str] = PROGRAMS, xcb: bool = True) -> list[str]:
    """Install what :func:`missing_packages` names with apt-get (as root);
    the packages installed. :class:`SessionError` when that fails."""
    packages = missing_packages(programs, xcb)
    if not packages:
        return []
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise SessionError(f"the desktop session needs Debian packages {packages}: install them as root "
                           f"(apt-get install {' '.join(packages)})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", *packages]):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SessionError(f"{' '.join(command)} failed: {exc}") from None
        if done.returncode != 0:
            raise SessionError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    still = missing_packages(programs, xcb)
    if still:
        raise SessionError(f"apt-get installed {packages}, yet {still} are still missing")
    return packages


@attrs.define(eq=False)
class Session:
    """A running desktop session."""

    display: str
    """The X display, ``":N"``."""
    bus: str
    """The session bus's address."""
    folder: Path
    """A scratch folder that lives as long as the session."""
    processes: dict[str, subprocess.Popen[bytes]] = attrs.field(factory=dict)
    """The session's programs by name, in the order they started."""

    @property
    def env(self) -> dict[str, str]:
        """This process's environment pointed at the session (xcb platform)."""
        env = {key: value for key, value in os.environ.items() if key not in ("WAYLAND_DISPLAY", "XAUTHORITY")}
        env["DBUS_SESSION_BUS_ADDRESS"] = self.bus
        if self.display:
            env.update(DISPLAY=self.display, QT_QPA_PLATFORM="xcb")
        return env

    def run(self, *args: str, timeout: float = 10.0) -> str:
        """Run a command in the session; its stdout. :class:`SessionError` if it fails."""
        try:
            done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SessionError(f"{' '.join(args)} did not finish within {timeout} s") from None
        if done.returncode != 0:
            raise SessionError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def check_alive(self) -> None:
        """:class:`SessionError` naming any part of the session that has ended."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise SessionError(f"{name} ended (exit {process.returncode}): {self._log(name)}")

    def _log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-2000:].strip() if path.exists() else ""

    def _start(self, name: str, args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (the child keeps it)
        try:
            process = subprocess.Popen(args, stdout=kwargs.pop("stdout", log), stderr=log, stdin=subprocess.DEVNULL,
                                       **kwargs)  # type: ignore[call-overload]
        except OSError as exc:
            raise SessionError(f"cannot start {name}: {exc}") from None
        finally:
            log.close()
        self.processes[name] = process
        return process

    def stop(self) -> None:
        """End every program of the session, the last started first."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def wait_until(check: Callable[[], object], what: str, session: Session, timeout: float = START_TIMEOUT) -> object:
    """Poll ``check`` until it returns something true; :class:`SessionError`
    saying ``what`` did not happen (or which part ended) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        session.check_alive()
        if time.monotonic() > deadline:
            raise SessionError(f"{what} within {timeout:g} s")
        time.sleep(0.05)  # a poll interval: the condition is what is waited for


def _read_line(stream: int, what: str, process: subprocess.Popen[bytes], session: Session) -> str:
    """The first line written to the pipe ``stream``, within START_TIMEOUT."""
    data = b""
    deadline = time.monotonic() + START_TIMEOUT
    while b"\n" not in data:
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(stream, 4096) if ready else b""
        if not chunk:
            session.check_alive()
            raise SessionError(f"{what} was not written within {START_TIMEOUT:g} s")
        data += chunk
    return data.decode().strip()


def name_owned(session: Session, name: str) -> bool:
    reply = session.run("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}")
    return "boolean true" in reply


def selection_owned(display: str, selection: str) -> bool:
    """Whether some X client owns ``selection`` on ``display`` (Xlib through ctypes)."""
    xlib = ctypes.CDLL("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XGetSelectionOwner.restype = ctypes.c_ulong
    xlib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = xlib.XOpenDisplay(display.encode())
    if not connection:
        return False
    try:
        return xlib.XGetSelectionOwner(connection, xlib.XInternAtom(connection, selection.encode(), 0)) != 0
    finally:
        xlib.XCloseDisplay(connection)


@contextlib.contextmanager
def desktop_session(*, x: bool = True, tray: bool = True, notifications: bool = True) -> Iterator[Session]:
    """Start a desktop session (installing what is missing); stop it after.
    ``desktop_session(x=False, notifications=False)``: a session bus alone."""
    if notifications and not x:
        raise SessionError("dunst, the notification daemon, needs the X display")
    programs = ["dbus-daemon", "dbus-send"]
    if x:
        programs += ["Xvfb", "xdotool", "xwininfo"] + (["trayer"] if tray else [])
    if notifications:
        programs += ["dunst", "dunstctl"]
    ensure_packages(programs, xcb=x)
    with tempfile.TemporaryDirectory(prefix="weft-desktop-") as folder:
        session = Session(display="", bus="", folder=Path(folder))
        try:
            if x:
                _start_x(session)
            _start_bus(session)
            if notifications:
                (session.folder / "dunstrc").write_text(_DUNSTRC)
                session._start("dunst", ["dunst", "-config", str(session.folder / "dunstrc")], env=session.env)
                wait_until(lambda: name_owned(session, NOTIFICATIONS), f"dunst did not take {NOTIFICATIONS}",
                           session)
            if x and tray:
                session._start("trayer", ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel",
                                          "--width", "160", "--height", "32", "--transparent", "false",
                                          "--SetDockType", "true"], env=session.env)
                wait_until(lambda: selection_owned(session.display, "_NET_SYSTEM_TRAY_S0"),
                           "trayer did not take the tray selection _NET_SYSTEM_TRAY_S0", session)
            yield session
        finally:
            session.stop()


def _start_x(session: Session) -> None:
    # -displayfd: Xvfb picks a free display and writes its number when it is ready.
    read, write = os.pipe()
    try:
        process = session._start("Xvfb", ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24",
                                           "-nolisten", "tcp", "-noreset"], pass_fds=(write,))
        os.close(write)
        session.display = ":" + _read_line(read, "Xvfb's display number", process, session)
    finally:
        os.close(read)


def _start_bus(session: Session) -> None:
    config = session.folder / "bus.conf"
    config.write_text(_BUS_CONFIG.format(dir=session.folder))
    process = session._start("dbus-daemon", ["dbus-daemon", "--nofork", f"--config-file={config}", "--print-address"],
                             stdout=subprocess.PIPE)
    assert process.stdout is not None
    session.bus = _read_line(process.stdout.fileno(), "the session bus's address", process, session)


_GRAB = """import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1], "PNG") else 1)
"""


def screenshot(session: Session, path: Path) -> Path:
    """Save the whole screen of ``session`` as a PNG at ``path`` (Qt on xcb in a child)."""
    session.run(sys.executable, "-c", _GRAB, str(path), timeout=30)
    return path
