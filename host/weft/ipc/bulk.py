"""The bulk lane: binary payloads and large frames, beside the bridge.

The bridge carries JSON text, which is right for small messages and wrong
for a 10 MB string (escaped, parsed and copied several times on the way) or
for bytes (which JSON has no word for). So a frame with binary values, or
one whose JSON is longer than :data:`THRESHOLD` characters, travels as a
*body* over the page's own origin (``/.weft/bulk/<token>``, see
``webengine/bulk.py``), and only a small ``bulk`` frame crosses the bridge,
in the frame's place in the batch order:

``{"k": "bulk", "i": token, "n": [json_bytes, part_bytes...], "b": [path...], "t": [index...]}``

The body is the frame's JSON (UTF-8, ``n[0]`` bytes) followed by one part
per binary value or long string (``n[1:]`` bytes each). In the JSON each of
those is ``null``; ``b`` lists where they go, each path a list of object
keys and array indices from the frame (``["p", "image"]``), and ``t`` which
parts are strings (UTF-8; strings of :data:`LONG_TEXT` characters or more,
so their text is never JSON-escaped or parsed). Pages get ``Uint8Array``
views for binary values; Python gets ``bytes``. Nothing is base64-encoded.

Uploads come in chunks (:class:`Assembly`): the page POSTs its body in
requests of :data:`CHUNK` bytes, several in flight, each declaring the whole
body's size and its segments (the JSON, then each part) up front; the host
writes each chunk straight into one ``bytes`` object per segment, made at
the first chunk, so a binary value reaches Python as ``bytes`` without a
copy after the chunk's own.

Ordering: a bulk frame holds its place. A page's runtime posts the ``bulk``
frame only once its body has been stored, and later frames wait behind it;
a page delivers a bulk frame from Python only once it has fetched the body,
and later frames wait behind it. So messages on a channel arrive in send
order whichever lane each took.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Callable, Protocol, Sequence, Union

import attrs

from .. import protocol
from ..errors import PayloadError, ProtocolError

THRESHOLD = protocol.BULK_THRESHOLD
"""Frames whose JSON is longer than this many characters take the bulk lane."""
LONG_TEXT = protocol.LONG_TEXT
"""On the bulk lane, strings this long travel as UTF-8 parts, not inside
the JSON (no escaping, no JSON parse of their text)."""

CHUNK = protocol.BULK_CHUNK
"""Bytes in each upload request but the last (:class:`Assembly`)."""
MAX_SEGMENTS = protocol.BULK_MAX_SEGMENTS
"""Segments a body may declare; one with more parts declares one segment."""

Binary = Union[bytes, bytearray, memoryview]
Path = tuple[Union[str, int], ...]
_BINARY = (bytes, bytearray, memoryview)
_TOKEN = re.compile(r"[0-9A-Za-z-]{16,64}")
_REF_FIELDS = frozenset({"k", *protocol.FRAMES["bulk"].fields})


class Lane(Protocol):
    """One page's side of the bulk lane (implemented by the webengine layer)."""

    def stage(self, chunks: Sequence[Binary]) -> str | None:
        """Keep a body for the page to fetch once; its token, or None when the
        page's document is not served by weft and cannot fetch it."""

    def claim(self, token: str) -> Sequence[Binary] | None:
        """The body the page stored under ``token`` (once), as its segments
        (or one buffer), or None."""

    def open_stream(self, outflow: Any) -> str | None:
        """Serve ``outflow`` (a :class:`weft.ipc.streams.Outflow`) to the page
        under a new token; None when the page is not served by weft."""

    def streams_open(self) -> int:
        """How many of the current document's streams are still open."""

    def discard(self) -> None:
        """Drop bodies staged for the page's current document, and cancel
        its streams (it went away)."""


@attrs.frozen
class Encoded:
    """An outbound frame ready for a page.

    ``text`` is its whole JSON (None when it holds binary values). When it
    holds binary values or long JSON, ``head`` is its JSON with the binary
    values and long strings as ``null`` at ``paths``, their bytes in
    ``parts``, and ``texts`` says which parts are strings (UTF-8)."""

    text: str | None
    head: str | None = None
    paths: tuple[Path, ...] = ()
    parts: tuple[memoryview, ...] = ()
    texts: tuple[int, ...] = ()

    def for_lane(self, lane: Lane | None) -> str:
        """What to put in the page's batch: this frame's JSON, or, for binary
        values or long JSON, the ``bulk`` frame standing for it with its body
        staged on ``lane``.

        Raises PayloadError for binary values when the page cannot take a
        body; a long frame without binary values then goes inline instead.
        """
        if self.head is None:
            assert self.text is not None
            return self.text
        token = None
        if lane is not None:
            head = _utf8_json(self.head)
            token = lane.stage((head, *self.parts))
        if token is None:
            if self.text is None:
                raise PayloadError("binary payloads need a page served by weft (app:// or plugin://)")
            return self.text
        sizes = [len(head), *(part.nbytes for part in self.parts)]
        return json.dumps({"k": "bulk", "i": token, "n": sizes, "b": [list(p) for p in self.paths],
                           "t": list(self.texts)}, separators=(",", ":"))


def encode(frame: dict[str, Any]) -> Encoded:
    """Encode an outbound frame dict for the bridge, or, with binary values
    or past :data:`THRESHOLD`, for the bulk lane (long strings split out)."""
    try:
        text: str | None = dump_json(frame)
    except PayloadError as exc:
        refused: PayloadError | None = exc
        text = None
    else:
        refused = None
        if len(text) <= THRESHOLD:
            return Encoded(text)
    paths: list[Path] = []
    parts: list[memoryview] = []
    texts: list[int] = []
    skeleton = _split(frame, (), paths, parts, texts)
    if refused is not None and not parts:
        raise refused
    return Encoded(text, text if not parts else dump_json(skeleton), tuple(paths), tuple(parts), tuple(texts))


_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
"""Made once: ``json.dumps`` with options builds an encoder at every call."""


def dump_json(value: Any) -> str:
    """Compact JSON text for ``value``; PayloadError if it is not a JSON value."""
    try:
        return _ENCODE(value)
    except (TypeError, ValueError) as exc:
        raise PayloadError(f"payload is not a JSON value: {exc}") from None
    except RecursionError:
        raise PayloadError("payload nests too deeply (or refers to itself)") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_json(text: str) -> bytes:
    """JSON text as UTF-8, its lone surrogates (which only occur inside its
    strings, and which UTF-8 cannot carry) written as JSON's ``\\uXXXX``."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(lambda match: f"\\u{ord(match[0]):04x}", text).encode("utf-8")


def _split(value: Any, path: Path, paths: list[Path], parts: list[memoryview], texts: list[int]) -> Any:
    """A copy of the containers in ``value`` with binary values and long
    strings replaced by None, their bytes appended to ``parts``."""
    if isinstance(value, _BINARY):
        paths.append(path)
        parts.append(memoryview(value).cast("B"))
        return None
    if isinstance(value, str) and len(value) >= LONG_TEXT:
        try:
            text = value.encode("utf-8")
        except UnicodeEncodeError:
            return value  # a lone surrogate, which UTF-8 cannot carry: it stays in the JSON, escaped
        texts.append(len(parts))
        paths.append(path)
        parts.append(memoryview(text))
        return None
    if len(path) > 200:
        raise PayloadError("payload nests too deeply (or refers to itself)")
    if isinstance(value, dict):
        return {key: _split(item, (*path, key), paths, parts, texts) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_split(item, (*path, index), paths, parts, texts) for index, item in enumerate(value)]
    return value


# -- inbound (page → host) ----------------------------------------------------


def _fresh_bytes(size: int) -> tuple[bytes, memoryview]:
    """A new ``bytes`` of ``size`` bytes and a writable view of it.

    CPython's documented way to build a bytes object in place
    (``PyBytes_FromStringAndSize(NULL, size)``, then fill it before anyone
    else sees it): the body's chunks are written straight into the bytes
    the app will get, so a large upload is not copied once more at the end.
    The view must not outlive the filling (:class:`Assembly` drops it)."""
    if size == 0:
        return b"", memoryview(bytearray())
    import ctypes  # here, not at startup: the first body pays for it

    new_bytes, bytes_address = _bytes_api()
    data = new_bytes(None, size)
    return data, memoryview((ctypes.c_char * size).from_address(bytes_address(data))).cast("B")


@functools.cache
def _bytes_api() -> tuple[Callable[[None, int], bytes], Callable[[bytes], int]]:
    """CPython's ``PyBytes_FromStringAndSize`` and ``PyBytes_AsString``."""
    import ctypes

    new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
    new_bytes.restype = ctypes.py_object
    new_bytes.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
    bytes_address = ctypes.pythonapi.PyBytes_AsString
    bytes_address.restype = ctypes.c_void_p
    bytes_address.argtypes = [ctypes.py_object]
    return new_bytes, bytes_address


@attrs.frozen(kw_only=True)
class Declared:
    """What each chunk request of a body declares: its total size and its
    segments' sizes (the JSON, then each part; or one segment)."""

    total: int
    segments: tuple[int, ...]

    @property
    def chunks(self) -> int:
        """How many requests carry this body (one for an empty body)."""
        return max(1, -(-self.total // CHUNK))

    def chunk_size(self, index: int) -> int:
        return min(CHUNK, self.total - index * CHUNK)


def read_declared(total: str, segments: str, max_bytes: int) -> Declared:
    """Check a chunk request's declaration (its ``n`` and ``s``); raise
    ProtocolError if it is wrong or over ``max_bytes``."""
    if not total.isdigit() or len(total) > 16:
        raise ProtocolError("a bulk body declares its size in bytes")
    pieces = segments.split(",")
    if len(pieces) > MAX_SEGMENTS or not all(piece.isdigit() and len(piece) <= 16 for piece in pieces):
        raise ProtocolError(f"a bulk body declares 1 to {MAX_SEGMENTS} segment sizes")
    declared = Declared(total=int(total), segments=tuple(int(piece) for piece in pieces))
    if sum(declared.segments) != declared.total:
        raise ProtocolError("a bulk body's segments do not add up to its size")
    if declared.total > max_bytes:
        raise ProtocolError(f"a bulk body of {declared.total:,} bytes is over the limit of {max_bytes:,}")
    return declared


class Assembly:
    """A body arriving in chunks: chunk ``c`` holds bytes ``c * CHUNK`` up
    to the next chunk's, so the declaration fixes how many chunks there are
    and how large each is; each may come once, in any order."""

    def __init__(self, declared: Declared) -> None:
        self.declared = declared
        made = [_fresh_bytes(size) for size in declared.segments]
        self._segments = [data for data, _ in made]
        self._views: list[memoryview] | None = [view for _, view in made]
        self._missing = set(range(declared.chunks))
        self._streamed = 0
        """Bytes appended so far (:meth:`append`)."""

    @property
    def complete(self) -> bool:
        return not self._missing

    def expect(self, index: int) -> int:
        """The size chunk ``index`` must have; ProtocolError if it is not
        one still missing."""
        if index not in self._missing:  # out of range, or here already
            raise ProtocolError(f"chunk {index} is not one a body of {self.declared.chunks} chunks still waits for")
        return self.declared.chunk_size(index)

    def write(self, index: int, data: Binary) -> None:
        """Put chunk ``index`` in place (its size checked by :meth:`expect`)."""
        size = self.expect(index)
        source = memoryview(data).cast("B")
        if source.nbytes != size:
            raise ProtocolError(f"chunk {index} has {source.nbytes:,} bytes, not {size:,}")
        if self._streamed:
            raise ProtocolError("a body that came in order does not take chunks")
        self._put(index * CHUNK, source)
        self._missing.discard(index)
        if not self._missing:
            self._views = None  # filled: from now on the bytes are only read

    def append(self, data: Binary) -> None:
        """Put ``data`` right after the bytes appended before it: a body
        that comes in order, in pieces of any size (the socket lane), not in
        chunks. It is complete when its last byte has come."""
        source = memoryview(data).cast("B")
        if self.complete:
            raise ProtocolError("a body that is whole takes no more bytes")
        if len(self._missing) != self.declared.chunks and not self._streamed:
            raise ProtocolError("a body that came in chunks does not take bytes in order")
        if self._streamed + source.nbytes > self.declared.total:
            raise ProtocolError(f"a body of {self.declared.total:,} bytes got more")
        self._put(self._streamed, source)
        self._streamed += source.nbytes
        if self._streamed == self.declared.total:
            self._missing.clear()
            self._views = None

    def _put(self, start: int, source: memoryview) -> None:
        assert self._views is not None
        size, offset = source.nbytes, 0
        for view in self._views:
            end = offset + view.nbytes
            if end > start and offset < start + size:
                low, high = max(start, offset), min(start + size, end)
                view[low - offset:high - offset] = source[low - start:high - start]
            offset = end

    def body(self) -> list[bytes]:
        """The filled segments (only once :attr:`complete`)."""
        assert self.complete
        return self._segments


@attrs.frozen(kw_only=True)
class BulkRef:
    """A ``bulk`` frame from a page: its body waits under ``token``."""

    token: str
    sizes: tuple[int, ...]
    paths: tuple[Path, ...]
    texts: frozenset[int] = frozenset()
    """Indices of the parts that are strings (UTF-8), not bytes."""


def read_ref(frame: dict[str, Any], max_bytes: int) -> BulkRef:
    """Check a ``bulk`` frame's fields; raise ProtocolError if they are wrong."""
    if frame.keys() != _REF_FIELDS:
        raise ProtocolError(f"a 'bulk' frame has exactly the fields {sorted(_REF_FIELDS)}")
    token, sizes, paths, texts = frame["i"], frame["n"], frame["b"], frame["t"]
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ProtocolError("a bulk token is 16 to 64 letters, digits or dashes")
    if not isinstance(sizes, list) or not isinstance(paths, list) or len(sizes) != len(paths) + 1:
        raise ProtocolError("a bulk frame has one size for its JSON and one per path")
    if not all(type(n) is int and n >= 0 for n in sizes) or sum(sizes) > max_bytes:
        raise ProtocolError(f"bulk sizes are integers adding up to at most {max_bytes:,} bytes")
    checked: list[Path] = []
    for path in paths:
        if (not isinstance(path, list) or not path or path[0] not in ("p", "v")
                or not all(isinstance(step, str) or (type(step) is int and step >= 0) for step in path)):
            raise ProtocolError("a bulk path starts at 'p' or 'v' and has keys and indices")
        checked.append(tuple(path))
    if not isinstance(texts, list) or not all(type(t) is int and 0 <= t < len(checked) for t in texts):
        raise ProtocolError("a bulk frame's 't' lists indices of its parts")
    return BulkRef(token=token, sizes=tuple(sizes), paths=tuple(checked), texts=frozenset(texts))


def open_body(ref: BulkRef, body: Binary | Sequence[Binary]) -> tuple[str, list[tuple[Path, bytes | str]]]:
    """Split a stored body into the frame's JSON text and its parts.

    ``body`` is one buffer, or the segments the page declared: when those
    are the JSON and each part, a binary part is handed on as it is (bytes
    made for it, no copy)."""
    segments = [body] if isinstance(body, _BINARY) else list(body)
    size = sum(memoryview(segment).nbytes for segment in segments)
    if size != sum(ref.sizes):
        raise ProtocolError(f"bulk body has {size:,} bytes, not {sum(ref.sizes):,}")
    if [memoryview(segment).nbytes for segment in segments] != list(ref.sizes):
        whole = memoryview(segments[0] if len(segments) == 1 else b"".join(segments)).cast("B")
        segments, offset = [], 0
        for part_size in ref.sizes:
            segments.append(whole[offset:offset + part_size])
            offset += part_size
    try:
        text = str(segments[0], "utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("a bulk frame's JSON is not UTF-8") from None
    parts: list[tuple[Path, bytes | str]] = []
    for index, (path, piece) in enumerate(zip(ref.paths, segments[1:])):
        try:
            if index in ref.texts:
                parts.append((path, str(piece, "utf-8")))
            else:
                parts.append((path, piece if type(piece) is bytes else bytes(piece)))
        except UnicodeDecodeError:
            raise ProtocolError("a bulk frame's text part is not UTF-8") from None
    return text, parts


_CALL_HEAD = re.compile(rb'\{\s*"k"\s*:\s*"(invoke|result|error)"\s*,\s*"i"\s*:\s*(\d{1,16})\s*[,}]')


def peek_call(ref: BulkRef, body: Binary | Sequence[Binary]) -> tuple[str, int] | None:
    """The call a body's frame makes or answers, read from its first bytes
    only: for a body that is refused unopened (over the page's rate limit),
    so the call can be failed rather than left waiting. Reads the frame as
    runtime.js writes it (``{"k":...,"i":...`` first); None for anything else."""
    first = body if isinstance(body, _BINARY) else (body[0] if body else b"")
    head = bytes(memoryview(first)[: min(ref.sizes[0], 64)])
    match = _CALL_HEAD.match(head)
    if match is None or int(match[2]) >= 2**53:
        return None
    return match[1].decode(), int(match[2])


def place(frame: Any, path: Path, data: bytes | str) -> None:
    """Put ``data`` where ``path`` points in ``frame``; that slot must be null."""
    node = frame
    for step in path[:-1]:
        node = _step(node, step)
    last = path[-1]
    if isinstance(node, dict) and isinstance(last, str) and last in node and node[last] is None:
        node[last] = data
    elif isinstance(node, list) and isinstance(last, int) and last < len(node) and node[last] is None:
        node[last] = data
    else:
        raise ProtocolError(f"bulk path {list(path)!r:.80} does not lead to a null slot")


def _step(node: Any, step: str | int) -> Any:
    if isinstance(node, dict) and isinstance(step, str) and step in node:
        return node[step]
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    raise ProtocolError("a bulk path leads outside the frame")
