"""Web permissions: every request a page makes is answered, never left
pending (a request nobody answers hangs the page's promise for ever).

The names are the plugin manifest's (:data:`weft.plugins.manifest.PERMISSIONS`);
:func:`weft.policy.permission` decides. App windows are granted
:data:`APP_DEFAULT` unless ``create_window(permissions=...)`` says otherwise;
plugins, what their manifest lists.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWebEngineCore import QWebEnginePermission

from .. import policy
from .schemes import origin_of

_T = QWebEnginePermission.PermissionType
NAMES = {
    _T.Notifications: "notifications",
    _T.Geolocation: "geolocation",
    _T.MediaAudioCapture: "audio-capture",
    _T.MediaVideoCapture: "video-capture",
    _T.MediaAudioVideoCapture: "audio-video-capture",
    _T.DesktopVideoCapture: "desktop-video-capture",
    _T.DesktopAudioVideoCapture: "desktop-audio-video-capture",
    _T.MouseLock: "mouse-lock",
    _T.ClipboardReadWrite: "clipboard-read-write",
    _T.LocalFontsAccess: "local-fonts",
}

APP_DEFAULT = frozenset({"notifications", "clipboard-read-write"})
"""What an app window is granted when ``create_window`` names nothing."""


def name_of(permission: QWebEnginePermission) -> str:
    return NAMES.get(permission.permissionType(), permission.permissionType().name)


def answer(permission: QWebEnginePermission, granted: frozenset[str], own: str | None,
           on_denied: Callable[[str, str], None]) -> None:
    """Grant or deny ``permission`` asked of a page on origin ``own`` as
    :func:`weft.policy.permission` says; ``on_denied(name, reason)`` hears
    each denial."""
    name = name_of(permission)
    decision = policy.permission(name, granted, origin_of(permission.origin()), own)
    if decision:
        permission.grant()
    else:
        on_denied(name, decision.reason)
        permission.deny()
