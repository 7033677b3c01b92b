"""The protocol constants Python and the page's runtime share.

Their one source is ``renderer_assets/protocol.json``: frame kinds and their
fields, the channels reserved for the runtime, the error classes that cross
the bridge, the default limits and the bulk lane's sizes. Python reads it
here, once, at import; :func:`weft.webengine.scripts.bridge_scripts` hands
the same JSON to runtime.js, which takes its constants from it.
``tests/unit/test_protocol.py`` proves that Python, runtime.js and
runtime.d.ts agree with it.

Qt-free: ``weft.errors`` and ``weft.ipc`` build on it.
"""

from __future__ import annotations

import importlib.resources
import json
from typing import Any, Final

import attrs


@attrs.frozen(kw_only=True)
class FrameKind:
    """One kind of frame (``{"k": name, ...}``) on the wire."""

    name: str
    from_page: bool
    """Pages send it."""
    from_host: bool
    """Python sends it."""
    fields: frozenset[str]
    """Its fields besides ``k``."""
    optional: frozenset[str]
    """Those of ``fields`` a frame may leave out."""


def _load() -> dict[str, Any]:
    source = importlib.resources.files("weft.renderer_assets").joinpath("protocol.json")
    return json.loads(source.read_text("utf-8"))


_DATA: Final = _load()

PAGE_JSON: Final[str] = json.dumps(_DATA, separators=(",", ":"))
"""protocol.json as runtime.js receives it: JSON text, nothing else."""

FRAMES: Final[dict[str, FrameKind]] = {
    name: FrameKind(name=name, from_page="page" in spec["from"], from_host="host" in spec["from"],
                    fields=frozenset(spec["fields"]), optional=frozenset(spec.get("optional", ())))
    for name, spec in _DATA["frames"].items()
}

MAX_CHANNEL_CHARS: Final[int] = _DATA["channels"]["maxLength"]
"""Characters (code points) a channel name may have."""
SYSTEM_CHANNELS: Final[frozenset[str]] = frozenset(_DATA["channels"]["system"])
"""The window system events' channels: a page may not send on them."""
RESERVED_PREFIXES: Final[tuple[str, ...]] = tuple(_DATA["channels"]["reservedPrefixes"])
"""Channels starting so are the runtime's: a page may not send on them."""
UNPRINTABLE_CATEGORIES: Final[frozenset[str]] = frozenset(_DATA["channels"]["unprintable"]["categories"])
"""Unicode general categories a channel name may not have a character of..."""
PRINTABLE_EXCEPTIONS: Final[frozenset[str]] = frozenset(_DATA["channels"]["unprintable"]["except"])
"""...but these characters (the ASCII space). Together, exactly the rule of
``str.isprintable()``, which :func:`weft.ipc.codec.check_channel` applies."""

ERROR_BASE: Final[str] = _DATA["errors"]["base"]
"""The name of the page's base error class (Python's is ``weft.Error``)."""
ERROR_CLASSES: Final[tuple[str, ...]] = tuple(_DATA["errors"]["classes"])
"""Error classes both sides know by name: an error of one of these types
crosses the bridge as ``{"type", "message"}`` and is rebuilt on the other
side as its class of the same name."""
PYTHON_BUILTIN_ERRORS: Final[frozenset[str]] = frozenset(_DATA["errors"]["pythonBuiltins"])
"""Those of :data:`ERROR_CLASSES` that Python raises as its own built-in
exception (``TimeoutError``), not as a :class:`weft.Error`."""

DEFAULT_LIMITS: Final[dict[str, int]] = dict(_DATA["limits"])
"""Defaults of :class:`weft.ipc.Limits` (``maxBatchChars``, ``maxDepth``,
``maxBulkBytes``; a page gets the values in force in its config), and
``maxBatchFrames``, the most frames a page's runtime posts in one batch."""
BULK_THRESHOLD: Final[int] = _DATA["bulk"]["threshold"]
"""Frames whose JSON is longer than this many characters take the bulk lane."""
LONG_TEXT: Final[int] = _DATA["bulk"]["longText"]
"""On the bulk lane, strings this long travel as UTF-8 parts."""
BULK_CHUNK: Final[int] = _DATA["bulk"]["chunkBytes"]
"""A page uploads a bulk body in requests of this many bytes (the last one shorter)."""
BULK_IN_FLIGHT: Final[int] = _DATA["bulk"]["chunksInFlight"]
"""Chunk requests a page's runtime keeps in flight for one body."""
BULK_MAX_SEGMENTS: Final[int] = _DATA["bulk"]["maxSegments"]
"""Segments (the JSON, then each part) a body may declare for the host to
keep apart; a body with more is declared as one segment."""
BULK_PUSHED_PREFIX: Final[str] = _DATA["bulk"]["pushedPrefix"]
"""A bulk body Python pushed down a page's socket has a token starting with this."""
BULK_SOCKET_MESSAGE: Final[int] = _DATA["bulk"]["socketMessageBytes"]
"""On the socket lane, bodies go in binary messages of at most this many bytes."""
SOCKET_KINDS: Final[frozenset[str]] = frozenset(_DATA["bulk"]["socketKinds"])
"""What the host tells a page on the socket lane (its text messages' ``k``)."""
