"""``weft package``'s tarball: ``.tar.gz`` by default, ``.tar.xz`` with
``--compress small``; the ``.deb``'s xz level goes with it::

    suffix, deb_level = COMPRESSION["small"]
    make_tarball(bundle, out / f"shelf-1.0.0-linux-x86_64{suffix}")

An archive is written beside its target as ``*.partial`` and renamed when
whole, so one that fails leaves nothing behind.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

from .errors import Error


class ArchiveError(Error):
    """The ``xz`` tool failed while writing an archive."""


#: ``--compress``: the tarball's format and the ``.deb``'s xz level. "small"
#: takes minutes more (xz -9, with the ``xz`` tool's threads when it is there).
COMPRESSION = {"fast": (".tar.gz", 3), "small": (".tar.xz", 9)}


def make_tarball(bundle: Path, target: Path) -> Path:
    """``target`` (``.tar.gz``: gzip -6; ``.tar.xz``: xz -9) of ``bundle``,
    written beside it as ``*.partial`` and renamed when whole: a failed
    archive leaves nothing behind."""
    partial = target.with_name(target.name + ".partial")
    try:
        if target.name.endswith(".tar.gz"):
            with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
                archive.add(bundle, arcname=bundle.name)
        elif (tool := shutil.which("xz")) is None:  # one thread: slower, the same format
            with tarfile.open(partial, "w:xz", preset=9) as archive:
                archive.add(bundle, arcname=bundle.name)
        else:
            _xz_tarball(bundle, partial, tool)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _xz_tarball(bundle: Path, target: Path, tool: str) -> None:
    """The tar of ``bundle`` through the ``xz`` tool (-9, its threads) into ``target``."""
    with target.open("wb") as sink:
        xz = subprocess.Popen([tool, "-9", "-T0", "-c"], stdin=subprocess.PIPE, stdout=sink,
                              stderr=subprocess.PIPE)
        assert xz.stdin is not None and xz.stderr is not None
        try:
            with xz.stdin, tarfile.open(fileobj=xz.stdin, mode="w|") as archive:
                archive.add(bundle, arcname=bundle.name)
        except BrokenPipeError:
            pass  # xz died: its exit code and message say why, below
        except BaseException:
            xz.kill()
            xz.wait()
            raise
        error = xz.stderr.read().decode(errors="replace").strip()
        if xz.wait() != 0:
            raise ArchiveError(f"xz failed (exit {xz.returncode}) writing {target.name}: {error[:400]}")
