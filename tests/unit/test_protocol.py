"""One source for the protocol's constants: renderer_assets/protocol.json.

Python (weft.protocol, codec, events, bulk, errors), runtime.js (the
constants its parts use) and runtime.d.ts (the error classes it declares)
agree with it; the page tests check the runtime a real page gets.
"""

from __future__ import annotations

import builtins
import json
import re
from pathlib import Path
from typing import Any, get_args


import weft
from weft import errors, protocol
from weft.ipc import bulk, codec, events, streams

ASSETS = Path(__file__).resolve().parents[2] / "renderer_assets"
DATA = json.loads((ASSETS / "protocol.json").read_text("utf-8"))
PARTS = {path.name: path.read_text("utf-8") for path in sorted((ASSETS / "runtime").glob("*.js"))}
RUNTIME_JS = "\n".join(PARTS.values())
CODE = re.sub(r"(^|\s)//.*$", "", RUNTIME_JS, flags=re.M)  # comments may name anything
DTS = (ASSETS / "runtime.d.ts").read_text("utf-8")

FROM_PAGE = {kind for kind, spec in DATA["frames"].items() if "page" in spec["from"]}
FROM_HOST = {kind for kind, spec in DATA["frames"].items() if "host" in spec["from"]}
#: weft errors that stay in Python: raised to Python callers, never rebuilt
#: from the wire. A new weft.Error subclass must be put here or in protocol.json.
HOST_ONLY_ERRORS = {"SubscriberOverflowError", "RuntimeClosedError", "ManifestError", "ConfigError", "WindowOptionError",
                    "PluginStateError", "StartupError", "SandboxError", "LoadError", "ScriptError", "ArgumentError", "SessionError",
                    "PlatformError"}



# -- Python ----------------------------------------------------------------


def test_python_takes_its_constants_from_protocol_json() -> None:
    channels = DATA["channels"]
    assert codec.MAX_CHANNEL_CHARS == protocol.MAX_CHANNEL_CHARS == channels["maxLength"]
    assert codec.RESERVED_PREFIXES == protocol.RESERVED_PREFIXES == tuple(channels["reservedPrefixes"])
    assert events.SYSTEM_CHANNELS == protocol.SYSTEM_CHANNELS == set(channels["system"])
    assert set(get_args(events.EventType)) == set(channels["system"])  # the Literal is spelled for type checkers
    limits = codec.Limits()
    assert (limits.max_batch_chars, limits.max_depth, limits.max_bulk_bytes) == (
        DATA["limits"]["maxBatchChars"], DATA["limits"]["maxDepth"], DATA["limits"]["maxBulkBytes"])
    assert (bulk.THRESHOLD, bulk.LONG_TEXT) == (DATA["bulk"]["threshold"], DATA["bulk"]["longText"])
    assert json.loads(protocol.PAGE_JSON) == DATA


def test_python_decodes_the_page_kinds_and_encodes_the_host_kinds() -> None:
    decoded = {kind: codec.decode_batch(json.dumps([{"k": kind, "i": 1, "c": "x"}]), codec.Limits())[0]
               for kind in DATA["frames"]}
    readable = {kind for kind, frame in decoded.items()
                if not isinstance(frame, codec.BadFrame) or "unknown frame kind" not in str(frame.error)}
    assert readable == FROM_PAGE
    for kind in FROM_PAGE - {"bulk"}:
        spec = DATA["frames"][kind]
        assert codec._FIELDS[kind] == {"k", *spec["fields"]}
    assert bulk._REF_FIELDS == {"k", *DATA["frames"]["bulk"]["fields"]}
    outbound = [codec.Send(channel="x"), codec.Invoke(call_id=1, channel="x"), codec.Result(call_id=1),
                codec.Failure(call_id=1, error={}), codec.Notice(error={}), codec.Ping(beat=1)]
    sent = {codec.frame_dict(frame)["k"] for frame in outbound}

    class Lane:
        def stage(self, chunks: Any) -> str:
            return "t" * 16

    binary = bulk.encode(codec.frame_dict(codec.Send(channel="x", payload=b"\x00")))
    sent.add(json.loads(binary.for_lane(Lane()))["k"])  # type: ignore[arg-type]
    sent.add(json.loads(streams.opened(1, "t" * 16).for_lane(None))["k"])
    assert sent == FROM_HOST


def test_the_codec_docstring_table_lists_every_kind_and_its_direction() -> None:
    rows = dict(re.findall(r"^``(\w+)``\s.*?\s(page → host|host → page|both)\s*$", codec.__doc__ or "", re.M))
    direction = {"page → host": ["page"], "host → page": ["host"], "both": ["page", "host"]}
    assert {kind: direction[way] for kind, way in rows.items()} == {k: s["from"] for k, s in DATA["frames"].items()}


def test_error_classes_cross_the_wire_by_name() -> None:
    names = DATA["errors"]["classes"]
    python_builtins = set(DATA["errors"]["pythonBuiltins"])
    for name in names:
        if name in python_builtins:
            assert issubclass(getattr(builtins, name), Exception) and not hasattr(errors, name)
            continue
        cls = getattr(weft, name)
        assert cls is getattr(errors, name) and issubclass(cls, weft.Error) and name in weft.__all__
        rebuilt = errors.error_from_wire(errors.error_to_wire(cls("m", type=name) if cls is weft.HandlerError
                                                              else cls("m")))
        assert type(rebuilt) is cls and str(rebuilt) == "m"
    # Every weft error is either known to the page by name or stays in Python.
    weft_errors = {name for name in dir(weft) if isinstance(getattr(weft, name), type)
                   and issubclass(getattr(weft, name), weft.Error) and name != "Error"}
    assert weft_errors - set(names) == HOST_ONLY_ERRORS


# -- runtime.js and runtime.d.ts -----------------------------------------


def test_every_runtime_part_is_injected() -> None:
    # Read from scripts.py's source: importing it needs Qt.
    import ast

    scripts = ASSETS.parent / "host" / "weft" / "webengine" / "scripts.py"
    (order,) = [ast.literal_eval(node.value) for node in ast.walk(ast.parse(scripts.read_text("utf-8")))
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "RUNTIME_PARTS"]
    assert sorted(f"{part}.js" for part in order) == sorted(PARTS) and len(set(order)) == len(order)
    assert order[0] == "captures" and order[-1] == "api"  # globals taken first; window.runtime defined last


def test_runtime_js_sends_and_handles_exactly_the_protocol_kinds() -> None:
    sent = set(re.findall(r"\bk: KIND\.(\w+)", CODE))
    handled = set(re.findall(r"case KIND\.(\w+):", CODE)) | set(re.findall(r"\.k [!=]== KIND\.(\w+)", CODE))
    assert sent == FROM_PAGE
    assert handled == FROM_HOST
    assert set(re.findall(r"\bKIND\.(\w+)", CODE)) <= set(DATA["frames"])
    # ...and spells none of them itself.
    kinds = "|".join(DATA["frames"])
    assert re.findall(rf"""["'`]({kinds})["'`]""", CODE) == []


def test_the_socket_lane_speaks_the_kinds_protocol_json_holds() -> None:
    kinds = set(DATA["bulk"]["socketKinds"])
    assert set(re.findall(r"\bSOCKET\.(\w+)", CODE)) == kinds  # the page reads each
    sockets = (ASSETS.parent / "host" / "weft" / "webengine" / "sockets.py").read_text("utf-8")
    assert set(re.findall(r'_send\(\{"k": "(\w+)"', sockets)) == kinds  # the host sends each
    socket_js = re.sub(r"(^|\s)//.*$", "", PARTS["socket.js"], flags=re.M)
    assert re.findall(rf"""["'`]({"|".join(kinds)})["'`]""", socket_js) == []  # spelled nowhere else


def test_runtime_js_spells_no_constant_protocol_json_holds() -> None:
    for name in [*DATA["channels"]["system"], *DATA["channels"]["reservedPrefixes"], *DATA["errors"]["classes"]]:
        for quote in "\"'`":
            assert f"{quote}{name}{quote}" not in CODE, name
    numbers = {str(value) for value in [*DATA["limits"].values(), *DATA["bulk"].values(),
                                        DATA["channels"]["maxLength"]]}
    assert set(re.findall(r"\b\d+\b", CODE)) & numbers == set()
    assert re.search(r"\d+\s*\*\s*1024", CODE) is None
    # The error classes it names are all protocol.json's.
    assert set(re.findall(r"(?<![\w.])errors\.(\w+)", CODE)) <= set(DATA["errors"]["classes"])


def test_runtime_d_ts_declares_the_protocol_error_classes() -> None:
    declared = dict(re.findall(r"^export declare class (\w+) extends (\w+)", DTS, re.M))
    base = DATA["errors"]["base"]
    assert declared == {base: "Error", **{name: base for name in DATA["errors"]["classes"]}}
    interface = re.search(r"interface RuntimeErrors \{(.*?)\}", DTS, re.S)
    assert interface is not None
    members = re.findall(r"readonly (\w+): typeof (\w+);", interface.group(1))
    assert [name for name, cls in members if name == cls] == [base, *DATA["errors"]["classes"]]


# -- channel names -----------------------------------------------------------

#: Names on the edges of the channel rule, each tried as a page would send
#: it and as a listener's channel.
TRICKY_CHANNELS: list[Any] = [
    "a", " ", "a b", "é", "e\u0301", "日本", "ℌ", "\U0001f600", "x:close", "Close", "close ", "runtime", "weft",
    "close", "crashed", "unresponsive", "responsive", "runtime:", "runtime:error", "weft:x", "vue-remote:rpc",
    "", None, 7, ["a"],
    "x" * 256, "x" * 257, "\U0001f600" * 129, "\U0001f600" * 256, "\U0001f600" * 257, "\U0001f600" * 255 + "xx",
    "a\n", "\t", "\x00", "\x7f", "\x85", "\u00a0", "a\u200bb", "\u200d", "\U0001f469\u200d\U0001f4bb", "\u202e",
    "\ufeff", "\u00ad", "\u2028", "\u2029", "\u3000", "\ue000", "\U000f0000", "\U000e0001", "\u0378",
    "\ud800", "\udc00", "a\udbff", "\udc00\ud800",
]


def _python_answer(name: Any, from_page: bool) -> str:
    try:
        codec.check_channel(name, from_page=from_page)
    except weft.ChannelError:
        return "ChannelError"
    return "ok"


def test_isprintable_is_the_protocol_rule() -> None:
    import unicodedata

    categories = set(DATA["channels"]["unprintable"]["categories"])
    allowed = set(DATA["channels"]["unprintable"]["except"])
    wrong = [hex(cp) for cp in range(0x110000)
             if chr(cp).isprintable() != (chr(cp) in allowed or unicodedata.category(chr(cp)) not in categories)]
    assert wrong == []


def test_runtime_d_ts_names_the_reserved_channels() -> None:
    doc = re.search(r"/\*\* Send `payload`.*?\*/", DTS, re.S)
    assert doc is not None
    reserved = re.search(r"reserved for the runtime \((.*?)\)", doc.group(0), re.S)
    assert reserved is not None
    channels = DATA["channels"]
    assert re.findall(r"`([^`]+)`", reserved.group(1)) == [
        *channels["system"], *(prefix + "*" for prefix in channels["reservedPrefixes"])]
    assert f"longer than {channels['maxLength']} characters" in re.sub(r"\s*\*\s*", " ", doc.group(0))
