"""Opening files that must be regular files, without ever waiting.

Qt-free. A plugin's folder is the plugin's: it may hold a FIFO, a socket, a
device or a link to one, and may swap one in after a first look. Reading
such a thing on the event loop's thread would block the whole app.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Never wait on what is opened (a FIFO swapped in after the first look) and
# never let it become a controlling terminal.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def not_regular(mode: int) -> str | None:
    """What a file of ``mode`` is, if it is not a regular file."""
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def open_regular(path: Path, *, follow: bool = True) -> int | str:
    """Open ``path`` for reading if it is a regular file: its descriptor, or
    why not. ``stat`` first, so a FIFO or device is never even opened
    (opening some devices does something); then ``fstat`` on what was
    opened, for a file swapped in between. Raises OSError if it cannot be
    opened at all."""
    before = os.stat(path)
    kind = not_regular(before.st_mode)
    if kind is not None:
        return f"is {kind}, not a regular file"
    fd = os.open(path, _OPEN_FLAGS | (0 if follow else getattr(os, "O_NOFOLLOW", 0)))
    try:
        after = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    kind = not_regular(after.st_mode)
    if kind is not None or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        return f"was replaced while it was checked{f' (by {kind})' if kind else ''}; it must be a regular file"
    return fd




def read_regular(path: Path, limit: int) -> bytes | str:
    """The bytes of the regular file ``path``, read to at most one byte past
    ``limit`` (so a caller sees a file too large without reading it all; not
    by ``st_size``, which can lie for a file still growing or one of
    ``/proc``), or why it is not a regular file. Raises OSError if it cannot
    be opened or read."""
    fd = open_regular(path)
    if isinstance(fd, str):
        return fd
    try:
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0 and (chunk := os.read(fd, left)):
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)
