"""Hostile input on the bridge, against real offscreen pages.

Every attack comes from one page (the *victim*, which is also the attacker)
while a second page (the *bystander*) stands by. Whatever the attack, it must
get a clear error or have no effect, and the host must go on: afterwards a
round trip each way works in both pages, Python's subscribers heard nothing
the attack sent, and no Python exception escaped anywhere (see
``no_host_tracebacks``).

The attacks: forged batches posted to the bridge from the isolated world (a
page script cannot forge a batch: the runtime's port to the transport is
private, so this stands for a compromised renderer: defense in depth); odd
payloads through the public ``runtime`` API; raw QWebChannel messages from
the isolated world, which page scripts cannot reach either; and forged
``weft:to-page`` / ``weft:port`` events from the page's own world, which
must reach nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import attrs
import pytest
import shiboken6
import weft
from PySide6.QtWebEngineCore import QWebEngineScript

from tests.conftest import in_page, js_value_until, next_event, open_page

PAGE = """<script>
window.heardLocally = [];
runtime.on("runtime:error", (e) => runtime.send("saw-error", {name: e.name, message: e.message}));
runtime.on("local", (p) => heardLocally.push(p));
runtime.handle("echo", (p) => p);
runtime.handle("count-keys", (p) => Object.keys(p).length);
runtime.handle("char-codes", (p) => Array.from(p, (c) => c.charCodeAt(0)));
runtime.handle("deep-answer", () => { let v = 1; for (let i = 0; i < 200; i++) v = [v]; return v; });
runtime.handle("proto-answer", () => JSON.parse('{"__proto__": {"polluted": true}}'));
runtime.handle("never", () => { runtime.send("asked", "never"); return new Promise(() => {}); });
</script><p>hostile</p>"""

HARNESS_CHANNELS = frozenset({"saw-error", "test:outcome", "asked"})
"""What the pages send about the test itself; anything else an attack delivered."""

# A batch (JavaScript evaluating to it) posted to the bridge as transport.js
# posts one, from the isolated world; one that is not a string is not sent
# (the port carries text only).
FORGE_TO_HOST = """(() => {
  const batch = (%s);
  if (typeof batch === "string") {
    hostile.send(JSON.stringify({type: 6, object: "bridge", method: 5, args: [batch], id: "hostile-forge"}));
  }
  return 1;
})()"""
FORGE_TO_PAGE = 'document.dispatchEvent(new CustomEvent("weft:to-page", {detail: %s})); 1'

PROTOTYPES_CLEAN = """[
  ({}).polluted === undefined,
  Object.keys(Object.prototype).length === 0,
  Object.getOwnPropertyNames(Object.prototype).includes("polluted"),
  Object.getPrototypeOf({}) === Object.prototype,
  Object.prototype.constructor === Object,
  [].polluted === undefined,
]"""
CLEAN = [True, True, False, True, True, True]


def lit(text: str) -> str:
    """``text`` as a JavaScript string literal (JSON's is one)."""
    return json.dumps(text)


def assert_no_host_errors(records: list[logging.LogRecord]) -> None:
    """The host logged no exception (a traceback from a callback, a slot, a
    listener) and no error other than a page's console output."""
    escaped = [
        record for record in records
        if record.exc_info is not None or (record.levelno >= logging.ERROR and record.name != "weft.console")
    ]
    assert not escaped, "the host logged errors:\n" + "\n".join(
        f"{r.name}: {r.getMessage()}\n{logging.Formatter().formatException(r.exc_info) if r.exc_info else ''}"
        for r in escaped
    )


@pytest.fixture(autouse=True)
def no_host_tracebacks(caplog: pytest.LogCaptureFixture) -> Any:
    """Fail every test during which the host logged an exception or an error.

    Exceptions raised straight into Qt (a slot, runJavaScript's callback)
    already fail the test through pytest-qt.
    """
    yield
    assert_no_host_errors(caplog.get_records("setup") + caplog.get_records("call"))


async def in_app_world(win: weft.Window, source: str, timeout: float = 10.0) -> Any:
    """Evaluate ``source`` in the page's isolated world (where weft's
    transport and ``qt.webChannelTransport`` live); return its JSON value."""
    future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def done(result: str | None) -> None:
        if not future.done():
            future.set_result(result)

    page = win._view.page()
    page.runJavaScript("JSON.stringify((0, eval)(" + json.dumps(source) + ") ?? null)",
                       QWebEngineScript.ScriptWorldId.ApplicationWorld, done)
    async with asyncio.timeout(timeout):
        text = await future
    return None if text is None else json.loads(text)


@attrs.define(eq=False)
class Scene:
    """A victim page and a bystander page, and everything Python heard."""

    runtime: weft.Runtime
    victim: weft.Window
    bystander: weft.Window
    heard: list[weft.IpcEvent]
    spied: list[Any]
    """Calls of the Python handler ``py:spy``, which no attack may reach."""

    @classmethod
    async def open(cls, rt: weft.Runtime) -> Scene:
        heard: list[weft.IpcEvent] = []
        spied: list[Any] = []
        rt.on_event(heard.append)
        rt.handle("py:echo", lambda payload, window_id: payload)
        rt.handle("py:spy", lambda payload, window_id: spied.append(payload))
        victim = await open_page(rt, PAGE, id="victim")
        bystander = await open_page(rt, PAGE, id="bystander")
        return cls(rt, victim, bystander, heard, spied)

    async def barrier(self, win: weft.Window | None = None) -> None:
        """A full round trip page → Python → page → Python: whatever the page
        posted before has been handled, and the page's reactions to the
        answers have reached Python."""
        win = win or self.victim
        out = await in_page(self.runtime, win, 'return await runtime.invoke("py:echo", "barrier");')
        assert out["ok"] and out["value"] == "barrier", out

    async def forge_batch(self, detail: str, *, timeout: float = 10.0) -> list[dict[str, str]]:
        """Post a forged batch (``detail`` is JavaScript) to the victim's
        bridge from its isolated world; return the errors the victim was told."""
        before = len(self.heard)
        assert await in_app_world(self.victim, RAW_SETUP) is True
        await in_app_world(self.victim, FORGE_TO_HOST % detail, timeout=timeout)
        await self.barrier()
        return [e.payload for e in self.heard[before:] if e.channel == "saw-error" and e.window_id == "victim"]

    def delivered(self) -> list[tuple[str, str, Any]]:
        """What pages delivered to Python besides the test's own traffic."""
        return [(e.window_id, e.channel, e.payload) for e in self.heard
                if e.type is None and e.channel not in HARNESS_CHANNELS]

    async def assert_host_goes_on(self, *, delivered: list[tuple[str, str, Any]] | None = None) -> None:
        """Round trips work in both pages; subscribers heard only ``delivered``."""
        for win in (self.victim, self.bystander):
            value = {"from": win.id, "text": "é 😀", "list": [1, None, True]}
            out = await in_page(self.runtime, win, f"return await runtime.invoke('py:echo', {json.dumps(value)});")
            assert out["ok"] and out["value"] == value, (win.id, out)
            assert await self.runtime.invoke(win.id, "echo", value, timeout=10) == value
        assert self.delivered() == (delivered or [])
        assert self.spied == []

    async def prototypes_clean(self) -> None:
        for win in (self.victim, self.bystander):
            assert await win.evaluate(PROTOTYPES_CLEAN) == CLEAN, win.id
            assert await in_app_world(win, PROTOTYPES_CLEAN) == CLEAN, win.id


# -- 1. forged batches in the page's own world -------------------------------

REFUSED_BATCHES: dict[str, list[tuple[str, list[str]]]] = {
    # Each entry: (JavaScript for the event's detail, the ProtocolError
    # messages the victim must be told, as regular expressions, in order).
    "non-json": [
        (lit("not json"), ["not valid JSON"]),
        (lit(""), ["not valid JSON"]),
        (lit('[{"k":"hello"}'), ["not valid JSON"]),
        (lit("[]x"), ["not valid JSON"]),
        (lit("[{'k': 'send', 'c': 's'}]"), ["not valid JSON"]),
        (lit('[{"k":"send","c":"s","p":undefined}]'), ["not valid JSON"]),
        (lit("\x00"), ["not valid JSON"]),
    ],
    "wrong-types": [
        # Not strings: the transport relays only strings, so these do nothing.
        ("42", []),
        ("({k: 'send', c: 's', p: 1})", []),
        ("[1, 2, 3]", []),
        ("[{k: 'send', c: 's', p: 1}]", []),
        ("null", []),
        ("true", []),
        # Strings of the wrong JSON shape.
        (lit("42"), ["a batch is a JSON array"]),
        (lit("{}"), ["a batch is a JSON array"]),
        (lit('"[]"'), ["a batch is a JSON array"]),
        (lit("null"), ["a batch is a JSON array"]),
        (lit("[1,2,3]"), ["a frame is an object, not int"] * 3),
        (lit('[[], null, "send", 1.5, true]'), ["a frame is an object"] * 5),
    ],
    "unknown-kinds": [
        (lit('[{"k":"teleport"}]'), ["unknown frame kind 'teleport'"]),
        (lit('[{"k":"notice","e":{"type":"ProtocolError","message":"x"}}]'), ["unknown frame kind 'notice'"]),
        (lit('[{"k":"ping"}]'), ["unknown frame kind 'ping'"]),
        (lit('[{"k":"SEND","c":"s","p":1}]'), ["unknown frame kind 'SEND'"]),
        (lit('[{"k":""},{"k":null},{"k":7},{"k":["send"]},{}]'), ["unknown frame kind"] * 5),
        (lit('[{"k":"constructor"},{"k":"toString"},{"k":"__proto__"}]'), ["unknown frame kind"] * 3),
    ],
    "bad-fields": [
        (lit('[{"k":"send"}]'), ["exactly the fields"]),
        (lit('[{"k":"send","c":"s","p":1,"x":2}]'), ["exactly the fields"]),
        (lit('[{"k":"hello","x":1}]'), ["exactly the fields"]),
        (lit('[{"k":"send","c":42}]'), ["a channel is a non-empty string"]),
        (lit('[{"k":"send","c":""}]'), ["a channel is a non-empty string"]),
        (lit('[{"k":"send","c":"close"}]'), ["reserved"]),
        (lit('[{"k":"send","c":"runtime:error"}]'), ["reserved"]),
        (lit('[{"k":"send","c":"weft:anything"}]'), ["reserved"]),
        (lit('[{"k":"send","c":"a\\nb"}]'), ["control characters"]),
        (lit('[{"k":"send","c":"' + "c" * 257 + '"}]'), ["longer than 256"]),
        (lit('[{"k":"invoke","i":-1,"c":"py:spy"}]'), ["a call id is an integer"]),
        (lit('[{"k":"invoke","i":1.5,"c":"py:spy"}]'), ["a call id is an integer"]),
        (lit('[{"k":"invoke","i":true,"c":"py:spy"}]'), ["a call id is an integer"]),
        (lit('[{"k":"invoke","i":"1","c":"py:spy"}]'), ["a call id is an integer"]),
        (lit('[{"k":"invoke","i":9007199254740992,"c":"py:spy"}]'), ["a call id is an integer"]),
        (lit('[{"k":"result","i":null,"v":1}]'), ["a call id is an integer"]),
    ],
    "deep-nesting": [
        ("'[' + '['.repeat(100000) + ']'.repeat(100000) + ']'", ["nesting deeper than 128"]),
        ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":' + '['.repeat(100000) + ']'.repeat(100000) + '}]'",
         ["nesting deeper than 128"]),
        ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":' + '{\"a\":'.repeat(100000) + '1' + '}'.repeat(100000) + '}]'",
         ["nesting deeper than 128"]),
        ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":' + '['.repeat(129) + ']'.repeat(129) + '}]'",
         ["nesting deeper than 128"]),
    ],
    "nan-and-infinity": [
        (lit('[{"k":"send","c":"s","p":NaN}]'), ["NaN is not a JSON value"]),
        (lit('[{"k":"send","c":"s","p":[Infinity]}]'), ["Infinity is not a JSON value"]),
        (lit('[{"k":"send","c":"s","p":{"x":-Infinity}}]'), ["-Infinity is not a JSON value"]),
    ],
    # JSON numbers too large for a double: Python's json reads them as
    # float('inf'), which is not a JSON value either.
    "overflowing-numbers": [
        (lit('[{"k":"send","c":"s","p":1e999}]'), ["(?i)inf|not a JSON value|out of range|too large"]),
        (lit('[{"k":"send","c":"s","p":[-1e999]}]'), ["(?i)inf|not a JSON value|out of range|too large"]),
        ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":1' + '0'.repeat(400) + '.5}]'",
         ["(?i)inf|not a JSON value|out of range|too large"]),
    ],
    "duplicate-keys": [
        (lit('[{"k":"send","c":"s","p":{"x":1,"x":2}}]'), ["duplicate key 'x'"]),
        (lit('[{"k":"send","k":"send","c":"s","p":1}]'), ["duplicate key 'k'"]),
        (lit('[{"k":"send","c":"s","c":"t","p":1}]'), ["duplicate key 'c'"]),
        (lit('[{"k":"send","c":"s","p":[[{"a":{"y":1,"y":1}}]]}]'), ["duplicate key 'y'"]),
        (lit('[{"k":"send","c":"s","p":{"x":1,"\\u0078":2}}]'), ["duplicate key 'x'"]),
    ],
    "proto-keys": [
        (lit('[{"k":"send","c":"s","p":{"__proto__":{"polluted":true}}}]'), ["'__proto__' is not allowed"]),
        (lit('[{"k":"send","c":"s","p":[1,{"a":{"__proto__":[]}}]}]'), ["'__proto__' is not allowed"]),
        (lit('[{"k":"send","c":"s","p":1,"__proto__":{"c":"close"}}]'), ["'__proto__' is not allowed"]),
        (lit('[{"k":"send","c":"s","p":{"\\u005f_proto__":{"polluted":true}}}]'), ["'__proto__' is not allowed"]),
    ],
    "huge-integers": [
        ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":' + '9'.repeat(5000) + '}]'", ["4,?300 digits|not valid JSON"]),
        ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":[-' + '9'.repeat(5000) + ']}]'", ["4,?300 digits|not valid JSON"]),
        ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":' + '1'.repeat(4301) + '}]'", ["4,?300 digits|not valid JSON"]),
        ("'[{\"k\":\"invoke\",\"i\":' + '1'.repeat(5000) + ',\"c\":\"py:spy\",\"p\":1}]'", ["4,?300 digits|not valid JSON"]),
    ],
}


@pytest.mark.parametrize("batches", list(REFUSED_BATCHES.values()), ids=list(REFUSED_BATCHES))
def test_forged_batches_get_a_clear_error_and_deliver_nothing(
    batches: list[tuple[str, list[str]]], runtime: weft.Runtime, arun: Any
) -> None:
    async def main() -> None:
        scene = await Scene.open(runtime)
        for detail, expected in batches:
            errors = await scene.forge_batch(detail)
            assert [e["name"] for e in errors] == ["ProtocolError"] * len(expected), (detail[:120], errors)
            for error, pattern in zip(errors, expected):
                assert re.search(pattern, error["message"]), (detail[:120], error)
            assert scene.delivered() == [], detail[:120]
        await scene.assert_host_goes_on()

    arun(main(), timeout=60)


@pytest.mark.parametrize("mib", [64, 256])
@pytest.mark.slow
def test_a_forged_batch_over_the_limit_is_refused_whole(mib: int, runtime: weft.Runtime, arun: Any) -> None:
    # The default limit is 64 Mi characters per batch: 64 MiB of payload plus
    # the frame around it is over it.
    async def main() -> None:
        scene = await Scene.open(runtime)
        detail = f"'[{{\"k\":\"send\",\"c\":\"s\",\"p\":\"' + 'x'.repeat({mib} * 1024 * 1024) + '\"}}]'"
        errors = await scene.forge_batch(detail, timeout=90)
        assert len(errors) == 1 and errors[0]["name"] == "ProtocolError", errors
        assert re.search(r"message of [\d,]+ characters is over the limit of 67,108,864", errors[0]["message"])
        await scene.assert_host_goes_on()

    arun(main(), timeout=110)


def test_forged_batches_that_are_valid_arrive_intact(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        scene = await Scene.open(runtime)
        keys = "Array.from({length: 100000}, (_, i) => '\"k' + i + '\":' + i).join(',')"
        cases: list[tuple[str, Any]] = [
            (f"'[{{\"k\":\"send\",\"c\":\"s\",\"p\":{{' + {keys} + '}}}}]'", {f"k{i}": i for i in range(100_000)}),
            (lit('[{"k":"send","c":"s","p":{"constructor":{"prototype":{"polluted":true}},"prototype":1}}]'),
             {"constructor": {"prototype": {"polluted": True}}, "prototype": 1}),
            ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":' + '['.repeat(128) + ']'.repeat(128) + '}]'",
             _nested_lists(128)),
            ("'[{\"k\":\"send\",\"c\":\"s\",\"p\":' + '9'.repeat(4300) + '}]'", int("9" * 4300)),
            (lit('[{"k":"send","c":"s","p":"\\u00e9\\ud83d\\ude00\\u0000\\u2028"}]'), "é😀\x00\u2028"),
        ]
        for detail, payload in cases:
            assert await scene.forge_batch(detail) == [], detail[:120]
            assert scene.delivered() == [("victim", "s", payload)], detail[:120]
            scene.heard.clear()
        # The 10^5 keys make it back to the page intact, too.
        assert await runtime.invoke("victim", "count-keys", cases[0][1], timeout=20) == 100_000
        await scene.assert_host_goes_on()

    arun(main(), timeout=60)


def _nested_lists(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_identity_inside_a_batch_is_ignored_and_forged_answers_settle_nothing(
    runtime: weft.Runtime, arun: Any
) -> None:
    async def main() -> None:
        scene = await Scene.open(runtime)
        forged = {"windowId": "bystander", "window_id": "bystander", "id": "bystander"}
        batch = json.dumps([{"k": "send", "c": "s", "p": forged}])
        assert await scene.forge_batch(lit(batch)) == []
        assert scene.delivered() == [("victim", "s", forged)]
        # Identity as a frame field is not a field at all.
        errors = await scene.forge_batch(lit('[{"k":"send","c":"s","p":1,"window_id":"bystander"}]'))
        assert [e["name"] for e in errors] == ["ProtocolError"] and "exactly the fields" in errors[0]["message"]
        # Python waits on the bystander; the victim forges every answer it
        # could: none may settle a call that was not made to the victim.
        asked = runtime.channel_events("asked")
        waiting = asyncio.ensure_future(runtime.invoke("bystander", "never", timeout=None))
        assert (await next_event(asked)).window_id == "bystander"  # the call is out: the bystander holds it
        answers = [{"k": "result", "i": i, "v": "forged"} for i in range(3000)]
        answers += [{"k": "error", "i": i, "e": {"type": "PermissionDeniedError", "message": "forged"}}
                    for i in range(3000)]
        assert await scene.forge_batch(lit(json.dumps(answers))) == []
        assert not waiting.done()
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await scene.assert_host_goes_on(delivered=[("victim", "s", forged)])

    arun(main(), timeout=60)


def test_lone_surrogates_are_delivered_as_sent_or_dropped_by_the_transport(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        scene = await Scene.open(runtime)
        # JSON text "\ud800" (an escape) in a forged batch: Python gets a str
        # holding the lone surrogate.
        assert await scene.forge_batch(lit('[{"k":"send","c":"s","p":"\\ud800"}]')) == []
        assert scene.delivered() == [("victim", "s", "\ud800")]
        scene.heard.clear()
        # The same through the public API: runtime.js's JSON.stringify escapes it.
        await in_page(runtime, scene.victim, 'runtime.send("s", "a\\udc00b");')
        await scene.barrier()
        assert scene.delivered() == [("victim", "s", "a\udc00b")]
        scene.heard.clear()
        # A raw lone surrogate *character* in a forged batch never reaches weft
        # as such: Qt's channel transport drops it (weft then sees "ab").
        # Either that or delivery as sent is defined; anything else is not.
        assert await scene.forge_batch(lit('[{"k":"send","c":"s","p":"a\udc00b"}]')) == []
        assert scene.delivered() in ([("victim", "s", "ab")], [("victim", "s", "a\udc00b")])
        scene.heard.clear()
        # Python → page → Python keeps them, in both pages.
        for win in (scene.victim, scene.bystander):
            for text in ("\ud800", "a\udc00b", "\udfff\ud800"):
                assert await runtime.invoke(win.id, "char-codes", text, timeout=10) == [ord(c) for c in text]
                assert await runtime.invoke(win.id, "echo", text, timeout=10) == text
        await scene.assert_host_goes_on()

    arun(main(), timeout=60)


def test_prototypes_stay_clean_both_ways(runtime: weft.Runtime, arun: Any) -> None:
    shapes = {
        "__proto__": {"polluted": "via __proto__"},
        "constructor": {"prototype": {"polluted": "via constructor.prototype"}},
        "prototype": {"polluted": "via prototype"},
    }

    async def main() -> None:
        scene = await Scene.open(runtime)
        # Python → page: Python may send a "__proto__" key; the page gets an
        # own property of that name, never a new prototype.
        for win in (scene.victim, scene.bystander):
            await runtime.send_to_window(win.id, "local", shapes)
            got = await js_value_until(win, """heardLocally.length ? [
                Object.keys(heardLocally[0]),
                Object.getPrototypeOf(heardLocally[0]) === Object.prototype,
                heardLocally[0].polluted === undefined,
                Object.hasOwn(heardLocally[0], "__proto__")] : null""")
            assert got == [["__proto__", "constructor", "prototype"], True, True, True]
        # Page → Python: "__proto__" is refused, with a clear error, at the
        # page's own call (and by the host, were it forged past the runtime).
        out = await in_page(runtime, scene.victim,
                            """runtime.send("s", JSON.parse('{"a": {"__proto__": {"polluted": "page"}}}'));""")
        assert (out["ok"], out["name"]) == (False, "PayloadError") and "__proto__" in out["message"]
        # ... "constructor" and "prototype" are ordinary keys, there and back.
        ordinary = {"constructor": {"prototype": {"polluted": "page"}}, "prototype": {"polluted": "page"}}
        await in_page(runtime, scene.victim, f"runtime.send('s', {json.dumps(ordinary)});")
        await scene.barrier()
        assert scene.delivered() == [("victim", "s", ordinary)]
        for win in (scene.victim, scene.bystander):
            assert await runtime.invoke(win.id, "echo", ordinary, timeout=10) == ordinary
        await scene.prototypes_clean()
        await scene.assert_host_goes_on(delivered=[("victim", "s", ordinary)])

    arun(main(), timeout=60)


# -- 2. the public API ------------------------------------------------------------

def test_ten_megabytes_cross_intact_both_ways(runtime: weft.Runtime, arun: Any) -> None:
    unit = 'weft é € 😀 \x00 " \\ \n \u2028 </script> '
    count = 10_000_000 // len(unit)
    big = unit * count

    async def main() -> None:
        scene = await Scene.open(runtime)
        make = f"{json.dumps(unit)}.repeat({count})"
        await in_page(runtime, scene.victim, f"runtime.send('big', {make});", timeout=30)
        await scene.barrier()
        [(window_id, channel, payload)] = scene.delivered()
        assert (window_id, channel, len(payload)) == ("victim", "big", len(big)) and payload == big
        scene.heard.clear()
        await scene.victim.evaluate(
            f"window.bigOk = null; runtime.once('big', (p) => {{ window.bigOk = p === {make}; }}); 1")
        await runtime.send_to_window("victim", "big", big)
        assert await js_value_until(scene.victim, "window.bigOk", timeout=30) is True
        assert await runtime.invoke("victim", "echo", big, timeout=30) == big
        await scene.assert_host_goes_on()

    arun(main(), timeout=90)


def test_messages_at_the_limit_pass_and_one_past_it_is_refused_in_the_page(arun: Any) -> None:
    limit = 10_000
    frame = len('[{"k":"send","c":"s","p":""}]')  # what a send of "" costs
    rt = weft.Runtime(limits=weft.ipc.Limits(max_batch_chars=limit))

    async def main() -> None:
        scene = await Scene.open(rt)
        out = await in_page(rt, scene.victim, f"""
            runtime.send("s", "x".repeat({limit - frame}));
            try {{ runtime.send("s", "y".repeat({limit - frame + 1})); }}
            catch (e) {{ return [e.name, e.message]; }}""")
        assert out["ok"] and out["value"][0] == "PayloadError" and "over the limit" in out["value"][1], out
        # Frames that fit one by one but not together go in several batches.
        await in_page(rt, scene.victim, 'for (let i = 0; i < 5; i++) runtime.send("s", String(i).repeat(3000));')
        await scene.barrier()
        sent = ["x" * (limit - frame)] + [str(i) * 3000 for i in range(5)]
        assert scene.delivered() == [("victim", "s", p) for p in sent]
        await scene.assert_host_goes_on(delivered=[("victim", "s", p) for p in sent])

    try:
        arun(main(), timeout=60)
    finally:
        arun(rt.shutdown())


POISONS = {
    "nesting-200": "(() => { let v = 1; for (let i = 0; i < 200; i++) v = [v]; return v; })()",
    "proto-key": """JSON.parse('{"__proto__": {"polluted": true}}')""",
}


@pytest.mark.parametrize("poison", list(POISONS.values()), ids=list(POISONS))
def test_a_refused_payload_does_not_take_its_batch_neighbours_down(
    poison: str, runtime: weft.Runtime, arun: Any
) -> None:
    # runtime.js batches what a page sends in one microtask; Python refuses
    # this payload (too deep, or a "__proto__" key). The page's other
    # messages of that moment did nothing wrong.
    async def main() -> None:
        scene = await Scene.open(runtime)
        before = len(scene.heard)
        out = await in_page(runtime, scene.victim, f"""
            const call = runtime.invoke("py:echo", "neighbour call", {{timeout: 3000}});
            runtime.send("neighbour", 1);
            let refusedAtOnce = null;
            try {{ runtime.send("s", {poison}); }} catch (e) {{ refusedAtOnce = e.name; }}
            try {{ return [await call, refusedAtOnce]; }}
            catch (e) {{ return [e.name + ": " + e.message, refusedAtOnce]; }}""", timeout=15)
        await scene.barrier()
        value, refused_at_once = out["value"]
        told = [e.payload["name"] for e in scene.heard[before:] if e.channel == "saw-error"]
        assert refused_at_once == "PayloadError" or told == ["ProtocolError"], (refused_at_once, told)
        assert value == "neighbour call", f"the page's invoke sent with the bad payload did not settle: {value}"
        assert scene.delivered() == [("victim", "neighbour", 1)], "a good send batched with the bad one was lost"
        await scene.assert_host_goes_on(delivered=[("victim", "neighbour", 1)])

    arun(main(), timeout=60)


@pytest.mark.parametrize("handler, payload", [
    ("deep-answer", None),
    ("proto-answer", None),
    ("echo", {"__proto__": {"polluted": True}}),  # Python may send this key; can it get it back?
], ids=["nesting-200", "proto-key", "echo-proto-key"])
def test_a_refused_answer_fails_the_python_call_at_once(
    handler: str, payload: Any, runtime: weft.Runtime, arun: Any
) -> None:
    async def main() -> None:
        scene = await Scene.open(runtime)
        try:
            value = await runtime.invoke("victim", handler, payload, timeout=3)
        except weft.Error:
            pass
        except TimeoutError:
            pytest.fail(f"the page answered {handler!r}, the answer was refused, and the call waited for its timeout")
        else:
            pytest.fail(f"an answer Python refuses from pages was delivered: {value!r:.200}")
        await scene.assert_host_goes_on()

    arun(main(), timeout=60)


# -- 3. raw QWebChannel messages from the isolated world -------------------------

# Answers to our raw messages (ids "hostile-...") are kept aside, so the
# page's own QWebChannel never sees an answer it did not ask for.
RAW_SETUP = """(() => {
  if (window.hostile) return true;
  const transport = qt.webChannelTransport;
  const original = transport.onmessage;
  const hostile = {answers: [], thrown: []};
  transport.onmessage = function (message) {
    let data = message.data;
    try { if (typeof data === "string") data = JSON.parse(data); } catch (e) { return original.call(this, message); }
    if (data && typeof data.id === "string" && data.id.startsWith("hostile")) { hostile.answers.push(data); return; }
    return original.call(this, message);
  };
  hostile.send = (message) => {
    try { transport.send(message); } catch (err) { hostile.thrown.push(String(err)); }
  };
  window.hostile = hostile;
  return typeof qt.webChannelTransport.send === "function";
})()"""

SIGNAL, PROPERTY_UPDATE, INIT, IDLE, DEBUG, INVOKE, CONNECT, DISCONNECT, SET_PROPERTY, RESPONSE = range(1, 11)
ODD_VALUES = [-1, -(2**31), 2**31, 2**53, 10**12, 1.5, "3", None, True, [], {}]


def _invoke(method: Any, args: Any = (), obj: Any = "bridge") -> dict[str, Any]:
    return {"type": INVOKE, "object": obj, "method": method, "args": list(args) if isinstance(args, tuple) else args}


RAW_GROUPS: dict[str, list[Any]] = {
    # The bridge's methods by index: 0-1 destroyed, 2 objectNameChanged,
    # 3 deleteLater, 4 deliver, 5 post; nothing from 6 on.
    "methods-by-index": [_invoke(i) for i in range(61)] + [_invoke(i) for i in ODD_VALUES],
    "post-wrong-arguments": [
        _invoke(5, args) for args in ([], [1, 2, 3], [{"a": 1}], [None], [["x"]], [True], ["[]", "extra"])
    ] + [_invoke(5, "not a list"), {"type": INVOKE, "object": "bridge", "method": 5}, _invoke("post", [42])],
    "methods-by-name": [
        _invoke(name) for name in ("deleteLater()", "destroyed", "destroyed()", "deliver", "objectNameChanged",
                                   "post(QString)", "nope", "", "toString", "__proto__", "constructor")
    ],
    "delete-by-index": [_invoke(3), _invoke(3, ["x"])],
    "properties": [
        {"type": SET_PROPERTY, "object": "bridge", "property": prop, "value": value}
        for prop in (0, 99, -1, 2**31, "objectName", None)
        for value in ("renamed", 12345, {"a": 1}, None)
    ],
    "signals": [
        {"type": kind, "object": "bridge", "signal": signal}
        for kind in (CONNECT, DISCONNECT)
        for signal in (999, -5, 2**40, 0, 1, 2, 3, 5, "4", None)
    ] + [  # cut the page off from Python's messages, then put it back
        {"type": DISCONNECT, "object": "bridge", "signal": 4},
        {"type": CONNECT, "object": "bridge", "signal": 4},
        {"type": CONNECT, "object": "bridge", "signal": 4},
    ],
    "unknown-objects": [
        {"type": kind, "object": obj, "method": 5, "signal": 4, "property": 0, "value": 1, "args": ["[]"]}
        for kind in (INVOKE, CONNECT, DISCONNECT, SET_PROPERTY)
        for obj in ("ghost", "", None, 42, "__proto__", "constructor", "Bridge")
    ] + [{"type": INVOKE, "method": 5, "args": ["[]"]}],
    "garbage": [
        "garbage", "", "{", "[1,2]", "42", "null", '"text"', "{}", "\x00", "x" * 1_000_000,
        {"type": 0}, {"type": 11}, {"type": 99}, {"type": -1}, {"type": "6"}, {"type": None}, {"type": 1.5},
        {"type": SIGNAL, "object": "bridge", "signal": 4, "args": ["[]"]},
        {"type": PROPERTY_UPDATE, "data": [{"object": "bridge", "signals": {}, "properties": {"0": "x"}}]},
        {"type": PROPERTY_UPDATE, "data": "nonsense"},
        {"type": RESPONSE, "id": 0, "data": "forged answer"},
        {"type": INIT}, {"type": IDLE}, {"type": DEBUG, "data": "hostile debug message"},
        {"type": INVOKE, "object": "bridge", "method": 5, "args": ["[]"], "id": {"nested": ["id"]}},
        ("non-string", 42), ("non-string", {"type": INVOKE}), ("non-string", None),
    ],
}

# What QWebChannel says about the malformed messages, on Qt's log: expected here.
WEBCHANNEL_WARNINGS = [
    "Cannot invoke", "Not deleting non-wrapped object", "Could not convert argument", "Ignoring additional arguments",
    "Cannot set unknown property", "Cannot find signal", "Unknown object encountered",
    "received invalid webchannel message", "JSON message object is missing the type property",
    "No candidates found", "Could not write value",
]


def _raw_items(messages: list[Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for n, message in enumerate(messages):
        if isinstance(message, tuple):
            items.append({"value": message[1]})
        elif isinstance(message, dict):
            items.append({"text": json.dumps({"id": f"hostile-{n}", **message})})
        else:
            items.append({"text": message})
    return items


async def send_raw(win: weft.Window, messages: list[Any]) -> dict[str, Any]:
    """Send ``messages`` over the page's raw QWebChannel transport; dicts go
    as JSON text with an id, strings as they are, ``("non-string", v)`` as v."""
    assert await in_app_world(win, RAW_SETUP) is True
    items = json.dumps(_raw_items(messages))
    source = f"for (const item of {items}) hostile.send('text' in item ? item.text : item.value); hostile"
    return await in_app_world(win, source, timeout=30)


@pytest.mark.qt_log_ignore(*WEBCHANNEL_WARNINGS)
@pytest.mark.parametrize("messages", list(RAW_GROUPS.values()), ids=list(RAW_GROUPS))
def test_raw_webchannel_messages_break_nothing(messages: list[Any], runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        scene = await Scene.open(runtime)
        bridge = scene.victim._view.page()._bridge
        await send_raw(scene.victim, messages)
        await scene.barrier()  # the same transport, in order: all of it was handled
        assert shiboken6.isValid(bridge)
        await scene.assert_host_goes_on()
        await scene.prototypes_clean()

    arun(main(), timeout=60)


@pytest.mark.qt_log_ignore(*WEBCHANNEL_WARNINGS)
def test_raw_posts_carry_the_page_identity_not_their_own(runtime: weft.Runtime, arun: Any) -> None:
    async def main() -> None:
        scene = await Scene.open(runtime)
        forged = {"windowId": "bystander", "window_id": "bystander"}
        batch = json.dumps([{"k": "send", "c": "s", "p": forged}])
        await send_raw(scene.victim, [_invoke(5, [batch]), _invoke("post", [batch])])
        await scene.barrier()
        assert scene.delivered() == [("victim", "s", forged)] * 2
        await scene.assert_host_goes_on(delivered=[("victim", "s", forged)] * 2)

    arun(main(), timeout=60)


# weft publishes a new bridge for the page's next document; Qt says so.
@pytest.mark.qt_log_ignore(*WEBCHANNEL_WARNINGS, "Registered new object after initialization")
def test_deleting_the_bridge_breaks_nothing_but_that_page(
    runtime: weft.Runtime, arun: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # QWebChannel refuses deleteLater by index on a registered object; by
    # name it takes another path, and the bridge goes. Then only the victim's
    # own runtime stops: no traceback in the host, the bystander unaffected,
    # and Python's calls to the victim fail at once with a weft error.
    async def main() -> None:
        scene = await Scene.open(runtime)
        bridge = scene.victim._view.page()._bridge
        gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        bridge.destroyed.connect(lambda: gone.done() or gone.set_result(None))
        await send_raw(scene.victim, [_invoke("deleteLater")])
        await asyncio.wait_for(gone, 10)  # deleteLater runs at the next turn of Qt's loop
        assert not shiboken6.isValid(bridge)
        out = await in_page(runtime, scene.bystander, 'return await runtime.invoke("py:echo", 1);')
        assert out["ok"] and out["value"] == 1
        assert await runtime.invoke("bystander", "echo", 2, timeout=10) == 2
        await runtime.send_to_window("victim", "local", "after the attack")
        with pytest.raises(weft.DisconnectedError, match="cut off from the host until it reloads"):
            await runtime.invoke("victim", "echo", 3, timeout=10)
        assert scene.delivered() == []
        assert scene.spied == []
        # A reload connects the page to the bridge weft published in its place.
        scene.victim.reload()
        await scene.victim.wait_ready()
        assert await runtime.invoke("victim", "echo", 4, timeout=10) == 4

    arun(main(), timeout=60)
    try:
        assert_no_host_errors(caplog.records)
    finally:
        caplog.clear()  # reported once, here, not again by no_host_tracebacks


# -- 4. forged weft:to-page events ---------------------------------------------

FORGED_TO_PAGE: dict[str, tuple[str, list[Any], list[dict[str, str]]]] = {
    # (detail, what the victim's "local" listener hears, errors its runtime:error listener hears)
    "send": (lit('[{"k":"send","c":"local","p":"forged"}]'), ["forged"], []),
    "notice": (lit('[{"k":"notice","e":{"type":"PermissionDeniedError","message":"forged"}}]'), [],
               [{"name": "PermissionDeniedError", "message": "forged"}]),
    "invoke-own-handler": (lit('[{"k":"invoke","i":424242,"c":"echo","p":"forged"}]'), [], []),
    "invoke-python-channel": (lit('[{"k":"invoke","i":424243,"c":"py:spy","p":"forged"}]'), [], []),
    "ping": (lit('[{"k":"ping","i":987654}]'), [], []),
    "proto-key": (lit('[{"k":"send","c":"local","p":{"__proto__":{"polluted":true}}}]'),
                  [{"__proto__": {"polluted": True}}], []),
    "garbage": (lit("not json"), [], []),
    "not-an-array": (lit('{"k":"send","c":"local","p":1}'), [], []),
    "not-frames": (lit('[null, 1, "send", [], {"k": 7}]'), [], []),
    "not-a-string": ("[{k: 'send', c: 'local', p: 'object'}]", [], []),
}


@pytest.mark.parametrize("detail", [detail for detail, _, _ in FORGED_TO_PAGE.values()], ids=list(FORGED_TO_PAGE))
def test_forged_to_page_events_reach_nothing(detail: str, runtime: weft.Runtime, arun: Any) -> None:
    # The runtime hears the host on its private port only: a page's own
    # document events, whatever they carry, are not the host.
    async def main() -> None:
        scene = await Scene.open(runtime)
        await scene.victim.evaluate(FORGE_TO_PAGE % detail)
        await scene.barrier()
        await scene.barrier(scene.bystander)
        assert await scene.victim.evaluate("heardLocally") == []
        assert await scene.bystander.evaluate("heardLocally") == []
        assert [e for e in scene.heard if e.channel == "saw-error"] == []
        await scene.prototypes_clean()
        await scene.assert_host_goes_on()

    arun(main(), timeout=60)


def test_a_page_script_cannot_get_the_runtimes_port(runtime: weft.Runtime, arun: Any) -> None:
    # The runtime offers its port once, at document creation, before any page
    # script runs; asking again ("weft:transport-up") gets nothing, and a
    # forged offer is not taken (the page's runtime still talks to Python).
    async def main() -> None:
        scene = await Scene.open(runtime)
        offered = await scene.victim.evaluate("""(() => {
            const seen = [];
            document.addEventListener("weft:port", (e) => seen.push(String(e.relatedTarget)), true);
            document.dispatchEvent(new CustomEvent("weft:transport-up"));
            const fake = document.createTextNode("");
            fake.addEventListener("weft:relay-up", () => seen.push("transport answered a forged offer"));
            document.dispatchEvent(new MouseEvent("weft:port", {relatedTarget: fake}));
            return seen.length; })()""")
        assert offered == 1  # only the page's own forged offer; nothing from the runtime, no answer
        await scene.assert_host_goes_on()

    arun(main(), timeout=60)
