"""``weft package``'s trims: what a frozen bundle can do without, removed
after PyInstaller has made it and before it is archived::

    saved = trim(bundle, Trims(locales=("en-US", "de"), optional=frozenset({"modules"})), progress=print)

By default nothing a running app uses is lost: unstripped binaries are
stripped, DevTools' front end is dropped (``keep_devtools`` keeps it), and so
are the Qt plugins a desktop app never loads (framebuffer, EGLFS, VNC and
evdev platforms, the virtual keyboard, Qt's PDF image format) with the
libraries only they needed, and those only the app's own code could load
and does not (:data:`UNLESS_IMPORTED`). ``locales`` (the app's ``weft.toml`` or
``--locales``) keeps those Chromium locales and Qt translations, and en-US,
Chromium's fallback; none declared keeps all. The deeper trims are named
and opt-in (:data:`OPTIONAL`). Each step says what it removed and saved.

The choice of files is plain functions of the bundle's tree (and, for ELF
files, of what :func:`weft.elf.read` says), tested on fake trees.
"""

from __future__ import annotations

import ast
import difflib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import attrs

from . import elf, icustub
from .errors import Error

Progress = Callable[[str], None]
ReadElf = Callable[[Path], "elf.ElfInfo | None"]

#: The opt-in trims, by the name ``--trim`` takes, and what each removes.
OPTIONAL = {
    "modules": "Python extension modules a weft app never loads unless its own code imports them "
               "(CJK codecs, csv, decimal, statistics, multiprocessing, readline) and the libraries only they need",
    "tls": "TLS for Python (ssl, OpenSSL's hashes) and Qt (its OpenSSL backend), with OpenSSL, unless the app's "
           "own code imports ssl or an HTTP client; pages keep Chromium's own",
    "printing": "Qt's CUPS printer support and the libraries only it needs (CUPS, GnuTLS, Avahi), unless the app's "
                "own code imports PySide6.QtPrintSupport",
    "icu": "Qt Core's ICU data (31 MiB), replaced by an empty stub: QCollator then compares code points and "
           "QStringDecoder knows only the UTFs and Latin-1; pages keep Chromium's own ICU (needs a C compiler)",
}
FALLBACK_LOCALE = "en-US"
"""Chromium's fallback locale: always kept."""
DEVTOOLS_PAK = "qtwebengine_devtools_resources.pak"
#: Qt plugins (relative to ``Qt/plugins``; a folder ends in ``/``) that a
#: desktop app on X11 or Wayland never loads: other platforms (framebuffer,
#: EGLFS, VNC, minimal, Vulkan display), raw input devices (the window
#: system delivers input), the virtual keyboard, PDF as an image format
#: (pages show PDFs with Chromium's own viewer), and the Wayland shells and
#: server buffers of embedded and Qt-made compositors (desktop compositors
#: speak xdg-shell, which Qt tries first). xcb, wayland (with xdg-shell and
#: wayland-egl) and offscreen (headless runs, the self-check) stay.
UNUSED_QT_PLUGINS = (
    "egldeviceintegrations/", "generic/", "platforms/libqeglfs.so", "platforms/libqlinuxfb.so",
    "platforms/libqminimal.so", "platforms/libqminimalegl.so", "platforms/libqvnc.so",
    "platforms/libqvkkhrdisplay.so", "platforminputcontexts/libqtvirtualkeyboardplugin.so",
    "imageformats/libqpdf.so", "wayland-shell-integration/libivi-shell.so",
    "wayland-shell-integration/libqt-shell.so", "wayland-shell-integration/libfullscreen-shell-v1.so",
    "wayland-shell-integration/libwl-shell-plugin.so", "wayland-graphics-integration-client/libdmabuf-server.so",
    "wayland-graphics-integration-client/libdrm-egl-server.so",
    "wayland-graphics-integration-client/libshm-emulation-server.so",
    "wayland-graphics-integration-client/libvulkan-server.so",
)
#: Loaded only by what the app's own code may use, so they go by default
#: unless it imports that: the network-information backends
#: (``QNetworkInformation``), and the translations of QtWebSockets' own
#: messages (weft's socket lane uses QtWebSockets, but loads no
#: translations; the app would, through a QTranslator of its own).
UNLESS_IMPORTED: tuple[tuple[str, str], ...] = (
    ("plugins/networkinformation/", "PySide6.QtNetwork.QNetworkInformation"),
    ("translations/qtwebsockets_", "PySide6.QtWebSockets"),
)
#: ``--trim modules``: extension modules (by name in lib-dynload) and the
#: modules whose import, in the app's own code, keeps them. Encodings are
#: looked up by name at run time, so the CJK codecs go whatever the app
#: imports: ``b.decode("shift_jis")`` is a LookupError in such a bundle.
UNUSED_MODULES: dict[str, tuple[str, ...]] = {
    **{name: () for name in ("_codecs_cn", "_codecs_hk", "_codecs_iso2022", "_codecs_jp", "_codecs_kr",
                             "_codecs_tw", "_multibytecodec")},
    "_csv": ("csv",),
    "_decimal": ("decimal", "fractions", "statistics"),
    "_statistics": ("statistics",),
    "_multiprocessing": ("multiprocessing", "concurrent"),
    "_posixshmem": ("multiprocessing", "concurrent"),
    "readline": ("readline", "code", "pdb", "cmd", "rlcompleter"),
}

#: ``--trim tls``: Python's TLS and OpenSSL hash modules, Qt's OpenSSL
#: backend (it opens OpenSSL by name), and what the app's own code imports
#: that keeps them. hashlib keeps its built-in SHA-2, SHA-3, BLAKE2 and MD5.
TLS_MODULES = ("_ssl", "_hashlib")
#: ``_hashlib`` (OpenSSL's hashes: fast PBKDF2, scrypt, SHA-512/256, RIPEMD-160, ...) and so OpenSSL
#: stay for an app whose own code imports these, even when ``_ssl`` goes.
HASHLIB_USERS = ("hashlib", "hmac")
TLS_PLUGINS = ("tls/libqopensslbackend.so",)
TLS_USERS = ("ssl", "http", "urllib", "urllib3", "requests", "httpx", "aiohttp", "websockets", "smtplib",
             "imaplib", "poplib", "ftplib", "xmlrpc")
#: ``--trim icu`` is skipped for an app whose own code imports what uses
#: Qt Core's ICU data.
ICU_USERS = tuple(f"PySide6.QtCore.{name}" for name in ("QCollator", "QCollatorSortKey", "QStringConverter",
                                                         "QStringDecoder", "QStringEncoder", "QTimeZone"))
#: ``--trim printing``: Qt's CUPS plugin; printing to PDF needs none of it.
PRINTING_PLUGINS = ("printsupport/",)
PRINTING_USERS = ("PySide6.QtPrintSupport",)


class TrimError(Error):
    """A trim cannot be made as asked (an unknown name, a locale not in this Qt)."""


@attrs.frozen(kw_only=True)
class Trims:
    """What to trim."""

    locales: tuple[str, ...] = ()
    """Chromium locale names to keep (en-US always); empty keeps all."""
    keep_devtools: bool = False
    optional: frozenset[str] = frozenset()
    """Names from :data:`OPTIONAL`."""
    app_imports: frozenset[str] = frozenset()
    """Top-level modules the app's own code imports (``--trim modules`` keeps what they need)."""


@attrs.frozen(kw_only=True)
class Saved:
    step: str
    files: int
    """Files removed (or, for ``strip``, rewritten)."""
    bytes: int


def parse_optional(text: str | Iterable[str]) -> frozenset[str]:
    """``--trim`` names (comma-separated, or repeated) checked against :data:`OPTIONAL`."""
    items = text.split(",") if isinstance(text, str) else [n for part in text for n in part.split(",")]
    names = frozenset(name.strip() for name in items if name.strip())
    unknown = sorted(names - set(OPTIONAL))
    if unknown:
        raise TrimError(f"--trim: {unknown[0]!r} is not a trim; known: {', '.join(OPTIONAL)}")
    return names


def app_imports(folder: Path) -> frozenset[str]:
    """The modules the ``.py`` files under ``folder`` import, with their
    packages: ``from PySide6 import QtPrintSupport`` gives ``PySide6`` and
    ``PySide6.QtPrintSupport``."""
    found: set[str] = set()

    def add(dotted: str) -> None:
        parts = dotted.split(".")
        found.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))

    for path in folder.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text("utf-8"), str(path))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                add(node.module)
                for alias in node.names:
                    if alias.name != "*":
                        found.add(f"{node.module}.{alias.name}")  # a submodule, or a name: harmless either way
    return frozenset(found)


# -- which files go ------------------------------------------------------------

def qt_folder(internal: Path) -> Path:
    return internal / "PySide6" / "Qt"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()) if root.is_dir() else []


def unstripped(internal: Path, read: ReadElf = elf.read) -> list[Path]:
    """ELF files that still carry symbols or debug sections."""
    return [path for path in _files(internal) if (info := read(path)) is not None and info.unstripped]


def devtools_files(internal: Path) -> list[Path]:
    return [path for path in (qt_folder(internal) / "resources").glob(DEVTOOLS_PAK) if path.is_file()]


def plugin_files(internal: Path, entries: Iterable[str] = UNUSED_QT_PLUGINS) -> list[Path]:
    """The Qt plugins ``entries`` names (relative to ``Qt/plugins``; a folder ends in ``/``)."""
    plugins = qt_folder(internal) / "plugins"
    entries = tuple(entries)
    return [path for path in _files(plugins)
            if any(path.relative_to(plugins).as_posix().startswith(entry) if entry.endswith("/")
                   else path.relative_to(plugins).as_posix() == entry for entry in entries)]


def unused_plugins(internal: Path, imports: Iterable[str] = ()) -> list[Path]:
    """The Qt plugins (and translations) of the default trim: those no
    desktop app loads, and those of :data:`UNLESS_IMPORTED` the app's own
    code (``imports``) does not ask for."""
    imported = set(imports)
    qt = qt_folder(internal)
    unless = tuple(prefix for prefix, user in UNLESS_IMPORTED if user not in imported)
    return plugin_files(internal) + [path for path in _files(qt)
                                     if path.relative_to(qt).as_posix().startswith(unless)]


def qm_locales(locale: str) -> set[str]:
    """The Qt translation suffixes (``qtbase_<suffix>.qm``) of a Chromium
    locale: ``pt-BR`` → ``pt_BR`` and ``pt``."""
    return {locale.replace("-", "_"), locale.partition("-")[0]}


def locale_files(internal: Path, locales: Iterable[str]) -> list[Path]:
    """Chromium locale paks and Qt ``.qm`` translations of locales other
    than ``locales`` and en-US (none, if ``locales`` is empty)."""
    keep = set(locales)
    if not keep:
        return []
    keep.add(FALLBACK_LOCALE)
    translations = qt_folder(internal) / "translations"
    paks = [path for path in _files(translations / "qtwebengine_locales")
            if path.suffix == ".pak" and path.stem not in keep]
    suffixes = set().union(*map(qm_locales, keep))
    qms = [path for path in translations.glob("*.qm")
           if path.is_file() and path.stem.partition("_")[2] not in suffixes]
    return paks + sorted(qms)


def known_locales(qt: Path) -> list[str]:
    """The Chromium locales the Qt in folder ``qt`` has."""
    return sorted(path.stem for path in (qt / "translations" / "qtwebengine_locales").glob("*.pak"))


def unknown_locale(qt: Path, locales: Iterable[str]) -> str | None:
    """The first of ``locales`` that the Qt in folder ``qt`` has no pak for."""
    known = set(known_locales(qt))
    return next((name for name in locales if name not in known), None)


def likely_locale(known: Iterable[str], name: str) -> str | None:
    """Which of the ``known`` Chromium locales ``name`` probably meant:
    the same in other case, its language alone (``de`` for ``de-DE``), or
    one spelt alike; None when nothing is close."""
    by_case = {locale.lower(): locale for locale in known}
    language = name.replace("_", "-").partition("-")[0].lower()
    found = by_case.get(name.replace("_", "-").lower()) or by_case.get(language)
    if found is None and (close := difflib.get_close_matches(name.lower(), by_case, n=1, cutoff=0.75)):
        found = by_case[close[0]]
    return found


def extension_modules(internal: Path, names: Iterable[str]) -> list[Path]:
    """The bundle's files of the Python extension modules ``names``."""
    going = set(names)
    folders = [*internal.glob("python3*/lib-dynload"), internal / "lib-dynload"]
    return [path for folder in folders for path in _files(folder) if path.name.partition(".")[0] in going]


def unused_modules(internal: Path, imports: Iterable[str]) -> list[Path]:
    """``--trim modules``: the extension modules of :data:`UNUSED_MODULES`
    that none of ``imports`` keeps."""
    imported = set(imports)
    return extension_modules(internal, (name for name, users in UNUSED_MODULES.items() if not imported & set(users)))


def tls_files(internal: Path, imports: Iterable[str] = ()) -> list[Path]:
    """``--trim tls``: Python's TLS and OpenSSL hash modules and Qt's OpenSSL
    backend; ``_hashlib`` stays if ``imports`` has ``hashlib`` or ``hmac``."""
    keep = {"_hashlib"} if set(imports) & set(HASHLIB_USERS) else set()
    return extension_modules(internal, set(TLS_MODULES) - keep) + plugin_files(internal, TLS_PLUGINS)


def printing_files(internal: Path, imports: Iterable[str] = ()) -> list[Path]:
    """``--trim printing``: Qt's print support plugins (CUPS); ``imports``
    changes nothing (the app imports that keep them skip the trim)."""
    return plugin_files(internal, PRINTING_PLUGINS)


def orphans(internal: Path, removed: Iterable[Path], read: ReadElf = elf.read) -> list[Path]:
    """Libraries in the bundle that ``removed`` needed (at any depth) and
    nothing left in it needs: only what came in for what went, never what
    is loaded by name at run time (NSS's modules, say)."""
    removed = set(removed)
    infos = {path: info for path in _files(internal) if (info := read(path)) is not None}
    by_name: dict[str, Path] = {}
    for path in infos:
        by_name.setdefault(path.name, path)
    candidates: set[Path] = set()
    todo = [info for path, info in infos.items() if path in removed]
    while todo:
        for name in todo.pop().needed:
            path = by_name.get(name)
            if path is not None and path not in removed and path not in candidates:
                candidates.add(path)
                todo.append(infos[path])
    while True:  # drop candidates until every one left is needed by something kept
        kept = [path for path in infos if path not in removed and path not in candidates]
        needed = {name for path in kept for name in infos[path].needed}
        still = {path for path in candidates if path.name in needed}
        if not still:
            return sorted(candidates)
        candidates -= still


# -- doing it ------------------------------------------------------------------

def _remove(paths: Iterable[Path], internal: Path) -> tuple[int, int]:
    count = size = 0
    targets = {path.resolve() for path in paths}
    for path in targets:
        size += path.stat().st_size
        path.unlink()
        count += 1
    for link in internal.rglob("*"):  # PyInstaller's links to Qt's libraries, beside the others
        if link.is_symlink() and not link.exists():
            link.unlink()
    return count, size


def _strip(paths: list[Path]) -> int:
    tool = shutil.which("strip")
    if tool is None:
        raise TrimError("strip is not on PATH (Debian: apt-get install binutils); packaging strips binaries")
    before = sum(path.stat().st_size for path in paths)
    for start in range(0, len(paths), 50):
        batch = paths[start:start + 50]
        modes = [path.stat().st_mode for path in batch]
        subprocess.run([tool, "--strip-unneeded", *map(str, batch)], check=True, capture_output=True)
        for path, mode in zip(batch, modes):
            os.chmod(path, mode)
    return before - sum(path.stat().st_size for path in paths)


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def trim(bundle: Path, trims: Trims, progress: Progress, read: ReadElf = elf.read) -> list[Saved]:
    """Trim the one-folder ``bundle`` (PyInstaller's, with ``_internal``);
    the steps made, each announced with what it removed and saved."""
    internal = bundle / "_internal"
    if (unknown := unknown_locale(qt_folder(internal), trims.locales)) is not None:
        raise TrimError(f"locales: the bundle has no Chromium locale {unknown!r}")
    saved: list[Saved] = []

    def report(step: str, files: int, size: int, what: str) -> None:
        saved.append(Saved(step=step, files=files, bytes=size))
        progress(f"trim {step}: {what} ({files} files), {_mib(size)} saved")

    binaries = unstripped(internal, read)
    report("strip", len(binaries), _strip(binaries) if binaries else 0, "unstripped binaries stripped")
    if not trims.keep_devtools:
        report("devtools", *_remove(devtools_files(internal), internal),
               "DevTools front end dropped (--keep-devtools keeps it)")
    plugins = unused_plugins(internal, trims.app_imports)
    libraries = orphans(internal, plugins, read)
    count, size = _remove(plugins + libraries, internal)
    report("qt-plugins", count, size, f"Qt plugins and translations the app never loads, and {len(libraries)} "
           "libraries only they needed")
    if trims.locales:
        kept = ", ".join(sorted({*trims.locales, FALLBACK_LOCALE}))
        report("locales", *_remove(locale_files(internal, trims.locales), internal), f"locales other than {kept}")
    if "modules" in trims.optional:
        modules = unused_modules(internal, trims.app_imports)
        libraries = orphans(internal, modules, read)
        count, size = _remove(modules + libraries, internal)
        report("modules", count, size, f"never-loaded extension modules and {len(libraries)} libraries")
    for step, files, users, what in (("tls", tls_files, TLS_USERS, "TLS modules and plugins"),
                                     ("printing", printing_files, PRINTING_USERS, "print support plugins")):
        if step not in trims.optional:
            continue
        if keeping := sorted(trims.app_imports & set(users)):
            progress(f"trim {step}: skipped: the app imports {', '.join(keeping)}")
            continue
        going = files(internal, trims.app_imports)
        libraries = orphans(internal, going, read)
        count, size = _remove(going + libraries, internal)
        report(step, count, size, f"{what} and {len(libraries)} libraries only they needed")
    if "icu" in trims.optional:
        lib = qt_folder(internal) / "lib"
        if keeping := sorted(trims.app_imports & set(ICU_USERS)):
            progress(f"trim icu: skipped: the app imports {', '.join(keeping)}")
        elif icustub.data_library(lib) is None:
            progress(f"trim icu: skipped: no ICU data library (libicudata.so.N) in {lib}")
        else:
            try:
                count, size = icustub.replace_data(lib, _compiler())
            except icustub.BuildError as exc:
                raise TrimError(f"--trim icu: {exc}") from exc
            report("icu", count, size, "Qt Core's ICU data replaced by an empty stub")
    return saved


def require_tools(optional: Iterable[str]) -> None:
    """Raise :class:`TrimError` now, not after the freeze, if a trim of
    ``optional`` cannot be made here: ``icu`` builds its stub once, in a
    scratch folder, to prove the compiler works."""
    if "icu" in optional:
        with tempfile.TemporaryDirectory() as folder:
            try:
                icustub.build("0", Path(folder) / "libicudata.so.0", _compiler())
            except icustub.BuildError as exc:
                raise TrimError(f"--trim icu: {exc}") from exc


def _compiler() -> list[str]:
    command = shlex.split(os.environ.get("CC", "") or "cc")
    if not command or shutil.which(command[0]) is None:
        raise TrimError("--trim icu: no C compiler (cc, or $CC) on PATH to build the ICU data stub "
                        "(Debian: apt-get install gcc)")
    return command
