"""A tiny app for tests/e2e/test_instance.py: claims the single instance of
an app id, as weft.run does, and reports on stdout (one JSON object a line).

    python child.py [--timeout=S] [--idle-ms=N] [--late] [--trace] APP_ID ARG...

Hands ``ARG...`` and its cwd over and exits 0 (``{"handed_over": true}``), or
runs as the primary (``{"primary": pid}``) printing each hand-over
(``{"argv": [...], "cwd": "..."}``); its stdin takes ``close`` (release the
instance, keep running), ``listen`` (with ``--late``: only now subscribe to
hand-overs) and ``quit`` (or end of file: exit 0). ``--trace``: say
``{"attempt": ...}`` after each attempt to hand over (what it returned). A hung primary
refuses: one ``weft: ...`` line on stderr, exit 2, as weft.run does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from weft.app import event_loop, instance
from weft.errors import StartupError


def say(value: object) -> None:
    print(json.dumps(value), flush=True)


def trace(module: Any) -> None:
    """Say what each hand-over attempt returned (a spy: it changes nothing)."""
    hand_over = module._hand_over

    def traced(*args: Any) -> Any:
        result = hand_over(*args)
        say({"attempt": result})
        return result

    module._hand_over = traced


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    args = sys.argv[1:]
    timeout, late = 1.0, False
    while args and args[0].startswith("--"):
        option, _, value = args.pop(0).partition("=")
        if option == "--timeout":
            timeout = float(value)
        elif option == "--idle-ms":
            instance.IDLE_MS = int(value)
        elif option == "--late":
            late = True
        elif option == "--trace":
            trace(instance)
    app_id, handed = args[0], args[1:]
    app = QApplication(sys.argv[:1])
    try:
        primary = instance.claim(app_id, handed, os.getcwd(), timeout=timeout)
    except StartupError as exc:
        print(f"weft: {exc}", file=sys.stderr)
        return 2
    if primary is None:
        say({"handed_over": True})
        return 0
    loop = event_loop(app)
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    pending = bytearray()

    def on_stdin() -> None:
        data = os.read(0, 4096)
        if not data:
            stop.set()
        pending.extend(data)
        while b"\n" in pending:
            line, _, rest = bytes(pending).partition(b"\n")
            pending[:] = rest
            if line == b"close":
                primary.close()
                say({"closed": True})
            elif line == b"listen":
                primary.on_message(on_message)
            elif line == b"quit":
                stop.set()

    def on_message(argv: list[str], cwd: str) -> None:
        say({"argv": argv, "cwd": cwd})

    notifier = QSocketNotifier(0, QSocketNotifier.Type.Read)
    notifier.activated.connect(on_stdin)
    if not late:
        primary.on_message(on_message)
    say({"primary": os.getpid()})
    with loop:
        loop.run_until_complete(stop.wait())
    notifier.setEnabled(False)
    primary.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
