"""Calls between Python and the pages, both ways.

* Python → page: :func:`invoke` asks a page's ``runtime.handle(channel, fn)``
  and waits for its answer; the page's :class:`~weft.ipc.peer.Peer` keeps
  the calls still waiting, and fails them when the page goes.
* page → Python: :class:`Handlers` holds the handlers registered with
  ``ipc.handle`` and answers a page's ``runtime.invoke`` with what its
  handler returned or raised. An async handler runs as a tracked task; at
  most ``Limits.max_running_calls`` of them run for one page at once (past
  it, the call fails with :class:`~weft.RateLimitError` and the handler is
  not called), and those still running when the page goes are cancelled.
  An answer for a document that has gone has nobody waiting, and is dropped.
  A handler that returns an async iterator of bytes answers with a stream
  (:mod:`weft.ipc.streams`); at most ``Limits.max_open_streams`` of them
  stay open for one page (past it, the call fails with
  :class:`~weft.RateLimitError` and the iterator is closed unread).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterator
from typing import Any, Awaitable, Callable

import attrs

from ..errors import (
    ArgumentError,
    DisconnectedError,
    Error,
    HandlerExistsError,
    NoHandlerError,
    PayloadError,
    RateLimitError,
    error_to_wire,
)
from . import codec, streams
from .codec import Failure, Invoke, Limits, Result
from .peer import Peer
from .refusals import RefusalLog
from .tasks import Tasks, cancelled_from_outside

log = logging.getLogger("weft.ipc")

DEFAULT_INVOKE_TIMEOUT = 30.0
Handler = Callable[[Any, str], Any]


async def invoke(
    peer: Peer, call_ids: Iterator[int], channel: str, payload: Any, *, timeout: float | None
) -> Any:
    """Ask ``peer``'s page to answer ``channel`` (a call id from
    ``call_ids``); its answer, the error it failed with, or TimeoutError."""
    if peer.cut_off is not None:
        raise DisconnectedError(peer.cut_off)
    call_id = next(call_ids)
    future = peer.start_call(call_id)
    try:
        peer.send(Invoke(call_id=call_id, channel=channel, payload=payload))
        async with asyncio.timeout(timeout):
            return await future
    except TimeoutError:
        if future.cancelled():
            raise TimeoutError(
                f"window {peer.window_id!r} did not answer {channel!r} within {timeout} s"
            ) from None
        raise
    finally:
        peer.end_call(call_id)


def check_arity(fn: Callable[..., Any], what: str) -> None:
    """Raise ArgumentError now if ``fn`` cannot be called as a handler is,
    ``fn(payload, window_id)``, rather than at every call. A callable whose
    signature Python cannot read (some built-ins) is taken on trust."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(None, "window")
    except TypeError:
        name = getattr(fn, "__name__", repr(fn))
        params = ", ".join(str(param.replace(annotation=param.empty)) for param in signature.parameters.values())
        raise ArgumentError(f"{what}: {name}({params}) cannot take (payload, window_id); "
                            "a handler is called with both") from None


@attrs.define(eq=False)
class Handlers:
    """Python's answers to the pages' ``runtime.invoke``; see the module docstring."""

    limits: Limits
    tasks: Tasks
    """Where async handlers run."""
    refusals: RefusalLog
    _by_channel: dict[str, Handler] = attrs.field(factory=dict, init=False)

    def register(self, channel: str, fn: Handler) -> Callable[[], None]:
        """Answer ``channel`` with ``fn``; returns the function that unregisters it."""
        codec.check_channel(channel, from_page=True)
        if not callable(fn):
            raise ArgumentError(f"handler for {channel!r} is not callable: {fn!r}")
        check_arity(fn, f"handler for {channel!r}")
        if channel in self._by_channel:
            raise HandlerExistsError(f"{channel!r} already has a handler")
        self._by_channel[channel] = fn

        def unregister() -> None:
            if self._by_channel.get(channel) is fn:
                del self._by_channel[channel]

        return unregister

    def has(self, channel: str) -> bool:
        return channel in self._by_channel

    def answer(self, peer: Peer, frame: Invoke) -> None:
        """Run the handler of the page's call ``frame``; its answer goes back
        now (sync handlers) or when it is done (async ones)."""
        handler = self._by_channel.get(frame.channel)
        if handler is None:
            error = NoHandlerError(f"no Python handler for {frame.channel!r}; register one with ipc.handle()")
            self._reply(peer, peer.generation, frame, error=error)
            return
        if len(peer.running) >= self.limits.max_running_calls:
            error = RateLimitError(f"window {peer.window_id!r} has {len(peer.running):,} Python handler calls "
                                   f"running, its limit; the call of {frame.channel!r} was refused")
            self.refusals.warn(log, peer.window_id, "too many running calls", "%s", error)
            self._reply(peer, peer.generation, frame, error=error)
            return
        try:
            result = handler(frame.payload, peer.window_id)
        except Exception as exc:
            self._reply(peer, peer.generation, frame, error=exc)
            return
        except BaseException as exc:  # the page is answered whatever ended the handler
            self._reply(peer, peer.generation, frame, error=exc)
            if isinstance(exc, asyncio.CancelledError):
                return  # a sync handler's own: nothing here was cancelled
            raise  # KeyboardInterrupt, SystemExit: on their way to stop the app
        if inspect.isawaitable(result):
            peer.track(self.tasks.spawn(self._await_answer(peer, frame, result), name=f"handle {frame.channel}"))
        else:
            self._reply(peer, peer.generation, frame, value=result)

    async def _await_answer(self, peer: Peer, frame: Invoke, pending: Awaitable[Any]) -> None:
        generation = peer.generation
        try:
            value = await pending
        except Exception as exc:
            self._reply(peer, generation, frame, error=exc)
        except asyncio.CancelledError as exc:
            if cancelled_from_outside():
                raise  # this call itself was cancelled: its page is gone, or the runtime is stopping
            self._reply(peer, generation, frame, error=exc)  # the handler's own (it awaited a cancelled task)
        except BaseException as exc:
            self._reply(peer, generation, frame, error=exc)
            raise
        else:
            self._reply(peer, generation, frame, value=value)

    def _reply(
        self, peer: Peer, generation: int, frame: Invoke, *, value: Any = None, error: BaseException | None = None
    ) -> None:
        if error is not None and not isinstance(error, Error):
            self.refusals.warn(log, peer.window_id, "handler raised", "handler for %r raised",
                               frame.channel, exc_info=error)
        if error is None and streams.is_stream(value):
            self._open_stream(peer, generation, frame, value)
            return
        if not peer.current(generation):
            return  # the asking document is gone; nobody waits for this
        if error is None:
            try:
                peer.send(Result(call_id=frame.call_id, value=value))
                return
            except PayloadError as exc:
                error = PayloadError(f"handler for {frame.channel!r} returned {exc}")
                self.refusals.warn(log, peer.window_id, "handler returned", "%s", error, group="returned")
        peer.send(Failure(call_id=frame.call_id, error=error_to_wire(error)))

    def _open_stream(self, peer: Peer, generation: int, frame: Invoke, iterator: Any) -> None:
        """Answer with a stream the page reads (see :mod:`weft.ipc.streams`)."""
        outflow = streams.Outflow(iterator, self.tasks.spawn, f"{frame.channel}#{frame.call_id}")
        if not peer.current(generation):
            outflow.cancel()  # nobody will read it: close it now
            return
        if peer.lane is not None and (open_now := peer.lane.streams_open()) >= self.limits.max_open_streams:
            outflow.cancel()
            error = RateLimitError(f"window {peer.window_id!r} has {open_now:,} streams open, its limit; the "
                                   f"stream {frame.channel!r} returned was closed unread (read streams to their "
                                   "end, or cancel() them)")
            self.refusals.warn(log, peer.window_id, "too many open streams", "%s", error)
            peer.send(Failure(call_id=frame.call_id, error=error_to_wire(error)))
            return
        token = peer.lane.open_stream(outflow) if peer.lane is not None else None
        if token is None:
            outflow.cancel()
            error = PayloadError("a stream needs a page served by weft (app:// or plugin://)")
            peer.send(Failure(call_id=frame.call_id, error=error_to_wire(error)))
            return
        peer.send(streams.opened(frame.call_id, token))
