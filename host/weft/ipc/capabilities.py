"""Channel grants for restricted pages (plugins), and the audit trail.

A page attached with a :class:`Grant` may send or invoke only the channels in
``send``, and the host may deliver to it only the channels in ``receive``:
exact names. A denied message is never delivered; the router tells the side
that tried, and each denial is one WARNING record on the ``weft.audit``
logger whose extra fields are ``plugin``, ``channel``, ``direction`` and
``reason``.
"""

from __future__ import annotations

import logging

import attrs

from ..errors import PermissionDeniedError

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

    def check_inbound(self, channel: str) -> PermissionDeniedError | None:
        if channel in self.send:
            return None
        return _deny(self.owner, channel, "page → host", "not in the plugin's capabilities.send")

    def check_outbound(self, channel: str) -> PermissionDeniedError | None:
        if channel in self.receive:
            return None
        return _deny(self.owner, channel, "host → page", "not in the plugin's capabilities.receive")


def _deny(owner: str, channel: str, direction: str, reason: str) -> PermissionDeniedError:
    audit.warning(
        "denied %s on %r for plugin %r: %s", direction, channel, owner, reason,
        extra={"plugin": owner, "channel": channel, "direction": direction, "reason": reason},
    )
    return PermissionDeniedError(f"plugin {owner!r} may not use channel {channel!r} ({direction}): {reason}")


def record(owner: str, what: str, target: str, reason: str) -> None:
    """An audit record for a refusal outside the bridge (a blocked request,
    a denied permission, a cancelled download, a refused navigation)."""
    audit.warning(
        "denied %s %s for plugin %r: %s", what, target, owner, reason,
        extra={"plugin": owner, "channel": None, "direction": what, "reason": reason, "target": target},
    )
