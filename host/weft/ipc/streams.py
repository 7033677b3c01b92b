"""Streams: a Python handler's async iterator of ``bytes``, read by the page
as a ``ReadableStream`` of ``Uint8Array``.

When a handler answers a page's ``runtime.invoke`` with an async iterator
(an ``async def`` with ``yield``, or any object with ``__anext__``), the
call is answered with a ``stream`` frame (``{"k": "stream", "i": call_id,
"s": token}``) and the page's invoke resolves to a ``ReadableStream``. The
page's runtime pulls chunks one request at a time over its bulk lane
(``webengine/bulk.py``), and :class:`Outflow` asks the iterator for one
chunk per pull, never ahead: a page that reads slowly makes Python wait,
and at most one chunk waits in the host. The page cancelling its stream,
its document going, or the runtime shutting down closes the iterator
(``aclose()``); an exception the iterator raises reaches the page's reader
as an error naming the exception's type.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable, Coroutine, Union

import attrs

from ..errors import PayloadError, ProtocolError, error_to_wire
from .bulk import Encoded
from .tasks import cancelled_from_outside

log = logging.getLogger("weft.ipc")

END = None
"""What :meth:`Outflow.pull` delivers when the iterator is done."""
Chunk = Union[bytes, dict[str, str], None]
"""Delivered per pull: the next bytes, an error (``{"type", "message"}``),
or :data:`END`."""
Spawn = Callable[..., "asyncio.Task[Any]"]


def is_stream(value: Any) -> bool:
    """A handler's result the page should get as a stream."""
    return hasattr(value, "__anext__") and not isinstance(value, (bytes, str, dict, list))


def opened(call_id: int, token: str) -> Encoded:
    """The frame that answers call ``call_id`` with the stream ``token``."""
    return Encoded(json.dumps({"k": "stream", "i": call_id, "s": token}, separators=(",", ":")))


@attrs.define(eq=False)
class Outflow:
    """One handler's async iterator, read one chunk per :meth:`pull`."""

    iterator: Any
    spawn: Spawn
    """Starts a tracked task (:meth:`weft.ipc.tasks.Tasks.spawn`)."""
    name: str
    _task: asyncio.Task[Any] | None = attrs.field(default=None, init=False)
    closed: bool = attrs.field(default=False, init=False)
    """Done, failed or cancelled: it gives nothing more."""

    def pull(self, deliver: Callable[[Chunk], None]) -> None:
        """Ask the iterator for its next chunk; ``deliver`` gets it (or an
        error, or END). One pull at a time."""
        if self.closed:
            deliver(error_to_wire(ProtocolError(f"stream {self.name} has ended")))
        elif self._task is not None and not self._task.done():
            deliver(error_to_wire(ProtocolError(f"stream {self.name} is already being read")))
        else:
            self._task = self.spawn(self._next(deliver), name=f"stream {self.name}")

    async def _next(self, deliver: Callable[[Chunk], None]) -> None:
        try:
            chunk = await self.iterator.__anext__()
        except StopAsyncIteration:
            self.closed = True
            deliver(END)
            return
        except Exception as exc:  # the page hears what went wrong, by name
            log.warning("stream %s raised", self.name, exc_info=exc)
            self.closed = True
            deliver(error_to_wire(exc))
            return
        except asyncio.CancelledError as exc:
            if cancelled_from_outside():
                raise  # weft cancelled the read: the page cancelled, or went away
            log.warning("stream %s raised", self.name, exc_info=exc)  # the iterator's own (a job it awaited)
            self.closed = True
            deliver(error_to_wire(exc))
            return
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            self.cancel()
            deliver(error_to_wire(PayloadError(
                f"stream {self.name} yielded {type(chunk).__name__}, not bytes")))
            return
        deliver(bytes(chunk) if not isinstance(chunk, bytes) else chunk)

    def cancel(self) -> None:
        """The page cancelled it, or went away: stop reading, close the iterator."""
        if self.closed and self._task is None:
            return
        self.closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
        try:
            self.spawn(_aclose(self.iterator, task), name=f"close stream {self.name}")
        except RuntimeError:  # no running loop: the runtime is gone
            pass


async def _aclose(iterator: Any, reading: asyncio.Task[Any] | None) -> None:
    if reading is not None:
        await asyncio.wait([reading])  # an async generator cannot close while it runs
    aclose: Callable[[], Coroutine[Any, Any, Any]] | None = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
