"""``--trim icu``: the ICU data stub is built with the machine's C compiler,
replaces Qt Core's ICU data, and Qt Core runs on it, falling back as
docs/packaging.md says (checked in a fresh Python that loads it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import PySide6
from weft import elf, icustub, trim
from weft.trim import TrimError

QT_LIB = Path(PySide6.__file__).parent / "Qt" / "lib"
REAL = icustub.data_library(QT_LIB)
VERSION = REAL.name.rsplit(".", 1)[1] if REAL else ""
#: What a process's Qt Core says about collation, case mapping and codecs,
#: and whether the ICU data it loaded (Qt's lib folder is argv[1]) is a stub.
PROBE = """
import sys
from pathlib import Path
from PySide6.QtCore import QCollator, QLocale, QStringDecoder
from weft import icustub
print(QCollator(QLocale("de_DE")).compare("ä", "z") < 0, QLocale("tr_TR").toUpper("istanbul"),
      QStringDecoder("Shift-JIS").isValid(), QStringDecoder("UTF-16").isValid(), QStringDecoder("Latin-1").isValid(),
      icustub.is_stub(icustub.loaded_data_library(Path(sys.argv[1]))))
"""


def compiler() -> list[str]:
    assert shutil.which("cc"), "this test needs a C compiler (Debian: apt-get install gcc), as --trim icu does"
    return ["cc"]


def probe(library_path: Path | None = None) -> str:
    env = {**os.environ, **({"LD_LIBRARY_PATH": str(library_path)} if library_path else {})}
    done = subprocess.run([sys.executable, "-c", PROBE, str(QT_LIB)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_qt_core_runs_on_the_stub_and_falls_back_as_documented(tmp_path: Path) -> None:
    assert REAL is not None, f"no libicudata in {QT_LIB}"
    icustub.build(VERSION, tmp_path / REAL.name, compiler())
    stub = tmp_path / REAL.name
    assert stub.stat().st_size < 64 * 1024 and icustub.is_stub(stub) and not icustub.is_stub(REAL)
    assert f"icudt{VERSION}_dat".encode() in stub.read_bytes()
    assert elf.read(stub) is not None
    # The real data: German collation, Turkish case mapping, Shift-JIS.
    assert probe() == "True İSTANBUL True True True False"
    # The stub (found first through LD_LIBRARY_PATH): code-point order and
    # only the UTFs and Latin-1, but case mapping is ICU's code, not data.
    assert probe(tmp_path) == "False İSTANBUL False True True True"


def test_replacing_the_data_says_what_it_saved_and_is_done_once(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    data = lib / "libicudata.so.73"
    data.write_bytes(b"\0" * (2 * 1024 * 1024))
    data.chmod(0o750)  # kept: cc makes 0o755
    (tmp_path / "libicudata.so.73").symlink_to(data)  # as PyInstaller links it beside the others
    assert icustub.data_library(lib) == data
    count, saved = icustub.replace_data(lib, compiler())
    assert count == 1 and saved == 2 * 1024 * 1024 - data.stat().st_size
    assert icustub.is_stub(data) and data.stat().st_mode & 0o777 == 0o750 and b"icudt73_dat" in data.read_bytes()
    assert (tmp_path / "libicudata.so.73").resolve() == data
    assert icustub.replace_data(lib, compiler()) == (0, 0)
    assert icustub.replace_data(tmp_path / "nothing", compiler()) == (0, 0)


def test_a_missing_or_broken_compiler_stops_the_icu_trim_before_the_freeze(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", "no-such-cc")
    trim.require_tools(["modules"])  # the others need none
    with pytest.raises(TrimError, match=r"--trim icu: no C compiler \(cc, or \$CC\) on PATH"):
        trim.require_tools(["icu"])
    monkeypatch.setenv("CC", "false")  # there, but builds nothing
    with pytest.raises(TrimError, match="--trim icu: false could not build the ICU data stub"):
        trim.require_tools(["icu"])
    monkeypatch.setenv("CC", "cc -O0")  # a command with arguments
    trim.require_tools(["icu"])
    monkeypatch.delenv("CC")
    trim.require_tools(["icu"])
