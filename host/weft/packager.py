"""``weft package APP_DIR``: a frozen one-folder bundle, a .tar.gz and a .deb.

The steps, each announced as it starts: check the app folder and the tools,
write a PyInstaller spec (from ``weft/packaging/app.spec.in``) and a
launcher, freeze with PyInstaller (leaving out the Qt modules weft does not
use), then archive the bundle and build a Debian package from it with a
``.desktop`` entry and an icon. Problems are :class:`PackageError` with a
message saying what to do, never a traceback.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import platform
import re
import shutil
import string
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Callable

import attrs

from .errors import Error

#: The PySide6 modules weft imports. Every other one is left out of the
#: bundle; the Qt libraries QtWebEngine links against (Qml, Quick,
#: Positioning, ...) still come in as its binary dependencies, but not the
#: Python modules whose PyInstaller hooks would collect all of Qt's QML
#: plugins and the libraries behind them (3D, Quick3D, Pdf, Charts, ...).
QT_MODULES_USED = frozenset({
    "QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtPrintSupport", "QtWebChannel", "QtWebEngineCore",
    "QtWebEngineWidgets",
})
SKIP_IN_APP = {"__pycache__", ".git", "node_modules", "dist", "build", ".venv"}
Progress = Callable[[str], None]


class PackageError(Error):
    """The app cannot be packaged as asked; the message says why and what to do."""


@attrs.frozen(kw_only=True)
class Artifact:
    path: Path
    size: int
    """Bytes (for the bundle folder: all its files)."""


@attrs.frozen(kw_only=True)
class PackageResult:
    bundle: Artifact
    tarball: Artifact
    deb: Artifact | None
    seconds: float


@attrs.frozen(kw_only=True)
class AppInfo:
    folder: Path
    name: str
    """Lower-case package name, ``[a-z0-9][a-z0-9.+-]*``."""
    title: str
    version: str
    module: str | None
    """``"main"`` when the app has a main.py, None for an index.html-only app."""


def recipes() -> Path:
    """The folder of weft's packaging recipes (``packaging/`` in the
    repository, shipped as the data-only package ``weft.packaging``; it has
    no ``__init__.py`` so that, in a checkout, it never shadows the PyPA
    ``packaging`` library)."""
    spec = importlib.util.find_spec("weft.packaging")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    # An editable install does not map data-only packages: in a checkout
    # the recipes are beside host/.
    checkout = Path(__file__).resolve().parents[2] / "packaging"
    if (checkout / "app.spec.in").is_file():
        return checkout
    raise PackageError("weft's packaging recipes are missing from this install")


def get_hook_dirs() -> list[str]:
    """PyInstaller's ``pyinstaller40`` entry point: where weft's hooks are."""
    return [str(recipes() / "pyinstaller")]


def _unused_qt_modules() -> list[str]:
    import PySide6

    folder = Path(PySide6.__file__).parent
    names = {path.name.split(".")[0] for path in folder.glob("Qt*.abi3.so")}
    names |= {path.name.split(".")[0] for path in folder.glob("Qt*.pyd")}
    return sorted(f"PySide6.{name}" for name in names - QT_MODULES_USED)


def inspect_app(folder: Path, name: str | None, version: str) -> AppInfo:
    """Check an app folder the way ``weft run`` would load it."""
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise PackageError(f"{folder}: not a folder; give the app's folder (with main.py or index.html)")
    script = folder / "main.py"
    if script.is_file():
        try:
            tree = ast.parse(script.read_text("utf-8"), str(script))
        except SyntaxError as exc:
            raise PackageError(f"{script}: {exc}") from None
        defines = any(isinstance(node, ast.AsyncFunctionDef) and node.name == "main" for node in tree.body)
        imports = any(isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == "main" for a in node.names)
                      for node in tree.body)
        if not (defines or imports):
            raise PackageError(f"{script}: define `async def main()`; the packaged app runs it")
        module: str | None = "main"
    elif (folder / "index.html").is_file():
        module = None
    else:
        raise PackageError(f"{folder}: a weft app folder has a main.py (with async def main()) or an index.html")
    title = name or folder.name
    package = re.sub(r"[^a-z0-9.+-]+", "-", title.lower()).strip("-.+") or "weft-app"
    if not re.fullmatch(r"[0-9][0-9A-Za-z.+~-]*", version):
        raise PackageError(f"version {version!r} must start with a digit (like 1.0.0)")
    return AppInfo(folder=folder, name=package, title=title, version=version, module=module)


def _require_tools(deb: bool) -> None:
    if deb and shutil.which("dpkg-deb") is None:
        raise PackageError("dpkg-deb is not on PATH (Debian: apt-get install dpkg); or pass --no-deb")
    if sys.platform.startswith("linux") and shutil.which("ldd") is None:
        raise PackageError("ldd is not on PATH (Debian: apt-get install libc-bin); PyInstaller needs it")
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise PackageError("PyInstaller is not installed: pip install 'weft[package]'") from None
    except Exception as exc:  # it runs tools while importing
        raise PackageError(f"PyInstaller cannot start here: {type(exc).__name__}: {exc}") from None


def _template(name: str) -> string.Template:
    return string.Template((recipes() / name).read_text("utf-8"))


def _app_datas(app: AppInfo) -> list[tuple[str, str]]:
    datas = []
    for path in sorted(app.folder.rglob("*")):
        relative = path.relative_to(app.folder)
        if path.is_file() and not SKIP_IN_APP & set(relative.parts) and path.suffix != ".pyc":
            datas.append((str(path), str(Path("app") / relative.parent)))
    return datas


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def human(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    scaled = size / 1024
    for unit in ("KiB", "MiB"):
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} GiB"


def freeze(app: AppInfo, work: Path, dist: Path, *, keep_all_qt: bool, progress: Progress) -> Path:
    """Run PyInstaller; return the bundle folder."""
    import weft

    work.mkdir(parents=True, exist_ok=True)
    launcher = work / "launcher.py"
    launcher.write_text(_template("launcher.py.in").substitute(module=json.dumps(app.module)))
    settings = {
        "launcher": str(launcher),
        "name": app.name,
        # Where weft's package folder is, so an editable install freezes too,
        # and the app folder, so its main.py and its imports are frozen.
        "pathex": [str(Path(weft.__file__).resolve().parents[1]), str(app.folder)],
        "datas": _app_datas(app),
        "hiddenimports": ["weft.launcher"] + ([app.module] if app.module else []),
        "excludes": [] if keep_all_qt else _unused_qt_modules(),
    }
    spec = work / f"{app.name}.spec"
    spec.write_text(_template("app.spec.in").substitute(settings=json.dumps(settings, indent=2)))
    progress(f"spec written to {spec}")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work / "pyinstaller"), str(spec)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip():
            progress("pyinstaller: " + line.rstrip())
    if process.wait() != 0:
        raise PackageError(f"PyInstaller failed (exit {process.returncode}); its output is above")
    return dist / app.name


def make_tarball(bundle: Path, target: Path) -> Path:
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=bundle.name)
    return target


def _deb_arch() -> str:
    if shutil.which("dpkg"):
        return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def _system_depends(bundle: Path) -> str:
    """The Debian packages providing the shared libraries the bundle needs
    from the system (found with ldd and dpkg -S)."""
    libraries: set[str] = set()
    binaries = [p for p in bundle.rglob("*") if p.is_file() and (".so" in p.name or os.access(p, os.X_OK))]
    for start in range(0, len(binaries), 200):
        out = subprocess.run(["ldd", *map(str, binaries[start:start + 200])], capture_output=True, text=True).stdout
        for match in re.finditer(r"=> (/\S+) \(", out):
            if not match.group(1).startswith(str(bundle)):
                libraries.add(os.path.realpath(match.group(1)))
    packages: set[str] = set()
    for library in sorted(libraries):
        found = subprocess.run(["dpkg", "-S", library], capture_output=True, text=True)
        if found.returncode != 0:  # merged /usr: ask for the /lib path too
            found = subprocess.run(["dpkg", "-S", library.replace("/usr/lib/", "/lib/", 1)], capture_output=True,
                                   text=True)
        if found.returncode == 0:
            packages.add(found.stdout.split(":")[0].split(",")[0].strip())
    return ", ".join(sorted(packages))


def make_deb(app: AppInfo, bundle: Path, out: Path, progress: Progress) -> Path:
    arch = _deb_arch()
    root = out / "deb-root"
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / app.name
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / app.name).symlink_to(f"/opt/{app.name}/{app.name}")
    desktop = root / "usr" / "share" / "applications" / f"{app.name}.desktop"
    desktop.parent.mkdir(parents=True)
    fields = dict(package=app.name, version=app.version, title=app.title,
                  description=f"{app.title}, a weft app")
    desktop.write_text(_template("deb/app.desktop.in").substitute(fields))
    icon = root / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps" / f"{app.name}.png"
    icon.parent.mkdir(parents=True)
    own_icon = app.folder / "icon.png"
    shutil.copy(own_icon if own_icon.is_file() else recipes() / "icons" / "weft.png", icon)
    progress("working out the system libraries it needs (ldd, dpkg -S)")
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(_template("deb/control.in").substitute(
        fields, arch=arch, maintainer="weft packager <noreply@localhost>",
        installed_kib=_size(root) // 1024, depends=_system_depends(bundle) or "libc6"))
    target = out / f"{app.name}_{app.version}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z3", "--build", str(root), str(target)],
                   check=True, capture_output=True)
    shutil.rmtree(root)
    return target


def package(
    folder: Path,
    *,
    out: Path,
    name: str | None = None,
    version: str = "0.1.0",
    deb: bool = True,
    keep_all_qt: bool = False,
    progress: Progress = print,
) -> PackageResult:
    """Build the bundle, the tarball and (on Debian-like systems) the .deb."""
    started = time.monotonic()
    steps = 4 if deb else 3
    progress(f"[1/{steps}] checking the app folder and the tools")
    app = inspect_app(folder, name, version)
    _require_tools(deb)
    out = out.expanduser().resolve()
    progress(f"[2/{steps}] freezing {app.folder} with PyInstaller (a few minutes)")
    bundle = freeze(app, out / "build" / app.name, out, keep_all_qt=keep_all_qt, progress=progress)
    progress(f"[3/{steps}] archiving the bundle")
    tarball = make_tarball(bundle, out / f"{app.name}-{app.version}-linux-{platform.machine()}.tar.gz")
    deb_path = None
    if deb:
        progress(f"[4/{steps}] building the Debian package")
        deb_path = make_deb(app, bundle, out, progress)
    return PackageResult(
        bundle=Artifact(path=bundle, size=_size(bundle)),
        tarball=Artifact(path=tarball, size=_size(tarball)),
        deb=Artifact(path=deb_path, size=_size(deb_path)) if deb_path else None,
        seconds=time.monotonic() - started,
    )
