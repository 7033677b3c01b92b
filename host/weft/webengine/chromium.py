"""Chromium's process-wide settings, decided once before QApplication exists.

The sandbox stays on. Chromium cannot run its sandbox as root, and refuses to
start there without ``--no-sandbox``; weft does not make that choice for you.
As root it stops with :class:`SandboxError` unless you opt out explicitly
(``weft --no-sandbox ...``, ``weft.run(main, no_sandbox=True)`` or
``WEFT_NO_SANDBOX=1``), and whenever the sandbox is off it says so on stderr
and on the ``weft.security`` logger.
"""

from __future__ import annotations

import logging
import os
import sys

import attrs

from ..errors import Error

log = logging.getLogger("weft.security")

OPT_OUT_ENV = "WEFT_NO_SANDBOX"


class SandboxError(Error):
    """Chromium's sandbox cannot run here, and nobody chose to run without it."""


@attrs.frozen(kw_only=True)
class SandboxDecision:
    enabled: bool
    """Whether Chromium's sandbox is on for this process."""
    reason: str
    """Why, in one sentence (shown to the user when the sandbox is off)."""


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _already_disabled() -> bool:
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    return os.environ.get("QTWEBENGINE_DISABLE_SANDBOX") == "1" or "--no-sandbox" in flags


def decide_sandbox(no_sandbox: bool | None = None) -> SandboxDecision:
    """Decide, apply and announce the sandbox setting for this process.

    ``no_sandbox`` True opts out; None reads ``WEFT_NO_SANDBOX``.
    """
    if no_sandbox is None:
        no_sandbox = os.environ.get(OPT_OUT_ENV, "") not in ("", "0")
    if no_sandbox:
        decision = SandboxDecision(enabled=False, reason="you asked to run without it")
    elif _already_disabled():
        decision = SandboxDecision(
            enabled=False, reason="QTWEBENGINE_DISABLE_SANDBOX or QTWEBENGINE_CHROMIUM_FLAGS turned it off"
        )
    elif _is_root():
        raise SandboxError(
            "weft is running as root, where Chromium's sandbox cannot run. Run as a normal "
            "user to keep web content sandboxed, or opt out explicitly with --no-sandbox "
            f"(or {OPT_OUT_ENV}=1) if you accept running web content without it."
        )
    else:
        return SandboxDecision(enabled=True, reason="default")
    os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    message = f"Chromium's sandbox is OFF for this process ({decision.reason})."
    log.info(message)  # on record for apps that collect their logs
    if not (log.isEnabledFor(logging.INFO) and logging.getLogger().handlers):
        print(f"weft: {message}", file=sys.stderr)  # and always seen, once
    return decision
