"""weft.testing, the pytest plugin for app authors, as they meet it: an app
folder with tests, run by pytest in a subprocess that finds the plugin
through its entry point."""

from __future__ import annotations

import textwrap

import pytest

from tests.e2e.conftest import AS_ROOT, SANDBOX_VARS

pytest_plugins = ["pytester"]

APP = '''
import weft
from weft import ipc, window

async def main():
    ipc.handle("greet", lambda payload, window_id: f"Hello, {payload['name']}!")
    ipc.handle("fail", fail)
    await window.create_window(title="app", width=300, height=200, url="app://index.html")

def fail(payload, window_id):
    raise ValueError("no such thing")

weft.run(main)
'''
PAGE = """<!DOCTYPE html><title>app</title><p id="out"></p><script>
runtime.invoke("greet", {name: "page"}).then((text) => { document.getElementById("out").textContent = text; });
</script>"""


@pytest.fixture
def app(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An app folder (main.py, index.html, tests/) and the environment of a
    user's shell: no offscreen platform and no sandbox opt-out set."""
    for name in (*SANDBOX_VARS, "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    (pytester.path / "main.py").write_text(APP)
    (pytester.path / "index.html").write_text(PAGE)
    (pytester.path / "tests").mkdir()
    return pytester


def write_test(app: pytest.Pytester, source: str, name: str = "test_app.py") -> None:
    (app.path / "tests" / name).write_text(textwrap.dedent(source))


def test_an_app_s_async_tests_open_its_window_and_talk_to_it(app: pytest.Pytester) -> None:
    write_test(app, """
        import os
        import pytest
        from weft.testing import evaluate, wait_for

        @pytest.mark.weft
        async def test_round_trip(weft_app):
            win = await weft_app.window()
            assert await evaluate(win, 'runtime.invoke("greet", {name: "test"})') == "Hello, test!"
            assert await wait_for(win, "document.getElementById('out').textContent") == "Hello, page!"
            assert os.environ["QT_QPA_PLATFORM"] == "offscreen"

        @pytest.mark.weft
        async def test_each_test_gets_a_fresh_app(weft_app):
            win = await weft_app.window()
            assert win.id == "window-1" and len(weft_app.runtime.windows) == 1

        @pytest.mark.weft
        async def test_the_app_is_named_as_weft_run_names_it(weft_app):
            from PySide6.QtWidgets import QApplication
            import weft
            # Dialogs' titles as people see them, not "pytest".
            assert QApplication.applicationDisplayName() == QApplication.applicationName() == weft.app.name != "pytest"
    """)
    result = app.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    if AS_ROOT:  # the sandbox opt-out is the plugin's, and it says so
        result.stdout.fnmatch_lines(["weft.testing: running as root, where Chromium's sandbox cannot run: "
                                     "pages run without it (WEFT_NO_SANDBOX=1)"])


def test_an_app_that_remembers_its_window_is_tested_from_the_defaults_each_time(app: pytest.Pytester) -> None:
    (app.path / "main.py").write_text(APP.replace('url="app://index.html"', 'url="app://index.html", remember="main"'))
    write_test(app, """
        import pytest

        @pytest.mark.weft
        @pytest.mark.parametrize("width", [350, 360])
        async def test_remembered(weft_app, width):
            win = await weft_app.window()
            assert win.size == (300, 200)  # not what the test before left
            win.set_size(width, 250)
    """)
    result = app.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_plain_tests_use_weft_run_and_the_helpers(app: pytest.Pytester) -> None:
    write_test(app, """
        from weft.testing import evaluate, next_event, open_window

        def test_a_window_of_its_own(weft_runtime, weft_run):
            events = weft_runtime.channel_events("hello")
            win = weft_run(open_window(html="<script>runtime.send('hello', 42)</script>"))
            event = weft_run(next_event(events))
            assert (event.window_id, event.payload) == (win.id, 42)
            assert weft_run(evaluate(win, "Promise.resolve([1, 'two'])")) == [1, "two"]

        def test_the_app_folder_is_served(weft_runtime, weft_run):
            win = weft_run(open_window("app://index.html"))
            assert weft_run(evaluate(win, "fetch('main.py').then((r) => r.status)")) == 200
    """)
    app.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_wait_for_waits_through_throws_and_awaits_promises(app: pytest.Pytester) -> None:
    write_test(app, """
        import pytest
        from weft.testing import evaluate, wait_for

        @pytest.mark.weft
        async def test_late_element(weft_app):
            win = await weft_app.window()
            await evaluate(win, "setTimeout(() => document.body.insertAdjacentHTML('beforeend', "
                                "'<ul id=items><li>late</li></ul>'), 300), 1")
            # Throws (no element yet), then is "late"; the truthy form gives True for the element itself.
            assert await wait_for(win, "document.querySelector('#items li').textContent", "late") == "late"
            assert await wait_for(win, "document.querySelector('#items')") is True
            assert await wait_for(win, "Promise.resolve(5)", 5) == 5
            assert await wait_for(win, "new Promise((r) => setTimeout(() => r({n: 1}), 50))") == {"n": 1}
    """)
    app.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_test_that_imports_main_is_told_why_not(app: pytest.Pytester) -> None:
    # main.py ends with weft.run(main): imported, it would start the app at collection and block there.
    write_test(app, """
        import os, sys
        sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
        from main import fail

        def test_never_collected():
            pass
    """)
    result = app.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*StartupError: module 'main' calls weft.run(main) as it is imported, which would "
                                 "start the app right there; a test reads what the app defines as "
                                 "weft_app.module.<name>*"])


def test_failures_say_what_went_wrong(app: pytest.Pytester) -> None:
    write_test(app, """
        import pytest
        import weft
        from weft.testing import evaluate, next_event, wait_for

        @pytest.mark.weft
        async def test_handler_error(weft_app):
            win = await weft_app.window()
            with pytest.raises(weft.ScriptError, match=r"HandlerError \\(ValueError\\): no such thing"):
                await evaluate(win, 'runtime.invoke("fail")')

        @pytest.mark.weft
        async def test_wait_for(weft_app):
            await wait_for(await weft_app.window(), "document.title", "other", timeout=0.3)

        @pytest.mark.weft
        async def test_wait_for_an_element_never_made(weft_app):
            await wait_for(await weft_app.window(), "document.querySelector('#never').id", timeout=0.3)

        @pytest.mark.weft
        async def test_next_event(weft_runtime):
            await next_event(weft_runtime.channel_events("never"), timeout=0.2)

        @pytest.mark.weft(timeout=0.5)
        async def test_too_slow(weft_runtime):
            import asyncio
            await asyncio.sleep(5)

        def test_weft_run_too_slow(weft_run):
            import asyncio
            weft_run(asyncio.sleep(5), timeout=0.4)
    """)
    result = app.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=5)
    result.stdout.fnmatch_lines([
        "*Failed: document.title was 'app', not 'other', after 0.3 s",
        "*Failed: document.querySelector('#never').id threw TypeError: Cannot read properties of null*, not truthy, "
        "after 0.3 s",
        "*TimeoutError: no event within 0.2 s",
        "*TimeoutError: still running after 0.5 s (@pytest.mark.weft(timeout=...) or ini weft_timeout sets the limit)",
        "*TimeoutError: still running after 0.4 s (weft_run's timeout= sets the limit)",
    ], consecutive=False)


def test_an_app_whose_main_fails_fails_its_tests(app: pytest.Pytester) -> None:
    (app.path / "main.py").write_text("async def main():\n    raise RuntimeError('main broke')\n")
    write_test(app, """
        import pytest

        @pytest.mark.weft
        async def test_window(weft_app):
            await weft_app.window()

        @pytest.mark.weft
        async def test_never_asks(weft_app):
            pass
    """)
    result = app.runpytest_subprocess("-p", "no:cacheprovider")
    # The first sees it at window(); the second, which never looked, at teardown.
    result.assert_outcomes(failed=1, passed=1, errors=1)
    assert result.stdout.str().count("RuntimeError: main broke") >= 2


def test_an_app_whose_weft_toml_weft_run_refuses_fails_its_tests(app: pytest.Pytester) -> None:
    (app.path / "weft.toml").write_text('[app]\nid = "not an id"\n')
    write_test(app, """
        import pytest

        @pytest.mark.weft
        async def test_never_asks_who_it_is(weft_app):
            pass
    """)
    result = app.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*weft_app: *weft.toml*app.id*"])


def test_which_app_a_test_serves(app: pytest.Pytester) -> None:
    other = app.path / "other"
    other.mkdir()
    (other / "index.html").write_text("<title>other</title>")
    write_test(app, """
        from pathlib import Path
        import pytest

        def test_the_nearest_app_folder(weft_app_dir):
            assert weft_app_dir == Path(__file__).resolve().parents[1]

        @pytest.mark.weft(app_dir="../other")
        async def test_the_marker_s(weft_app):
            assert (await weft_app.window()).title == "other"
    """)
    app.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    result = app.runpytest_subprocess("-p", "no:cacheprovider", "-o", "weft_app_dir=other", "-k", "marker")
    result.assert_outcomes(passed=1)
    app.makeini("[pytest]\nweft_app_dir = other\n")
    write_test(app, """
        def test_the_ini_s(weft_app_dir, pytestconfig):
            assert weft_app_dir == pytestconfig.rootpath / "other"
    """, "test_ini.py")
    app.runpytest_subprocess("-p", "no:cacheprovider", "tests/test_ini.py").assert_outcomes(passed=1)


def test_a_session_without_weft_tests_loads_no_qt(app: pytest.Pytester) -> None:
    write_test(app, """
        import os, sys

        def test_nothing_of_qt():
            assert not [m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "qasync")]
            assert "QT_QPA_PLATFORM" not in os.environ and "WEFT_NO_SANDBOX" not in os.environ
    """)
    result = app.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:pytest-qt")
    result.assert_outcomes(passed=1)
    assert "weft.testing" not in result.stdout.str()


def test_the_plugin_can_be_turned_off(app: pytest.Pytester) -> None:
    write_test(app, """
        def test_app(weft_app):
            pass
    """)
    result = app.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:weft")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'weft_app' not found*"])


def test_an_explicit_no_to_the_opt_out_is_kept(app: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    write_test(app, """
        def test_app(weft_app):
            pass
    """)
    monkeypatch.setenv("WEFT_NO_SANDBOX", "0")
    result = app.runpytest_subprocess("-p", "no:cacheprovider")
    assert "weft.testing: running as root" not in result.stdout.str()
    if AS_ROOT:  # where Chromium's sandbox cannot run: refused, and explained
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*weft is running as root, where Chromium's sandbox cannot run.*"])
    else:  # the sandbox stays on, as asked
        result.assert_outcomes(passed=1)


def test_an_app_s_test_clicks_and_types_as_a_person(app: pytest.Pytester) -> None:
    (app.path / "index.html").write_text("""<!DOCTYPE html><title>app</title>
        <form><input id="name"><button>Greet</button></form><p id="out"></p><script>
        document.querySelector("form").addEventListener("submit", async (event) => {
          event.preventDefault();
          const name = document.getElementById("name").value;
          document.getElementById("out").textContent = event.isTrusted + " " + await runtime.invoke("greet", {name});
        });</script>""")
    write_test(app, """
        import pytest
        from weft.testing import ElementError, click, type_text, wait_for

        @pytest.mark.weft
        async def test_greet(weft_app):
            win = await weft_app.window()
            await type_text(win, "Ada", "#name")
            await click(win, "form button")
            assert await wait_for(win, "document.getElementById('out').textContent") == "true Hello, Ada!"
            with pytest.raises(ElementError, match="'#nope' matches no element"):
                await click(win, "#nope")
    """)
    app.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
