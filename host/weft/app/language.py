"""Qt's own words in the user's language: the buttons of weft's dialogs and
of a page's alert/confirm/prompt, the file dialog, a page's context menu.

Chromium translates its own strings (error pages, form controls) from the
``.pak`` of the locale; Qt's come from its ``.qm`` catalogs, which Qt loads
only when asked. English needs none, so an English session loads nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

CATALOGS = ("qtbase", "qtwebengine")
"""Qt's widgets and dialogs; QtWebEngine's context menu and its actions."""


def install_translations(app: QApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Install Qt's catalogs for ``locale`` (default: the system's) that the
    Qt in use has; return the translators installed (none for English)."""
    locale = locale if locale is not None else QLocale.system()
    # By name: QLocale.Language, an enum of 300-odd members, would be built
    # at every start to ask.
    if locale.name().partition("_")[0] in ("en", "C"):
        return []
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    installed = []
    for catalog in CATALOGS:
        translator = QTranslator(app)
        # load() tries the locale's UI languages in turn: de_DE, then de.
        if translator.load(locale, catalog, "_", folder) and app.installTranslator(translator):
            installed.append(translator)
        else:
            translator.deleteLater()
    return installed
