"""`weft package` builds a frozen app, a tarball and a .deb that really run,
and carry who the app is (packaging/demo/weft.toml, its version overridden
by --version).

Slow (PyInstaller takes a minute or two here), and it runs in CI.
"""

from __future__ import annotations

import importlib.metadata
import os
import plistlib
import re
import shutil
import signal
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import ensure_program
from tests.e2e.conftest import AS_ROOT, Running, clean_env, run_weft
from tests.e2e.test_docs import code_blocks
from weft import appconfig, elf, icustub
from weft.appconfig import AppConfig

REPO = Path(__file__).resolve().parents[2]
#: packaging/demo/weft.toml, with the fixture's --version.
DEMO = AppConfig(id="dev.weft.demo", name="weft demo", version="1.2.3", protocols=("weft-demo",))


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory, weft_command: str) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("package")
    code, stdout, stderr = run_weft(
        [weft_command, "package", str(REPO / "packaging" / "demo"), "--out", str(out), "--version", "1.2.3"],
        timeout=1200)
    assert code == 0, stdout + stderr
    return out, stdout


@pytest.mark.slow
def test_package_builds_the_three_artifacts_and_says_where(packaged: tuple[Path, str]) -> None:
    out, stdout = packaged
    for step in ("[1/5]", "[2/5]", "[3/5] trimming", "[4/5]", "[5/5]"):
        assert step in stdout
    bundle = out / "weft-demo"
    tarball = next(out.glob("weft-demo-1.2.3-linux-*.tar.gz"))
    deb = next(out.glob("weft-demo_1.2.3_*.deb"))
    for artifact in (bundle, tarball, deb):
        assert str(artifact) in stdout
    assert "MiB" in stdout and "built in" in stdout
    assert "the app: dev.weft.demo (weft demo 1.2.3; weft-demo://)" in stdout
    with tarfile.open(tarball) as archive:
        assert {"weft-demo/weft-demo", "weft-demo/_internal/app/weft.toml",
                "weft-demo/_internal/app/weft-icon.png"} <= set(archive.getnames())
    # The frozen app reads who it is from its copy of the app folder: the
    # settled weft.toml (--version over the file's), its icon beside it.
    app = bundle / "_internal" / "app"
    assert appconfig.load(app) == DEMO.replace(icon=app / "weft-icon.png")
    assert (app / "weft-icon.png").read_bytes() == (REPO / "packaging" / "icons" / "weft.png").read_bytes()
    # The macOS and Windows recipes, filled in (they are built elsewhere).
    info = plistlib.loads((out / "build" / "weft-demo" / "Info.plist").read_bytes())
    assert (info["CFBundleIdentifier"], info["CFBundleShortVersionString"],
            info["CFBundleURLTypes"][0]["CFBundleURLSchemes"]) == ("dev.weft.demo", "1.2.3", ["weft-demo"])
    iss = (out / "build" / "weft-demo" / "app.iss").read_text()
    assert {"AppId=dev.weft.demo", "AppName=weft demo", "AppVersion=1.2.3"} <= set(iss.splitlines())
    assert 'Subkey: "Software\\Classes\\weft-demo"; ValueType: string; ValueName: "URL Protocol"' in iss
    # Qt modules weft does not use stay out.
    libs = {p.name for p in (bundle / "_internal" / "PySide6" / "Qt" / "lib").iterdir()}
    assert not {name for name in libs if name.startswith(("libQt63D", "libQt6Charts", "libQt6Quick3D"))}
    assert not (bundle / "_internal" / "PySide6" / "Qt" / "qml").exists()
    # Trimmed by default of what no desktop app loads, and each trim said so.
    for step in ("strip", "devtools", "qt-plugins"):
        assert re.search(rf"^trim {step}: .* \(\d+ files\), [\d.]+ MiB saved$", stdout, re.M), step
    assert "trim locales" not in stdout and "trim modules" not in stdout
    qt = bundle / "_internal" / "PySide6" / "Qt"
    assert not (qt / "resources" / "qtwebengine_devtools_resources.pak").exists()
    assert (qt / "resources" / "qtwebengine_resources.pak").exists()
    assert not (qt / "plugins" / "platforms" / "libqeglfs.so").exists() and "libQt6Pdf.so.6" not in libs
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= {p.name for p in (qt / "plugins/platforms").iterdir()}
    binaries = [p for p in (bundle / "_internal").rglob("*.so*") if p.is_file() and not p.is_symlink()]
    assert binaries and not [p for p in binaries if (info := elf.read(p)) is not None and info.unstripped]
    # The demo declares no locales: all of Chromium's are kept.
    assert len(list((qt / "translations" / "qtwebengine_locales").glob("*.pak"))) > 50
    info = subprocess.run(["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "Package: weft-demo" in info and "Version: 1.2.3" in info and "libnss3" in info
    assert "Description: weft demo, a weft app" in info
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "./usr/share/icons/hicolor/256x256/apps/dev.weft.demo.png" in listing
    assert "./usr/share/applications/dev.weft.demo.desktop" in listing


@pytest.mark.slow
def test_the_installed_deb_runs_its_self_check_without_the_source_tree(
    packaged: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = packaged
    deb = next(out.glob("weft-demo_*.deb"))
    root = tmp_path / "root"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    # The desktop entry is named by the app id (Wayland's app id, which
    # weft.run gives Qt), and says its name, version, icon and scheme.
    desktop = root / "usr/share/applications/dev.weft.demo.desktop"
    lines = desktop.read_text().splitlines()
    assert {"Name=weft demo", "Exec=/usr/bin/weft-demo %u", "Icon=dev.weft.demo", "StartupWMClass=weft demo",
            "X-Weft-App-Version=1.2.3", "MimeType=x-scheme-handler/weft-demo;"} <= set(lines), lines
    validate = ensure_program("desktop-file-validate", "desktop-file-utils")
    checked = subprocess.run([validate, str(desktop)], capture_output=True, text=True)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    assert (root / "usr/share/icons/hicolor/256x256/apps/dev.weft.demo.png").is_file()
    assert os.readlink(root / "usr/bin/weft-demo") == "/opt/weft-demo/weft-demo"
    env = {k: v for k, v in clean_env().items() if not k.startswith("PYTHON")}
    done = subprocess.run([str(root / "opt/weft-demo/weft-demo"), "--weft-self-check", "--no-sandbox"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # (The self-check's number of checks grows with weft; that all passed is the point.)
    assert re.search(r"^weft self-check: passed \(\d+ checks\)$", output, re.M) and "FAILED" not in output, output
    assert "forbidden requests refused" in output
    # It ran the frozen weft inside the extracted package, not the checkout.
    assert f"weft from {root / 'opt/weft-demo/_internal/weft'}" in output
    assert str(REPO) not in output


@pytest.mark.slow
def test_the_frozen_app_runs_its_main_once_and_stops_on_ctrl_c(packaged: tuple[Path, str], tmp_path: Path) -> None:
    # packaging/demo/main.py ends with sys.exit(weft.run(main)), as weft new's
    # apps do: frozen, the launcher runs main once, with its own flags. It
    # knows who it is (the bundle's weft.toml, though main serves weft's demo
    # folder), and a deep link on its command line (as the desktop entry's %u
    # gives it) reaches app.on_open_url.
    out, _ = packaged
    bundle = next(path for path in out.iterdir() if path.is_dir() and (path / path.name).is_file())
    running = Running([str(bundle / bundle.name), "--no-sandbox", "-v", "weft-demo://open?note=1", "other"],
                      cwd=tmp_path)
    running.wait_for_lines("window main connected", "window activity connected",
                           "weft.demo: dev.weft.demo (weft demo 1.2.3) starts",
                           "weft.demo: opened with weft-demo://open?note=1")
    running.process.send_signal(signal.SIGINT)
    code, _, stderr = running.finish()
    assert code == 130, stderr[-3000:]
    assert "Traceback" not in stderr and stderr.count("window main connected") == 1
    assert stderr.count("opened with") == 1
    # As root without --no-sandbox: one line, exit code 2, no traceback.
    if AS_ROOT:
        done = subprocess.run([str(bundle / bundle.name)], cwd=tmp_path, env=clean_env(), capture_output=True,
                              text=True, timeout=60)
        assert (done.returncode, done.stderr.count("\n")) == (2, 1), done.stderr
        assert done.stderr.startswith("weft: weft is running as root")


SMALLER = code_blocks(REPO / "docs" / "packaging.md", "sh")[1]
"""docs/packaging.md's "Smaller bundles" command."""


@pytest.fixture(scope="module")
def packaged_small(tmp_path_factory: pytest.TempPathFactory, weft_command: str) -> tuple[Path, str]:
    """The demo built as "Smaller bundles" says, with the app's locales
    given by its weft.toml (the page's sample) instead of the flag."""
    out = tmp_path_factory.mktemp("package-small")
    app = out / "demo"
    shutil.copytree(REPO / "packaging" / "demo", app)
    (app / "weft.toml").write_text((app / "weft.toml").read_text().replace("[app]\n", "[app]\n" + next(
        b for b in code_blocks(REPO / "docs" / "packaging.md", "toml") if "locales" in b).split("\n", 1)[1]))
    (app / "weft.toml").write_text((app / "weft.toml").read_text().replace('"../icons/', f'"{REPO}/packaging/icons/'))
    args = SMALLER.split()
    assert args[:2] == ["weft", "package"] and "--locales" in args
    args = [weft_command, "package", str(app), *args[3:args.index("--locales")], *args[args.index("--locales") + 2:],
            "--out", str(out), "--no-deb"]
    code, stdout, stderr = run_weft(args, timeout=1200)
    assert code == 0, stdout + stderr
    return out, stdout


@pytest.mark.slow
def test_a_smaller_bundle_keeps_its_declared_locales_and_passes_its_self_check_in_another_language(
    packaged_small: tuple[Path, str], tmp_path: Path
) -> None:
    out, stdout = packaged_small
    bundle = out / "weft-demo"
    qt = bundle / "_internal" / "PySide6" / "Qt"
    assert {p.name for p in (qt / "translations" / "qtwebengine_locales").iterdir()} == {"en-US.pak", "de.pak"}
    assert {p.stem.partition("_")[2] for p in (qt / "translations").glob("*.qm")} == {"en", "de"}
    assert re.search(r"^trim locales: locales other than de, en-US \(\d+ files\)", stdout, re.M), stdout
    for step in ("modules", "tls", "printing", "icu"):
        assert re.search(rf"^trim {step}: .* \(\d+ files\), [\d.]+ MiB saved$", stdout, re.M), stdout
    dynload = {p.name.partition(".")[0] for p in (bundle / "_internal").glob("python3*/lib-dynload/*.so")}
    assert not {"readline", "_codecs_jp", "_ssl", "_hashlib"} & dynload
    assert {"_contextvars", "_asyncio"} <= dynload  # asyncio's
    assert not [p.name for p in (bundle / "_internal").glob("lib*.so*") if p.name.startswith(("libcrypto", "libcups"))]
    assert not list((qt / "plugins").glob("*/libqopensslbackend.so"))
    assert icustub.is_stub(icustub.data_library(qt / "lib"))
    env = {k: v for k, v in clean_env().items() if not k.startswith("PYTHON")}
    # German is in the bundle; French falls back to en-US, Chromium's fallback.
    for lang, pak in (("de_DE.UTF-8", "de"), ("fr_FR.UTF-8", "en-US")):
        done = subprocess.run([str(bundle / "weft-demo"), "--weft-self-check", "--no-sandbox"], cwd=tmp_path,
                              env={**env, "LANG": lang}, capture_output=True, text=True, timeout=300)
        output = done.stdout + done.stderr
        assert done.returncode == 0 and "FAILED" not in output, output
        assert f"ok     UI strings for this locale {pak} (LANG={lang})" in output, output
        assert "ok     text in pages: collation, case mapping, codecs" in output, output
        assert "ok     text in Qt Core (ICU data stub: code-point collation, UTF and Latin-1 only)" in output, output
    # The self-check sees a bundle whose Chromium found no UI strings at all.
    (qt / "translations" / "qtwebengine_locales" / "en-US.pak").unlink()
    done = subprocess.run([str(bundle / "weft-demo"), "--weft-self-check", "--no-sandbox"], cwd=tmp_path,
                          env={**env, "LANG": "fr_FR.UTF-8"}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "FAILED UI strings for this locale no locale pak loaded" in done.stdout, (
        done.stdout + done.stderr)


def test_the_docs_locales_sample_is_a_valid_weft_toml(tmp_path: Path) -> None:
    sample = next(b for b in code_blocks(REPO / "docs" / "packaging.md", "toml") if "locales" in b)
    (tmp_path / "weft.toml").write_text(sample)
    assert appconfig.load(tmp_path).locales == ("en-US", "de")


def test_unknown_trims_and_locales_are_one_clear_line(weft_command: str, tmp_path: Path) -> None:
    demo = str(REPO / "packaging" / "demo")
    for args, line in [
        (["--trim", "modules,fonts"], "weft: --trim: 'fonts' is not a trim; known: modules, tls, printing, icu\n"),
        (["--locales", "en-us"], "weft: weft package: --locales: 'en-us' is not a Chromium locale name like "
                                 "\"de\", \"en-US\" or \"pt-BR\"\n"),
    ]:
        code, _, stderr = run_weft([weft_command, "package", demo, "--out", str(tmp_path / "out"), *args])
        assert (code, stderr) == (2, line)
    code, _, stderr = run_weft([weft_command, "package", demo, "--out", str(tmp_path / "out"), "--locales", "en"])
    assert code == 2 and stderr.startswith("weft: weft package: --locales: Chromium has no locale 'en'; it has ")
    assert "en-GB, en-US" in stderr and stderr.count("\n") == 1
    code, _, stderr = run_weft([weft_command, "package", demo, "--out", str(tmp_path / "out"), "--locales", "de-DE"])
    assert code == 2 and stderr.startswith("weft: weft package: --locales: Chromium has no locale 'de-DE' "
                                           "(did you mean 'de'?); it has ")
    assert not (tmp_path / "out").exists()


def test_bad_app_folders_and_missing_tools_get_a_clear_message(weft_command: str, tmp_path: Path) -> None:
    (tmp_path / "no-main").mkdir()
    (tmp_path / "sync-main").mkdir()
    (tmp_path / "sync-main" / "main.py").write_text("def main():\n    pass\n")
    cases = {
        str(tmp_path / "missing"): "not a folder",
        str(tmp_path / "no-main"): "has a main.py",
        str(tmp_path / "sync-main"): "define `async def main()`",
    }
    for path, needle in cases.items():
        code, stdout, stderr = run_weft([weft_command, "package", path, "--out", str(tmp_path / "out")])
        assert code == 2 and needle in stderr and "Traceback" not in stderr, (path, stderr)
    # A bad weft.toml, or a bad flag in its place: one line naming the field, nothing built.
    for folder in ("bad-toml", "no-toml"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "index.html").write_text("<p>hi</p>")
    (tmp_path / "bad-toml" / "weft.toml").write_text('[app]\nprotocols = ["http"]\n')
    for folder, args, line in [
        ("bad-toml", [], f"weft: {tmp_path / 'bad-toml' / 'weft.toml'}: app.protocols: 'http' belongs to the web "
                         "or to weft; an app may not claim it\n"),
        ("no-toml", ["--version", "v1"],
         "weft: weft package: --version: 'v1' is not a version: 1 to 4 numbers with dots, "
         "maybe a -pre-release or +build part (\"1.0\", \"1.2.3\", \"2.0.0-beta.1\")\n"),
    ]:
        code, _, stderr = run_weft([weft_command, "package", str(tmp_path / folder), "--out", str(tmp_path / "out"),
                                    *args])
        assert (code, stderr) == (2, line)
    assert not (tmp_path / "out").exists()
    # Without dpkg-deb on PATH (and without --no-deb): say so, build nothing.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(shutil.which("python3") or "/usr/bin/python3")
    env = {**clean_env(), "PATH": str(bin_dir)}
    done = subprocess.run([weft_command, "package", str(REPO / "packaging" / "demo"), "--out", str(tmp_path / "o")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "dpkg-deb is not on PATH" in done.stderr, done.stderr
    assert not (tmp_path / "o").exists()
    # Nor without strip (binutils): the bundle's binaries are stripped.
    (bin_dir / "ldd").symlink_to(shutil.which("ldd") or "/usr/bin/ldd")
    done = subprocess.run([weft_command, "package", str(REPO / "packaging" / "demo"), "--out", str(tmp_path / "o"),
                           "--no-deb"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "strip is not on PATH (Debian: apt-get install binutils)" in done.stderr, (
        done.stderr)
    assert not (tmp_path / "o").exists()


def test_the_pyinstaller_hook_is_registered_for_hand_written_specs() -> None:
    hooks = [ep for ep in importlib.metadata.entry_points(group="pyinstaller40") if ep.value.startswith("weft.")]
    assert hooks, "weft's pyinstaller40 entry point is missing"
    (hook_dir,) = hooks[0].load()()
    assert (Path(hook_dir) / "hook-weft.py").is_file()
    assert (Path(hook_dir) / "pre_find_module_path" / "hook-weft.py").is_file()
