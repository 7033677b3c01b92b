"""__APP_TITLE__, a weft app.

Run it:   weft run .        (or: python main.py)
Test it:  python -m pytest  (tests/ runs it headless)
"""

import sys
from typing import TypedDict

import weft
from weft import ipc, window


class Greeting(TypedDict):
    name: str


@ipc.handler("greet")
def greet(greeting: Greeting, window_id: str) -> str:
    """Answer the page's runtime.invoke("greet", {name}): a round trip. The
    payload is checked against Greeting first: {name: 7} never gets here."""
    print(f"greet: {greeting['name']} (asked by {window_id})")
    return f"Hello, {greeting['name']}! (from Python)"


async def main() -> None:
    # app:// serves this folder (weft.app.dir); never file://.
    await window.create_window(title="__APP_TITLE__", width=800, height=600, url="app://index.html")


sys.exit(weft.run(main))  # when the last window closes: 0; if main() raised: 1
