"""The layers of STYLE.md, held: no module imports one above it, and the
core imports (and its unit tests run) with Qt absent."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "host" / "weft"

#: Lowest first. A module may import its own layer and those below it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base: errors and plain rules", ("weft.errors", "weft.files", "weft.policy", "weft.protocol",
                                      "weft.appconfig", "weft.paths", "weft.callbacks")),
    ("core: messages, Qt-free", ("weft.ipc",)),
    ("plugin manifests, Qt-free", ("weft.plugins.manifest",)),
    ("Qt adapters", ("weft.webengine",)),
    ("public objects", ("weft.window", "weft.plugins", "weft.remote", "weft.clipboard", "weft.shell",
                        "weft.screens", "weft.icons", "weft.dialog", "weft.menu", "weft.tray", "weft.notifications",
                        "weft.windowstate")),
    ("the runtime", ("weft.runtime",)),
    ("the process", ("weft.app",)),
    ("entry points", ("weft.cli", "weft.dev", "weft.watch", "weft.launcher", "weft.selfcheck", "weft.packager",
                      "weft.trim", "weft.elf", "weft.icustub", "weft.archives",
                      "weft.demo", "weft.testing", "weft.scaffold", "weft.typegen", "weft")),
]


def layer_of(module: str) -> int:
    best, best_length = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def module_name(path: Path) -> str:
    parts = ("weft", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(path: Path) -> set[str]:
    """Every weft module ``path`` imports, at any depth (functions and
    TYPE_CHECKING blocks included)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "weft")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "weft":
                target = node.module
            else:
                continue
            if node.module:
                found.add(target)
            # "from . import window", "from .ipc import active": modules it names
            found.update(f"{target}.{alias.name}" for alias in node.names if _is_module(f"{target}.{alias.name}"))
    return found


def test_no_module_imports_one_above_it() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        for target in imports_of(path):
            if layer_of(target) > layer_of(name):
                upward.append(f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})")
    assert upward == []


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    # The check above would pass on an empty list: show it catches one.
    assert layer_of("weft.runtime") > layer_of("weft.window") > layer_of("weft.ipc.router")
    source = PACKAGE / "window.py"
    assert "weft.ipc.active" in imports_of(source)
    assert not any(layer_of(t) > layer_of("weft.window") for t in imports_of(source))


#: Unit tests that need Qt; every other one runs with Qt absent (below).
QT_UNIT_TESTS = ("test_signal_emits.py", "test_loop.py", "test_icustub.py")  # these load Qt on purpose

_WITHOUT_QT = """
import importlib.abc, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "qasync", "pytestqt"):
            raise ImportError(f"{name}: blocked, this run proves the core needs no Qt")

sys.meta_path.insert(0, NoQt())
"""


def _without_qt(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _WITHOUT_QT + code, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_core_imports_without_qt() -> None:
    done = _without_qt("""
import weft, weft.ipc, weft.ipc.router, weft.plugins.manifest, weft.policy, weft.files, weft.appconfig, weft.paths, weft.callbacks
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "qasync"))
assert loaded == [], loaded
try:
    weft.Runtime
except ImportError:
    print("core ok; Qt parts refused")
""")
    assert done.stdout.strip() == "core ok; Qt parts refused", done.stderr


@pytest.mark.slow
def test_the_core_unit_tests_pass_without_qt() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "unit").glob("test_*.py")
                   if p.name not in QT_UNIT_TESTS and p.name != Path(__file__).name)
    done = _without_qt("import pytest; sys.exit(pytest.main(sys.argv[1:]))",
                       "-p", "no:pytest-qt", "-p", "no:cacheprovider", "-q", *files)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1] and "failed" not in done.stdout.splitlines()[-1]
