"""Every error weft raises on purpose is a weft.Error (the demo app aside,
whose handlers raise what any app's would)."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "host" / "weft"

#: Builtin exceptions weft may raise: TimeoutError is DESIGN.md's word for a
#: call that timed out; the others are Python's own protocols (a module's
#: __getattr__, an async iterator's end, an abstract method, an exit code).
ALLOWED_BUILTINS = {"TimeoutError", "AttributeError", "StopAsyncIteration", "NotImplementedError", "SystemExit"}


def raised_builtins(source: str) -> list[tuple[int, str]]:
    """(line, name) of each builtin exception ``source`` raises itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = target.id if isinstance(target, ast.Name) else None
            if name and isinstance(getattr(builtins, name, None), type) and name not in ALLOWED_BUILTINS:
                found.append((node.lineno, name))
    return sorted(found)


def test_weft_raises_only_its_own_errors() -> None:
    found = [f"{path.relative_to(PACKAGE)}:{line} raises {name}"
             for path in sorted(PACKAGE.rglob("*.py")) if "demo" not in path.parts
             for line, name in raised_builtins(path.read_text())]
    assert found == []


def test_the_check_sees_builtin_raises() -> None:
    source = "def f(x):\n    if x:\n        raise ValueError('x')\n    raise KeyError\n"
    assert raised_builtins(source) == [(3, "ValueError"), (4, "KeyError")]
    assert raised_builtins("raise WindowOptionError('x')\nraise TimeoutError()\n") == []
