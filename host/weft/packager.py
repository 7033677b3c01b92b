"""``weft package APP_DIR``: a frozen one-folder bundle, a .tar.gz and a .deb::

    result = package(Path("shelf"), out=Path("dist"), version="1.0.0")
    print(result.deb.path)   # dist/shelf_1.0.0_amd64.deb

The steps, each announced as it starts: read who the app is from its
``weft.toml`` (:mod:`weft.appconfig`; ``name`` and ``version`` given here
override it) and check the folder and the tools; write a PyInstaller spec
(from ``weft/packaging/app.spec.in``), a launcher, the macOS ``Info.plist``
and the Inno Setup script; freeze with PyInstaller (leaving out the Qt
modules weft does not use), then archive the bundle and build a Debian
package from it.

Who the app is travels everywhere: the bundle's copy of the app folder gets
the settled ``weft.toml`` (so the frozen app's ``weft.app.id``, ``.name``,
``.version`` are the package's), the ``.deb`` installs ``<id>.desktop``
(name, icon, ``x-scheme-handler/<scheme>`` per protocol) and the icon as
``<id>``, and ``Info.plist`` / the ``.iss`` carry the id, name, version and
URL schemes. Problems are :class:`PackageError` (or, for ``weft.toml``,
:class:`~weft.ConfigError`) with a message saying what to do, never a
traceback.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import platform
import plistlib
import re
import shutil
import string
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Callable

import attrs

from . import appconfig, archives, trim
from .appconfig import AppConfig
from .errors import ConfigError, Error

#: The PySide6 modules weft imports. Every other one is left out of the
#: bundle; the Qt libraries QtWebEngine links against (Qml, Quick,
#: Positioning, ...) still come in as its binary dependencies, but not the
#: Python modules whose PyInstaller hooks would collect all of Qt's QML
#: plugins and the libraries behind them (3D, Quick3D, Pdf, Charts, ...).
QT_MODULES_USED = frozenset({
    "QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtPrintSupport", "QtWebChannel", "QtWebEngineCore",
    "QtWebEngineWidgets", "QtWebSockets",
})
SKIP_IN_APP = {"__pycache__", ".git", ".hg", ".svn", "node_modules", "dist", "build", ".venv", ".pytest_cache",
               ".mypy_cache", ".ruff_cache", ".tox", ".nox"}
"""Folders of an app's tools and version control, left out of its bundle."""
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
    config: AppConfig
    """Who the app is: its ``weft.toml`` with the command's flags applied."""
    name: str
    """Lower-case package name, ``[a-z0-9][a-z0-9.+-]*``: the bundle folder,
    the executable, the Debian package and ``/opt/<name>``."""
    module: str | None
    """``"main"`` when the app has a main.py, None for an index.html-only app."""

    @property
    def title(self) -> str:
        return self.config.name

    @property
    def version(self) -> str:
        return self.config.version


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


def inspect_app(folder: Path, name: str | None = None, version: str | None = None,
                locales: list[str] | None = None) -> AppInfo:
    """Check an app folder the way ``weft run`` would load it, and settle who
    it is: its ``weft.toml`` (a bad one is a :class:`~weft.ConfigError`),
    with ``name``, ``version`` and ``locales`` (the command's flags) over it."""
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
    config = appconfig.load(folder)
    try:
        config = config.replace(name=name, version=version, locales=locales)
    except ConfigError as exc:  # say which flag, not where weft.run's keywords are checked
        problem = str(exc).removeprefix(f"{exc.path}: {exc.field}: ")
        raise ConfigError("weft package", f"--{exc.field}", problem) from None
    return AppInfo(folder=folder, config=config, name=package_name(config), module=module)


def package_name(config: AppConfig) -> str:
    """The bundle's, executable's and Debian package's name: the app's name
    in lower case (``Weft Demo`` → ``weft-demo``), else its id's last part."""
    for source in (config.name, config.id.rpartition(".")[2]):
        slug = re.sub(r"[^a-z0-9.+-]+", "-", source.lower()).strip("-.+")
        if len(slug) >= 2 and slug[0].isalnum():  # Debian: two characters or more, starting alphanumeric
            return slug
    return "weft-app"


def _qt_folder() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt"


def _require_tools(deb: bool) -> None:
    if deb and shutil.which("dpkg-deb") is None:
        raise PackageError("dpkg-deb is not on PATH (Debian: apt-get install dpkg); or pass --no-deb")
    if sys.platform.startswith("linux") and shutil.which("ldd") is None:
        raise PackageError("ldd is not on PATH (Debian: apt-get install libc-bin); PyInstaller needs it")
    if shutil.which("strip") is None:
        raise PackageError("strip is not on PATH (Debian: apt-get install binutils); the bundle's binaries are "
                           "stripped")
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise PackageError("PyInstaller is not installed: pip install 'weft[package]'") from None
    except Exception as exc:  # it runs tools while importing
        raise PackageError(f"PyInstaller cannot start here: {type(exc).__name__}: {exc}") from None


def _template(name: str) -> string.Template:
    return string.Template((recipes() / name).read_text("utf-8"))


def _app_datas(app: AppInfo, identity: list[Path]) -> list[tuple[str, str]]:
    """PyInstaller's ``datas`` for the app folder, copied as ``app/``: its
    files, but its ``weft.toml`` is the settled one in ``identity`` (with the
    icon, when that lies outside the folder)."""
    datas = []
    for path in sorted(app.folder.rglob("*")):
        relative = path.relative_to(app.folder)
        if relative == Path(appconfig.CONFIG_NAME):
            continue
        if path.is_file() and not SKIP_IN_APP & set(relative.parts) and path.suffix != ".pyc":
            datas.append((str(path), str(Path("app") / relative.parent)))
    return datas + [(str(path), "app") for path in identity]


# -- who the app is, in each platform's words -------------------------------

#: The sizes of hicolor's ``<n>x<n>/apps`` folders; a square PNG of another
#: size goes to /usr/share/pixmaps, which icon lookups also search.
HICOLOR_SIZES = frozenset({16, 22, 24, 32, 48, 64, 96, 128, 192, 256, 512})
BUNDLED_ICON = "weft-icon"
"""The name (plus the icon's suffix) of an icon from outside the app folder
in the bundle's ``app/``."""


def bundled_icon(app: AppInfo) -> tuple[str | None, Path | None]:
    """Where the app's icon is in the bundle's ``app/`` (a relative path, for
    its ``weft.toml``), and the file to copy there when it lies outside the
    app folder (else None)."""
    icon = app.config.icon
    if icon is None:
        return None, None
    if icon.is_relative_to(app.folder):
        relative = icon.relative_to(app.folder)
        if not SKIP_IN_APP & set(relative.parts):
            return relative.as_posix(), None
    name = BUNDLED_ICON + icon.suffix.lower()
    if (app.folder / name).exists():
        raise PackageError(f"{app.folder / name}: in the way of the icon {icon}; move the icon into the app folder")
    return name, icon


def _toml_string(value: str) -> str:
    # JSON's string escapes are TOML's too; TOML also forbids a raw DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def config_toml(config: AppConfig, icon: str | None) -> str:
    """The ``weft.toml`` the bundle carries: ``config`` (with the command's
    flags applied), ``icon`` relative to the bundle's app folder."""
    lines = ["# Written by `weft package`: who the packaged app is (the app folder's weft.toml,",
             "# with the command's flags). weft.app.id, .name and .version read it.",
             "[app]",
             f"id = {_toml_string(config.id)}",
             f"name = {_toml_string(config.name)}",
             f"version = {_toml_string(config.version)}"]
    if icon is not None:
        lines.append(f"icon = {_toml_string(icon)}")
    lines.append(f"single_instance = {'true' if config.single_instance else 'false'}")
    lines.append("protocols = [" + ", ".join(map(_toml_string, config.protocols)) + "]")
    text = "\n".join(lines) + "\n"
    expected = {"id": config.id, "name": config.name, "version": config.version,
                "single_instance": config.single_instance, "protocols": list(config.protocols)}
    if icon is not None:
        expected["icon"] = icon
    if tomllib.loads(text).get("app") != expected:  # a guard: what the frozen app reads is what was settled
        raise PackageError(f"cannot write the app's identity as TOML: {expected!r}")
    return text


def _desktop_string(value: str) -> str:
    return value.replace("\\", "\\\\")  # the only escape a printable value needs


def desktop_entry(app: AppInfo, command: str) -> str:
    """The ``<id>.desktop`` entry that starts ``command`` (an absolute path
    without spaces): name, icon ``<id>``, one ``x-scheme-handler`` per
    protocol (and ``%u`` in Exec, so the URL reaches the app's argv)."""
    config = app.config
    mime = "".join(f"x-scheme-handler/{scheme};" for scheme in config.protocols)
    text = _template("deb/app.desktop.in").substitute(
        name=_desktop_string(config.name), comment=_desktop_string(f"{config.name}, a weft app"),
        exec=command + (" %u" if config.protocols else ""), icon=config.id,
        # X11 matches windows to entries by WM_CLASS, whose class Qt takes
        # from the application name that weft.run sets to the app's name.
        wm_class=_desktop_string(config.name), version=config.version,
        mime_type=f"MimeType={mime}" if mime else "")
    return text.rstrip("\n") + "\n"


def _png_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as file:
        head = file.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise PackageError(f"{path}: not a PNG file, though its name ends in .png")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def deb_icon(app: AppInfo) -> tuple[Path, str]:
    """The icon the ``.deb`` installs, and where (relative to ``/``): the
    app's icon (else the app folder's ``icon.png``, else weft's) as ``<id>``,
    in hicolor's folder for its size, or /usr/share/pixmaps."""
    icon = app.config.icon
    if icon is None:
        own = app.folder / "icon.png"
        icon = own if own.is_file() else recipes() / "icons" / "weft.png"
    suffix, app_id = icon.suffix.lower(), app.config.id
    if suffix == ".svg":
        return icon, f"usr/share/icons/hicolor/scalable/apps/{app_id}.svg"
    if suffix == ".png":
        width, height = _png_size(icon)
        if width == height and width in HICOLOR_SIZES:
            return icon, f"usr/share/icons/hicolor/{width}x{width}/apps/{app_id}.png"
        return icon, f"usr/share/pixmaps/{app_id}.png"
    if suffix == ".xpm":
        return icon, f"usr/share/pixmaps/{app_id}.xpm"
    raise PackageError(f"{icon}: a desktop entry's icon is a PNG, SVG or XPM file; convert it, or pass --no-deb")


def _numeric_version(version: str) -> str:
    # CFBundleShortVersionString is up to three dot-separated integers.
    return ".".join(re.split(r"[-+]", version)[0].split(".")[:3])


def info_plist(app: AppInfo) -> bytes:
    """The macOS ``Info.plist`` (from ``macos/Info.plist.in``): bundle id,
    name, version, executable, and the app's URL schemes."""
    config = app.config
    info = plistlib.loads((recipes() / "macos" / "Info.plist.in").read_bytes())
    version = _numeric_version(config.version)
    info.update(CFBundleIdentifier=config.id, CFBundleName=config.name, CFBundleDisplayName=config.name,
                CFBundleExecutable=app.name, CFBundleVersion=version, CFBundleShortVersionString=version)
    if config.protocols:
        # macOS hands these URLs to the app as open-URL events, not in argv.
        info["CFBundleURLTypes"] = [{"CFBundleURLName": config.id, "CFBundleTypeRole": "Viewer",
                                     "CFBundleURLSchemes": list(config.protocols)}]
    return plistlib.dumps(info)


def _inno(value: str, quoted: bool = False) -> str:
    # Inno Setup: a literal brace is doubled; in a quoted parameter, so is a quote.
    value = value.replace("{", "{{")
    return value.replace('"', '""') if quoted else value


def inno_script(app: AppInfo) -> str:
    """The Inno Setup script (from ``windows/app.iss``) for the bundle
    ``..\\..\\<name>`` seen from ``<out>\\build\\<name>\\``: id, name,
    version, shortcuts, and a URL protocol (HKCU, or HKLM for all users) per
    scheme, opening ``"<exe>" "%1"``."""
    config = app.config
    exe = f"{{app}}\\{app.name}.exe"
    registry = []
    for scheme in config.protocols:
        key = f"Software\\Classes\\{scheme}"
        registry += [
            f'Root: HKA; Subkey: "{key}"; ValueType: string; ValueName: ""; '
            f'ValueData: "URL:{_inno(config.name, True)}"; Flags: uninsdeletekey',
            f'Root: HKA; Subkey: "{key}"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""',
            f'Root: HKA; Subkey: "{key}\\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{exe},0"',
            f'Root: HKA; Subkey: "{key}\\shell\\open\\command"; ValueType: string; ValueName: ""; '
            f'ValueData: """{exe}"" ""%1"""',
        ]
    folder = re.sub(r'[<>:"/\\|?*]', "-", config.name).strip(" .") or app.name
    return _template("windows/app.iss").substitute(
        app_id=_inno(config.id), name=_inno(config.name), version=_inno(config.version), package=app.name,
        folder=_inno(folder), exe=exe, quoted_name=_inno(config.name, True),
        registry="\n".join([
            f'; Each deep-link scheme opens "{app.name}.exe" "<url>" (HKA: the current user\'s classes, or',
            "; all users' in an administrative install).", "[Registry]", *registry]) if registry else "")


def size_of(path: Path) -> int:
    """Bytes of a file, or of every file under a folder (symlinks not followed)."""
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


def write_identity(app: AppInfo, work: Path) -> list[Path]:
    """Write the bundle's ``weft.toml`` (and a copy of an icon from outside
    the app folder) into ``work/app``; the files, for PyInstaller's datas."""
    folder = work / "app"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    icon_name, icon_from = bundled_icon(app)
    written = [folder / appconfig.CONFIG_NAME]
    written[0].write_text(config_toml(app.config, icon_name), "utf-8")
    if icon_from is not None and icon_name is not None:
        written.append(folder / icon_name)
        shutil.copyfile(icon_from, written[-1])
    return written


def write_recipes(app: AppInfo, work: Path) -> list[Path]:
    """Write the other platforms' recipes, filled in with who the app is:
    ``Info.plist`` (for ``macos/make-app.sh``) and ``app.iss`` (for Inno
    Setup's ``iscc``); the files."""
    plist, iss = work / "Info.plist", work / "app.iss"
    plist.write_bytes(info_plist(app))
    iss.write_text(inno_script(app), "utf-8")
    return [plist, iss]


def launcher_source(app: AppInfo) -> str:
    """The frozen app's entry script: :func:`weft.launcher.launch` with the
    app's module, or None for an app that is only an ``index.html``."""
    # repr, not JSON: the module is a Python literal here (JSON's null is not).
    return _template("launcher.py.in").substitute(module=repr(app.module))


def freeze(app: AppInfo, work: Path, dist: Path, *, keep_all_qt: bool, progress: Progress) -> Path:
    """Run PyInstaller; return the bundle folder."""
    import weft

    work.mkdir(parents=True, exist_ok=True)
    launcher = work / "launcher.py"
    launcher.write_text(launcher_source(app))
    settings = {
        "launcher": str(launcher),
        "name": app.name,
        # Where weft's package folder is, so an editable install freezes too,
        # and the app folder, so its main.py and its imports are frozen.
        "pathex": [str(Path(weft.__file__).resolve().parents[1]), str(app.folder)],
        "datas": _app_datas(app, write_identity(app, work)),
        "hiddenimports": ["weft.launcher"] + ([app.module] if app.module else []),
        "excludes": [] if keep_all_qt else _unused_qt_modules(),
    }
    spec = work / f"{app.name}.spec"
    spec.write_text(_template("app.spec.in").substitute(settings=json.dumps(settings, indent=2)))
    progress(f"spec written to {spec}")
    recipes_written = write_recipes(app, work)
    progress("macOS and Windows recipes written: " + ", ".join(map(str, recipes_written)))
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


def make_deb(app: AppInfo, bundle: Path, out: Path, progress: Progress, level: int = 3) -> Path:
    """The ``.deb``: the bundle in ``/opt/<name>``, ``/usr/bin/<name>``, the
    desktop entry ``<id>.desktop`` and the icon ``<id>``."""
    arch = _deb_arch()
    root = out / "deb-root"
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / app.name
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / app.name).symlink_to(f"/opt/{app.name}/{app.name}")
    # Named by the app id: Qt gives Wayland that id (weft.run sets the desktop
    # file name to it), so the compositor finds the entry's name and icon.
    desktop = root / "usr" / "share" / "applications" / f"{app.config.id}.desktop"
    desktop.parent.mkdir(parents=True)
    desktop.write_text(desktop_entry(app, f"/usr/bin/{app.name}"), "utf-8")
    icon, icon_path = deb_icon(app)
    (root / icon_path).parent.mkdir(parents=True)
    shutil.copyfile(icon, root / icon_path)
    progress("working out the system libraries it needs (ldd, dpkg -S)")
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(_template("deb/control.in").substitute(
        package=app.name, version=app.version, description=f"{app.title}, a weft app", app_id=app.config.id,
        arch=arch, maintainer="weft packager <noreply@localhost>", installed_kib=size_of(root) // 1024,
        depends=_system_depends(bundle) or "libc6"), "utf-8")
    target = out / f"{app.name}_{app.version}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{level}", "--build", str(root), str(target)],
                   check=True, capture_output=True)
    shutil.rmtree(root)
    return target


def package(
    folder: Path,
    *,
    out: Path,
    name: str | None = None,
    version: str | None = None,
    deb: bool = True,
    keep_all_qt: bool = False,
    locales: list[str] | None = None,
    keep_devtools: bool = False,
    trims: frozenset[str] = frozenset(),
    compress: str = "fast",
    progress: Progress = print,
) -> PackageResult:
    """Build the bundle, the tarball and (on Debian-like systems) the .deb
    of the app in ``folder``; ``name``, ``version`` and ``locales``
    override its ``weft.toml``. The bundle is trimmed (:mod:`weft.trim`):
    by default of what no app loads; ``trims`` names the opt-in trims."""
    started = time.monotonic()
    steps = 5 if deb else 4
    progress(f"[1/{steps}] checking the app folder and the tools")
    if compress not in archives.COMPRESSION:
        raise PackageError(f"--compress: {compress!r} is not a choice; known: {', '.join(archives.COMPRESSION)}")
    suffix, deb_level = archives.COMPRESSION[compress]
    app = inspect_app(folder, name, version, locales)
    trims = trim.parse_optional(trims)
    if deb:
        deb_icon(app)  # a bad icon says so now, not after the freeze
    _require_tools(deb)
    trim.require_tools(trims)
    if (unknown := trim.unknown_locale(_qt_folder(), app.config.locales)) is not None:
        field = ("weft package", "--locales") if locales is not None else (app.folder / appconfig.CONFIG_NAME,
                                                                           "app.locales")
        known = trim.known_locales(_qt_folder())
        likely = trim.likely_locale(known, unknown)
        raise ConfigError(*field, f"Chromium has no locale {unknown!r}"
                                  + (f" (did you mean {likely!r}?)" if likely else "") + "; it has " + ", ".join(known))
    protocols = ", ".join(f"{scheme}://" for scheme in app.config.protocols) or "no URL schemes"
    progress(f"the app: {app.config.id} ({app.title} {app.version}; {protocols})")
    out = out.expanduser().resolve()
    progress(f"[2/{steps}] freezing {app.folder} with PyInstaller (a few minutes)")
    bundle = freeze(app, out / "build" / app.name, out, keep_all_qt=keep_all_qt, progress=progress)
    progress(f"[3/{steps}] trimming the bundle")
    trim.trim(bundle, trim.Trims(locales=app.config.locales, keep_devtools=keep_devtools, optional=trims,
                                 app_imports=trim.app_imports(app.folder)), progress)
    slow = " (--compress small: a few minutes)" if compress == "small" else ""
    progress(f"[4/{steps}] archiving the bundle{slow}")
    tarball = archives.make_tarball(bundle, out / f"{app.name}-{app.version}-linux-{platform.machine()}{suffix}")
    deb_path = None
    if deb:
        progress(f"[5/{steps}] building the Debian package{slow}")
        deb_path = make_deb(app, bundle, out, progress, deb_level)
    return PackageResult(
        bundle=Artifact(path=bundle, size=size_of(bundle)),
        tarball=Artifact(path=tarball, size=size_of(tarball)),
        deb=Artifact(path=deb_path, size=size_of(deb_path)) if deb_path else None,
        seconds=time.monotonic() - started,
    )
