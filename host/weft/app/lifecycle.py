"""The app's life after it started: ``weft.app.quit``, and what reaches a
running app from outside: a second launch (``on_second_instance``) and a
deep link (``on_open_url``).

What arrives before the app listens is kept: a URL given at launch reaches
the first ``on_open_url`` callback once it subscribes (so ``main()`` has the
chance to), and never twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from ..callbacks import Callbacks, run_callback
from ..errors import ArgumentError

log = logging.getLogger("weft.app")

SecondInstanceCallback = Callable[[list[str], str], Any]
OpenUrlCallback = Callable[[str], Any]

_second = Callbacks("app.on_second_instance", log, app_wide=True)
_open_url = Callbacks("app.on_open_url", log, app_wide=True)
_pending_urls: list[str] = []
_quit: Callable[[int], None] | None = None
_args: tuple[str, ...] = ()


def on_second_instance(callback: SecondInstanceCallback) -> Callable[[], None]:
    """Call ``callback(argv, cwd)`` (sync or async) when the app is started
    again while it runs with ``single_instance``: the second launch hands
    over its own arguments (``argv``, without the program's name) and its
    working folder (``cwd``), and exits. Returns the unsubscriber."""
    return _second.add(callback)


def on_open_url(callback: OpenUrlCallback) -> Callable[[], None]:
    """Call ``callback(url)`` (sync or async) for each deep link the app is
    opened with (one of its ``protocols``), at launch or handed over by a
    second launch. URLs that came before anyone listened are delivered to the
    first callback, once. Returns the unsubscriber."""
    unsubscribe = _open_url.add(callback)
    if _pending_urls:
        waiting, _pending_urls[:] = list(_pending_urls), []
        for url in waiting:
            _deliver(lambda cb=callback, u=url: run_callback(log, cb, u))
    return unsubscribe


def quit(code: int = 0) -> None:  # noqa: A001 (the public name is app.quit)
    """End the app: every window closes and ``weft.run`` returns ``code``."""
    if not isinstance(code, int) or isinstance(code, bool):
        raise ArgumentError(f"app.quit takes an exit code (an int), not {code!r}")
    if _quit is None:
        raise ArgumentError("app.quit: no app is running (start it with weft.run(main))")
    _quit(code)


# -- for weft.run -----------------------------------------------------------


def args() -> tuple[str, ...]:
    """The app's own command-line arguments (see ``weft.app.args``)."""
    return _args


def started(quit_with: Callable[[int], None], app_args: list[str]) -> None:
    """``weft.run`` started an app with ``app_args``; ``quit_with(code)`` ends it."""
    global _quit, _args
    _quit, _args = quit_with, tuple(app_args)


def ended() -> None:
    """The app ended: forget what was never delivered (its callbacks went
    with its runtime: ``callbacks.end_run``)."""
    global _quit, _args
    _quit, _args = None, ()
    _pending_urls.clear()


def second_instance(argv: list[str], cwd: str, urls: list[str]) -> None:
    """A second launch handed over ``argv`` and ``cwd``; ``urls`` are its
    deep links."""
    _second.call(list(argv), cwd)
    for url in urls:
        open_url(url)


def open_url(url: str) -> None:
    """Deliver a deep link to every ``on_open_url`` callback, or keep it for
    the first one."""
    if not _open_url:
        _pending_urls.append(url)
        return
    _open_url.call(url)


def _deliver(call: Callable[[], None]) -> None:
    """After the subscriber's own step: on the loop if one runs, else now."""
    try:
        asyncio.get_running_loop().call_soon(call)
    except RuntimeError:
        call()
