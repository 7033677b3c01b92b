"""``plugin.toml`` and the entry it names are small regular files, and a
plugin's id is a name, never an address.

A FIFO, socket, device or folder is refused without being read (a FIFO
opened for reading would wait for a writer for ever, on the event loop's
thread); a manifest past the cap is refused after reading at most one byte
more than the cap. Every parse here runs on a thread with a deadline, so a
missing protection fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import weft
from weft import ManifestError, plugins
from weft.plugins.manifest import MANIFEST_MAX_BYTES, Manifest, parse_manifest

MANIFEST = 'id = "notes"\nname = "Notes"\nversion = "1.0.0"\nentry = "{entry}"\napi = 1\n'
DEADLINE = 5.0
"""Seconds a parse may take; a real one takes about a millisecond."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "index.html").write_text("<!doctype html>")
    return plugin


def write_manifest(folder: Path, entry: str = "index.html", padding: int = 0) -> Path:
    """A valid manifest, grown by a comment to ``padding`` more bytes."""
    text = MANIFEST.format(entry=entry)
    if padding:
        text += "#" + "x" * (padding - 2) + "\n"
    path = folder / "plugin.toml"
    path.write_text(text)
    return path


def _release_readers(folder: Path) -> None:
    """Open every FIFO under ``folder`` (and FIFOs its links lead to) for
    writing, then close it: a reader stuck on it sees end of file."""
    for path in [folder.parent, *folder.parent.rglob("*")]:
        try:
            if stat.S_ISFIFO(os.stat(path).st_mode):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # no reader waits on it, or it is gone


def parse_soon(folder: Path) -> Manifest | BaseException:
    """``parse_manifest(folder)`` on a daemon thread: the manifest or what it
    raised. Fails the test if it has not returned within DEADLINE."""
    outcome: list[Manifest | BaseException] = []

    def parse() -> None:
        try:
            outcome.append(parse_manifest(folder))
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=parse, name="parse_manifest", daemon=True)
    thread.start()
    thread.join(DEADLINE)
    if thread.is_alive():
        _release_readers(folder)
        thread.join(DEADLINE)
        pytest.fail(f"parse_manifest({folder}) was still waiting after {DEADLINE} s")
    return outcome[0]


# For files that never end: a missing cap would read on, in memory, for
# ever, so the parse runs in a child process with a memory limit that is
# killed at the deadline.
_CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from weft import ManifestError
from weft.plugins.manifest import parse_manifest
resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))
try:
    parse_manifest(sys.argv[2])
except ManifestError as exc:
    print(json.dumps({"field": exc.field, "message": str(exc)}))
"""


def refused_in_child(folder: Path) -> str:
    """Like :func:`refused` (for the whole file), in a child process."""
    source_root = str(Path(weft.__file__).resolve().parents[1])
    try:
        child = subprocess.run([sys.executable, "-c", _CHILD, source_root, str(folder)],
                               capture_output=True, text=True, timeout=4 * DEADLINE)
    except subprocess.TimeoutExpired:
        pytest.fail(f"parse_manifest({folder}) was still reading after {4 * DEADLINE} s")
    assert child.returncode == 0 and child.stdout, f"no ManifestError: {child.stderr[-2000:]}"
    outcome = json.loads(child.stdout)
    assert outcome["field"] == ""
    return outcome["message"]


def refused(folder: Path, field: str = "") -> str:
    """Parse ``folder`` expecting a ManifestError for ``field``; its message."""
    outcome = parse_soon(folder)
    if not isinstance(outcome, ManifestError):
        raise AssertionError(f"expected a ManifestError, got {outcome!r}") from (
            outcome if isinstance(outcome, BaseException) else None)
    assert outcome.field == field
    assert outcome.path == folder.resolve() / "plugin.toml"
    return str(outcome)


@pytest.fixture
def unix_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Binds a Unix socket at a path relative to the working directory (a
    full tmp path can pass the 108-byte limit of socket addresses)."""
    sockets: list[socket.socket] = []

    def bind(path: Path) -> None:
        monkeypatch.chdir(path.parent)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sockets.append(server)
        server.bind(path.name)

    yield bind
    for server in sockets:
        server.close()


# -- plugin.toml ------------------------------------------------------------


def test_a_fifo_manifest_is_refused_without_waiting(folder: Path) -> None:
    os.mkfifo(folder / "plugin.toml")
    assert "is a FIFO (named pipe), not a regular file" in refused(folder)


def test_a_link_to_a_fifo_is_refused_without_waiting(folder: Path) -> None:
    os.mkfifo(folder.parent / "pipe")
    (folder / "plugin.toml").symlink_to(folder.parent / "pipe")
    assert "is a FIFO (named pipe), not a regular file" in refused(folder)


def test_a_link_to_dev_zero_is_refused_unread(folder: Path) -> None:
    (folder / "plugin.toml").symlink_to("/dev/zero")
    assert "is a character device, not a regular file" in refused_in_child(folder)


def test_a_socket_manifest_is_refused(folder: Path, unix_socket: Any) -> None:
    unix_socket(folder / "plugin.toml")
    assert "is a socket, not a regular file" in refused(folder)


def test_a_folder_manifest_is_refused(folder: Path) -> None:
    (folder / "plugin.toml").mkdir()
    assert "is a folder, not a regular file" in refused(folder)


def test_a_manifest_past_the_cap_is_refused(folder: Path) -> None:
    write_manifest(folder, padding=MANIFEST_MAX_BYTES)
    assert (folder / "plugin.toml").stat().st_size > MANIFEST_MAX_BYTES
    assert f"is larger than {MANIFEST_MAX_BYTES} bytes" in refused(folder)


def test_a_manifest_of_exactly_the_cap_is_read(folder: Path) -> None:
    path = write_manifest(folder)
    write_manifest(folder, padding=MANIFEST_MAX_BYTES - path.stat().st_size)
    assert path.stat().st_size == MANIFEST_MAX_BYTES
    outcome = parse_soon(folder)
    assert isinstance(outcome, Manifest) and outcome.id == "notes"


def test_a_manifest_that_reports_a_small_size_is_read_only_to_the_cap(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # st_size can lie (files of /proc, a file still growing): the read is bounded anyway.
    path = write_manifest(folder, padding=8 * MANIFEST_MAX_BYTES)
    real_fstat, real_read = os.fstat, os.read
    inode = path.stat().st_ino
    read: list[int] = []

    def lying_fstat(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        if info.st_ino != inode:
            return info
        fields = list(info)
        fields[stat.ST_SIZE] = 100
        return os.stat_result(fields)

    def counting_read(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        if real_fstat(fd).st_ino == inode:
            read.append(len(data))
        return data

    monkeypatch.setattr(os, "fstat", lying_fstat)
    monkeypatch.setattr(os, "read", counting_read)
    assert f"is larger than {MANIFEST_MAX_BYTES} bytes" in refused(folder)
    assert sum(read) == MANIFEST_MAX_BYTES + 1  # one byte past the cap tells it is too large; no more is read


def swap_for_a_fifo_when_opened(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace ``path`` by a FIFO just before it is opened: after any look
    at it, as an attacker racing the check would."""
    real_open = os.open

    def swapping_open(target: Any, *args: Any, **kwargs: Any) -> int:
        if Path(target) == path and path.is_file():
            path.unlink()
            os.mkfifo(path)
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(os, "open", swapping_open)


def test_a_fifo_swapped_in_after_the_first_look_is_refused_without_waiting(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    swap_for_a_fifo_when_opened(write_manifest(folder), monkeypatch)
    assert "was replaced while it was checked (by a FIFO (named pipe))" in refused(folder)


# -- the entry ----------------------------------------------------------------


def test_a_fifo_entry_is_refused(folder: Path) -> None:
    os.mkfifo(folder / "page.html")
    write_manifest(folder, entry="page.html")
    assert "'page.html' is a FIFO (named pipe), not a regular file" in refused(folder, "entry")


def test_an_entry_linked_to_a_fifo_in_the_folder_is_refused(folder: Path) -> None:
    os.mkfifo(folder / "pipe")
    (folder / "page.html").symlink_to(folder / "pipe")
    write_manifest(folder, entry="page.html")
    assert "is a FIFO (named pipe), not a regular file" in refused(folder, "entry")


def test_an_entry_linked_to_dev_zero_is_refused(folder: Path) -> None:
    (folder / "page.html").symlink_to("/dev/zero")
    write_manifest(folder, entry="page.html")
    assert "leads outside the plugin's folder" in refused(folder, "entry")


def test_a_socket_entry_is_refused(folder: Path, unix_socket: Any) -> None:
    unix_socket(folder / "page.html")
    write_manifest(folder, entry="page.html")
    assert "'page.html' is a socket, not a regular file" in refused(folder, "entry")


def test_a_folder_entry_is_refused(folder: Path) -> None:
    (folder / "pages").mkdir()
    write_manifest(folder, entry="pages")
    assert "'pages' is a folder, not a regular file" in refused(folder, "entry")


def test_an_entry_swapped_for_a_fifo_after_the_first_look_is_refused(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_manifest(folder)
    swap_for_a_fifo_when_opened(folder.resolve() / "index.html", monkeypatch)
    assert "'index.html' was replaced while it was checked (by a FIFO (named pipe))" in refused(folder, "entry")


# -- ids ----------------------------------------------------------------------

# Each of these, as the host of plugin://<id>/, is parsed as an IPv4 address.
NUMERIC_IDS = ["2130706433", "0x7f000001", "0", "0177", "127-0-0-1", "1e3", "9-lives"]


@pytest.mark.parametrize("plugin_id", NUMERIC_IDS)
def test_ids_not_starting_with_a_letter_are_refused(folder: Path, plugin_id: str) -> None:
    write_manifest(folder)
    text = (folder / "plugin.toml").read_text().replace('id = "notes"', f'id = "{plugin_id}"')
    (folder / "plugin.toml").write_text(text)
    message = refused(folder, "id")
    assert "starting with a letter" in message and "[a-z0-9-]" in message


@pytest.mark.parametrize("plugin_id", ["a", "x7f000001", "a2130706433", "e1", "notes-2"])
def test_ids_starting_with_a_letter_are_accepted(folder: Path, plugin_id: str) -> None:
    write_manifest(folder)
    text = (folder / "plugin.toml").read_text().replace('id = "notes"', f'id = "{plugin_id}"')
    (folder / "plugin.toml").write_text(text)
    outcome = parse_soon(folder)
    assert isinstance(outcome, Manifest) and outcome.id == plugin_id


# -- through weft.plugins.load, on the running event loop ------------------------


@pytest.mark.timeout(60, method="signal")  # a backstop: the timer below releases the FIFO first
def test_plugins_load_refuses_a_fifo_and_a_numeric_id(runtime: weft.Runtime, arun: Any, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "plugin.toml")
    numeric = tmp_path / "numeric"
    numeric.mkdir()
    (numeric / "index.html").write_text("<!doctype html>")
    (numeric / "plugin.toml").write_text(MANIFEST.format(entry="index.html").replace('"notes"', '"2130706433"', 1))

    async def refusal(folder: Path) -> str:
        try:
            await plugins.load(folder)
        except ManifestError as exc:
            return str(exc)
        return "accepted"

    async def main() -> tuple[str, str]:
        return await refusal(fifo), await refusal(numeric)

    # load() runs on the event loop's thread: had it opened the FIFO to wait
    # for a writer, only this timer (a writer that opens and closes) would
    # let the loop go on.
    released = threading.Event()
    timer = threading.Timer(DEADLINE, lambda: (released.set(), _release_readers(fifo)))
    timer.start()
    try:
        fifo_message, numeric_message = arun(main(), timeout=4 * DEADLINE)
    finally:
        timer.cancel()
    assert not released.is_set(), f"plugins.load waited on a FIFO for {DEADLINE} s, blocking the event loop"
    assert "is a FIFO (named pipe), not a regular file" in fifo_message
    assert "starting with a letter" in numeric_message
