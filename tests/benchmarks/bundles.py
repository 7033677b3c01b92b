"""Bundle sizes and frozen startup, beside bare PyInstaller builds, in one run.

Builds in a temporary folder, then measures:

- **one-window apps, frozen**: weft's startup probe (``startup_weft.py`` as an
  app's ``main.py``, packaged by ``weft package``), raw QWebChannel's
  (``startup_raw.py``) and pywebview's (``pywebview_child.py startup``, when
  ``import webview`` works), the last two with their page scripts frozen by
  ``pyinstaller --onedir`` with PyInstaller's defaults: each bundle's size
  unpacked, and their startups (fresh process to the page's first message in
  Python, as startup.py times them), sampled alternately;
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
from typing import Callable, Sequence

from weft import packager

import pywebviewrun
from report import header
from startup import HERE, MARKER, sample_startups, time_startup

REPO = HERE.parents[1]
DEMO = REPO / "packaging" / "demo"
SMALL = {"locales": ["en-US"], "trims": frozenset({"modules", "tls", "printing", "icu"}), "compress": "small"}
"""``weft package``'s options for the smallest variant (docs/packaging.md)."""
SMALL_FLAGS = "--locales en-US --trim icu,modules,printing,tls --compress small"
"""The same, as the command line says it."""
SYSTEMS = ("weft", "raw", "pywebview")
"""The table's columns: weft, and the same page frozen by bare PyInstaller."""


def progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def build_weft_probe(work: Path) -> tuple[list[str], int]:
    """weft's one-window probe, packaged: its command and bundle size."""
    app = work / "weft-probe"
    app.mkdir()
    shutil.copy(HERE / "startup_weft.py", app / "main.py")
    built = packager.package(app, out=work / "weft-out", version="1.0.0", deb=False,
                             progress=lambda line: progress(f"weft package: {line}"))
    return [str(built.bundle.path / "weft-probe"), MARKER, "--no-sandbox"], built.bundle.size


def build_bare_probe(work: Path, name: str, script: str, *args: str) -> tuple[list[str], int]:
    """A startup sample script (and its page scripts), frozen by bare
    PyInstaller with its defaults: the command running it with ``args``, and
    the bundle's size."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--onedir", "--noconfirm", "--log-level", "ERROR",
                    "--distpath", str(work / f"{name}-out"), "--workpath", str(work / f"{name}-build"),
                    "--specpath", str(work), "--name", name, "--add-data", f"{HERE / 'js'}:js",
                    str(HERE / script)], check=True)
    bundle = work / f"{name}-out" / name
    progress(f"pyinstaller: {name} built in {time.perf_counter() - started:.0f} s")
    return [str(bundle / name), *args], packager.size_of(bundle)


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
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="weft-bench-bundles-") as folder:
        work = Path(folder)
        probes = {"weft": build_weft_probe(work), "raw": build_bare_probe(work, "raw-probe", "startup_raw.py", MARKER)}
        if pywebviewrun.available():
            probes["pywebview"] = build_bare_probe(work, "pywebview-probe", pywebviewrun.CHILD, "startup", MARKER)
        commands = {name: command for name, (command, _) in probes.items()}
        for command in commands.values():
            time_startup(command)  # warm-up: the page cache, Chromium's first start
        times = sample_startups(commands, args.samples, progress)
        starts = {name: statistics.median(samples) for name, samples in times.items()}
        sizes = {name: size for name, (_, size) in probes.items()}

        def row(figure: str, cells: dict[str, float], shown: Callable[[float], str]) -> tuple[str, ...]:
            return (figure, *(shown(cells[name]) if name in cells else "—" for name in SYSTEMS),
                    f"{cells['weft'] / cells['raw']:.2f}×")

        rows += [row("one-window app, bundle unpacked", sizes, packager.human),
                 row(f"one-window app, frozen startup (median of {args.samples})", starts, lambda t: f"{t:.3f} s")]
        variants = [("default", {})] + ([("small", SMALL)] if args.small else [])
        for name, options in variants:
            built = build_demo(work, name, **options)
            label = "demo" if name == "default" else f"demo, {SMALL_FLAGS}"
            artifacts = [("bundle unpacked", built.bundle), ("".join(built.tarball.path.suffixes[-2:]), built.tarball)]
            if built.deb is not None:
                artifacts.append((".deb", built.deb))
            rows += [(f"{label}: {what}", packager.human(artifact.size), "—", "—", "—")
                     for what, artifact in artifacts]
    print(header())
    print("raw QWebChannel and pywebview: startup_raw.py and pywebview_child.py (its startup sample) with their "
          "page scripts, frozen by `pyinstaller --onedir` with its defaults; frozen startups alternate app by "
          "app, after one warm-up each")
    if not pywebviewrun.available():
        print("pywebview: `import webview` fails here (pip install -e '.[bench]'), so its column is empty")
    print()
    titles = ("figure", "weft", "raw QWebChannel", "pywebview", "weft ÷ raw")
    widths = [max(len(line[i]) for line in [titles, *rows]) for i in range(len(titles))]
    for line in [titles, *rows]:
        print("   ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    print(f"\n(run took {time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
