"""Declared channels: what each channel carries, said once at module level
and checked at the boundary::

    from typing import TypedDict
    from weft import ipc

    class AddArgs(TypedDict):
        a: int
        b: int

    @ipc.handler("add")
    def add(p: AddArgs, window_id: str) -> int:
        return p["a"] + p["b"]

    ipc.channel("update", Update, direction="to_page")

A declared handler answers on every runtime (those made before it was
declared too); it receives its payload converted to the hinted
type, or the page's ``invoke`` rejects with ``PayloadError`` naming the field
(:mod:`weft.ipc.contracts`). What it returns, and what Python sends on a
declared ``to_page`` channel, is checked the same way before it leaves; what
a page sends on a declared ``to_python`` channel reaches Python's subscribers
converted, or is refused (the page hears why on ``runtime:error``).
``weft types PATH`` writes the matching TypeScript (:mod:`weft.ipc.typescript`).
Undeclared channels work exactly as before. Qt-free.
"""

from __future__ import annotations

import inspect
import logging
import typing
import weakref
from typing import Any, Callable, Literal, TypeVar

import attrs

from ..errors import ArgumentError, PayloadError
from . import calls, codec, contracts, streams
from .calls import Handlers
from .typescript import Declared, is_byte_stream

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("weft.ipc")
Direction = Literal["to_page", "to_python"]


class _ByteStream:
    """The result check of a streaming handler (``-> AsyncIterator[bytes]``):
    an async iterator; its chunks are checked as they go (:mod:`.streams`)."""

    def to_json(self, value: Any, where: str = "payload") -> Any:
        if not streams.is_stream(value):
            raise PayloadError(f"{where}: expected an async iterator of bytes, got a {type(value).__name__}")
        return value


@attrs.frozen(kw_only=True)
class Declaration:
    """One declared channel and the converters of what it carries."""

    declared: Declared
    payload: contracts.Converter
    result: contracts.Converter | _ByteStream | None = None
    fn: Callable[..., Any] | None = attrs.field(default=None, eq=False)
    """A handler's function (None for ``to_page`` / ``to_python`` channels)."""


_declarations: dict[tuple[str, str], Declaration] = {}


def handler(channel: str) -> Callable[[F], F]:
    """Declare ``fn(payload, window_id) -> result`` (sync or async) as the
    handler of ``channel``: its first parameter's hint is the payload's type,
    its return hint the result's. Unsupported hints are an
    :class:`weft.ArgumentError` now, not at the first call."""

    codec.check_channel(channel, from_page=True)  # a name pages may invoke: not reserved

    def declare(fn: F) -> F:
        if not callable(fn):
            raise ArgumentError(f"ipc.handler({channel!r}) decorates a function, not {fn!r}")
        try:
            hints = typing.get_type_hints(fn, include_extras=True)
        except Exception as exc:  # NameError, TypeError: a hint that does not resolve
            raise ArgumentError(f"ipc.handler({channel!r}): cannot resolve the hints of {fn.__qualname__}: "
                                f"{exc}") from exc
        calls.check_arity(fn, f"ipc.handler({channel!r})")
        parameters = list(inspect.signature(fn).parameters)
        if not parameters or parameters[0] not in hints:
            raise ArgumentError(f"ipc.handler({channel!r}): annotate {fn.__qualname__}'s first parameter "
                                "with the payload's type")
        payload, result = hints[parameters[0]], hints.get("return", Any)
        where = f"ipc.handler({channel!r}) on {fn.__qualname__}"
        checks = _ByteStream() if is_byte_stream(result) else _compiled(result, f"{where}, its return hint")
        _add(Declaration(declared=Declared(channel, "handler", payload, None if result is type(None) else result),
                         payload=_compiled(payload, f"{where}, parameter {parameters[0]}"), result=checks, fn=fn))
        return fn

    return declare


def channel(name: str, payload: Any, *, direction: Direction = "to_page") -> None:
    """Declare what channel ``name`` carries: ``to_page`` (Python's
    ``send_to_window``/``broadcast``, the page's ``runtime.on``) or
    ``to_python`` (the page's ``runtime.send``)."""
    if direction not in ("to_page", "to_python"):
        raise ArgumentError(f"direction is 'to_page' or 'to_python', not {direction!r}")
    codec.check_channel(name, from_page=True)  # reserved names carry only what the runtime says
    _add(Declaration(declared=Declared(name, direction, payload), payload=_compiled(payload, f"ipc.channel({name!r})")))


def _compiled(hint: Any, where: str) -> contracts.Converter:
    """``contracts.compile(hint)``; an unsupported hint's error says ``where``."""
    try:
        return contracts.compile(hint)
    except ArgumentError as exc:
        raise ArgumentError(f"{where}: {exc}") from None


def _add(declaration: Declaration) -> None:
    key = (declaration.declared.channel, declaration.declared.kind)
    existing = _declarations.get(key)
    if existing is not None and _origin(existing) != _origin(declaration):
        raise ArgumentError(f"channel {key[0]!r} is declared twice ({key[1]}): by {_origin(existing)} and "
                            f"by {_origin(declaration)}")
    _declarations[key] = declaration  # the same place again (a module run anew): the new one holds
    if declaration.fn is not None:
        for installer in tuple(_installers):  # the runtimes there are already
            installer.install()


def _origin(declaration: Declaration) -> str:
    """Where a declaration was made, to tell a second one from the same again."""
    fn = declaration.fn
    if fn is not None:
        return f"{fn.__module__}.{fn.__qualname__}"
    payload = declaration.declared.payload
    return f"ipc.channel with {getattr(payload, '__module__', '')}.{getattr(payload, '__qualname__', repr(payload))}"


def declarations() -> tuple[Declaration, ...]:
    """Every channel declared so far, in the order declared."""
    return tuple(_declarations.values())


_installers: weakref.WeakSet[Installer] = weakref.WeakSet()
"""Every runtime's installer: a handler declared later is installed on each."""


def to_page(channel_name: str, payload: Any) -> Any:
    """``payload`` as it may leave on ``channel_name`` (checked and made
    JSON-ish when the channel is declared ``to_page``; as it is otherwise).
    A ``channel_name`` that is no string is left for the channel check to
    refuse, by name."""
    declaration = _declarations.get((channel_name, "to_page")) if isinstance(channel_name, str) else None
    return payload if declaration is None else declaration.payload.to_json(payload)


def from_page(channel_name: str, payload: Any) -> Any:
    """What the page sent on ``channel_name``, converted when the channel is
    declared ``to_python``; a :class:`weft.PayloadError` names the field."""
    declaration = _declarations.get((channel_name, "to_python"))
    return payload if declaration is None else declaration.payload(payload)


def checked(declaration: Declaration, fn: Callable[..., Any] | None = None) -> Callable[[Any, str], Any]:
    """The declared handler (or ``fn`` in its place), converting what comes
    in and checking what goes out."""
    fn = fn or declaration.fn
    payload, result = declaration.payload, declaration.result
    assert fn is not None and result is not None

    def out(answer: Any) -> Any:
        try:
            return result.to_json(answer, "result")
        except PayloadError as exc:  # the app's own mistake: said here too, not only to the page
            log.warning("handler %s for %r returned what its declaration does not allow: %s",
                        getattr(fn, "__qualname__", fn), declaration.declared.channel, exc)
            raise

    async def finish(pending: Any) -> Any:
        return out(await pending)

    # Synchronous, so that a synchronous handler is answered at once, as an
    # undeclared one is (an async one answers when its awaitable is done).
    def run(value: Any, window_id: str) -> Any:
        answer = fn(payload(value), window_id)
        if inspect.isawaitable(answer):
            return finish(answer)
        return out(answer)

    return run


@attrs.define(eq=False)
class Installer:
    """The declared handlers one runtime answers with.

    :meth:`install` puts each declared function on its channel, unless the
    app handles that channel itself. An explicit ``handle(channel, fn)`` on a
    declared channel takes it over from the declared function on this
    runtime (a test's stand-in, an app's own implementation), and ``fn`` is
    checked against the declaration all the same; when it is unregistered,
    the declared function answers again.
    """

    handlers: Handlers
    _installed: dict[str, tuple[Declaration, Callable[[], None]]] = attrs.field(factory=dict, init=False)

    def __attrs_post_init__(self) -> None:
        _installers.add(self)
        self.install()

    def install(self) -> None:
        for declaration in declarations():
            channel = declaration.declared.channel
            if declaration.fn is None:
                continue
            current = self._installed.get(channel)
            if current is None and self.handlers.has(channel):
                continue  # the app's own handler holds it
            if current is not None:
                if current[0] is declaration:
                    continue
                current[1]()  # declared again (a module run anew): the new function answers
            self._installed[channel] = (declaration, self.handlers.register(channel, checked(declaration)))

    def handle(self, channel: str, fn: Callable[[Any, str], Any]) -> Callable[[], None]:
        declaration = _declarations.get((channel, "handler"))
        if declaration is None:
            return self.handlers.register(channel, fn)
        current = self._installed.pop(channel, None)
        if current is not None:
            current[1]()
            log.info("%r: %s answers in place of the declared %s", channel, getattr(fn, "__qualname__", fn),
                     _origin(declaration))
        unregister = self.handlers.register(channel, checked(declaration, fn))

        def undo() -> None:
            unregister()
            self.install()

        return undo
