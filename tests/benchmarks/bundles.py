"""Bundle sizes and frozen startup, beside a bare PyInstaller app, in one run.

Builds in a temporary folder, then measures:

- **one-window apps, frozen**: weft's startup probe (``startup_weft.py`` as an
  app's ``main.py``, packaged by ``weft package``) and raw QWebChannel's
  (``startup_raw.py`` and its page script, ``pyinstaller --onedir`` with
  PyInstaller's defaults): each bundle's size unpacked, and their startups
  (fresh process to the page's first message in Python, as startup.py times
  them), sampled alternately;
- **the demo** (``weft package packaging/demo``): bundle, ``.tar.gz`` and
  ``.deb``, the default build;
- with ``--small``, also the smallest variant (``--locales en-US --trim
  modules,tls,printing,icu --compress small``; about 8 minutes more).

``python tests/benchmarks/bundles.py [--samples 11] [--small]``: progress
on stderr, the table on stdout. It needs what ``weft package`` needs
(PyInstaller, ``strip``, ``ldd``; ``dpkg-deb`` for the ``.deb``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from weft import packager

from report import header
from startup import HERE, MARKER, sample_startups, time_startup

REPO = HERE.parents[1]
DEMO = REPO / "packaging" / "demo"
SMALL = {"locales": ["en-US"], "trims": frozenset({"modules", "tls", "printing", "icu"}), "compress": "small"}
"""``weft package``'s options for the smallest variant (docs/packaging.md)."""
SMALL_FLAGS = "--locales en-US --trim icu,modules,printing,tls --compress small"
"""The same, as the command line says it."""


def progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def tree_size(folder: Path) -> int:
    """Bytes of every file under ``folder`` (as ``weft package`` counts a bundle)."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def build_weft_probe(work: Path) -> tuple[list[str], int]:
    """weft's one-window probe, packaged: its command and bundle size."""
    app = work / "weft-probe"
    app.mkdir()
    shutil.copy(HERE / "startup_weft.py", app / "main.py")
    built = packager.package(app, out=work / "weft-out", version="1.0.0", deb=False,
                             progress=lambda line: progress(f"weft package: {line}"))
    return [str(built.bundle.path / "weft-probe"), MARKER, "--no-sandbox"], built.bundle.size


def build_raw_probe(work: Path) -> tuple[list[str], int]:
    """Raw QWebChannel's one-window probe, frozen by PyInstaller's defaults:
    its command and bundle size."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--onedir", "--noconfirm", "--log-level", "ERROR",
                    "--distpath", str(work / "raw-out"), "--workpath", str(work / "raw-build"),
                    "--specpath", str(work), "--name", "raw-probe", "--add-data", f"{HERE / 'js'}:js",
                    str(HERE / "startup_raw.py")], check=True)
    bundle = work / "raw-out" / "raw-probe"
    progress(f"pyinstaller: raw probe built in {time.perf_counter() - started:.0f} s")
    return [str(bundle / "raw-probe"), MARKER], tree_size(bundle)


def build_demo(work: Path, name: str, **options: object) -> packager.PackageResult:
    def said(line: str) -> None:
        progress(f"demo ({name}): {line}")

    return packager.package(DEMO, out=work / name, version="1.2.3", progress=said, **options)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=11, help="frozen startups per app (default 11)")
    parser.add_argument("--small", action="store_true", help="also build the smallest variant (~8 min more)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="weft-bench-bundles-") as folder:
        work = Path(folder)
        weft_command, weft_size = build_weft_probe(work)
        raw_command, raw_size = build_raw_probe(work)
        commands = {"weft": weft_command, "raw": raw_command}
        for command in commands.values():
            time_startup(command)  # warm-up: the page cache, Chromium's first start
        times = sample_startups(commands, args.samples, progress)
        starts = {name: statistics.median(samples) for name, samples in times.items()}
        rows += [
            ("one-window app, bundle unpacked", mib(weft_size), mib(raw_size), f"{weft_size / raw_size:.2f}×"),
            (f"one-window app, frozen startup (median of {args.samples})", f"{starts['weft']:.3f} s",
             f"{starts['raw']:.3f} s", f"{starts['weft'] / starts['raw']:.2f}×"),
        ]
        variants = [("default", {})] + ([("small", SMALL)] if args.small else [])
        for name, options in variants:
            built = build_demo(work, name, **options)
            label = "demo" if name == "default" else f"demo, {SMALL_FLAGS}"
            rows += [(f"{label}: bundle unpacked", mib(built.bundle.size), "—", "—"),
                     (f"{label}: {''.join(built.tarball.path.suffixes[-2:])}", mib(built.tarball.size), "—", "—")]
            if built.deb is not None:
                rows.append((f"{label}: .deb", mib(built.deb.size), "—", "—"))
    print(header())
    print("bare PyInstaller: startup_raw.py and its page script, `pyinstaller --onedir` with its defaults; "
          "frozen startups alternate app by app, after one warm-up each")
    print()
    widths = [max(len(row[i]) for row in rows + [("figure", "weft", "bare PyInstaller", "weft ÷ bare")])
              for i in range(4)]
    for row in [("figure", "weft", "bare PyInstaller", "weft ÷ bare"), *rows]:
        print("   ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"\n(run took {time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
