"""TypeScript declarations for declared channels, from Python type hints.

    from typing import TypedDict
    from weft.ipc.typescript import Declared, render, typescript

    class AddArgs(TypedDict):
        a: int
        b: int

    typescript(list[int | None])            # 'Array<number | null>'
    text = render([Declared("add", "handler", AddArgs, result=int)])
    # text is a .d.ts: runtime.invoke("add", {a: 1, b: 2}) is then a Promise<number>

The ``.d.ts`` is a module that exports one ``interface`` (classes) or ``type``
(enums) per named type, and fills in the channel maps of ``runtime.d.ts``
(``HandlerChannels``, ``ToPageChannels``, ``ToPythonChannels``) by declaration
merging, so undeclared channels keep their untyped signatures. A dataclass
or attrs class with defaults has two shapes: ``<Name>Input``, what a page
sends, where those fields are optional (``key?:``), and ``<Name>``, what
Python sends, where every field is there. A TypedDict has one shape: its
``NotRequired`` keys are optional both ways.
Nothing here imports Qt.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import json
import keyword
import re
import types
import typing
from collections.abc import Iterable
from typing import Any, Literal

import attrs

from ..errors import ArgumentError

__all__ = ["Declared", "Kind", "granted", "render", "typescript"]

Kind = Literal["handler", "to_page", "to_python"]
"""handler: the page invokes Python; to_page: Python sends and the page listens
with ``runtime.on``; to_python: the page sends and Python listens."""

_KINDS: tuple[str, ...] = typing.get_args(Kind)

_MAPS: dict[str, str] = {
    "handler": "HandlerChannels",
    "to_page": "ToPageChannels",
    "to_python": "ToPythonChannels",
}
"""The interface in runtime.d.ts each kind of channel fills in."""

_PRIMITIVES: dict[Any, str] = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    None: "null",
    type(None): "null",
    bytes: "Uint8Array",
    Any: "unknown",
    object: "unknown",
}

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

# Names a declaration must not take: TypeScript keywords and type names, and
# the globals the generated text itself refers to (a Python class named
# `Record` would otherwise shadow `Record<string, T>` inside the module).
_RESERVED = frozenset({
    "any", "unknown", "never", "void", "null", "undefined", "string", "number", "boolean",
    "bigint", "symbol", "object", "this", "type", "interface", "enum", "class", "function",
    "Array", "Record", "Promise", "Uint8Array", "Object", "String", "Number", "Boolean",
    "Date", "Error", "Map", "Set", "Window", "Runtime", "Payload", "JsonValue",
    "InvokeOptions", "HandlerChannels", "ToPageChannels", "ToPythonChannels", "ByteStream",
}) | frozenset(keyword.kwlist)


def _check_kind(instance: Declared, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in _KINDS:
        raise ArgumentError(f"a channel's kind is one of {', '.join(_KINDS)}, not {value!r}")


def _check_channel(instance: Declared, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ArgumentError(f"a channel name is a non-empty string, not {value!r}")


@attrs.frozen
class Declared:
    """One declared channel: its name, which way it goes, and what it carries."""

    channel: str = attrs.field(validator=_check_channel)
    """The channel name, as pages and Python use it."""
    kind: Kind = attrs.field(validator=_check_kind)
    """``handler``, ``to_page`` or ``to_python`` (see :data:`Kind`)."""
    payload: Any
    """The payload's type hint."""
    result: Any = None
    """For handlers, the return hint (for async functions, the awaited type);
    ``None`` means the handler returns nothing (``null`` on the page)."""


def typescript(hint: Any, *, inbound: bool = True) -> str:
    """Return the TypeScript type for the Python type hint ``hint``, as a
    page sends it (``inbound``) or as Python sends it.

    Named types (TypedDicts, dataclasses, attrs classes, enums) appear by
    name; :func:`render` writes their declarations. Raises ``ArgumentError``
    naming the hint when it has no TypeScript counterpart.
    """
    return _Namer(inbound=inbound).type_of(hint)


def granted(declared: Iterable[Declared], *, send: Iterable[str], receive: Iterable[str]) -> list[Declared]:
    """The channels of ``declared`` a plugin granted ``send`` and ``receive``
    (its manifest's ``[capabilities]``) can use: handlers and ``to_python``
    channels it may send on, ``to_page`` channels it may receive."""
    send, receive = frozenset(send), frozenset(receive)
    return [item for item in declared if item.channel in (receive if item.kind == "to_page" else send)]


def render(declared: Iterable[Declared], *, module_name: str = "weft-app",
           runtime_module: str = "./runtime.js") -> str:
    """Return the text of a ``.d.ts`` typing ``declared`` channels on ``window.runtime``.

    ``module_name`` names the app in the header comment (write the file as
    ``<module_name>.d.ts``); ``runtime_module`` is how that file imports
    runtime.d.ts (default: the file next to it). Raises ``ArgumentError`` for
    a hint with no TypeScript counterpart or a channel declared twice.
    """
    namer = _Namer()
    entries: dict[str, dict[str, str]] = {kind: {} for kind in _KINDS}
    for item in sorted(declared, key=lambda d: (d.channel, d.kind)):
        if item.channel in entries[item.kind]:
            raise ArgumentError(f"channel {item.channel!r} is declared twice as {item.kind}")
        namer.inbound = item.kind != "to_page"  # a handler's payload and to_python come from the page
        payload = namer.type_of(item.payload)
        namer.inbound = False
        entries[item.kind][item.channel] = (
            f"{{ payload: {payload}; result: {namer.type_of(item.result)} }}"
            if item.kind == "handler" else payload)
    specifier = json.dumps(runtime_module)
    lines = [
        f"// {module_name}.d.ts: the channel types of {module_name}.",
        "// Generated by `weft types` from the app's Python type hints; do not edit.",
        "// It fills in window.runtime's channel maps (runtime.d.ts) by declaration merging:",
        "// declared channels get their payload and result types, others stay unknown.",
        f"import type {{{' ' + ', '.join(sorted(namer.imports)) + ' ' if namer.imports else ''}}} from {specifier};",
        "",
    ]
    for text in namer.declarations.values():
        lines += [text, ""]
    lines.append(f"declare module {specifier} {{")
    for kind in _KINDS:
        if not entries[kind]:
            continue
        lines.append(f"  interface {_MAPS[kind]} {{")
        lines += [f"    {json.dumps(channel)}: {text};" for channel, text in entries[kind].items()]
        lines.append("  }")
    lines += ["}", ""]
    return "\n".join(lines)


@attrs.define(eq=False)
class _Namer:
    """Turns hints into TypeScript, naming each class once and collecting its declaration."""

    inbound: bool = True
    """Which way the hints at hand go: True for what a page sends (a field
    with a default may be left out), False for what Python sends (a
    dataclass's or attrs class's every field is there)."""
    declarations: dict[str, str] = attrs.field(factory=dict, init=False)
    """Declaration text by name, in the order the names were first met."""
    imports: set[str] = attrs.field(factory=set, init=False)
    """Types of runtime.d.ts the text uses (``ByteStream``)."""
    _names: dict[tuple[Any, bool], str] = attrs.field(factory=dict, init=False)
    """The name given to each class (or enum) and shape, so each is declared once."""

    def type_of(self, hint: Any) -> str:
        if isinstance(hint, str | typing.ForwardRef):
            raise ArgumentError(f"no TypeScript type for the unresolved forward reference {hint!r}")
        try:
            if hint in _PRIMITIVES:
                return _PRIMITIVES[hint]
        except TypeError:  # an unhashable hint; none of the primitives
            pass
        if isinstance(hint, typing.NewType):
            return self.type_of(hint.__supertype__)
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is typing.Annotated:
            return self.type_of(args[0])
        if is_byte_stream(hint):  # a handler's async iterator of bytes: the page reads a stream
            self.imports.add("ByteStream")
            return "ByteStream"
        if origin is Literal:
            return " | ".join(_literal(value, hint) for value in args)
        if origin is typing.Union or origin is types.UnionType:
            return " | ".join(dict.fromkeys(self.type_of(arg) for arg in args))
        if origin is tuple or hint is tuple:
            if hint is tuple or hint is typing.Tuple:
                return self._array(Any)
            if len(args) == 2 and args[1] is Ellipsis:
                return self._array(args[0])
            if not args or args == ((),):  # tuple[()], the empty tuple
                return "[]"
            return "[" + ", ".join(self.type_of(arg) for arg in args) + "]"
        if origin in (list, set, frozenset, collections.abc.Sequence) or hint in (list, set, frozenset):
            return self._array(args[0] if args else Any)
        if origin in (dict, collections.abc.Mapping) or hint is dict:
            key, value = args if args else (str, Any)
            if key is not str:
                raise ArgumentError(f"no TypeScript type for {hint!r}: object keys are strings, not {key!r}")
            return f"Record<string, {self.type_of(value)}>"
        if isinstance(hint, type):
            if issubclass(hint, enum.Enum):
                return self._named(hint, self._enum)
            if typing.is_typeddict(hint) or dataclasses.is_dataclass(hint) or attrs.has(hint):
                return self._named(hint, self._interface)
        raise ArgumentError(f"no TypeScript type for {hint!r}")

    def _array(self, item: Any) -> str:
        text = self.type_of(item)
        # `A | B[]` reads as A or B[]: a union needs Array<...>.
        return f"Array<{text}>" if " | " in text else f"{text}[]"

    def _named(self, cls: type, declare: typing.Callable[[type, str], str]) -> str:
        # A class with defaults has two shapes: what a page sends may leave those
        # fields out (<Name>Input); what Python sends always has them (<Name>).
        shape = self.inbound and _has_defaults(cls)
        if (cls, shape) in self._names:
            return self._names[(cls, shape)]
        base = cls.__name__ if _IDENTIFIER.match(cls.__name__) else "Type"
        base += "Input" if shape else ""
        name, n = base, 1
        while name in self.declarations or name in _RESERVED:
            n += 1
            name = f"{base}{n}"
        # Name it before declaring it, so a recursive reference finds the name.
        self._names[(cls, shape)] = name
        self.declarations[name] = ""
        self.declarations[name] = declare(cls, name)
        return name

    def _enum(self, cls: type[enum.Enum], name: str) -> str:
        values = " | ".join(dict.fromkeys(_literal(member.value, cls) for member in cls)) or "never"
        return f"export type {name} = {values};"

    def _interface(self, cls: type, name: str) -> str:
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except Exception as exc:  # a NameError or TypeError from a hint that does not resolve
            raise ArgumentError(f"no TypeScript type for {cls!r}: its hints do not resolve ({exc})") from exc
        # The same fields, keys and optionality as weft.ipc.contracts converts:
        # attrs fields by their init alias, fields not in __init__ left out.
        if typing.is_typeddict(cls):
            # __optional_keys__ misses NotRequired[...] written as a string (from
            # __future__ import annotations) on Python 3.11: the resolved hint decides.
            fields = [(key, _strip_required(hint), {typing.Required: False, typing.NotRequired: True}.get(
                          typing.get_origin(hint), key in cls.__optional_keys__))
                      for key, hint in hints.items()]
        else:
            fields = [(key, hints.get(attribute, Any if hint is None else hint), self.inbound and defaulted)
                      for key, attribute, hint, defaulted in _record_fields(cls)]
        body = [f"  {_property(key)}{'?' if optional else ''}: {self.type_of(hint)};"
                for key, hint, optional in fields]
        return "\n".join([*_doc(cls), f"export interface {name} {{", *body, "}"])


def is_byte_stream(hint: Any) -> bool:
    """``AsyncIterator[bytes]``, ``AsyncIterable[bytes]`` or
    ``AsyncGenerator[bytes, ...]``: what a streaming handler returns."""
    origin = typing.get_origin(hint)
    streams = (collections.abc.AsyncIterator, collections.abc.AsyncIterable, collections.abc.AsyncGenerator)
    return origin in streams and typing.get_args(hint)[:1] == (bytes,)


def _record_fields(cls: type) -> list[tuple[str, str, Any, bool]]:
    """A dataclass's or attrs class's fields in ``__init__``: (key, attribute
    name, hint or None to look it up, has a default)."""
    if dataclasses.is_dataclass(cls):
        return [(f.name, f.name, None,
                 f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING)
                for f in dataclasses.fields(cls) if f.init]
    return [(a.alias or a.name, a.name, None if a.type is None else a.type, a.default is not attrs.NOTHING)
            for a in attrs.fields(cls) if a.init]


def _has_defaults(cls: type) -> bool:
    """Whether a dataclass or attrs class has a field a page may leave out."""
    return (dataclasses.is_dataclass(cls) or attrs.has(cls)) and any(field[3] for field in _record_fields(cls))


def _doc(cls: type) -> list[str]:
    """The first line of the class's own docstring as a doc comment (not the
    signature dataclasses make up for a class without one)."""
    lines = (cls.__dict__.get("__doc__") or "").strip().splitlines()
    if not lines or lines[0].startswith(f"{cls.__name__}("):
        return []
    return ["/** " + lines[0].replace("*/", "*\\/") + " */"]


def _strip_required(hint: Any) -> Any:
    """``NotRequired[T]`` / ``Required[T]`` → ``T`` (optionality comes from ``__optional_keys__``)."""
    while typing.get_origin(hint) in (typing.NotRequired, typing.Required):
        hint = typing.get_args(hint)[0]
    return hint


def _property(key: str) -> str:
    return key if _IDENTIFIER.match(key) else json.dumps(key)


def _literal(value: Any, hint: Any) -> str:
    """A TypeScript literal type for a ``Literal`` or enum value."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float) and value == value and abs(value) != float("inf"):
        return repr(value)
    raise ArgumentError(f"no TypeScript type for {hint!r}: {value!r} is not a string, number, bool or None")
