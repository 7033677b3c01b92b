"""Protocol constants on a real page: the page's errors and channel rule are
Python's, both ways (the Qt-free half is tests/unit/test_protocol.py)."""

from __future__ import annotations

import builtins
import json
from typing import Any

import pytest

import weft
from tests import conftest
from tests.unit.test_protocol import DATA, TRICKY_CHANNELS, _python_answer

# -- a real page -----------------------------------------------------------


def _page_error(name: str) -> BaseException:
    if name in DATA["errors"]["pythonBuiltins"]:
        return getattr(builtins, name)("m")
    cls = getattr(weft, name)
    return cls("m", type=name) if cls is weft.HandlerError else cls("m")


def test_page_errors_are_the_protocol_classes_both_ways(runtime: weft.Runtime, arun: Any) -> None:
    names = DATA["errors"]["classes"]

    async def main() -> None:
        def fail(name: str, _window_id: str) -> None:
            raise _page_error(name)

        runtime.handle("raise", fail)
        win = await conftest.open_page(runtime, "<p>errors</p>")
        outcome = await conftest.in_page(runtime, win, """
            const E = runtime.errors;
            const names = Object.keys(E);
            const shapes = names.map((n) => E[n].name === n && (n === "WeftError" || E[n].prototype instanceof E.WeftError));
            const got = [];
            for (const name of names.slice(1)) {
              got.push(await runtime.invoke("raise", name).then(() => null, (err) => [err.name, err.type, err instanceof E[name]]));
              runtime.handle("throw:" + name, () => { throw new E[name]("m"); });
            }
            const leaked = ["protocol", "config", "KIND", "errors", "bulkKey"].filter((name) => name in window);
            return {names, shapes, got, leaked};
        """)
        assert outcome["ok"], outcome
        value = outcome["value"]
        assert value["names"] == [DATA["errors"]["base"], *names]
        assert all(value["shapes"])
        assert value["leaked"] == []  # the runtime's parts share a closure, not the page's globals
        assert value["got"] == [[name, name, True] for name in names]
        # The other way: a page handler's error reaches Python as the class of its name.
        for name in names:
            with pytest.raises(Exception) as caught:
                await runtime.invoke(win.id, "throw:" + name)
            if name in DATA["errors"]["pythonBuiltins"] or name == "HandlerError":
                assert type(caught.value) is weft.HandlerError and caught.value.type == name
            else:
                assert type(caught.value) is getattr(weft, name) and str(caught.value) == "m"

    arun(main())



def test_a_page_and_python_answer_alike_for_tricky_channel_names(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> list[Any]:
        win = await conftest.open_page(runtime, "<p>channels</p>")
        return await win.evaluate("""(() => {
            const answer = (call) => { try { call(); return "ok"; } catch (err) { return err.name; } };
            const listener = () => {};
            return %s.map((name) => [
              answer(() => runtime.send(name)),
              answer(() => { runtime.on(name, listener); runtime.off(name, listener); }),
            ]);
        })()""" % json.dumps(TRICKY_CHANNELS))

    page = arun(main())
    python = [[_python_answer(name, True), _python_answer(name, False)] for name in TRICKY_CHANNELS]
    assert {repr(name): answers for name, answers in zip(TRICKY_CHANNELS, page)} == {
        repr(name): answers for name, answers in zip(TRICKY_CHANNELS, python)}
    assert ["ok", "ok"] in python and ["ChannelError", "ok"] in python and ["ChannelError", "ChannelError"] in python


#: Code points beyond the two planes swept whole.
ASTRAL_SAMPLES = [0x20000, 0x2A6DF, 0x2A6E0, 0x2FFFF, 0x30000, 0x3134A, 0x50000, 0xE0000, 0xE0001, 0xE0020, 0xE007F,
                  0xE0100, 0xE01EF, 0xE01F0, 0xF0000, 0xFFFFD, 0xFFFFE, 0x100000, 0x10FFFD, 0x10FFFF]


def test_a_page_and_python_find_the_same_characters_printable(runtime: weft.Runtime, arun: Any) -> None:
    import unicodedata

    code_points = [*range(0x20000), *ASTRAL_SAMPLES]
    python = "".join("1" if chr(cp).isprintable() else "0" for cp in code_points)

    async def main() -> list[list[int]]:
        win = await conftest.open_page(runtime, "<p>printable</p>")
        return await win.evaluate("""(() => {
            const points = %s, expected = "%s", listener = () => {}, wrong = [];
            points.forEach((cp, index) => {
              const name = String.fromCodePoint(cp);
              let ok = true;
              try { runtime.on(name, listener); runtime.off(name, listener); } catch (err) { ok = false; }
              if (ok !== (expected[index] === "1")) wrong.push([cp, ok ? 1 : 0]);
            });
            return wrong;
        })()""" % (json.dumps(code_points), python), timeout=30)

    wrong = arun(main())
    # Only characters that Python's Unicode database (unicodedata.unidata_version)
    # has as unassigned may differ: a newer Chromium knows them.
    assert [(hex(cp), ok) for cp, ok in wrong if unicodedata.category(chr(cp)) != "Cn" or not ok] == []
