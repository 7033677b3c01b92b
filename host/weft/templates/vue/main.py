"""__APP_TITLE__, a weft app with a Vite + Vue 3 + TypeScript UI.

Build the UI:  npm install && npm run build   (src/ -> web/)
Run it:        weft run .        (or: python main.py)
Test it:       python -m pytest  (tests/ runs it headless)
"""

import sys
from typing import TypedDict

import weft
from weft import ipc, window

UI = "web/index.html"  # where `npm run build` puts the UI (vite.config.ts)

NOT_BUILT = """<!DOCTYPE html><title>__APP_TITLE__</title>
<body style="font-family: system-ui, sans-serif; margin: 3rem">
<h1>The UI is not built yet</h1>
<p>In this app's folder, run <code>npm install && npm run build</code>, then start the app again.</p>"""


class Greeting(TypedDict):
    name: str


@ipc.handler("greet")
def greet(greeting: Greeting, window_id: str) -> str:
    """Answer the page's runtime.invoke("greet", {name}): a round trip. The
    payload is checked against Greeting first: {name: 7} never gets here."""
    print(f"greet: {greeting['name']} (asked by {window_id})")
    return f"Hello, {greeting['name']}! (from Python)"


async def main() -> None:
    options = {"title": "__APP_TITLE__", "width": 800, "height": 600}
    if (weft.app.dir / UI).is_file():
        # app:// serves this folder (weft.app.dir); never file://.
        await window.create_window(url=f"app://{UI}", **options)
    else:
        print("weft: the UI is not built: run `npm install && npm run build` first")
        await window.create_window(html=NOT_BUILT, **options)


sys.exit(weft.run(main))  # when the last window closes: 0; if main() raised: 1
