"""A quiet start: what Qt and Chromium print on every start and that says
nothing to a user is hidden, unless weft logs at INFO (``-v``).

On a headless machine that is: no OpenGL context (QRhiGles2), no Vulkan, no
GBM, GPU info not ready, no D-Bus system bus, what the offscreen platform
cannot do (raise a window, grab the keyboard), and "Sandboxing disabled by
user." (which weft has already said in its own words). Anything else Qt
says still reaches stderr, and Chromium's errors return with ``-v``.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

#: Qt messages that every headless start prints (pyproject's qt_log_ignore
#: lists the same for the tests).
HARMLESS = (
    "QRhiGles2: Failed to create",
    "Failed to create RHI",
    "This plugin does not support createPlatformVulkanInstance",
    "QVulkanInstance",
    "GBM is not supported",
    "GPUInfo not initialized",
    "Sandboxing disabled by user",
    # The offscreen platform cannot raise, activate or size windows, nor grab
    # the keyboard for a popup menu; it says so each time.
    "This plugin does not support ",
)

_hidden = HARMLESS


def hide(*prefixes: str) -> None:
    """Hide messages starting so as well (as the quiet start does: not with ``-v``)."""
    global _hidden
    _hidden += prefixes


def _on_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if not message.startswith(_hidden):
        print(message, file=sys.stderr)


def quiet_start() -> None:
    """Hide the harmless start-up lines; call before the QApplication exists."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--log-level" not in flags:  # Chromium's own log: fatal errors only
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --log-level=3".strip()
    qInstallMessageHandler(_on_message)
