"""__APP_TITLE__, a weft app.

Run it:   weft run .        (or: python main.py)
Test it:  python -m pytest  (tests/ runs it headless)
"""

import sys

import weft
from weft import ipc, window


def greet(payload, window_id):
    """Answer the page's runtime.invoke("greet", {name}): a round trip."""
    print(f"greet: {payload['name']} (asked by {window_id})")
    return f"Hello, {payload['name']}! (from Python)"


async def main() -> None:
    ipc.handle("greet", greet)
    # app:// serves this folder (weft.app.dir); never file://.
    await window.create_window(title="__APP_TITLE__", width=800, height=600, url="app://index.html")


sys.exit(weft.run(main))  # when the last window closes: 0; if main() raised: 1
