# Where PyInstaller should look for weft. An editable install imports weft
# through setuptools' import hook, which PyInstaller's module finder cannot
# follow; pointing it at the folder that holds the package works for both
# editable and ordinary installs.
import importlib.util
import os


def pre_find_module_path(api):
    spec = importlib.util.find_spec("weft")
    if spec is not None and spec.origin:
        api.search_dirs = [os.path.dirname(os.path.dirname(spec.origin))]
