"""The wire format between a page and Python.

A page posts one string at a time: a JSON array of frames (a *batch*), so many
small messages cost one bridge crossing. Each frame is an object whose ``k``
says its kind:

===========  ===========================================  ==================
kind         fields                                       direction
===========  ===========================================  ==================
``hello``    (none)                                       page → host
``bye``      (none): the document is going away           page → host
``send``     ``c`` channel, ``p`` payload                 both
``invoke``   ``i`` call id, ``c`` channel, ``p`` payload  both
``result``   ``i`` call id, ``v`` value                   both
``error``    ``i`` call id, ``e`` ``{type, message}``     both
``notice``   ``e`` ``{type, message}``                    host → page
``ping``     ``i`` heartbeat id                           host → page
``pong``     ``i`` the ping's id                          page → host
``bulk``     ``i`` token, ``n`` ``b`` ``t``: see bulk.py  both
``stream``   ``i`` call id, ``s`` token: see streams.py   host → page
===========  ===========================================  ==================

The kinds, their fields and the channel rules come from
``renderer_assets/protocol.json`` (:mod:`weft.protocol`), which the page's
runtime reads too.

A ``bulk`` frame stands for a frame whose body travels on the bulk lane
(binary values, or JSON past :data:`weft.ipc.bulk.THRESHOLD` characters);
see :mod:`weft.ipc.bulk`.

Decoding is the security boundary: it refuses anything that is not exactly
this shape, and payloads that are not plain JSON (NaN, duplicate or
``__proto__`` keys, nesting past :attr:`Limits.max_depth`, batches past
:attr:`Limits.max_batch_chars`).
"""

from __future__ import annotations

import json
import math
from typing import Any, Union

import attrs

from .. import protocol
from ..errors import ChannelError, ProtocolError
from .bulk import BulkRef, dump_json, place, read_ref
from .events import SYSTEM_CHANNELS
from .subscriptions import DEFAULT_MAX_BYTES

MAX_CHANNEL_CHARS = protocol.MAX_CHANNEL_CHARS
RESERVED_PREFIXES = protocol.RESERVED_PREFIXES


@attrs.frozen(kw_only=True)
class Limits:
    """Bounds on what a page may post; each refusal is a clear error."""

    max_batch_chars: int = protocol.DEFAULT_LIMITS["maxBatchChars"]
    """Characters in one posted batch (and so in one message)."""
    max_depth: int = protocol.DEFAULT_LIMITS["maxDepth"]
    """Nesting of arrays and objects in a payload."""
    rate: float = 20_000.0
    """Frames per second a page may keep up (every kind counts, refused
    ones too); the excess is refused with :class:`~weft.RateLimitError`."""
    burst: int = 20_000
    """Frames a page may post at once before ``rate`` applies."""
    max_bulk_bytes: int = protocol.DEFAULT_LIMITS["maxBulkBytes"]
    """Bytes in one bulk-lane body (a message with binary values, or a long one)."""
    max_running_calls: int = 1_000
    """Python handler calls one page may have running at once (async
    handlers not finished yet); past it, its invokes fail with
    :class:`~weft.RateLimitError` and the handler is not called."""
    max_backlog_bytes: int = DEFAULT_MAX_BYTES
    """Bytes the messages waiting for one slow Python subscriber may hold
    (what their pages posted for them: see :attr:`Send.size`), besides the
    first one waiting: past it, events are dropped for that subscriber as
    past its event bound."""
    max_open_streams: int = 128
    """Streams (handlers' async iterators) one page may hold open at once:
    each waiting read holds a request, and with it two of the host
    process's file descriptors. Past it, the invoke whose handler returned
    one more fails with :class:`~weft.RateLimitError` (the iterator is
    closed unread)."""


@attrs.frozen(kw_only=True)
class Hello:
    """The page's runtime is up and listening."""


@attrs.frozen(kw_only=True)
class Bye:
    """The page's document is going away (navigation, reload, close)."""


@attrs.frozen(kw_only=True)
class Send:
    """A fire-and-forget message on a channel."""

    channel: str
    payload: Any = None
    size: int = attrs.field(default=0, eq=False, repr=False)
    """Bytes the page posted for it: its bulk-lane body, or its share of its
    batch. What a slow subscriber's backlog counts (``max_backlog_bytes``)."""


@attrs.frozen(kw_only=True)
class Invoke:
    """A request the peer must answer with a Result or an Error frame."""

    call_id: int
    channel: str
    payload: Any = None


@attrs.frozen(kw_only=True)
class Result:
    """The answer to an Invoke."""

    call_id: int
    value: Any = None


@attrs.frozen(kw_only=True)
class Failure:
    """An Invoke failed; ``error`` is ``{"type", "message"}``."""

    call_id: int
    error: dict[str, str]


@attrs.frozen(kw_only=True)
class Notice:
    """The host tells a page something went wrong with a frame that had no
    call to fail (a bad ``send``, an unreadable batch)."""

    error: dict[str, str]


@attrs.frozen(kw_only=True)
class Ping:
    """The host's heartbeat: the page's runtime answers with a Pong at once."""

    beat: int


@attrs.frozen(kw_only=True)
class Pong:
    beat: int


@attrs.frozen(kw_only=True)
class BadFrame:
    """A frame in an otherwise readable batch that was refused.

    ``call_id`` is set when the frame was recognisably an invoke, a result or
    an error, so the refusal can fail that call (the page's invoke, or
    Python's call the frame answered) rather than leave it hanging; ``kind``
    says which.
    """

    error: ProtocolError
    call_id: int | None = None
    kind: str | None = None


Frame = Union[Hello, Send, Invoke, Result, Failure, Notice, Ping]
Inbound = Union[Hello, Bye, Send, Invoke, Result, Failure, Pong, BulkRef, BadFrame]
Call = tuple[str, int]
"""``("invoke", id)`` for a page's call, ``("result" | "error", id)`` for
its answer to one of Python's."""


def call_of(frame: Inbound) -> Call | None:
    """The call a frame from a page makes or answers, if it is known."""
    if isinstance(frame, Invoke):
        return "invoke", frame.call_id
    if isinstance(frame, Result):
        return "result", frame.call_id
    if isinstance(frame, Failure):
        return "error", frame.call_id
    if isinstance(frame, BadFrame) and frame.call_id is not None and frame.kind is not None:
        return frame.kind, frame.call_id
    return None


def check_channel(channel: Any, *, from_page: bool = False) -> str:
    """Return ``channel`` if it is a usable channel name, else raise.

    Pages may not use the system-event channels or the reserved prefixes, so a
    page can never impersonate a window event or the runtime itself.
    """
    if not isinstance(channel, str) or not channel:
        raise ChannelError(f"a channel is a non-empty string, not {channel!r:.80}")
    if len(channel) > MAX_CHANNEL_CHARS:
        raise ChannelError(f"channel name longer than {MAX_CHANNEL_CHARS} characters")
    # str.isprintable() is protocol.json's rule (protocol.UNPRINTABLE_CATEGORIES
    # but the space; tests/unit/test_protocol.py checks every code point).
    if not channel.isprintable():
        raise ChannelError(f"channel {channel!r:.80} has control characters")
    if from_page and (channel in SYSTEM_CHANNELS or channel.startswith(RESERVED_PREFIXES)):
        raise ChannelError(f"channel {channel!r} is reserved for the runtime")
    return channel


# -- decoding (page → host) -------------------------------------------------


class _Refused(Exception):
    """Raised from inside the JSON parser's hooks for a whole text."""


class _Invalid:
    """Put in place of a value the parser refused, so the frame holding it
    can be refused alone instead of the whole batch."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Decoder:
    """The JSON parser with weft's hooks: refuse duplicate and ``__proto__``
    keys, NaN, Infinity and numbers too large for a double. With a
    ``violations`` list they mark the value and note it; without one they
    raise. Made once (``json.loads`` with hooks builds a decoder and its
    scanner at every call); the router parses on one thread, one text at a
    time."""

    def __init__(self) -> None:
        self.violations: list[str] | None = None
        self._decode = json.JSONDecoder(object_pairs_hook=self._object, parse_float=self._float,
                                        parse_constant=self._constant).decode

    def loads(self, raw: str, violations: list[str] | None) -> Any:
        self.violations = violations
        try:
            return self._decode(raw)
        finally:
            self.violations = None

    def _refuse(self, reason: str) -> Any:
        if self.violations is None:
            raise _Refused(reason)
        self.violations.append(reason)
        return _Invalid(reason)

    def _object(self, pairs: list[tuple[str, Any]]) -> Any:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    return self._refuse(f"duplicate key {key!r:.80}")
                seen.add(key)
        if "__proto__" in obj:
            return self._refuse("'__proto__' is not allowed as a key")
        return obj

    def _float(self, text: str) -> Any:
        value = float(text)
        if math.isinf(value):
            return self._refuse(f"{text[:40]} is too large for a JSON number")
        return value

    def _constant(self, name: str) -> Any:
        return self._refuse(f"{name} is not a JSON value")


_DECODER = _Decoder()


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


def _invalid_in(value: Any) -> _Invalid | None:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, _Invalid):
            return node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _loads(raw: str, limits: Limits, violations: list[str] | None, *, bulk: bool = False) -> Any:
    # A bulk body's size was checked against max_bulk_bytes already.
    if not bulk and len(raw) > limits.max_batch_chars:
        raise ProtocolError(
            f"message of {len(raw):,} characters is over the limit of {limits.max_batch_chars:,}"
        )
    try:
        return _DECODER.loads(raw, violations)
    except _Refused as exc:
        raise ProtocolError(str(exc)) from None
    except RecursionError:
        raise ProtocolError(f"nesting deeper than {limits.max_depth}") from None
    except ValueError as exc:
        if "int_max_str_digits" in str(exc) or "Exceeds the limit" in str(exc):
            raise ProtocolError("an integer with more than 4,300 digits is not accepted") from None
        raise ProtocolError(f"not valid JSON: {exc}") from None


# The fields of each kind a page sends (bulk frames are read by bulk.read_ref).
_FIELDS = {
    kind.name: frozenset({"k", *kind.fields})
    for kind in protocol.FRAMES.values() if kind.from_page and kind.name != "bulk"
}
_OPTIONAL = frozenset().union(*(kind.optional for kind in protocol.FRAMES.values()))


def _call_id(frame: dict[str, Any]) -> int | None:
    value = frame.get("i")
    if type(value) is int and 0 <= value < 2**53:
        return value
    return None


_CALLS = frozenset({"invoke", "result", "error"})


def _frame(frame: Any, depth_limit: int | None, max_bulk_bytes: int | None = None, *, marked: bool = True,
           size: int = 0) -> Inbound:
    if isinstance(frame, _Invalid):
        return BadFrame(error=ProtocolError(frame.reason))
    if not isinstance(frame, dict):
        return BadFrame(error=ProtocolError(f"a frame is an object, not {type(frame).__name__}"))
    kind = frame.get("k")
    if not isinstance(kind, str):
        return BadFrame(error=ProtocolError(f"unknown frame kind {kind!r:.80}"))
    if kind == "bulk" and max_bulk_bytes is not None:
        try:
            return read_ref(frame, max_bulk_bytes)
        except ProtocolError as exc:
            return BadFrame(error=exc)
    fields = _FIELDS.get(kind)
    frame_id = _call_id(frame)
    call_id = frame_id if kind in _CALLS else None  # only calls can be failed
    if fields is None:
        return BadFrame(error=ProtocolError(f"unknown frame kind {kind!r:.80}"))
    keys = frame.keys()
    if not keys <= fields or not (fields - _OPTIONAL) <= keys:
        return BadFrame(error=ProtocolError(f"a {kind!r} frame has exactly the fields {sorted(fields)}"),
                        call_id=call_id, kind=kind)
    invalid = _invalid_in(frame) if marked else None  # only a parse that noted a refusal marks values
    if invalid is not None:
        return BadFrame(error=ProtocolError(invalid.reason), call_id=call_id, kind=kind)
    if depth_limit is not None and _depth_exceeds(frame, depth_limit):
        return BadFrame(error=ProtocolError(f"nesting deeper than {depth_limit - 1}"), call_id=call_id, kind=kind)
    if "i" in fields and frame_id is None:
        return BadFrame(error=ProtocolError("a call id is an integer from 0 to 2**53"))
    try:
        if kind == "send":
            return Send(channel=check_channel(frame["c"], from_page=True), payload=frame.get("p"), size=size)
        if kind == "invoke":
            return Invoke(
                call_id=call_id, channel=check_channel(frame["c"], from_page=True), payload=frame.get("p")
            )
    except ChannelError as exc:
        return BadFrame(error=ProtocolError(str(exc)), call_id=call_id, kind=kind)
    if kind == "result":
        return Result(call_id=call_id, value=frame.get("v"))
    if kind == "error":
        return Failure(call_id=call_id, error=frame["e"])
    if kind == "pong":
        return Pong(beat=frame_id)
    return Bye() if kind == "bye" else Hello()


def decode_batch(raw: Any, limits: Limits) -> list[Inbound]:
    """Decode what a page posted into frames.

    A batch that cannot be read at all raises ProtocolError; a readable batch
    yields one entry per frame, refused frames as :class:`BadFrame`, so one
    bad payload costs only its own frame. The per-frame checks (refused
    values, nesting past :attr:`Limits.max_depth`) run only when the parse
    noted a refusal or the text has more brackets than the limit allows.
    """
    if not isinstance(raw, str):
        raise ProtocolError(f"a batch is a string, not {type(raw).__name__}")
    violations: list[str] = []
    frames = _loads(raw, limits, violations)
    if not isinstance(frames, list):
        raise ProtocolError("a batch is a JSON array of frames")
    # A frame is one level and its payload may nest max_depth more.
    deep = raw.count("[") + raw.count("{") > limits.max_depth + 2
    depth_limit = limits.max_depth + 1 if deep else None
    share = len(raw) // max(1, len(frames))  # each message's size, as far as a backlog counts it
    if not violations and depth_limit is None:
        return [_frame(frame, None, limits.max_bulk_bytes, marked=False, size=share) for frame in frames]
    return [_frame(frame, depth_limit, limits.max_bulk_bytes, size=share) for frame in frames]


_BULK_KINDS = frozenset({"send", "invoke", "result", "error"})


def decode_bulk(text: str, parts: list[tuple[Any, bytes | str]], limits: Limits, *, size: int = 0) -> Inbound:
    """Decode the frame a bulk body carried: its JSON ``text``, with each
    binary part put at its path. Only sends, invokes and answers travel so.
    ``size``: the body's bytes (a send's :attr:`Send.size`)."""
    violations: list[str] = []
    try:
        frame = _loads(text, limits, violations, bulk=True)
    except ProtocolError as exc:
        return BadFrame(error=exc)
    if not isinstance(frame, dict) or frame.get("k") not in _BULK_KINDS:
        return BadFrame(error=ProtocolError("a bulk body holds one send, invoke, result or error frame"))
    kind = frame["k"]
    try:
        for path, data in parts:
            place(frame, path, data)
    except ProtocolError as exc:
        call_id = _call_id(frame) if kind in _CALLS else None
        return BadFrame(error=exc, call_id=call_id, kind=kind)
    deep = text.count("[") + text.count("{") > limits.max_depth + 2
    return _frame(frame, limits.max_depth + 1 if deep else None, size=size)


# -- encoding (host → page) -------------------------------------------------


def frame_dict(frame: Frame) -> dict[str, Any]:
    if isinstance(frame, Send):
        return {"k": "send", "c": frame.channel, "p": frame.payload}
    if isinstance(frame, Invoke):
        return {"k": "invoke", "i": frame.call_id, "c": frame.channel, "p": frame.payload}
    if isinstance(frame, Result):
        return {"k": "result", "i": frame.call_id, "v": frame.value}
    if isinstance(frame, Failure):
        return {"k": "error", "i": frame.call_id, "e": frame.error}
    if isinstance(frame, Notice):
        return {"k": "notice", "e": frame.error}
    if isinstance(frame, Ping):
        return {"k": "ping", "i": frame.beat}
    raise ProtocolError(f"not an outbound frame: {frame!r}")


def encode_payload(payload: Any) -> str:
    """Encode one payload, raising PayloadError if it is not a JSON value."""
    return dump_json(payload)


def encode_frame(frame: Frame) -> str:
    """Encode one frame as JSON text; raise PayloadError for a bad payload."""
    return encode_payload(frame_dict(frame))


def join_batch(encoded_frames: list[str]) -> str:
    """Join already-encoded frames into one batch string."""
    return "[" + ",".join(encoded_frames) + "]"
