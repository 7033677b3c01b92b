"""What `weft package` writes about who the app is, without freezing
anything: the bundle's weft.toml, the desktop entry, the icon's place, the
macOS Info.plist and the Inno Setup script (the last two cannot be built
here; their text is checked)."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import tarfile
import tomllib
from pathlib import Path

import pytest

from weft import appconfig
from weft.errors import ConfigError
from weft.packager import (
    AppInfo, PackageError, _app_datas, bundled_icon, config_toml, deb_icon, desktop_entry, info_plist, inno_script,
    inspect_app, launcher_source, package, recipes, write_identity,
)
from weft.archives import ArchiveError, make_tarball

ICON = recipes() / "icons" / "weft.png"  # 256x256


def app_folder(tmp_path: Path, toml: str, name: str = "shelf") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "main.py").write_text("async def main():\n    pass\n")
    (folder / "weft.toml").write_text(toml)
    return folder


def shelf(tmp_path: Path, extra: str = "") -> AppInfo:
    folder = app_folder(tmp_path, '[app]\nid = "org.example.shelf"\nname = "Shelf"\nversion = "2.0.0"\n'
                                  'icon = "icon.png"\nprotocols = ["shelf", "shelf+beta"]\n' + extra)
    shutil.copy(ICON, folder / "icon.png")
    return inspect_app(folder)


def test_weft_toml_says_who_the_app_is_and_flags_override_it(tmp_path: Path) -> None:
    app = shelf(tmp_path)
    assert (app.name, app.title, app.version, app.config.protocols) == ("shelf", "Shelf", "2.0.0",
                                                                        ("shelf", "shelf+beta"))
    flagged = inspect_app(app.folder, name="Shelf Pro", version="3.1")
    assert (flagged.name, flagged.title, flagged.version, flagged.config.id) == (
        "shelf-pro", "Shelf Pro", "3.1", "org.example.shelf")
    # Without a weft.toml: the folder's name, as weft new and weft run derive it.
    bare = tmp_path / "my_notes"
    bare.mkdir()
    (bare / "index.html").write_text("<p>hi</p>")
    assert (inspect_app(bare).name, inspect_app(bare).config.id) == ("my-notes", "org.example.my-notes")
    # A name with nothing usable for a package name falls back on the id.
    assert inspect_app(bare, name="Ω").name == "my-notes"


def test_a_bad_weft_toml_or_flag_is_one_config_error_naming_the_field(tmp_path: Path) -> None:
    folder = app_folder(tmp_path, '[app]\nversion = "one"\n')
    with pytest.raises(ConfigError, match=r"weft\.toml: app\.version: 'one' is not a version"):
        inspect_app(folder)
    good = app_folder(tmp_path, "[app]\n", name="good")
    with pytest.raises(ConfigError) as caught:
        inspect_app(good, version="x1")
    assert str(caught.value) == ("weft package: --version: 'x1' is not a version: 1 to 4 numbers with dots, "
                                 "maybe a -pre-release or +build part (\"1.0\", \"1.2.3\", \"2.0.0-beta.1\")")


def test_the_bundle_carries_the_settled_weft_toml_and_its_icon(tmp_path: Path) -> None:
    app = inspect_app(shelf(tmp_path).folder, version="2.0.1")
    written = write_identity(app, tmp_path / "work")
    assert [p.name for p in written] == ["weft.toml"]  # the icon is in the app folder: copied with it
    # The bundle's app/ gets the written weft.toml, not the folder's own.
    assert [src for src, _ in _app_datas(app, written) if src.endswith("weft.toml")] == [str(written[0])]
    # Tools' caches and version control stay behind (a test run's .pytest_cache was shipped).
    for tool in (".pytest_cache", ".mypy_cache", ".git", "__pycache__", "node_modules"):
        (app.folder / tool).mkdir(exist_ok=True)
        (app.folder / tool / "x").write_text("x")
    assert not [src for src, _ in _app_datas(app, written) if "/x" in src.removeprefix(str(app.folder))]
    shutil.copy(ICON, tmp_path / "work" / "app" / "icon.png")
    loaded = appconfig.load(tmp_path / "work" / "app")
    assert loaded == app.config.replace(version="2.0.1", icon=tmp_path / "work" / "app" / "icon.png")
    # An icon outside the app folder comes along under a name of weft's.
    outside = app_folder(tmp_path, '[app]\nname = "Odd \\"quoted\\" \\\\ name"\nicon = "../elsewhere.png"\n',
                         name="odd")
    shutil.copy(ICON, tmp_path / "elsewhere.png")
    odd = inspect_app(outside)
    assert bundled_icon(odd) == ("weft-icon.png", tmp_path / "elsewhere.png")
    written = write_identity(odd, tmp_path / "work2")
    assert [p.name for p in written] == ["weft.toml", "weft-icon.png"]
    assert appconfig.load(tmp_path / "work2" / "app").name == 'Odd "quoted" \\ name'


def test_the_desktop_entry_names_the_app_its_icon_version_and_schemes(tmp_path: Path) -> None:
    text = desktop_entry(shelf(tmp_path), "/usr/bin/shelf")
    assert text.splitlines() == [
        "[Desktop Entry]", "Type=Application", "Version=1.4", "Name=Shelf", "Comment=Shelf, a weft app",
        "Exec=/usr/bin/shelf %u", "Icon=org.example.shelf", "StartupWMClass=Shelf", "Terminal=false",
        "Categories=Utility;", "X-Weft-App-Version=2.0.0",
        "MimeType=x-scheme-handler/shelf;x-scheme-handler/shelf+beta;"]
    plain = inspect_app(app_folder(tmp_path, '[app]\nname = "Back\\\\slash"\n', name="plain"))
    lines = desktop_entry(plain, "/usr/bin/plain").splitlines()
    assert "Exec=/usr/bin/plain" in lines and "Name=Back\\\\slash" in lines
    assert not [line for line in lines if line.startswith("MimeType") or not line]


def test_the_icon_goes_where_desktops_look_for_it(tmp_path: Path) -> None:
    app = shelf(tmp_path)
    assert deb_icon(app) == (app.folder / "icon.png", "usr/share/icons/hicolor/256x256/apps/org.example.shelf.png")
    for name, content, place in [
        ("wide.png", ICON.read_bytes()[:16] + (300).to_bytes(4, "big") + (200).to_bytes(4, "big"),
         "usr/share/pixmaps/org.example.x.png"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
         "usr/share/icons/hicolor/scalable/apps/org.example.x.svg"),
    ]:
        folder = app_folder(tmp_path, f'[app]\nid = "org.example.x"\nicon = "{name}"\n', name=name.split(".")[0])
        (folder / name).write_bytes(content)
        assert deb_icon(inspect_app(folder))[1] == place
    for name, content, needle in [("app.ico", b"\0\0\1\0", "a PNG, SVG or XPM file"),
                                  ("fake.png", b"GIF89a" + bytes(30), "not a PNG file")]:
        folder = app_folder(tmp_path, f'[app]\nicon = "{name}"\n', name=name.split(".")[0])
        (folder / name).write_bytes(content)
        with pytest.raises(PackageError, match=needle):
            deb_icon(inspect_app(folder))
    # No icon in weft.toml: the folder's icon.png, else weft's.
    bare = inspect_app(app_folder(tmp_path, "[app]\n", name="bare"))
    assert deb_icon(bare) == (ICON, "usr/share/icons/hicolor/256x256/apps/org.example.bare.png")


def test_the_macos_info_plist_has_the_id_name_version_and_url_schemes(tmp_path: Path) -> None:
    app = inspect_app(shelf(tmp_path).folder, version="2.0.0-beta.1")
    info = plistlib.loads(info_plist(app))
    assert {key: info[key] for key in ("CFBundleIdentifier", "CFBundleName", "CFBundleExecutable",
                                       "CFBundleShortVersionString", "CFBundleVersion", "CFBundlePackageType")} == {
        "CFBundleIdentifier": "org.example.shelf", "CFBundleName": "Shelf", "CFBundleExecutable": "shelf",
        "CFBundleShortVersionString": "2.0.0", "CFBundleVersion": "2.0.0", "CFBundlePackageType": "APPL"}
    assert info["CFBundleURLTypes"] == [{"CFBundleURLName": "org.example.shelf", "CFBundleTypeRole": "Viewer",
                                         "CFBundleURLSchemes": ["shelf", "shelf+beta"]}]
    bare = inspect_app(app_folder(tmp_path, "[app]\n", name="bare"))
    assert "CFBundleURLTypes" not in plistlib.loads(info_plist(bare))


def test_the_inno_setup_script_has_the_id_name_version_and_a_url_protocol_per_scheme(tmp_path: Path) -> None:
    text = inno_script(shelf(tmp_path))
    setup = text[text.index("[Setup]"):text.index("[Files]")]
    assert {"AppId=org.example.shelf", "AppName=Shelf", "AppVersion=2.0.0", "DefaultDirName={autopf}\\Shelf",
            "OutputBaseFilename=shelf-2.0.0-setup"} <= set(setup.splitlines())
    assert 'Source: "..\\..\\shelf\\*"' in text
    registry = text[text.index("[Registry]"):].splitlines()[1:]
    for scheme in ("shelf", "shelf+beta"):
        key = f"Software\\Classes\\{scheme}"
        assert f'Root: HKA; Subkey: "{key}"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""' in registry
        assert (f'Root: HKA; Subkey: "{key}\\shell\\open\\command"; ValueType: string; ValueName: ""; '
                'ValueData: """{app}\\shelf.exe"" ""%1"""') in registry
    assert len(registry) == 8 and "$" not in text
    # A name with Inno Setup's special characters; an app without schemes.
    odd = inspect_app(app_folder(tmp_path, '[app]\nname = "A {b} \\"c\\": d"\n', name="odd"))
    text = inno_script(odd)
    assert "AppName=A {{b} \"c\": d" in text.splitlines() and "[Registry]" not in text
    assert re.search(r'^Name: "\{group\}\\A \{\{b\} -c-- d"', text, re.M)
    assert 'Description: "Start A {{b} ""c"": d"' in text
    assert tomllib.loads(config_toml(odd.config, None))["app"]["name"] == 'A {b} "c": d'


@pytest.mark.parametrize("xz_tool", [True, False], ids=["xz tool", "Python's lzma"])
def test_tarballs_are_gzip_or_xz_by_their_name_and_hold_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xz_tool: bool
) -> None:
    bundle = tmp_path / "shelf"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "shelf").write_bytes(b"\x7fELF" + bytes(range(256)) * 400)
    (bundle / "_internal" / "lib.so").symlink_to("../shelf")
    if not xz_tool:
        monkeypatch.setattr(shutil, "which", lambda name: None)
    else:
        assert shutil.which("xz"), "this test needs the xz tool (Debian: apt-get install xz-utils)"
    for name, magic in (("a.tar.gz", b"\x1f\x8b"), ("a.tar.xz", b"\xfd7zXZ\x00")):
        target = make_tarball(bundle, tmp_path / name)
        assert target.read_bytes().startswith(magic)
        with tarfile.open(target) as archive:
            assert sorted(archive.getnames()) == ["shelf", "shelf/_internal", "shelf/_internal/lib.so", "shelf/shelf"]
            assert archive.getmember("shelf/_internal/lib.so").issym()
            assert archive.extractfile("shelf/shelf").read() == (bundle / "shelf").read_bytes()  # type: ignore[union-attr]


def test_an_unknown_compression_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match=r"--compress: 'tiny' is not a choice; known: fast, small"):
        package(tmp_path, out=tmp_path / "out", compress="tiny")


def test_a_failed_archive_is_a_package_error_and_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "shelf"
    bundle.mkdir()
    (bundle / "shelf").write_bytes(bytes(range(256)) * 4000)
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "xz").write_text("#!/bin/sh\nhead -c 10 >/dev/null\necho 'xz: out of memory' >&2\nexit 1\n")
    (tools / "xz").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    with pytest.raises(ArchiveError, match=r"xz failed \(exit 1\) writing a.tar.xz.partial: xz: out of memory"):
        make_tarball(bundle, tmp_path / "a.tar.xz")
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tarfile.TarFile, "add", fail)  # xz alive: it is killed, and nothing is kept
    for name in ("b.tar.gz", "b.tar.xz"):
        with pytest.raises(OSError, match="disk full"):
            make_tarball(bundle, tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "shelf"]


@pytest.mark.parametrize("main_py", [True, False], ids=["main.py", "index.html only"])
def test_the_frozen_entry_script_launches_the_apps_module_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, main_py: bool
) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "index.html").write_text("<p>hi</p>")
    if main_py:
        (folder / "main.py").write_text("async def main():\n    pass\n")
    launched: list[str | None] = []
    monkeypatch.setattr("weft.launcher.launch", lambda module: launched.append(module) or 0)
    with pytest.raises(SystemExit) as exited:
        exec(compile(launcher_source(inspect_app(folder)), "launcher.py", "exec"), {"__name__": "__main__"})
    assert exited.value.code == 0
    assert launched == (["main"] if main_py else [None])
