"""`weft package` builds a frozen app, a tarball and a .deb that really run.

Slow (PyInstaller takes a minute or two here), and it runs in CI.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import signal
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.e2e.conftest import AS_ROOT, Running, clean_env, run_weft

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory, weft_command: str) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("package")
    code, stdout, stderr = run_weft(
        [weft_command, "package", str(REPO / "packaging" / "demo"), "--out", str(out), "--name", "weft demo",
         "--version", "1.2.3"], timeout=1200)
    assert code == 0, stdout + stderr
    return out, stdout


@pytest.mark.slow
def test_package_builds_the_three_artifacts_and_says_where(packaged: tuple[Path, str]) -> None:
    out, stdout = packaged
    for step in ("[1/4]", "[2/4]", "[3/4]", "[4/4]"):
        assert step in stdout
    bundle = out / "weft-demo"
    tarball = next(out.glob("weft-demo-1.2.3-linux-*.tar.gz"))
    deb = next(out.glob("weft-demo_1.2.3_*.deb"))
    for artifact in (bundle, tarball, deb):
        assert str(artifact) in stdout
    assert "MiB" in stdout and "built in" in stdout
    with tarfile.open(tarball) as archive:
        assert "weft-demo/weft-demo" in archive.getnames()
    # Qt modules weft does not use stay out.
    libs = {p.name for p in (bundle / "_internal" / "PySide6" / "Qt" / "lib").iterdir()}
    assert not {name for name in libs if name.startswith(("libQt63D", "libQt6Charts", "libQt6Quick3D"))}
    assert not (bundle / "_internal" / "PySide6" / "Qt" / "qml").exists()
    info = subprocess.run(["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "Package: weft-demo" in info and "Version: 1.2.3" in info and "libnss3" in info


@pytest.mark.slow
def test_the_installed_deb_runs_its_self_check_without_the_source_tree(
    packaged: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = packaged
    deb = next(out.glob("weft-demo_*.deb"))
    root = tmp_path / "root"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    desktop = (root / "usr/share/applications/weft-demo.desktop").read_text()
    assert "Exec=/usr/bin/weft-demo" in desktop and "Icon=weft-demo" in desktop
    assert (root / "usr/share/icons/hicolor/256x256/apps/weft-demo.png").is_file()
    assert os.readlink(root / "usr/bin/weft-demo") == "/opt/weft-demo/weft-demo"
    env = {k: v for k, v in clean_env().items() if not k.startswith("PYTHON")}
    done = subprocess.run([str(root / "opt/weft-demo/weft-demo"), "--weft-self-check", "--no-sandbox"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "self-check: passed (8 checks)" in output
    assert "forbidden requests refused" in output
    # It ran the frozen weft inside the extracted package, not the checkout.
    assert f"weft from {root / 'opt/weft-demo/_internal/weft'}" in output
    assert str(REPO) not in output


@pytest.mark.slow
def test_the_frozen_app_runs_its_main_once_and_stops_on_ctrl_c(packaged: tuple[Path, str], tmp_path: Path) -> None:
    # packaging/demo/main.py ends with sys.exit(weft.run(main)), as weft new's
    # apps do: frozen, the launcher runs main once, with its own flags.
    out, _ = packaged
    bundle = next(path for path in out.iterdir() if path.is_dir() and (path / path.name).is_file())
    running = Running([str(bundle / bundle.name), "--no-sandbox", "-v"], cwd=tmp_path)
    running.wait_for_lines("window main connected", "window activity connected")
    running.process.send_signal(signal.SIGINT)
    code, _, stderr = running.finish()
    assert code == 130, stderr[-3000:]
    assert "Traceback" not in stderr and stderr.count("window main connected") == 1
    # As root without --no-sandbox: one line, exit code 2, no traceback.
    if AS_ROOT:
        done = subprocess.run([str(bundle / bundle.name)], cwd=tmp_path, env=clean_env(), capture_output=True,
                              text=True, timeout=60)
        assert (done.returncode, done.stderr.count("\n")) == (2, 1), done.stderr
        assert done.stderr.startswith("weft: weft is running as root")


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
    # Without dpkg-deb on PATH (and without --no-deb): say so, build nothing.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(shutil.which("python3") or "/usr/bin/python3")
    env = {**clean_env(), "PATH": str(bin_dir)}
    done = subprocess.run([weft_command, "package", str(REPO / "packaging" / "demo"), "--out", str(tmp_path / "o")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "dpkg-deb is not on PATH" in done.stderr, done.stderr
    assert not (tmp_path / "o").exists()


def test_the_pyinstaller_hook_is_registered_for_hand_written_specs() -> None:
    hooks = [ep for ep in importlib.metadata.entry_points(group="pyinstaller40") if ep.value.startswith("weft.")]
    assert hooks, "weft's pyinstaller40 entry point is missing"
    (hook_dir,) = hooks[0].load()()
    assert (Path(hook_dir) / "hook-weft.py").is_file()
    assert (Path(hook_dir) / "pre_find_module_path" / "hook-weft.py").is_file()
