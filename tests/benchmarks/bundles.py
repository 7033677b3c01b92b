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
on stderr, the table on stdout. ``bench_ipc.py --bundles [--small]`` puts
the same rows in its own table, measured in the same run as the rest. It
needs what ``weft package`` needs (PyInstaller, ``strip``, ``ldd``;
``dpkg-deb`` for the ``.deb``).
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
from typing import Callable, Mapping, Sequence

import attrs

from weft import packager

import pywebviewrun
from inproc import RawSystem, WeftSystem
from report import header
from startup import HERE, MARKER, sample_startups, time_startup

REPO = HERE.parents[1]
DEMO = REPO / "packaging" / "demo"
SMALL = {"locales": ["en-US"], "trims": frozenset({"modules", "tls", "printing", "icu"}), "compress": "small"}
"""``weft package``'s options for the smallest variant (docs/packaging.md)."""
SMALL_FLAGS = "--locales en-US --trim icu,modules,printing,tls --compress small"
"""The same, as the command line says it."""
WEFT, RAW = WeftSystem.name, RawSystem.name
SYSTEMS = (WEFT, RAW, pywebviewrun.NAME)
"""The table's columns (bench_ipc.py's names): weft, and the same page frozen
by bare PyInstaller."""


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


@attrs.frozen(kw_only=True)
class Measured:
    """What one run of :func:`measure` found."""

    sizes: Mapping[str, int]
    """The one-window app's bundle, unpacked, in bytes, per system (SYSTEMS)."""
    starts: Mapping[str, Sequence[float]]
    """Its frozen startups, seconds, per system."""
    demo: Sequence[tuple[str, int]]
    """The demo's artifacts: (what, bytes), the default build first."""


def measure(samples: int, small: bool, said: Callable[[str], None] = progress) -> Measured:
    """Build the probes and the demo in a temporary folder and measure them
    (see the module's docstring); ``said`` hears the progress."""
    with tempfile.TemporaryDirectory(prefix="weft-bench-bundles-") as folder:
        work = Path(folder)
        probes = {WEFT: build_weft_probe(work), RAW: build_bare_probe(work, "raw-probe", "startup_raw.py", MARKER)}
        if pywebviewrun.available():
            probes[pywebviewrun.NAME] = build_bare_probe(work, "pywebview-probe", pywebviewrun.CHILD, "startup",
                                                         MARKER)
        commands = {name: command for name, (command, _) in probes.items()}
        for command in commands.values():
            time_startup(command)  # warm-up: the page cache, Chromium's first start
        starts = sample_startups(commands, samples, lambda line: said(f"frozen {line}"))
        demo: list[tuple[str, int]] = []
        for name, options in [("default", {})] + ([("small", SMALL)] if small else []):
            built = build_demo(work, name, **options)
            label = "demo" if name == "default" else f"demo, {SMALL_FLAGS}"
            artifacts = [("bundle unpacked", built.bundle), ("".join(built.tarball.path.suffixes[-2:]), built.tarball)]
            if built.deb is not None:
                artifacts.append((".deb", built.deb))
            demo += [(f"{label}: {what}", artifact.size) for what, artifact in artifacts]
    return Measured(sizes={name: size for name, (_, size) in probes.items()}, starts=starts, demo=demo)


NOTE = ("frozen: raw QWebChannel's and pywebview's startup samples (startup_raw.py, pywebview_child.py startup) "
        "with their page scripts, frozen by `pyinstaller --onedir` with its defaults; weft's (startup_weft.py) "
        "packaged by `weft package`; frozen startups alternate app by app, after one warm-up each")
"""What the frozen rows compare, said under a table holding them."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=11, help="frozen startups per app (default 11)")
    parser.add_argument("--small", action="store_true", help="also build the smallest variant (~8 min more)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    measured = measure(args.samples, args.small)
    starts = {name: statistics.median(samples) for name, samples in measured.starts.items()}

    def row(figure: str, cells: Mapping[str, float], shown: Callable[[float], str]) -> tuple[str, ...]:
        return (figure, *(shown(cells[name]) if name in cells else "—" for name in SYSTEMS),
                f"{cells[WEFT] / cells[RAW]:.2f}×")

    rows = [row("one-window app, bundle unpacked", measured.sizes, packager.human),
            row(f"one-window app, frozen startup (median of {args.samples})", starts, lambda t: f"{t:.3f} s")]
    rows += [(what, packager.human(size), "—", "—", "—") for what, size in measured.demo]
    print(header())
    print(NOTE)
    if not pywebviewrun.available():
        print("pywebview: `import webview` fails here (pip install -e '.[bench]'), so its column is empty")
    print()
    titles = ("figure", *SYSTEMS, "weft ÷ raw")
    widths = [max(len(line[i]) for line in [titles, *rows]) for i in range(len(titles))]
    for line in [titles, *rows]:
        print("   ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    print(f"\n(run took {time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
