"""Channel grants for restricted pages (plugins), and the audit trail.

A page attached with a :class:`Grant` may send or invoke only the channels in
``send``, and the host may deliver to it only the channels in ``receive``:
exact names. A denied message is never delivered; the router tells the side
that tried and records the denial on the ``weft.audit`` logger: WARNING
records whose extra fields are ``plugin``, ``channel``, ``direction`` and
``reason``. The checks themselves are pure (a :class:`Denial` or None); the
router logs denials through its :class:`~weft.ipc.refusals.RefusalLog`, so a
plugin that is denied 50,000 times makes a first record and then one summary
a second with the count, not 50,000 records.
"""

from __future__ import annotations

import logging

import attrs

from ..errors import PermissionDeniedError
from .refusals import RefusalLog

audit = logging.getLogger("weft.audit")


@attrs.frozen(kw_only=True)
class Grant:
    """What one restricted page may do on the bridge."""

    owner: str
    """Who the grant is for, as audit records name it (the plugin id)."""
    send: frozenset[str] = frozenset()
    """Channels the page may send or invoke towards the host."""
    receive: frozenset[str] = frozenset()
    """Channels the host may send or invoke towards the page."""

    def check_inbound(self, channel: str) -> Denial | None:
        if channel in self.send:
            return None
        return Denial(owner=self.owner, channel=channel, direction="page → host",
                      reason="not in the plugin's capabilities.send")

    def check_outbound(self, channel: str) -> Denial | None:
        if channel in self.receive:
            return None
        return Denial(owner=self.owner, channel=channel, direction="host → page",
                      reason="not in the plugin's capabilities.receive")


@attrs.frozen(kw_only=True)
class Denial:
    """Why a channel check refused a message."""

    owner: str
    channel: str
    direction: str
    reason: str

    @property
    def message(self) -> str:
        """The audit record's message."""
        return f"denied {self.direction} on {self.channel!r} for plugin {self.owner!r}: {self.reason}"

    @property
    def fields(self) -> dict[str, str]:
        """The audit record's extra fields."""
        return {"plugin": self.owner, "channel": self.channel, "direction": self.direction, "reason": self.reason}

    def error(self) -> PermissionDeniedError:
        """What the side that tried is told."""
        return PermissionDeniedError(
            f"plugin {self.owner!r} may not use channel {self.channel!r} ({self.direction}): {self.reason}")


def deny(denial: Denial, window_id: str, refusals: RefusalLog) -> PermissionDeniedError:
    """Record a denial on the bridge on the audit trail (a flood of them is
    summarised per page); return what the side that tried is told."""
    refusals.warn(audit, window_id, f"{denial.direction} {denial.channel!r}", "%s", denial.message,
                  extra=denial.fields)
    return denial.error()


def record(owner: str, what: str, target: str, reason: str, refusals: RefusalLog | None = None) -> None:
    """An audit record for a refusal outside the bridge (a blocked request,
    a denied permission, a cancelled download, a refused navigation).

    With ``refusals``, a flood of them is summarised (per plugin and per
    ``what``): see :mod:`weft.ipc.refusals`.
    """
    message = ("denied %s %s for plugin %r: %s", what, target, owner, reason)
    extra = {"plugin": owner, "channel": None, "direction": what, "reason": reason, "target": target}
    if refusals is None:
        audit.warning(*message, extra=extra)
    else:
        refusals.warn(audit, f"plugin:{owner}", what, *message, extra=extra, group=what)
