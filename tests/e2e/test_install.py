"""renderer_assets reaches the installed package, from a wheel and from an
editable install, each in a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSETS = ["runtime.js", "transport.js", "runtime.d.ts", "index.js", "index.d.ts", "package.json", "protocol.json"]
RUNTIME_PARTS = sorted(path.name for path in (REPO / "renderer_assets" / "runtime").glob("*.js"))
DEMO = ["index.html", "activity.html", "index.js", "activity.js", "style.css", "panel.js"]
EXAMPLES = ["notes/plugin.toml", "notes/index.html", "notes/notes.js", "mischief/plugin.toml", "mischief/mischief.js",
            "counter/plugin.toml", "counter/index.html", "counter/counter.js"]

PROBE = """
import importlib.resources, json, weft
from weft.webengine import scripts
source = scripts.bridge_scripts({"windowId": "probe"})[1].sourceCode()
assets = importlib.resources.files("weft.renderer_assets")
demo = importlib.resources.files("weft.demo")
examples = importlib.resources.files("weft.examples")
print(json.dumps({
    "weft": weft.__file__,
    "assets": str(assets),
    "asset_files": sorted(p.name for p in assets.iterdir()),
    "runtime_parts": sorted(p.name for p in assets.joinpath("runtime").iterdir()),
    # The page's runtime is assembled from the installed files.
    "runtime_assembled": "window.runtime" in source
                         and all(scripts.asset(f"runtime/{part}.js") in source for part in scripts.RUNTIME_PARTS),
    "demo_files": sorted(p.name for p in demo.iterdir()),
    "example_files": sorted(f"{d.name}/{p.name}" for d in examples.iterdir() if d.is_dir() and d.name != "__pycache__"
                            for p in d.iterdir()),
}))
"""


def _venv(path: Path) -> Path:
    # System site packages provide PySide6 (large) without a download; the
    # package under test is installed into the venv itself, which wins.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(path)
    return path / "bin" / "python"


def _probe(python: Path) -> dict[str, object]:
    import json

    out = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, cwd="/", check=True)
    return json.loads(out.stdout)


def _pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", *args], check=True, timeout=600)


@pytest.mark.slow
def test_wheel_ships_renderer_assets(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
                   check=True, timeout=600)
    python = _venv(tmp_path / "venv")
    _pip(python, str(next(wheels.glob("weft-*.whl"))))
    found = _probe(python)
    assert str(found["weft"]).startswith(str(tmp_path / "venv"))
    assert set(ASSETS) <= set(found["asset_files"])  # type: ignore[arg-type]
    assert set(RUNTIME_PARTS) <= set(found["runtime_parts"]) and RUNTIME_PARTS  # type: ignore[arg-type]
    assert found["runtime_assembled"]
    assert set(DEMO) <= set(found["demo_files"])  # type: ignore[arg-type]
    assert set(EXAMPLES) <= set(found["example_files"])  # type: ignore[arg-type]
    # `weft new` works from the wheel (its templates are in it), and the app
    # it makes passes its tests on the wheel's pytest plugin (weft.testing).
    from tests.e2e.conftest import clean_env

    env = clean_env()
    subprocess.run([str(python.parent / "weft"), "new", "app"], cwd=tmp_path, env=env, check=True, timeout=60)
    tests = subprocess.run([str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path / "app",
                           env=env, capture_output=True, text=True, timeout=120)
    assert tests.returncode == 0 and tests.stdout.splitlines()[-1].startswith("2 passed"), tests.stdout + tests.stderr
    assert str(tmp_path / "venv") in subprocess.run(
        [str(python), "-c", "import weft.testing; print(weft.testing.__file__)"], cwd=tmp_path / "app",
        capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_editable_install_maps_renderer_assets_to_the_source_folder(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    _pip(python, "-e", str(REPO))
    found = _probe(python)
    assert Path(str(found["assets"])) == REPO / "renderer_assets"
    assert set(ASSETS) <= set(found["asset_files"])  # type: ignore[arg-type]
    assert set(RUNTIME_PARTS) <= set(found["runtime_parts"]) and RUNTIME_PARTS  # type: ignore[arg-type]
    assert found["runtime_assembled"]
