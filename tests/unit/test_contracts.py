"""Payloads checked at the boundary: weft.ipc.contracts converts what a page
sends into the hinted type, or says which field is wrong and what it wanted."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable, Literal, NotRequired, Optional, Required, TypedDict, Union

import attrs
import pytest

from weft import ArgumentError, PayloadError
from weft.ipc.contracts import Converter, compile, convert, to_json


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Item:
    price: float
    kind: Literal["a", "b"] = "a"
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Order:
    items: list[Item]
    color: Color
    next: Order | None = None  # a forward reference to itself


@attrs.frozen
class Point:
    x: int = attrs.field(validator=attrs.validators.ge(0))
    y: int = 0
    _secret: str = ""


class Add(TypedDict):
    a: int
    b: float
    note: NotRequired[str]


class Partial(TypedDict, total=False):
    a: int
    b: Required[str]


def refused(value: Any, hint: Any, *, where: str = "payload") -> str:
    with pytest.raises(PayloadError) as info:
        convert(value, hint, where=where)
    return str(info.value)


# ---- plain values -----------------------------------------------------------

@pytest.mark.parametrize("hint, value, expected", [
    (Any, {"x": [1]}, {"x": [1]}),
    (object, "s", "s"),
    (None, None, None),
    (type(None), None, None),
    (bool, True, True),
    (int, 3, 3),
    (float, 3, 3.0),
    (float, 2.5, 2.5),
    (str, "s", "s"),
    (bytes, b"\x00\xff", b"\x00\xff"),
    (Literal["a", "b"], "b", "b"),
    (Literal[1, True], 1, 1),
    (Color, "red", Color.RED),
    (Level, 2, Level.HIGH),
    (Literal[Color.RED], "red", Color.RED),
    (list[int], [1, 2], [1, 2]),
    (list, [1, "x"], [1, "x"]),
    (tuple[int, ...], [1, 2], (1, 2)),
    (tuple[int, str], [1, "x"], (1, "x")),
    (tuple[()], [], ()),
    (dict[str, float], {"a": 1}, {"a": 1.0}),
    (int | None, None, None),
    (Optional[int], 4, 4),
    (Union[int, str], "x", "x"),
    (list[bytes], [b"a", b"b"], [b"a", b"b"]),
])
def test_converts_what_fits(hint: Any, value: Any, expected: Any) -> None:
    result = convert(value, hint)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("hint, value, message", [
    (None, 0, "payload: expected null, got 0"),
    (bool, 1, "payload: expected true or false, got 1"),
    (int, True, "payload: expected an integer, got true"),
    (int, 3.0, "payload: expected an integer, got 3.0"),
    (int, "3", 'payload: expected an integer, got "3"'),
    (float, False, "payload: expected a number, got false"),
    (float, "12", 'payload: expected a number, got "12"'),
    (str, b"x", "payload: expected a string, got bytes"),
    (bytes, "eA==", 'payload: expected bytes, got "eA=="'),
    (Literal["a", "b"], "c", 'payload: expected one of "a", "b", got "c"'),
    (Literal[1], True, "payload: expected one of 1, got true"),
    (Literal["a"], ["a"], 'payload: expected one of "a", got an array'),
    (Color, "green", 'payload: expected one of "red", "blue" (Color), got "green"'),
    (Level, 1.0, "payload: expected one of 1, 2 (Level), got 1.0"),
    (list[int], [1, "2"], 'payload[1]: expected an integer, got "2"'),
    (list[int], (1, 2), "payload: expected an array, got a tuple"),
    (list[int], {"0": 1}, "payload: expected an array, got an object"),
    (tuple[int, str], [1], "payload: expected an array of 2 items, got 1 items"),
    (tuple[int, str], [1, 2], "payload[1]: expected a string, got 2"),
    (tuple[int, ...], [1, None], "payload[1]: expected an integer, got null"),
    (dict[str, int], {"a": 1, "b c": "x"}, 'payload["b c"]: expected an integer, got "x"'),
    (dict[str, int], [], "payload: expected an object, got an array"),
    (int | None, "x", 'payload: expected an integer or null, got "x"'),
    (Union[int, str, None], [], "payload: expected an integer or a string or null, got an array"),
])
def test_refuses_what_does_not_fit(hint: Any, value: Any, message: str) -> None:
    assert refused(value, hint) == message


def test_long_strings_are_cut_in_messages() -> None:
    assert refused("x" * 50, int) == 'payload: expected an integer, got "' + "x" * 40 + '"…'


def test_where_names_the_root() -> None:
    assert refused({"a": "1", "b": 1}, Add, where="add(p)") == 'add(p).a: expected an integer, got "1"'


# ---- records ----------------------------------------------------------------

def test_typeddict_keeps_required_and_optional_keys() -> None:
    assert convert({"a": 1, "b": 2}, Add) == {"a": 1, "b": 2.0}
    assert convert({"a": 1, "b": 2, "note": "n"}, Add) == {"a": 1, "b": 2.0, "note": "n"}
    assert refused({"a": 1}, Add) == 'payload: missing field "b"'
    assert refused({"a": 1, "b": 1, "note": 3}, Add) == "payload.note: expected a string, got 3"
    assert convert({"b": "x"}, Partial) == {"b": "x"}
    assert refused({"a": 1}, Partial) == 'payload: missing field "b"'


def test_records_refuse_keys_they_do_not_declare() -> None:
    assert refused({"a": 1, "b": 1, "c": 0}, Add) == 'payload: unexpected field "c"'
    assert refused({"price": 1, "x": 0, "y": 0}, Item) == 'payload: unexpected fields "x", "y"'
    assert refused({"x": 1, "z": 0}, Point) == 'payload: unexpected field "z"'
    assert refused([1], Add) == "payload: expected an object (Add), got an array"


def test_dataclass_is_built_with_its_defaults() -> None:
    item = convert({"price": 3}, Item)
    assert item == Item(price=3.0, kind="a", tags=[])
    assert type(item.price) is float
    assert refused({"kind": "a"}, Item) == 'payload: missing field "price"'


def test_nested_paths_name_the_field() -> None:
    order = {"items": [{"price": 1}, {"price": 2}, {"price": "12"}], "color": "red"}
    assert refused(order, Order) == 'payload.items[2].price: expected a number, got "12"'
    order = {"items": [{"price": 1, "tags": ["x", 5]}], "color": "red"}
    assert refused(order, Order) == "payload.items[0].tags[1]: expected a string, got 5"
    order = {"items": [], "color": "red", "next": {"items": [], "color": "pink"}}
    assert refused(order, Order) == 'payload.next.color: expected one of "red", "blue" (Color), got "pink"'


def test_self_referring_dataclass_builds_nested_instances() -> None:
    order = convert({"items": [{"price": 1, "kind": "b"}], "color": "blue",
                     "next": {"items": [], "color": "red"}}, Order)
    assert order == Order(items=[Item(1.0, "b")], color=Color.BLUE, next=Order(items=[], color=Color.RED))


def test_attrs_class_is_built_and_its_validators_run() -> None:
    assert convert({"x": 1, "secret": "s"}, Point) == Point(x=1, secret="s")
    assert refused({"x": -1}, Point) == "payload.x: invalid: 'x' must be >= 0: -1"
    assert refused({"x": "1"}, Point) == 'payload.x: expected an integer, got "1"'
    assert refused({}, Point) == 'payload: missing field "x"'


def test_a_post_init_refusal_names_the_object() -> None:
    @dataclasses.dataclass
    class Range:
        low: int
        high: int

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low above high")

    assert refused({"low": 2, "high": 1}, Range) == "payload: invalid Range: low above high"


def test_union_takes_the_first_that_fits_and_names_the_one_that_nearly_did() -> None:
    assert convert(1, int | float) == 1 and type(convert(1, float | int)) is float
    assert refused({"items": [], "color": 1}, Order | None) == (
        'payload.color: expected one of "red", "blue" (Color), got 1')
    message = refused({"price": "x"}, Item | Add)
    assert message.startswith("payload: expected an object (Item) or an object (Add), got an object (")
    assert 'as an object (Item): .price: expected a number, got "x"' in message
    assert message.endswith('(as an object (Item): .price: expected a number, got "x"; '
                            'as an object (Add): missing field "a")')


# ---- declaration time -------------------------------------------------------

class Plain:
    x: int


@pytest.mark.parametrize("hint", [set[int], Callable[[int], int], Plain, list[set[int]], dict[int, str],
                                  frozenset, complex, Optional[Plain]])
def test_unsupported_hints_are_refused_when_compiled(hint: Any) -> None:
    with pytest.raises(ArgumentError, match="cannot be checked"):
        compile(hint)


def test_a_record_field_of_an_unsupported_type_is_refused_when_compiled() -> None:
    @dataclasses.dataclass
    class Bad:
        ok: int
        worse: set[int]

    with pytest.raises(ArgumentError, match="set"):
        compile(Bad)


def test_an_unresolvable_forward_reference_is_refused_when_compiled() -> None:
    @dataclasses.dataclass
    class Dangling:
        x: Nowhere  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(ArgumentError, match="Dangling"):
        compile(Dangling)


def test_compile_returns_a_reusable_converter() -> None:
    add = compile(Add)
    assert isinstance(add, Converter)
    assert add({"a": 1, "b": 1}) == {"a": 1, "b": 1.0}
    with pytest.raises(PayloadError, match=r"^p\.a: "):
        add({"a": None, "b": 1}, "p")


# ---- outbound ---------------------------------------------------------------

@pytest.mark.parametrize("hint, value", [
    (Order, Order(items=[Item(1.5, "b", ["t"])], color=Color.RED, next=Order(items=[], color=Color.BLUE))),
    (Point, Point(x=3, y=4, secret="s")),
    (Add, {"a": 1, "b": 2.5, "note": "n"}),
    (tuple[int, bytes], (1, b"\x00")),
    (dict[str, Color], {"k": Color.BLUE}),
    (Level | None, Level.LOW),
    (list[Literal[Color.RED]], [Color.RED]),
])
def test_to_json_round_trips(hint: Any, value: Any) -> None:
    assert convert(to_json(value, hint), hint) == value


def test_to_json_gives_json_values() -> None:
    sent = to_json(Order(items=[Item(2, tags=["t"])], color=Color.RED), Order)
    assert sent == {"items": [{"price": 2, "kind": "a", "tags": ["t"]}], "color": "red", "next": None}
    assert to_json(Point(x=1, secret="s"), Point) == {"x": 1, "y": 0, "secret": "s"}
    assert to_json((1, b"\x01"), tuple[int, bytes]) == [1, b"\x01"]
    assert type(to_json(Level.HIGH, int)) is int


@pytest.mark.parametrize("hint, value, message", [
    (Order, Order(items=[Item(price="12")], color=Color.RED), 'payload.items[0].price: expected a number, got "12"'),
    (Order, {"items": [], "color": "red"}, "payload: expected an instance of Order, got a dict"),
    (Order, Order(items=[], color="red"), 'payload.color: expected a member of Color, got "red"'),
    (Add, {"a": 1}, 'payload: missing field "b"'),
    (Add, {"a": 1, "b": 1, "c": 1}, 'payload: unexpected field "c"'),
    (list[int], [1, True], "payload[1]: expected an integer, got true"),
    (bytes, "x", 'payload: expected bytes, got "x"'),
    (Literal["a"], "b", 'payload: expected one of "a", got "b"'),
])
def test_to_json_refuses_what_does_not_fit(hint: Any, value: Any, message: str) -> None:
    with pytest.raises(PayloadError) as info:
        to_json(value, hint)
    assert str(info.value) == message
