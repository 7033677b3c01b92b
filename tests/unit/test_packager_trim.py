"""Which files `weft package`'s trims take from a bundle, on fake bundle
trees (ELF facts given by a table), and the ELF reader they rely on, on
real binaries."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from weft import elf, trim
from weft.elf import ElfInfo
from weft.trim import TrimError, Trims

QT = "_internal/PySide6/Qt"
DYNLOAD = "_internal/python3.11/lib-dynload"
SO = ".cpython-311-x86_64-linux-gnu.so"

#: A small bundle: what needs what (soname → DT_NEEDED), the rest are data.
ELF_FILES = {
    f"{QT}/lib/libQt6Core.so.6": (),
    f"{QT}/lib/libQt6Gui.so.6": ("libQt6Core.so.6",),
    f"{QT}/lib/libQt6OpenGL.so.6": ("libQt6Gui.so.6",),
    f"{QT}/lib/libQt6Pdf.so.6": ("libQt6Core.so.6",),
    f"{QT}/lib/libQt6EglFSDeviceIntegration.so.6": ("libQt6OpenGL.so.6",),
    f"{QT}/lib/libQt6EglFsKmsSupport.so.6": ("libQt6EglFSDeviceIntegration.so.6",),
    f"{QT}/lib/libQt6XcbQpa.so.6": ("libQt6Gui.so.6",),
    f"{QT}/plugins/platforms/libqxcb.so": ("libQt6XcbQpa.so.6", "libQt6OpenGL.so.6"),
    f"{QT}/plugins/platforms/libqoffscreen.so": ("libQt6Gui.so.6",),
    f"{QT}/plugins/platforms/libqwayland.so": ("libQt6Gui.so.6",),
    f"{QT}/plugins/platforms/libqeglfs.so": ("libQt6EglFSDeviceIntegration.so.6",),
    f"{QT}/plugins/platforms/libqlinuxfb.so": ("libQt6Gui.so.6", "libudev.so.1"),
    f"{QT}/plugins/egldeviceintegrations/libqeglfs-kms-egldevice-integration.so": ("libQt6EglFsKmsSupport.so.6",),
    f"{QT}/plugins/generic/libqevdevmouseplugin.so": ("libQt6Gui.so.6",),
    f"{QT}/plugins/imageformats/libqpdf.so": ("libQt6Pdf.so.6",),
    f"{QT}/plugins/imageformats/libqjpeg.so": ("libjpeg.so.62",),
    f"{QT}/plugins/platformthemes/libqgtk3.so": ("libQt6Gui.so.6",),
    f"{QT}/plugins/wayland-shell-integration/libxdg-shell.so": ("libQt6Gui.so.6",),
    f"{QT}/plugins/wayland-shell-integration/libivi-shell.so": ("libQt6Gui.so.6",),
    "_internal/libudev.so.1": (),  # libqlinuxfb's, but the window system's too
    "_internal/libsystemd.so.0": ("libudev.so.1",),
    "_internal/libjpeg.so.62": (),
    "_internal/libsoftokn3.so": ("libsqlite3.so.0",),  # NSS opens it by name: needed by nothing
    "_internal/libsqlite3.so.0": (),
    "_internal/libreadline.so.8": ("libtinfo.so.6",),
    "_internal/libtinfo.so.6": (),
    "_internal/libpython3.11.so.1.0": (),
    f"{DYNLOAD}/readline{SO}": ("libreadline.so.8",),
    f"{DYNLOAD}/_csv{SO}": (),
    f"{DYNLOAD}/_decimal{SO}": (),
    f"{DYNLOAD}/_codecs_jp{SO}": (),
    f"{DYNLOAD}/_multibytecodec{SO}": (),
    f"{DYNLOAD}/_contextvars{SO}": (),  # asyncio's
    f"{DYNLOAD}/_asyncio{SO}": (),
    f"{DYNLOAD}/_ssl{SO}": ("libssl.so.3",),
    f"{DYNLOAD}/_hashlib{SO}": ("libcrypto.so.3",),
    "_internal/libssl.so.3": ("libcrypto.so.3",),
    "_internal/libcrypto.so.3": (),
    f"{QT}/plugins/tls/libqopensslbackend.so": ("libQt6Core.so.6",),  # opens OpenSSL by name
    f"{QT}/plugins/tls/libqcertonlybackend.so": ("libQt6Core.so.6",),
    f"{QT}/plugins/printsupport/libcupsprintersupport.so": ("libcups.so.2",),
    "_internal/libcups.so.2": ("libgnutls.so.30",),
    "_internal/libgnutls.so.30": (),
    f"{QT}/plugins/networkinformation/libqnetworkmanager.so": ("libQt6Core.so.6",),
}
UNSTRIPPED = {"_internal/libpython3.11.so.1.0", f"{DYNLOAD}/_csv{SO}"}
DATA_FILES = [
    f"{QT}/resources/qtwebengine_resources.pak", f"{QT}/resources/qtwebengine_devtools_resources.pak",
    f"{QT}/resources/icudtl.dat",
    *(f"{QT}/translations/qtwebengine_locales/{name}.pak" for name in ("en-US", "en-GB", "de", "pt-BR", "pt-PT", "fr")),
    *(f"{QT}/translations/{catalog}_{name}.qm" for catalog in ("qt", "qtbase", "qtwebsockets")
      for name in ("en", "de", "pt_BR", "pt", "fr")),
    "_internal/app/main.py", "weft-demo",
]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    root = tmp_path / "weft-demo"
    for relative in [*ELF_FILES, *DATA_FILES]:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"x" * 100)
    (root / "_internal" / "libQt6Pdf.so.6").symlink_to("PySide6/Qt/lib/libQt6Pdf.so.6")  # as PyInstaller links
    return root


def fake_read(bundle: Path):  # type: ignore[no-untyped-def]
    table = {bundle / relative: ElfInfo(unstripped=relative in UNSTRIPPED, needed=needed)
             for relative, needed in ELF_FILES.items()}
    return lambda path: table.get(path)


def relative(bundle: Path, paths: list[Path]) -> set[str]:
    return {path.relative_to(bundle).as_posix() for path in paths}


def test_strip_picks_only_unstripped_elf_files(bundle: Path) -> None:
    assert relative(bundle, trim.unstripped(bundle / "_internal", fake_read(bundle))) == UNSTRIPPED


def test_devtools_goes_by_default_and_nothing_else_of_the_resources(bundle: Path) -> None:
    assert relative(bundle, trim.devtools_files(bundle / "_internal")) == {
        f"{QT}/resources/qtwebengine_devtools_resources.pak"}


def test_plugins_a_desktop_never_loads_go_with_the_libraries_only_they_needed(bundle: Path) -> None:
    internal = bundle / "_internal"
    plugins = trim.unused_plugins(internal)
    own = {f"{QT}/translations/qtwebsockets_{name}.qm" for name in ("en", "de", "pt_BR", "pt", "fr")}
    own.add(f"{QT}/plugins/networkinformation/libqnetworkmanager.so")
    assert relative(bundle, plugins) == {f"{QT}/plugins/{name}" for name in (
        "platforms/libqeglfs.so", "platforms/libqlinuxfb.so",
        "egldeviceintegrations/libqeglfs-kms-egldevice-integration.so", "generic/libqevdevmouseplugin.so",
        "imageformats/libqpdf.so", "wayland-shell-integration/libivi-shell.so")} | own
    # What only the app's own code could load stays when it imports that.
    kept = trim.unused_plugins(internal, {"PySide6.QtNetwork.QNetworkInformation", "PySide6.QtWebSockets"})
    assert relative(bundle, plugins) - relative(bundle, kept) == own
    # xcb, wayland (xdg-shell), offscreen, the GTK theme and JPEG stay; of
    # the libraries, only what nothing left needs goes: not Gui, OpenGL
    # (still needed by what stays) or libudev (libsystemd's too).
    assert relative(bundle, trim.orphans(internal, plugins, fake_read(bundle))) == {
        f"{QT}/lib/libQt6Pdf.so.6", f"{QT}/lib/libQt6EglFSDeviceIntegration.so.6",
        f"{QT}/lib/libQt6EglFsKmsSupport.so.6"}
    # Libraries loaded by name (NSS's) are never orphans: they came for nothing removed.
    assert trim.orphans(internal, [], fake_read(bundle)) == []


def test_declared_locales_and_en_us_are_kept_with_their_qt_translations(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert trim.locale_files(internal, ()) == []  # none declared: all kept
    going = relative(bundle, trim.locale_files(internal, ("pt-BR",)))
    assert going == {f"{QT}/translations/qtwebengine_locales/{name}.pak" for name in ("en-GB", "de", "pt-PT", "fr")} | {
        f"{QT}/translations/{catalog}_{name}.qm" for catalog in ("qt", "qtbase", "qtwebsockets") for name in ("de", "fr")}
    # pt-BR keeps qt_pt_BR.qm and qt_pt.qm; en-US (always) keeps qt_en.qm.
    assert trim.qm_locales("pt-BR") == {"pt_BR", "pt"} and trim.qm_locales("es-419") == {"es_419", "es"}


def test_the_modules_trim_keeps_what_asyncio_and_the_app_import(bundle: Path) -> None:
    internal = bundle / "_internal"
    names = lambda paths: {path.name.partition(".")[0] for path in paths}  # noqa: E731
    assert names(trim.unused_modules(internal, set())) == {
        "readline", "_csv", "_decimal", "_codecs_jp", "_multibytecodec"}
    assert names(trim.unused_modules(internal, {"csv", "weft", "decimal"})) == {
        "readline", "_codecs_jp", "_multibytecodec"}
    going = trim.unused_modules(internal, set())
    assert relative(bundle, trim.orphans(internal, going, fake_read(bundle))) == {
        "_internal/libreadline.so.8", "_internal/libtinfo.so.6"}


def test_the_app_imports_are_read_from_its_code(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "main.py").write_text("import csv, os.path\nfrom decimal import Decimal\nfrom . import x\n")
    (tmp_path / "pkg" / "m.py").write_text("def f():\n    import statistics\n    from PySide6 import QtPrintSupport\n")
    (tmp_path / "broken.py").write_text("def (:\n")
    assert trim.app_imports(tmp_path) == {"csv", "os", "os.path", "decimal", "decimal.Decimal", "statistics",
                                          "PySide6", "PySide6.QtPrintSupport"}


def test_trim_names_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert trim.parse_optional("modules") == {"modules"} == trim.parse_optional(["modules", ""])
    assert trim.parse_optional([]) == frozenset()
    assert trim.parse_optional("tls, printing,icu") == {"tls", "printing", "icu"}
    with pytest.raises(TrimError, match="'fonts' is not a trim; known: modules, tls, printing, icu"):
        trim.parse_optional("modules,fonts")


def test_the_tls_and_printing_trims_take_their_plugins_and_only_the_libraries_they_brought(bundle: Path) -> None:
    internal = bundle / "_internal"
    tls = trim.tls_files(internal)
    assert relative(bundle, tls) == {f"{DYNLOAD}/_ssl{SO}", f"{DYNLOAD}/_hashlib{SO}",
                                     f"{QT}/plugins/tls/libqopensslbackend.so"}
    assert relative(bundle, trim.orphans(internal, tls, fake_read(bundle))) == {
        "_internal/libssl.so.3", "_internal/libcrypto.so.3"}
    # An app that imports hashlib keeps OpenSSL's hashes, and so OpenSSL.
    kept = trim.tls_files(internal, {"hashlib", "uuid"})
    assert relative(bundle, kept) == relative(bundle, tls) - {f"{DYNLOAD}/_hashlib{SO}"}
    assert relative(bundle, trim.orphans(internal, kept, fake_read(bundle))) == {"_internal/libssl.so.3"}
    printing = trim.printing_files(internal)
    assert relative(bundle, printing) == {f"{QT}/plugins/printsupport/libcupsprintersupport.so"}
    assert relative(bundle, trim.orphans(internal, printing, fake_read(bundle))) == {
        "_internal/libcups.so.2", "_internal/libgnutls.so.30"}


def test_an_app_that_imports_ssl_or_qt_printing_keeps_it(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trim, "_strip", lambda paths: 0)
    lines: list[str] = []
    saved = trim.trim(bundle, Trims(optional=frozenset({"tls", "printing", "icu"}), app_imports=frozenset(
        {"urllib", "urllib.request", "PySide6", "PySide6.QtPrintSupport", "PySide6.QtCore.QCollator"})),
        lines.append, fake_read(bundle))
    assert [s.step for s in saved] == ["strip", "devtools", "qt-plugins"]
    assert "trim tls: skipped: the app imports urllib" in lines
    assert "trim printing: skipped: the app imports PySide6.QtPrintSupport" in lines
    assert "trim icu: skipped: the app imports PySide6.QtCore.QCollator" in lines
    trim.trim(bundle, Trims(optional=frozenset({"icu"})), lines.append, fake_read(bundle))
    assert lines[-1] == f"trim icu: skipped: no ICU data library (libicudata.so.N) in {bundle / QT / 'lib'}"
    assert (bundle / DYNLOAD / f"_ssl{SO}").exists() and (bundle / "_internal" / "libcups.so.2").exists()
    saved = trim.trim(bundle, Trims(optional=frozenset({"tls", "printing"})), lines.append, fake_read(bundle))
    assert [s.step for s in saved][-2:] == ["tls", "printing"]
    assert not (bundle / DYNLOAD / f"_ssl{SO}").exists() and not (bundle / "_internal" / "libcrypto.so.3").exists()
    assert not (bundle / "_internal" / "libgnutls.so.30").exists()
    assert (bundle / QT / "plugins" / "tls" / "libqcertonlybackend.so").exists()


def test_trim_removes_says_what_and_leaves_no_dangling_links(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stripped: list[Path] = []
    monkeypatch.setattr(trim, "_strip", lambda paths: stripped.extend(paths) or 0)  # fake files: strip cannot
    lines: list[str] = []
    saved = trim.trim(bundle, Trims(locales=("de",), optional=frozenset({"modules"})), lines.append,
                      fake_read(bundle))
    assert relative(bundle, stripped) == UNSTRIPPED
    assert [s.step for s in saved] == ["strip", "devtools", "qt-plugins", "locales", "modules"]
    assert any(line.startswith("trim locales: locales other than de, en-US (") for line in lines), lines
    assert all("saved" in line for line in lines)
    paks = {p.name for p in (bundle / QT / "translations" / "qtwebengine_locales").iterdir()}
    assert paks == {"en-US.pak", "de.pak"}
    assert not (bundle / QT / "resources" / "qtwebengine_devtools_resources.pak").exists()
    assert not (bundle / "_internal" / "libQt6Pdf.so.6").is_symlink()  # its target went: so did the link
    assert (bundle / DYNLOAD / f"_contextvars{SO}").exists() and not (bundle / DYNLOAD / f"readline{SO}").exists()
    with pytest.raises(TrimError, match="no Chromium locale 'xx'"):
        trim.trim(bundle, Trims(locales=("xx",)), lines.append, fake_read(bundle))


def test_keep_devtools_keeps_the_pak(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trim, "_strip", lambda paths: 0)
    saved = trim.trim(bundle, Trims(keep_devtools=True), lambda line: None, fake_read(bundle))
    assert [s.step for s in saved] == ["strip", "qt-plugins"]
    assert (bundle / QT / "resources" / "qtwebengine_devtools_resources.pak").exists()
    assert len(list((bundle / QT / "translations" / "qtwebengine_locales").iterdir())) == 6  # none declared: all


# -- the ELF reader, on real binaries ------------------------------------------

LIBPYTHON = Path(sysconfig.get_config_var("LIBDIR") or "/") / str(sysconfig.get_config_var("INSTSONAME"))


def test_the_elf_reader_sees_symbols_go_when_stripped(tmp_path: Path) -> None:
    # weft package strips bundles with binutils' strip: where it is missing, so is that step.
    assert shutil.which("strip"), "this test needs binutils' strip (Debian: apt-get install binutils)"
    source = LIBPYTHON if LIBPYTHON.is_file() else Path(sys.executable).resolve()
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    before = elf.read(copy)
    assert before is not None and "libc.so.6" in before.needed
    subprocess.run(["strip", "--strip-unneeded", str(copy)], check=True)
    after = elf.read(copy)
    assert after is not None and not after.unstripped and after.needed == before.needed
    if before.unstripped:
        assert copy.stat().st_size < source.stat().st_size
    assert elf.read(tmp_path / "missing") is None
    (tmp_path / "text").write_text("not ELF")
    assert elf.read(tmp_path / "text") is None and not elf.is_elf(tmp_path / "text")
    (tmp_path / "short").write_bytes(b"\x7fELF\x02\x01")
    assert elf.read(tmp_path / "short") is None


def test_an_unknown_locale_gets_the_likely_one() -> None:
    known = ["de", "en-GB", "en-US", "es", "es-419", "pt-BR", "zh-CN"]
    cases = {"de-DE": "de", "en-us": "en-US", "pt_BR": "pt-BR", "es-MX": "es", "EN-gb": "en-GB", "zh-TW": None,
             "xx": None, "en": None, "es-418": "es"}
    assert {name: trim.likely_locale(known, name) for name in cases} == cases
