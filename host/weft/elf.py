"""What ``weft package``'s trims need to know of an ELF file: whether it
still carries symbols or debug sections (``strip`` would shrink it) and the
libraries it names as ``DT_NEEDED``. Read from the headers, no tool needed::

    info = elf.read(Path("libpython3.11.so.1.0"))
    info.unstripped, info.needed   # True, ('libm.so.6', 'libc.so.6', ...)

Only the section table and the dynamic section are read, so a 200 MiB
library costs a few reads. Qt-free.
"""

from __future__ import annotations

import struct
from pathlib import Path

import attrs

MAGIC = b"\x7fELF"
SHT_DYNAMIC = 6
DT_NEEDED = 1
#: Sections ``strip`` removes whose presence marks a file as unstripped.
SYMBOL_SECTIONS = (".symtab", ".strtab")
DEBUG_PREFIXES = (".debug_", ".zdebug_")


@attrs.frozen(kw_only=True)
class ElfInfo:
    unstripped: bool
    """It has a symbol table or debug sections."""
    needed: tuple[str, ...]
    """Its ``DT_NEEDED`` sonames, in order."""


def is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(4) == MAGIC
    except OSError:
        return False


def read(path: Path) -> ElfInfo | None:
    """The file's :class:`ElfInfo`, or None if it is not an ELF file (or is
    truncated or malformed)."""
    try:
        with open(path, "rb") as file:
            return _read(file)
    except (OSError, struct.error, ValueError, IndexError):
        return None


def _read(file) -> ElfInfo | None:  # type: ignore[no-untyped-def]
    ident = file.read(16)
    if len(ident) < 16 or ident[:4] != MAGIC or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        return None
    wide, order = ident[4] == 2, "<" if ident[5] == 1 else ">"
    header = file.read(48 if wide else 36)
    if wide:
        shoff, = struct.unpack_from(order + "Q", header, 24)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", header, 42)
        section = struct.Struct(order + "IIQQQQIIQQ")  # name type flags addr offset size link info align entsize
    else:
        shoff, = struct.unpack_from(order + "I", header, 16)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", header, 30)
        section = struct.Struct(order + "IIIIIIIIII")
    if shoff == 0 or shnum == 0 or shentsize < section.size or shstrndx >= shnum:
        return ElfInfo(unstripped=False, needed=())
    file.seek(shoff)
    table = file.read(shentsize * shnum)
    sections = [section.unpack_from(table, index * shentsize) for index in range(shnum)]

    def contents(entry: tuple[int, ...]) -> bytes:
        file.seek(entry[4])
        return file.read(entry[5])

    names = contents(sections[shstrndx])
    section_names = [names[entry[0]:names.index(b"\0", entry[0])].decode("ascii", "replace") for entry in sections]
    unstripped = any(name in SYMBOL_SECTIONS or name.startswith(DEBUG_PREFIXES) for name in section_names)
    needed: list[str] = []
    entry_format = struct.Struct(order + ("qQ" if wide else "iI"))
    for entry in sections:
        if entry[1] != SHT_DYNAMIC or entry[6] >= shnum:
            continue
        strings = contents(sections[entry[6]])  # sh_link: its string table
        dynamic = contents(entry)
        for offset in range(0, len(dynamic) - entry_format.size + 1, entry_format.size):
            tag, value = entry_format.unpack_from(dynamic, offset)
            if tag == 0:
                break
            if tag == DT_NEEDED:
                needed.append(strings[value:strings.index(b"\0", value)].decode("utf-8", "replace"))
    return ElfInfo(unstripped=unstripped, needed=tuple(needed))
