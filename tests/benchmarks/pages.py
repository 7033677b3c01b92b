"""The benchmark pages: JavaScript files from ``js/``, inlined into HTML.

The JavaScript is read as it is; no data is ever spliced into it. Settings
reach a page as JSON messages once it is running.
"""

from __future__ import annotations

from pathlib import Path

JS_DIR = Path(__file__).resolve().parent / "js"


def script(name: str) -> str:
    """The text of ``js/<name>``."""
    return (JS_DIR / name).read_text("utf-8")


def page_html(*names: str) -> str:
    """A minimal document running the named scripts, in order, inline."""
    body = "\n".join(script(name) for name in names)
    return "<!doctype html>\n<meta charset=\"utf-8\">\n<script>\n" + body + "\n</script>\n"
