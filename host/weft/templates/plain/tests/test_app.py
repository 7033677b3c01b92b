"""__APP_TITLE__'s tests: main.py runs headless on weft's pytest plugin
(weft.testing). Run them with `python -m pytest` in the app's folder."""

import pytest
from weft.testing import click, evaluate, type_text, wait_for

GREETING = "document.getElementById('greeting').textContent"


@pytest.mark.weft
async def test_greet_is_a_round_trip_to_python(weft_app):
    win = await weft_app.window()  # main() ran and its page is ready
    answer = await evaluate(win, 'runtime.invoke("greet", {name: "tests"})')
    assert answer == "Hello, tests! (from Python)"
    # main.py declares what greet takes: another payload never reaches it.
    refused = await evaluate(win, 'runtime.invoke("greet", {name: 7}).catch((e) => `${e.name}: ${e.message}`)')
    assert refused == "PayloadError: payload.name: expected a string, got 7"


@pytest.mark.weft
async def test_the_page_shows_python_s_greeting(weft_app):
    win = await weft_app.window()
    assert await wait_for(win, GREETING) == "Hello, world! (from Python)"  # asked on load
    await type_text(win, "Ada", "#name", replace=True)  # real keys, into the field a real click focused
    await click(win, "#greet button")  # a real click: the form submits as for a person
    await wait_for(win, GREETING, "Hello, Ada! (from Python)")
