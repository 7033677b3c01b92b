"""Single instance across real processes: tests/e2e/instance_app/child.py
claims an app id as weft.run does (weft.app.instance)."""

from __future__ import annotations

import json
import os
import queue
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from PySide6.QtCore import QLockFile

from weft.app import instance
from weft.errors import ArgumentError, PlatformError

from .conftest import clean_env

CHILD = Path(__file__).parent / "instance_app" / "child.py"
APP = "org.example.shelf"


class Child:
    """A running child.py: its stdout's JSON lines awaited with a timeout."""

    def __init__(self, env: dict[str, str], app_id: str, *args: str, cwd: Path, options: tuple[str, ...] = ()) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD), *options, app_id, *args], cwd=cwd, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[Any] = queue.Queue()
        self._stderr: list[str] = []
        self._pumps = [threading.Thread(target=self._pump, daemon=True),
                       threading.Thread(target=lambda: self._stderr.extend(self.process.stderr), daemon=True)]
        for pump in self._pumps:
            pump.start()

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)  # the end

    def next(self, timeout: float = 30.0) -> Any:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line from the child within {timeout} s; stderr: {self.stderr!r}") from None
        if line is None:
            self.process.wait(timeout=timeout)
            raise AssertionError(f"the child ended ({self.process.returncode}); stderr: {self.stderr!r}")
        return line

    def send(self, command: str) -> None:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def quit(self, timeout: float = 30.0) -> tuple[int, list[Any]]:
        """Stop it; its exit code and the lines it printed that were not read."""
        self.send("quit")
        code = self.process.wait(timeout=timeout)
        for pump in self._pumps:
            pump.join(timeout=timeout)
        return code, [line for line in iter(self.lines.get_nowait, None)]

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Per-test user folders, for the children and for this process (which
    computes where the lock and the socket are). The runtime folder has a
    short path, as /run/user/<uid> does: socket paths are limited."""
    runtime = Path(tempfile.mkdtemp(prefix="wi-"))
    values = {"XDG_RUNTIME_DIR": runtime, "XDG_CACHE_HOME": tmp_path / "c",
              "XDG_DATA_HOME": tmp_path / "data", "XDG_CONFIG_HOME": tmp_path / "config",
              "XDG_STATE_HOME": tmp_path / "state", "TMPDIR": tmp_path / "tmp"}
    values["TMPDIR"].mkdir()
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setattr(tempfile, "tempdir", str(values["TMPDIR"]))
    yield {**clean_env(), **{name: str(value) for name, value in values.items()}}
    shutil.rmtree(runtime)
    assert not any(values["TMPDIR"].iterdir()), "fell back to the temp folder"


@pytest.fixture
def spawn(env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    children: list[Child] = []

    def start(app_id: str = APP, *args: str, cwd: Path = tmp_path, options: tuple[str, ...] = (),
              environment: dict[str, str] | None = None) -> Child:
        children.append(Child(environment or env, app_id, *args, cwd=cwd, options=options))
        return children[-1]

    yield start
    for child in children:
        if child.process.poll() is None:
            os.kill(child.process.pid, signal.SIGCONT)
            child.process.kill()
        child.process.wait(timeout=30)


def launch(env: dict[str, str], app_id: str, *args: str, cwd: Path) -> tuple[int, list[Any], str, float]:
    """A later launch, run to its end: exit code, stdout's lines, stderr, and
    how long it took."""
    began = time.monotonic()
    done = subprocess.run([sys.executable, str(CHILD), app_id, *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - began
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr, took


def primary_of(child: Child) -> int:
    line = child.next()
    assert "primary" in line, f"not the primary: {line!r}; stderr: {child.stderr!r}"
    return line["primary"]


def test_a_later_launch_hands_over_its_argv_and_cwd_and_exits_0(spawn: Any, env: dict[str, str],
                                                               tmp_path: Path) -> None:
    first = spawn()
    primary_of(first)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, err, took = launch(env, APP, "--open", "notes 1.txt", "shelf://item/7", cwd=elsewhere)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert took < 5, f"a hand-over took {took:.1f} s"  # only a hang guard: it takes a fraction of a second
    assert first.next() == {"argv": ["--open", "notes 1.txt", "shelf://item/7"], "cwd": str(elsewhere)}

    code, out, err, _ = launch(env, APP, "ünïcode", "", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert first.next() == {"argv": ["ünïcode", ""], "cwd": str(tmp_path)}
    assert first.quit() == (0, [])
    assert "weft.app" not in first.stderr


def test_launches_before_the_app_listens_wait_for_it(spawn: Any, env: dict[str, str], tmp_path: Path) -> None:
    first = spawn(options=("--late",))
    primary_of(first)
    for word in ("early", "earlier"):
        code, out, err, _ = launch(env, APP, word, cwd=tmp_path)
        assert (code, out) == (0, [{"handed_over": True}]), err  # acked: the instance has it
    first.send("listen")
    assert [first.next(), first.next()] == [{"argv": ["early"], "cwd": str(tmp_path)},
                                            {"argv": ["earlier"], "cwd": str(tmp_path)}]
    assert first.quit() == (0, [])


def test_two_launches_at_once_make_one_primary(spawn: Any, tmp_path: Path) -> None:
    one, two = spawn(APP, "one"), spawn(APP, "two")
    first_lines = {"one": one.next(), "two": two.next()}
    primaries = [name for name, line in first_lines.items() if "primary" in line]
    assert len(primaries) == 1, first_lines
    (primary,) = primaries
    other = "two" if primary == "one" else "one"
    assert first_lines[other] == {"handed_over": True}
    running = one if primary == "one" else two
    assert running.next() == {"argv": [other], "cwd": str(tmp_path)}


def test_a_launch_waits_while_the_holder_has_not_listened_yet(spawn: Any, env: dict[str, str]) -> None:
    # This process holds the lock as an instance does between taking it and
    # listening; it lets go (quits) once the launch has tried twice, and
    # found nobody listening.
    lock_path, _ = instance._where(APP)
    lock = QLockFile(str(lock_path))
    assert lock.tryLock(0)
    try:
        child = spawn(options=("--trace",))
        assert [child.next(), child.next()] == [{"attempt": None}] * 2
    finally:
        lock.unlock()
    while (line := child.next()) == {"attempt": None}:
        pass
    assert "primary" in line, line


def test_a_crashed_instance_does_not_block_the_next_start(spawn: Any, env: dict[str, str], tmp_path: Path) -> None:
    crashed = spawn()
    primary_of(crashed)
    crashed.process.send_signal(signal.SIGKILL)
    crashed.process.wait(timeout=30)
    lock, server = instance._where(APP)
    assert lock.exists() and Path(server).exists()  # left behind: stale

    after = spawn()
    primary_of(after)
    code, out, err, _ = launch(env, APP, "again", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert after.next() == {"argv": ["again"], "cwd": str(tmp_path)}


def test_a_lock_whose_holder_never_listens_is_taken_over(spawn: Any, tmp_path: Path) -> None:
    # A crashed instance's lock, whose PID now belongs to a live process of
    # the same program (a reused PID): Qt cannot tell it is stale.
    crashed = spawn()
    primary_of(crashed)
    crashed.process.send_signal(signal.SIGKILL)
    crashed.process.wait(timeout=30)
    lock, _ = instance._where(APP)
    lines = lock.read_text().split("\n")
    lock.write_text("\n".join([str(os.getpid()), *lines[1:]]))

    after = spawn()
    primary_of(after)
    assert after.quit() == (0, [])  # and its stderr read to the end
    assert f"took over the lock of process {os.getpid()}" in after.stderr


def test_a_live_lock_holder_is_never_stolen_from(env: dict[str, str], tmp_path: Path) -> None:
    lock_path, _ = instance._where(APP)
    lock = QLockFile(str(lock_path))
    assert lock.tryLock(0)
    try:
        code, out, err, _ = launch(env, APP, "x", cwd=tmp_path)
    finally:
        lock.unlock()
    assert (code, out) == (2, []), err
    assert err.startswith(f"weft: {APP} is already running (process {os.getpid()}) but did not answer")


def test_a_hung_instance_is_not_duplicated_nor_acts_later(spawn: Any, env: dict[str, str],
                                                            tmp_path: Path) -> None:
    hung = spawn()
    primary_of(hung)
    hung.process.send_signal(signal.SIGSTOP)
    try:
        code, out, err, took = launch(env, APP, "x", cwd=tmp_path)
    finally:
        hung.process.send_signal(signal.SIGCONT)
    assert (code, out) == (2, []), err
    assert err.splitlines() == [f"weft: {APP} is already running (process {hung.process.pid}) "
                                "but did not answer within 1 s; not starting a second instance "
                                "(nor handing it these arguments)"]
    assert took < 10
    # Awake again, it drops the launch that said it failed: the next is the first it acts on.
    code, out, err, _ = launch(env, APP, "y", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert hung.next() == {"argv": ["y"], "cwd": str(tmp_path)}
    assert hung.quit() == (0, [])
    assert "dropped a hand-over" in hung.stderr


def test_different_app_ids_never_collide(spawn: Any, env: dict[str, str], tmp_path: Path) -> None:
    # Long ids that differ only at their end: the names are hashed.
    long_one, long_two = "org.example." + "a" * 200 + "1", "org.example." + "a" * 200 + "2"
    children = {app_id: spawn(app_id) for app_id in (APP, "org.example.other", long_one, long_two)}
    for child in children.values():
        primary_of(child)
    code, out, err, _ = launch(env, long_two, "to-two", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert children[long_two].next() == {"argv": ["to-two"], "cwd": str(tmp_path)}
    for app_id, child in children.items():
        assert child.quit() == (0, []), app_id


def _frame(value: Any) -> bytes:
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    return struct.pack(">I", len(data)) + data


def _exchange(path: str, data: bytes, go: bytes | None = b"\x04") -> bytes:
    """Send ``data`` to the primary's socket as any process could; what it
    answers before it closes (its ack, or nothing). After an ack, ``go``
    (None: nothing, as a launch that gave up)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(path)
        conn.sendall(data)
        try:
            answer = conn.recv(16)
        except ConnectionResetError:
            return b""
        if answer and go is not None:
            conn.sendall(go)
            conn.recv(16)  # the primary closes once it has the go-ahead (b""), or refuses it
        return answer


def test_garbage_is_dropped_and_the_primary_keeps_working(spawn: Any, env: dict[str, str], tmp_path: Path) -> None:
    primary = spawn(options=("--idle-ms=300",))
    primary_of(primary)
    _, server = instance._where(APP)
    garbage = [
        struct.pack(">I", instance.MAX_MESSAGE + 1),  # announces too much
        _frame(b"not json"),
        _frame(b"[" * 100_000 + b"]" * 100_000),  # too deep for json
        _frame(["argv", "cwd"]),
        _frame({"argv": [1], "cwd": "/"}),
        _frame({"argv": "a", "cwd": "/"}),
        _frame({"argv": [], "cwd": None}),
        _frame({"argv": [], "cwd": "/", "more": 1}),
        b"\x00\x00",  # then nothing: dropped when idle
    ]
    for data in garbage:
        assert _exchange(server, data) == b"", data[:40]
    # Acked, but no go-ahead, or a wrong one: never acted on.
    assert _exchange(server, _frame({"argv": ["gave up"], "cwd": "/"}), go=None) == b"\x06"
    assert _exchange(server, _frame({"argv": ["wrong go"], "cwd": "/"}), go=b"\x04\x04") == b"\x06"
    assert _exchange(server, _frame({"argv": ["raw"], "cwd": "/r"})) == b"\x06"
    assert primary.next() == {"argv": ["raw"], "cwd": "/r"}

    code, out, err, _ = launch(env, APP, "real", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert primary.next() == {"argv": ["real"], "cwd": str(tmp_path)}
    assert primary.quit() == (0, [])
    dropped = [line for line in primary.stderr.splitlines() if "dropped a hand-over" in line]
    assert len(dropped) == len(garbage) + 2, primary.stderr
    assert all(line.startswith("weft.app: ") for line in dropped)
    assert "over the 1048576 limit" in dropped[0] and "nothing complete within 300 ms" in dropped[-3]
    assert "gave up before it saw the ack" in dropped[-2] and "not a go-ahead" in dropped[-1]


def test_a_flood_of_idle_connections_holds_a_few_files_and_a_launch_gets_through(
        spawn: Any, env: dict[str, str], tmp_path: Path) -> None:
    """Only this user can connect; still, one client held 6,000 connections
    (a file descriptor each) for IDLE_MS before the cap."""
    primary = spawn(options=("--idle-ms=2000",))
    primary_of(primary)
    _, server = instance._where(APP)
    fds = f"/proc/{primary.process.pid}/fd"
    before = len(os.listdir(fds))
    flood = []
    try:
        for _ in range(60):
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(server)
            flood.append(conn)
        refused: set[socket.socket] = set()
        deadline = time.monotonic() + 30
        while len(refused) < 60 - instance.MAX_EXCHANGES and time.monotonic() < deadline:
            readable, _, _ = select.select([c for c in flood if c not in refused], [], [], 1.0)
            refused.update(c for c in readable if c.recv(16) == b"")
        assert len(refused) == 60 - instance.MAX_EXCHANGES
        assert len(os.listdir(fds)) - before <= instance.MAX_EXCHANGES + 4, (before, len(os.listdir(fds)))
    finally:
        for conn in flood:
            conn.close()
    code, out, err, _ = launch(env, APP, "after the flood", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert primary.next() == {"argv": ["after the flood"], "cwd": str(tmp_path)}
    assert primary.quit() == (0, [])
    said = [line for line in primary.stderr.splitlines() if "refused" in line]
    assert said and said[0].startswith("weft.app: single instance: refused 1 connection(s): 8 hand-overs already")
    assert len(said) <= 3, said  # at most once a second, with the count


def test_close_releases_the_instance(spawn: Any, env: dict[str, str], tmp_path: Path) -> None:
    first = spawn()
    primary_of(first)
    first.send("close")
    assert first.next() == {"closed": True}
    second = spawn()  # while the first still runs
    primary_of(second)
    code, out, err, _ = launch(env, APP, "to-second", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert second.next() == {"argv": ["to-second"], "cwd": str(tmp_path)}
    assert first.quit() == (0, [])


def test_without_a_runtime_dir_the_cache_folder_holds_it(spawn: Any, env: dict[str, str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    app_id = "org.e.s"  # the tests' folders are deeper than ~/.cache
    del env["XDG_RUNTIME_DIR"]
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    lock, server = instance._where(app_id)
    assert lock.parent == tmp_path / "c" / app_id and Path(server).parent == lock.parent
    first = spawn(app_id, environment=env)
    primary_of(first)
    assert lock.exists()
    code, out, err, _ = launch(env, app_id, "cached", cwd=tmp_path)
    assert (code, out) == (0, [{"handed_over": True}]), err
    assert first.next() == {"argv": ["cached"], "cwd": str(tmp_path)}


def test_a_long_folder_falls_back_to_a_private_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    temp = Path(tempfile.mkdtemp(prefix="wt-"))  # short, as /tmp is
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    try:
        lock, server = instance._where(APP)
        assert lock.parent == Path(server).parent == temp / f"weft-{os.getuid()}"
        assert len(os.fsencode(server)) <= 100
        assert lock.parent.stat().st_mode & 0o777 == 0o700
        lock.parent.chmod(0o755)  # another could read it (or made it): not ours to use
        with pytest.raises(PlatformError, match="not a folder private to this user"):
            instance._where(APP)
    finally:
        shutil.rmtree(temp)


def test_claim_checks_its_arguments(qapp: Any, env: dict[str, str]) -> None:
    for args in [("", [], "/"), (APP, "a b", "/"), (APP, [1], "/"), (APP, [], None)]:
        with pytest.raises(ArgumentError):
            instance.claim(*args)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="too long to hand over"):
        instance.claim(APP, ["x" * instance.MAX_MESSAGE], "/")
