"""Qt's own words follow the user's language (the dialogs' buttons, a page's
context menu); an English session loads no catalog."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QLocale
from PySide6.QtWebEngineCore import QWebEnginePage

from weft.app.language import install_translations


def test_german_gets_qt_s_and_qtwebengine_s_catalogs(qapp: Any) -> None:
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    translators = install_translations(qapp, QLocale("de_DE"))
    try:
        assert len(translators) == 2
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen"
        page = QWebEnginePage()
        assert page.action(QWebEnginePage.WebAction.Copy).text() == "Kopieren"
        page.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # before the profile goes
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_english_and_unknown_languages_load_nothing(qapp: Any) -> None:
    assert install_translations(qapp, QLocale("en_GB")) == []
    assert install_translations(qapp, QLocale("yo_NG")) == []  # Yoruba: Qt has no catalog
