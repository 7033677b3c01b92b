"""Payloads checked at the boundary: Python type hints turned into converters.

    >>> from typing import TypedDict
    >>> class Add(TypedDict):
    ...     a: int
    ...     b: float
    >>> add = compile(Add)              # refuses an unsupported hint here, once
    >>> add({"a": 1, "b": 2})
    {'a': 1, 'b': 2.0}
    >>> convert({"a": "1", "b": 2}, Add)
    Traceback (most recent call last):
    weft.errors.PayloadError: payload.a: expected an integer, got "1"

Inbound (:func:`convert`) a JSON value from a page becomes the hinted type:
dataclass and attrs instances built (attrs validators run), enums by value,
``bytes`` kept. Outbound (:func:`to_json`) Python values become JSON values
after the same check. Decisions: ``int`` refuses ``bool`` and integral floats
(``3.0``; JSON from a page never has them, so one means a confused sender);
``float`` takes an ``int``; arrays are lists only; TypedDicts, dataclasses and
attrs classes refuse keys they do not declare (a typo must not pass silently).
A union takes the first member that fits.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from typing import Any, Callable

import attrs

from ..errors import ArgumentError, PayloadError

__all__ = ["Converter", "compile", "convert", "to_json"]

_Fn = Callable[[Any], Any]


class _Bad(Exception):
    """Internal: a value does not fit; ``path`` holds segments, innermost first."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        self.path: list[str] = []

    def at(self, where: str) -> str:
        return f"{where}{''.join(reversed(self.path))}: {self.problem}"


def _show(value: Any) -> str:
    """How a value is named in a message: JSON spelling for JSON values."""
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        text = json.dumps(value[:40])
        return text + "…" if len(value) > 40 else text
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _expected(what: str, value: Any) -> _Bad:
    return _Bad(f"expected {what}, got {_show(value)}")


def _key(name: str) -> str:
    return f".{name}" if name.isidentifier() else f"[{json.dumps(name)}]"


def _strip(hint: Any) -> Any:
    """Annotated[T, ...], Required[T] and NotRequired[T] are T here."""
    while typing.get_origin(hint) in (typing.Annotated, typing.Required, typing.NotRequired):
        hint = typing.get_args(hint)[0]
    return hint


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:  # NameError, TypeError: an unresolvable forward reference
        raise ArgumentError(f"cannot resolve the type hints of {cls.__qualname__}: {exc}") from exc


def _describe(hint: Any) -> str:
    hint = _strip(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    simple = {None: "null", type(None): "null", bool: "true or false", int: "an integer", float: "a number",
              str: "a string", bytes: "bytes"}
    if hint in simple:
        return simple[hint]
    if origin is typing.Literal:
        return "one of " + ", ".join(json.dumps(a.value if isinstance(a, enum.Enum) else a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return f"an array of {len(args)} items"
    if origin in (list, tuple):
        return "an array"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(json.dumps(m.value) for m in hint) + f" ({hint.__name__})"
    if isinstance(hint, type) and hint is not dict:
        return f"an object ({hint.__name__})"
    return "an object"


# ---- building: one inbound and one outbound function per hint, cached ------

# Keyed by repr too: int | float == float | int, yet the first member that fits wins.
_CACHE: dict[tuple[Any, str, bool], _Fn] = {}


def _build(hint: Any, out: bool) -> _Fn:
    hint = _strip(hint)
    key = (hint, repr(hint), out)
    try:
        return _CACHE[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable hint (Literal of a list): build, do not cache
        return _make(hint, out)
    if isinstance(hint, type) and _fields_of(hint) is not None:
        # A class may refer to itself: later references go through this cell.
        cell: list[_Fn] = []
        _CACHE[key] = lambda value: cell[0](value)
        try:
            cell.append(_make(hint, out))
        except BaseException:
            del _CACHE[key]
            raise
    else:
        cell = [_make(hint, out)]
    _CACHE[key] = cell[0]
    return cell[0]


def _field(owner: type, name: str, hint: Any, out: bool) -> _Fn:
    """A record's field's check; an unsupported hint names the field."""
    try:
        return _build(hint, out)
    except ArgumentError as exc:
        if str(exc).startswith("field "):
            raise ArgumentError(f"field {owner.__qualname__}.{name} > {str(exc).removeprefix('field ')}") from None
        raise ArgumentError(f"field {owner.__qualname__}.{name}: {exc}") from None


def _exact(kind: type, what: str) -> _Fn:
    def check(value: Any) -> Any:
        if type(value) is kind:
            return value
        raise _expected(what, value)
    return check


def _make(hint: Any, out: bool) -> _Fn:
    if hint in (list, tuple, dict):  # bare: of anything
        hint = {list: list[Any], tuple: tuple[Any, ...], dict: dict[str, Any]}[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return lambda value: value
    if hint is None or hint is type(None):
        return _exact(type(None), "null")
    if hint is bool:
        return _exact(bool, "true or false")
    if hint is str:
        return _exact(str, "a string") if not out else _kind(str, "a string", lambda v: v)
    if hint is int:
        return _exact(int, "an integer") if not out else _kind(int, "an integer", int)
    if hint is float:
        return _kind((int, float), "a number", float if not out else lambda v: v)
    if hint is bytes:
        return _exact(bytes, "bytes") if not out else _kind((bytes, bytearray, memoryview), "bytes", bytes)
    if origin is typing.Literal:
        raw = [v.value if isinstance(v, enum.Enum) else v for v in args]  # what JSON holds
        table = {(type(v), v): r for v, r in zip(args, raw)} if out else {(type(r), r): v for v, r in zip(args, raw)}
        return _choice(table, _describe(hint))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if out:
            return _member(hint)
        return _choice({(type(m.value), m.value): m for m in hint}, _describe(hint))
    if origin in (typing.Union, types.UnionType):
        return _union([_build(a, out) for a in args], hint)
    if origin is list and len(args) == 1:
        return _array(_build(args[0], out), list, out)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _array(_build(args[0], out), list if out else tuple, out)
    if origin is tuple:
        return _fixed([_build(a, out) for a in args if a != ()], out)
    if origin is dict and len(args) == 2 and _strip(args[0]) is str:
        return _mapping(_build(args[1], out))
    if isinstance(hint, type):
        fields = _fields_of(hint)
        if fields is not None:
            return _record(hint, [(key, _field(hint, key, h, out), required, attr)
                                  for key, h, required, attr in fields], out)
    raise ArgumentError(
        f"{hint!r} cannot be checked at the boundary: use Any, None, bool, int, float, str, bytes, Literal, "
        "an Enum, list[T], tuple[...], dict[str, T], a union, a TypedDict, a dataclass or an attrs class")


def _kind(kinds: Any, what: str, make: _Fn) -> _Fn:
    """Outbound str/int/bytes, and float both ways: subclasses (IntEnum, bytearray) made plain."""
    def check(value: Any) -> Any:
        if isinstance(value, kinds) and not isinstance(value, bool):
            return make(value)
        raise _expected(what, value)
    return check


def _choice(table: dict[tuple[type, Any], Any], what: str) -> _Fn:
    def check(value: Any) -> Any:
        try:
            return table[type(value), value]
        except (KeyError, TypeError):  # TypeError: an unhashable value (a list)
            raise _expected(what, value) from None
    return check


def _member(cls: type[enum.Enum]) -> _Fn:
    def check(value: Any) -> Any:
        if isinstance(value, cls):
            return value.value
        raise _expected(f"a member of {cls.__name__}", value)
    return check


def _union(members: list[_Fn], hint: Any) -> _Fn:
    what = _describe(hint)
    names = [_describe(a) for a in typing.get_args(hint)]
    optional = sum(a is not type(None) for a in typing.get_args(hint)) == 1  # T | None

    def check(value: Any) -> Any:
        tried: list[tuple[str, _Bad]] = []
        for name, member in zip(names, members):
            try:
                return member(value)
            except _Bad as bad:
                tried.append((name, bad))
        deeper = [bad for _, bad in tried if bad.path]  # it had a member's shape but failed inside
        if optional and deeper:  # T | None: a T gone wrong, say where
            raise deeper[0]
        detail = "; ".join(f"as {name}: {bad.at('').lstrip(': ')}" for name, bad in tried)
        raise _Bad(f"expected {what}, got {_show(value)}" + (f" ({detail})" if deeper else ""))
    return check


def _array(item: _Fn, make: type, out: bool) -> _Fn:
    kinds = (list, tuple) if out else list

    def check(value: Any) -> Any:
        if not isinstance(value, kinds):
            raise _expected("an array", value)
        result = []
        for index, element in enumerate(value):
            result.append(_at(item, element, f"[{index}]"))
        return result if make is list else make(result)
    return check


def _fixed(items: list[_Fn], out: bool) -> _Fn:
    kinds = (list, tuple) if out else list

    def check(value: Any) -> Any:
        if not isinstance(value, kinds) or len(value) != len(items):
            shown = f"{len(value)} items" if isinstance(value, kinds) else _show(value)
            raise _Bad(f"expected an array of {len(items)} items, got {shown}")
        result = []
        for index, (item, element) in enumerate(zip(items, value)):
            result.append(_at(item, element, f"[{index}]"))
        return result if out else tuple(result)
    return check


def _at(item: _Fn, element: Any, step: str) -> Any:
    """``item(element)``; a refusal deep inside gets ``step`` on its path."""
    try:
        return item(element)
    except _Bad as bad:
        bad.path.append(step)
        raise


def _mapping(item: _Fn) -> _Fn:
    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _expected("an object", value)
        result = {}
        for key, element in value.items():
            if type(key) is not str:
                raise _Bad(f"expected string keys, got {_show(key)}")
            result[key] = _at(item, element, _key(key))
        return result
    return check


# ---- records: TypedDict, dataclasses, attrs classes -------------------------

# (key, hint, required, attrs attribute or None) of each field a record is built from.
_Field = tuple[str, Any, bool, Any]


def _fields_of(cls: type) -> list[_Field] | None:
    """The fields of a record class, or None when ``cls`` is not one."""
    if typing.is_typeddict(cls):
        # __required_keys__ misses NotRequired[...] written as a string (from __future__
        # import annotations) on Python 3.11, so the resolved hint has the last word.
        return [(name, h, {typing.Required: True, typing.NotRequired: False}.get(
                    typing.get_origin(h), name in cls.__required_keys__), None) for name, h in _hints(cls).items()]
    if dataclasses.is_dataclass(cls):
        hints = _hints(cls)
        return [(f.name, hints[f.name], f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                 None) for f in dataclasses.fields(cls) if f.init]
    if attrs.has(cls):
        hints = _hints(cls)
        found = []
        for a in attrs.fields(cls):
            if not a.init:
                continue
            hint = hints.get(a.name, a.type)
            if hint is None:
                raise ArgumentError(f"{cls.__qualname__}.{a.name} has no type hint")
            found.append((a.alias, hint, a.default is attrs.NOTHING, a))
        return found
    return None


def _record(cls: type, fields: list[tuple[str, _Fn, bool, Any]], out: bool) -> _Fn:
    what = f"an object ({cls.__name__})"
    plain = typing.is_typeddict(cls)
    validated = [(key, a) for key, _, _, a in fields if a is not None and a.validator is not None]

    def build(kwargs: dict[str, Any]) -> Any:
        if plain:
            return kwargs
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as exc:  # what validators and __post_init__ raise
            raise _invalid(cls, kwargs, validated, exc) from None

    def check(value: Any) -> Any:
        if out and not plain:
            if not isinstance(value, cls):  # Python's own value: named by its Python type
                raise _Bad(f"expected an instance of {cls.__name__}, got a {type(value).__name__}")
            return _walk(fields, lambda key, a: getattr(value, a.name if a is not None else key), value)
        if type(value) is not dict:
            raise _expected(what, value)
        result = _walk(fields, lambda key, a: value[key], value)
        if len(result) < len(value):
            extra = ", ".join(json.dumps(k) for k in value if k not in result)
            raise _Bad(f"unexpected field {extra}" if "," not in extra else f"unexpected fields {extra}")
        return result if out else build(result)
    return check


def _walk(fields: list[tuple[str, _Fn, bool, Any]], get: Callable[[str, Any], Any], value: Any) -> dict[str, Any]:
    result = {}
    for key, item, required, a in fields:
        try:
            element = get(key, a)
        except (KeyError, AttributeError):
            if required:
                raise _Bad(f"missing field {json.dumps(key)}") from None
            continue
        result[key] = _at(item, element, _key(key))
    return result


def _invalid(cls: type, kwargs: dict[str, Any], validated: list[tuple[str, Any]], exc: Exception) -> _Bad:
    """Which field's validator refused: run each on a bare instance to find it."""
    bare = object.__new__(cls)
    for key, a in validated:
        if key in kwargs:
            object.__setattr__(bare, a.name, kwargs[key])
    for key, a in validated:
        if key in kwargs:
            try:
                a.validator(bare, a, kwargs[key])
            except (ValueError, TypeError) as field_exc:
                bad = _Bad(f"invalid: {field_exc.args[0] if field_exc.args else field_exc}")
                bad.path.append(_key(key))
                return bad
    return _Bad(f"invalid {cls.__name__}: {exc}")


# ---- public -----------------------------------------------------------------

class Converter:
    """A hint checked once (:func:`compile`); calling it converts one inbound value."""

    __slots__ = ("hint", "_in", "_out")

    def __init__(self, hint: Any) -> None:
        self.hint = hint
        self._in = _build(hint, False)
        self._out = _build(hint, True)

    def __call__(self, value: Any, where: str = "payload") -> Any:
        """``value`` (JSON from a page) as the hinted type; PayloadError naming the field if it does not fit."""
        try:
            return self._in(value)
        except _Bad as bad:
            raise PayloadError(bad.at(where)) from None

    def to_json(self, value: Any, where: str = "payload") -> Any:
        """``value`` (Python) as a JSON value to send; PayloadError naming the field if it does not fit."""
        try:
            return self._out(value)
        except _Bad as bad:
            raise PayloadError(bad.at(where)) from None

    def __repr__(self) -> str:
        return f"Converter({self.hint!r})"


_CONVERTERS: dict[tuple[Any, str], Converter] = {}


def compile(hint: Any) -> Converter:
    """A :class:`Converter` for ``hint``; ArgumentError now if the hint cannot be checked."""
    key = (hint, repr(hint))
    try:
        return _CONVERTERS[key]
    except KeyError:
        converter = _CONVERTERS[key] = Converter(hint)
        return converter
    except TypeError:  # an unhashable hint
        return Converter(hint)


def convert(value: Any, hint: Any, *, where: str = "payload") -> Any:
    """``value`` (JSON from a page) converted to ``hint``, or PayloadError naming the field."""
    return compile(hint)(value, where)


def to_json(value: Any, hint: Any, *, where: str = "payload") -> Any:
    """``value`` checked against ``hint`` and made a JSON value (bytes kept), or PayloadError."""
    return compile(hint).to_json(value, where)
