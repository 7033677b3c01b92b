"""The wire codec refuses everything that is not exactly the protocol."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weft import ChannelError, PayloadError, ProtocolError
from weft.ipc import codec
from weft.ipc.codec import BadFrame, Failure, Hello, Invoke, Limits, Notice, Result, Send

LIMITS = Limits()


def decode(text: str, limits: Limits = LIMITS) -> list[codec.Inbound]:
    return codec.decode_batch(text, limits)


def test_decodes_each_kind() -> None:
    frames = decode(
        '[{"k":"hello"},{"k":"send","c":"a","p":{"x":1}},{"k":"invoke","i":7,"c":"b","p":[1,2]},'
        '{"k":"result","i":3,"v":"ok"},{"k":"error","i":4,"e":{"type":"TypeError","message":"no"}}]'
    )
    assert frames == [
        Hello(),
        Send(channel="a", payload={"x": 1}),
        Invoke(call_id=7, channel="b", payload=[1, 2]),
        Result(call_id=3, value="ok"),
        Failure(call_id=4, error={"type": "TypeError", "message": "no"}),
    ]


def test_payload_is_optional() -> None:
    assert decode('[{"k":"send","c":"a"}]') == [Send(channel="a", payload=None)]


@pytest.mark.parametrize(
    "text, needle",
    [
        ("not json", "not valid JSON"),
        ('{"k":"hello"}', "JSON array"),
        ('[{"k":"send","c":"a","p":' + "1" * 5000 + "}]", "more than 4,300 digits"),
        ("[" * 5000 + "]" * 5000, "nesting deeper"),
    ],
)
def test_unreadable_batches_are_refused(text: str, needle: str) -> None:
    with pytest.raises(ProtocolError, match=needle):
        decode(text)


@pytest.mark.parametrize(
    "payload, needle",
    [
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "Infinity"),
        ("1e999", "too large"),
        ("[1.5, -1e400]", "too large"),
        ('{"x":1,"x":2}', "duplicate key 'x'"),
        ('{"__proto__":{"polluted":1}}', "__proto__"),
        ('[[{"a": {"__proto__": 1}}]]', "__proto__"),
    ],
)
def test_a_refused_payload_costs_only_its_own_frame(payload: str, needle: str) -> None:
    text = ('[{"k":"send","c":"before"},{"k":"invoke","i":4,"c":"a","p":' + payload +
            '},{"k":"result","i":5,"v":' + payload + '},{"k":"send","c":"after"}]')
    before, invoke, result, after = decode(text)
    assert (before, after) == (Send(channel="before"), Send(channel="after"))
    for refused, kind, call_id in ((invoke, "invoke", 4), (result, "result", 5)):
        assert isinstance(refused, BadFrame) and needle in str(refused.error)
        assert (refused.kind, refused.call_id) == (kind, call_id)


def test_constructor_and_prototype_keys_are_ordinary_keys() -> None:
    payload = {"constructor": {"prototype": {"polluted": True}}, "prototype": 1}
    assert decode(json.dumps([{"k": "send", "c": "a", "p": payload}])) == [Send(channel="a", payload=payload)]


def test_non_string_batch_is_refused() -> None:
    with pytest.raises(ProtocolError, match="string"):
        codec.decode_batch(b"[]", LIMITS)  # type: ignore[arg-type]


def test_oversize_batch_is_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError, match="over the limit"):
        decode('[{"k":"send","c":"a","p":"' + "x" * 100 + '"}]', Limits(max_batch_chars=50))


@pytest.mark.parametrize("depth, ok", [(127, True), (128, True), (129, False), (300, False)])
def test_nesting_limit_applies_per_frame(depth: int, ok: bool) -> None:
    text = ('[{"k":"invoke","i":1,"c":"a","p":' + "[" * depth + "]" * depth + '},{"k":"send","c":"next"}]')
    frame, neighbour = decode(text)
    assert neighbour == Send(channel="next")
    if ok:
        assert isinstance(frame, Invoke)
    else:
        assert isinstance(frame, BadFrame) and "nesting deeper than 128" in str(frame.error)
        assert frame.call_id == 1


@pytest.mark.parametrize("depth", [5000, 100_000])
def test_nesting_too_deep_to_parse_refuses_the_batch(depth: int) -> None:
    with pytest.raises(ProtocolError, match="nesting deeper"):
        decode('[{"k":"send","c":"a","p":' + "[" * depth + "]" * depth + "}]")


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    payload = "[" * 10_000
    assert decode(json.dumps([{"k": "send", "c": "a", "p": payload}])) == [Send(channel="a", payload=payload)]


@pytest.mark.parametrize(
    "frame, needle, call_id",
    [
        (5, "object", None),
        ({"k": "teleport"}, "unknown frame kind", None),
        ({"k": "teleport", "i": 3}, "unknown frame kind", None),
        ({"k": ["send"], "i": 3}, "unknown frame kind", None),
        ({"c": "a"}, "unknown frame kind", None),
        ({"k": "send", "c": "a", "extra": 1}, "exactly the fields", None),
        ({"k": "send"}, "exactly the fields", None),
        ({"k": "invoke", "i": 9, "c": "a", "windowId": "other"}, "exactly the fields", 9),
        ({"k": "invoke", "i": -1, "c": "a"}, "call id", None),
        ({"k": "invoke", "i": 1.5, "c": "a"}, "call id", None),
        ({"k": "invoke", "i": True, "c": "a"}, "call id", None),
        ({"k": "send", "c": ""}, "non-empty", None),
        ({"k": "send", "c": 5}, "non-empty", None),
        ({"k": "send", "c": "close"}, "reserved", None),
        ({"k": "invoke", "i": 2, "c": "runtime:error"}, "reserved", 2),
        ({"k": "send", "c": "a\nb"}, "control", None),
        ({"k": "send", "c": "x" * 300}, "longer", None),
    ],
)
def test_bad_frames_are_refused_one_by_one(frame: object, needle: str, call_id: int | None) -> None:
    good = {"k": "send", "c": "ok"}
    refused, kept = decode(json.dumps([frame, good]))
    assert isinstance(refused, BadFrame)
    assert needle in str(refused.error)
    assert refused.call_id == call_id
    assert kept == Send(channel="ok")


def test_encodes_outbound_frames() -> None:
    frames = [
        Send(channel="a", payload={"é": [1, None]}),
        Invoke(call_id=1, channel="b"),
        Result(call_id=2, value=True),
        Failure(call_id=3, error={"type": "X", "message": "y"}),
        Notice(error={"type": "ProtocolError", "message": "z"}),
    ]
    batch = json.loads(codec.join_batch([codec.encode_frame(f) for f in frames]))
    assert batch == [
        {"k": "send", "c": "a", "p": {"é": [1, None]}},
        {"k": "invoke", "i": 1, "c": "b", "p": None},
        {"k": "result", "i": 2, "v": True},
        {"k": "error", "i": 3, "e": {"type": "X", "message": "y"}},
        {"k": "notice", "e": {"type": "ProtocolError", "message": "z"}},
    ]


@pytest.mark.parametrize("payload", [math.nan, {1, 2}, b"bytes", object()])
def test_payloads_that_are_not_json_are_refused(payload: object) -> None:
    with pytest.raises(PayloadError):
        codec.encode_frame(Send(channel="a", payload=payload))


def test_self_referencing_payload_is_refused() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(PayloadError):
        codec.encode_payload(loop)


def test_python_may_use_system_channel_names_but_pages_may_not() -> None:
    assert codec.check_channel("close") == "close"
    with pytest.raises(ChannelError):
        codec.check_channel("close", from_page=True)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text().filter(lambda k: k != "__proto__"), children, max_size=5),
    max_leaves=30,
)


@given(channel=st.text(min_size=1, max_size=40).filter(lambda c: c.isprintable()), payload=json_values)
def test_round_trip_of_any_json_value(channel: str, payload: object) -> None:
    try:
        codec.check_channel(channel, from_page=True)
    except ChannelError:
        return
    text = codec.join_batch([codec.encode_frame(Send(channel=channel, payload=payload))])
    assert decode(text) == [Send(channel=channel, payload=payload)]


@given(st.text(max_size=200))
def test_decoding_arbitrary_text_never_raises_anything_but_protocol_error(text: str) -> None:
    try:
        decode(text)
    except ProtocolError:
        pass


@given(st.lists(st.dictionaries(st.sampled_from(["k", "i", "c", "p", "v", "e", "x"]), json_values, max_size=5)))
def test_decoding_arbitrary_frames_yields_frames_or_refusals(frames: list[dict[str, object]]) -> None:
    for frame in decode(json.dumps(frames)):
        assert isinstance(frame, (Hello, Send, Invoke, Result, Failure, BadFrame))
