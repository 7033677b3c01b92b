"""``weft package --trim icu``: Qt Core's ICU data library replaced by one
that holds no data.

Qt Core links ICU (``libicuuc``, ``libicui18n``), whose 31 MiB of data sit
in ``libicudata.so.<N>`` as one symbol, ``icudt<N>_dat``. The replacement
exports that symbol as an ICU data package with no entries: ICU then finds
no collation, converter or time-zone name data, and Qt falls back (QCollator
compares code points; QStringDecoder knows only the UTFs and Latin-1). Case
mapping and character properties are compiled into ``libicuuc`` and keep
working, and so do pages: Chromium has its own ICU and ``icudtl.dat``.

The library is compiled from :data:`SOURCE` with the machine's C compiler.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from .errors import Error

#: An ICU common-data package ("CmnD", format 1) with no entries: a
#: 32-byte header (ICU's MappedData and UDataInfo, padded) and a count of 0,
#: in the target's byte order. No headers and no C library are used, so a
#: bare compiler builds it. ``{version}`` is ICU's major version, as in the
#: library's name.
SOURCE = """\
const struct {
    unsigned short header_size;
    unsigned char magic[2];
    unsigned short info_size, reserved_word;
    unsigned char big_endian, charset_family, sizeof_uchar, reserved_byte;
    unsigned char format[4], format_version[4], data_version[4];
    unsigned char padding[8];
    unsigned int entries, unused;
} __attribute__((aligned(16))) icudt{version}_dat = {
    32, {0xda, 0x27}, 20, 0, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__, 0, 2, 0,
    {'C', 'm', 'n', 'D'}, {1, 0, 0, 0}, {0, 0, 0, 0}, {0}, 0, 0,
};
"""
STUB_LIMIT = 1024 * 1024
"""A ``libicudata`` smaller than this is a stub (the real one is 31 MiB)."""
_NAME = re.compile(r"libicudata\.so\.(\d+)$")


class BuildError(Error):
    """The C compiler could not build the stub."""


def data_library(lib: Path) -> Path | None:
    """The ICU data library in Qt's ``lib`` folder, if there is one."""
    return next((path for path in sorted(lib.glob("libicudata.so.*"))
                 if _NAME.search(path.name) and path.is_file() and not path.is_symlink()), None)


def loaded_data_library(fallback: Path) -> Path | None:
    """The ICU data library this process has mapped (Linux), else the one
    in Qt's ``lib`` folder ``fallback``."""
    maps = Path("/proc/self/maps")
    if maps.exists():
        for line in maps.read_text().splitlines():
            if _NAME.search(line):
                return Path(line.split(maxsplit=5)[-1])
    return data_library(fallback)


def is_stub(library: Path | None) -> bool:
    """Whether the ICU data library ``library`` is a stub."""
    return library is not None and library.stat().st_size < STUB_LIMIT


def build(version: str, target: Path, compiler: list[str]) -> None:
    """Compile the stub for ICU ``version`` into ``target`` (with its soname)
    with the ``compiler`` command (``["cc"]``, ``["ccache", "gcc"]``, ...)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "icudata_stub.c"
        source.write_text(SOURCE.replace("{version}", version), "utf-8")
        try:
            made = subprocess.run([*compiler, "-shared", "-fPIC", "-nostdlib", "-O2", "-s",
                                   f"-Wl,-soname,libicudata.so.{version}", "-o", str(target), str(source)],
                                  capture_output=True, text=True)
        except OSError as exc:
            raise BuildError(f"{compiler[0]} could not be run: {exc}") from None
    if made.returncode != 0:
        raise BuildError(f"{' '.join(compiler)} could not build the ICU data stub: "
                         f"{(made.stderr or made.stdout).strip()[:400]}")


def replace_data(lib: Path, compiler: list[str]) -> tuple[int, int]:
    """Replace the ICU data library in Qt's ``lib`` folder by the stub;
    return (files replaced, bytes saved). A stub already there is kept."""
    path = data_library(lib)
    if path is None or path.stat().st_size < STUB_LIMIT:
        return 0, 0
    version = _NAME.search(path.name).group(1)  # type: ignore[union-attr]
    before = path.stat().st_size
    stub = path.with_name(path.name + ".stub")
    build(version, stub, compiler)
    stub.chmod(path.stat().st_mode)
    stub.replace(path)
    return 1, before - path.stat().st_size
