"""The demo app behind ``weft demo``, driven like a user would: two windows
talking through Python."""

from __future__ import annotations

import asyncio
from typing import Any

import weft
from tests.conftest import js_value_until as _until
from weft import demo


def test_demo_two_windows_talk_through_python(arun: Any) -> None:
    rt = weft.Runtime(app_dir=demo.APP_DIR)

    async def main() -> None:
        with rt.activated():
            await demo.main()
            main_window, activity = rt.window("main"), rt.window("activity")
            await activity.wait_ready()
            # Python asked the main page about itself with ipc.invoke.
            await _until(activity, "document.getElementById('log').textContent.includes('page-info')", True)
            for button in ("submit", "submit", "cancel"):
                await main_window.evaluate(f"document.getElementById('{button}').click()")
            # The answer to the clicking window, and the count broadcast to both.
            await _until(main_window, "document.getElementById('status').textContent", "Processed cancel")
            await _until(main_window, "document.getElementById('clicks').textContent", "3")
            await _until(activity, "document.getElementById('clicks').textContent", "3")
            # runtime.invoke → Python handler → result on screen.
            await main_window.evaluate("document.getElementById('text').value = 'abc'")
            await main_window.evaluate("document.getElementById('reverse').click()")
            await _until(main_window, "document.getElementById('reversed').textContent", "cba (3 characters)")
            # The plugins: Notes loads and saves through the host; Mischief is
            # refused everything and says so on its own screen.
            notes, mischief, counter = rt.plugins
            await _until(notes, "document.getElementById('text').value", "A note kept by the host.\nEdit it and save.")
            await notes.evaluate("document.getElementById('text').value = 'saved by a test'; 1")
            await notes.evaluate("document.getElementById('save').click(); 1")
            await _until(notes, "document.getElementById('status').textContent", "saved (15 characters)")
            await _until(activity, "document.getElementById('log').textContent.includes('15 characters from plugin:notes')", True)
            await _until(mischief, "document.getElementById('summary').textContent", "All 18 attempts were refused.", 30)
            await _until(activity, "document.getElementById('log').textContent.includes('18 of 18 attempts refused')", True)
            # The counter plugin renders into the main window (vue-remote);
            # clicks there run its handlers and reach Python.
            count = "document.querySelector('#remote-panel .remote-count')?.textContent ?? null"
            assert await _until(main_window, count) == "0"
            for _ in range(2):
                await main_window.evaluate("document.getElementById('panel-plus').click(); 1")
            await _until(main_window, count, "2")
            await _until(activity, "document.getElementById('log').textContent.includes(\"count is 2\")", True)
            # Window events from the main window show up in the activity window.
            main_window.set_size(700, 500)
            await _until(activity, "document.getElementById('log').textContent.includes('resize')", True)
            # Closing the main window closes the demo.
            await main_window.close()
            await asyncio.wait_for(rt.wait_until_closed(), 10)
            assert [p.state.value for p in rt.plugins] == ["stopped", "stopped", "stopped"]

    try:
        arun(main())
    finally:
        arun(rt.shutdown())
