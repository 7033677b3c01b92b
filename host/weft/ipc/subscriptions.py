"""Who hears which events, in order, within a bound.

Two kinds of subscriber share one :class:`Hub`:

* :class:`Subscription`, an async iterator (``window_events()`` and friends).
  It keeps a backlog of at most ``bound`` events and ``max_bytes`` (what
  the pages posted for the waiting messages). Past that, events are
  dropped *for that subscriber only* and counted; once the consumer has read
  what was kept, it gets :class:`~weft.SubscriberOverflowError` (with the
  count) and the subscription ends. Nothing is dropped without an error the
  consumer sees.
* :class:`Listener`, a callback (``on_event``, ``on_channel``). A sync
  callback runs inline, in order. An async callback runs one event at a time
  (the next starts when the previous finished), so it too sees events in
  order; events that arrive while it is busy wait in a backlog of at most
  ``bound`` events and ``max_bytes``, past which they are dropped, counted
  and logged as errors.

An event that finds its backlog empty is always kept, however large: the
byte bound stops a page from piling messages (each up to
``Limits.max_bulk_bytes``) into the memory of an app that reads slowly.
An event's size is its publisher's word (:meth:`Hub.publish`): for a page's
message, the router gives what the page posted for it (its bulk-lane body,
or its share of the batch it came in), known without walking the payload.

The hub holds iterator subscriptions weakly: an ``async for`` that was left
with ``break`` stops collecting events as soon as the iterator is released.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import weakref
from typing import Any, Awaitable, Callable

import attrs

from ..errors import SubscriberOverflowError
from .events import IpcEvent
from .tasks import Tasks

log = logging.getLogger("weft.ipc")

DEFAULT_BOUND = 10_000
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
Predicate = Callable[[IpcEvent], bool]


@attrs.define(eq=False)
class Backlog:
    """Events waiting for a slow subscriber, in order, within ``bound``
    events and ``max_bytes``; the first one waiting is kept whatever its size."""

    bound: int
    max_bytes: int
    bytes: int = attrs.field(default=0, init=False)
    _events: collections.deque[tuple[IpcEvent, int]] = attrs.field(factory=collections.deque, init=False)

    def __len__(self) -> int:
        return len(self._events)

    def keep(self, event: IpcEvent, size: int) -> bool:
        """Keep ``event`` (``size`` bytes) if it fits; False if it does not."""
        if not self._events:
            self._events.append((event, 0))
            return True
        if len(self._events) >= self.bound:
            return False
        if self.bytes + size > self.max_bytes:
            return False
        self.bytes += size
        self._events.append((event, size))
        return True

    def take(self) -> IpcEvent:
        event, size = self._events.popleft()
        self.bytes -= size
        return event

    def full_reason(self) -> str:
        """What it is full of, for the messages that say so."""
        return f"{self.bound:,} events" if len(self._events) >= self.bound else f"{self.max_bytes:,} bytes"


def _everything(event: IpcEvent) -> bool:
    return True


@attrs.define(eq=False)
class Subscription:
    """An async iterator of the events its predicate accepts."""

    accepts: Predicate = _everything
    """Which events this subscriber wants."""
    bound: int = DEFAULT_BOUND
    """Most events kept waiting for the consumer."""
    max_bytes: int = DEFAULT_MAX_BYTES
    """Most bytes (events' sizes, see :meth:`Hub.publish`) kept waiting behind the first."""
    dropped: int = attrs.field(default=0, init=False)
    """Events dropped because the backlog was full."""
    _backlog: Backlog = attrs.field(init=False)
    _full: str = attrs.field(default="", init=False)
    _waiters: list[asyncio.Future[None]] = attrs.field(factory=list, init=False)
    _closed: bool = attrs.field(default=False, init=False)
    _detach: Callable[[Subscription], None] | None = attrs.field(default=None, init=False)

    @_backlog.default
    def _new_backlog(self) -> Backlog:
        return Backlog(self.bound, self.max_bytes)

    def offer(self, event: IpcEvent, size: int = 0) -> bool:
        """Hand an event over; returns True if it had to be dropped."""
        if self._closed or not self.accepts(event):
            return False
        dropped = bool(self.dropped) or not self._backlog.keep(event, size)
        if dropped:
            self._full = self._full or self._backlog.full_reason()
            self.dropped += 1
        self._wake()
        return dropped

    def close(self) -> None:
        """Stop collecting; an ``async for`` ends once the backlog is read."""
        if not self._closed:
            self._closed = True
            if self._detach is not None:
                self._detach(self)
            self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> IpcEvent:
        event = await self.next()
        if event is None:
            raise StopAsyncIteration
        return event

    async def next(self) -> IpcEvent | None:
        """The next event, or None once closed and drained."""
        while not self._backlog:
            if self.dropped:
                dropped, self.dropped = self.dropped, 0
                self.close()
                raise SubscriberOverflowError(
                    f"subscriber fell {self._full} behind; {dropped:,} later events were dropped for it",
                    dropped=dropped,
                )
            if self._closed:
                return None
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self._backlog.take()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


@attrs.define(eq=False)
class Listener:
    """A callback for the events its predicate accepts."""

    callback: Callable[[IpcEvent], Any]
    """Called with each event; may return an awaitable."""
    tasks: Tasks
    """Where its async work is tracked."""
    accepts: Predicate = _everything
    bound: int = DEFAULT_BOUND
    shown: Any = None
    """What logs call it: the app's own function, where ``callback`` wraps it."""
    max_bytes: int = DEFAULT_MAX_BYTES
    dropped: int = attrs.field(default=0, init=False)
    _backlog: Backlog | None = attrs.field(default=None, init=False)

    def offer(self, event: IpcEvent, size: int = 0) -> bool:
        """Run or queue the callback; returns True if the event was dropped."""
        if not self.accepts(event):
            return False
        if self._backlog is not None:  # an async call is running: wait in line
            if self._backlog.keep(event, size):
                return False
            self.dropped += 1
            log.error(
                "listener %r is %s behind; dropped an event on %r from %s "
                "(%d dropped so far)", self._name, self._backlog.full_reason(), event.channel, event.window_id,
                self.dropped,
            )
            return True
        pending = self._call(event)
        if pending is not None:
            self._backlog = Backlog(self.bound, self.max_bytes)
            self.tasks.spawn(self._drain(pending, event), name=f"listener {self._name!r}")
        return False

    @property
    def _name(self) -> Any:
        return self.callback if self.shown is None else self.shown

    def _failed(self, event: IpcEvent) -> None:
        log.exception("listener %r failed on %r from %s", self._name, event.channel, event.window_id)

    def _call(self, event: IpcEvent) -> Awaitable[Any] | None:
        try:
            result = self.callback(event)
        except Exception:
            self._failed(event)
            return None
        return result if inspect.isawaitable(result) else None

    async def _drain(self, pending: Awaitable[Any] | None, event: IpcEvent) -> None:
        assert self._backlog is not None
        try:
            while True:
                if pending is not None:
                    try:
                        await pending
                    except Exception:
                        self._failed(event)
                if not self._backlog:
                    return
                event = self._backlog.take()
                pending = self._call(event)
        finally:
            self._backlog = None


@attrs.define(eq=False)
class Hub:
    """Fans every event out to every subscriber, in arrival order."""

    tasks: Tasks
    bound: int = DEFAULT_BOUND
    max_bytes: int = DEFAULT_MAX_BYTES
    _listeners: list[Listener] = attrs.field(factory=list, init=False)
    _subscriptions: weakref.WeakSet[Subscription] = attrs.field(factory=weakref.WeakSet, init=False)
    closed: bool = attrs.field(default=False, init=False)
    dropped: int = attrs.field(default=0, init=False)
    """Events dropped for slow subscribers since the hub was made."""

    def publish(self, event: IpcEvent, size: int = 0) -> None:
        """Hand ``event`` to every subscriber; ``size``: the bytes its payload
        holds, as far as a backlog's ``max_bytes`` should count them."""
        for listener in tuple(self._listeners):
            self.dropped += listener.offer(event, size)
        for subscription in tuple(self._subscriptions):
            self.dropped += subscription.offer(event, size)

    def subscribe(self, accepts: Predicate = _everything, *, bound: int | None = None) -> Subscription:
        subscription = Subscription(accepts, bound or self.bound, self.max_bytes)
        if self.closed:
            subscription.close()
        else:
            subscription._detach = self._subscriptions.discard
            self._subscriptions.add(subscription)
        return subscription

    def listen(
        self, callback: Callable[[IpcEvent], Any], accepts: Predicate = _everything, *, shown: Any = None
    ) -> Callable[[], None]:
        """Call ``callback`` with each event ``accepts``; ``shown`` is what logs
        name it by, when ``callback`` wraps the app's own function."""
        listener = Listener(callback, self.tasks, accepts, self.bound, shown, self.max_bytes)
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def close(self) -> None:
        """End every iterator (after its backlog) and forget every listener."""
        self.closed = True
        self._listeners.clear()
        for subscription in tuple(self._subscriptions):
            subscription.close()
