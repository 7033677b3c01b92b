# PyInstaller hook for weft. Its data lives in three packages whose folders
# may be far apart (renderer_assets/ and plugins/ are mapped into the package
# by its pyproject), so each package's folder is collected under the
# package's own dotted path, __init__.py included, so that
# importlib.resources finds it in the frozen app.
import importlib.util
from pathlib import Path

from weft.packager import recipes

SKIP_PARTS = {"__pycache__", "src", "node_modules"}


def _folder(package):
    if package == "weft.packaging":
        return recipes()  # data only, no __init__.py
    return Path(importlib.util.find_spec(package).origin).parent


datas = []
for package in ("weft", "weft.renderer_assets", "weft.examples", "weft.packaging"):
    root = _folder(package)
    target = Path(*package.split("."))
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if not path.is_file() or SKIP_PARTS & set(relative.parts) or path.suffix in (".pyc",):
            continue
        if package == "weft" and relative.suffix == ".py":
            continue  # weft's own modules are frozen as code
        datas.append((str(path), str(target / relative.parent)))

hiddenimports = ["weft.cli", "weft.demo", "weft.launcher", "weft.remote", "weft.plugins", "weft.selfcheck", "qasync"]
