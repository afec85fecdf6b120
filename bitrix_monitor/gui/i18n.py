"""Languages: Qt Linguist translations for the app and for Qt's own dialogs, switched at run time.

The sources are ``resources/i18n/bitrix_monitor_<lang>.ts`` (made by ``pyside6-lupdate``, see
``scripts/update_translations.py``); the compiled ``.qm`` files beside them are committed, so a fresh
checkout and the PyInstaller bundle (``build.spec`` ships ``resources/``) both have them, and a test
fails when a ``.qm`` no longer matches its ``.ts``.

Installing a translator makes Qt send ``QEvent.LanguageChange`` to every widget of every open window;
each widget re-sets its texts in ``retranslate_ui()``, so the language changes without a restart.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from bitrix_monitor.paths import resource_dir

from .words import forget_words

log = logging.getLogger(__name__)

SYSTEM = "system"
LANGUAGES = ("en", "ru")  # what the app is translated into
CATALOGUE = "bitrix_monitor"

_installed: list[QTranslator] = []
_current = "en"


def translations_dir() -> Path:
    return resource_dir() / "i18n"


def qt_translations_dir() -> Path:
    """Where Qt's own ``qtbase_<lang>.qm`` files are (the wheel's, or the bundle's copy)."""
    path = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if path.is_dir():
        return path
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "translations"


def system_language() -> str:
    """The app language closest to the system locale (English when it is none of ours)."""
    for name in QLocale.system().uiLanguages():
        code = name.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return "en"


def resolve(choice: str) -> str:
    """A setting (``system``, ``en``, ``ru``) as the language to show."""
    return choice if choice in LANGUAGES else system_language()


def current_language() -> str:
    return _current


def set_language(choice: str) -> str:
    """Show the app (and Qt's dialogs) in ``choice`` from now on, in every open window. Returns the code."""
    global _current
    app = QCoreApplication.instance()
    code = resolve(choice)
    if app is None:
        _current = code
        return code
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(QLocale(code))
    for directory, name in ((qt_translations_dir(), "qtbase"), (translations_dir(), CATALOGUE)):
        translator = QTranslator(app)
        if translator.load(f"{name}_{code}", str(directory)):
            app.installTranslator(translator)
            _installed.append(translator)
        elif not (name == "qtbase" and code == "en"):
            log.warning("no %s translation for %s in %s", name, code, directory)
    forget_words(code)  # before the windows hear of the change and ask for their words again
    log.info("language %s (%s): %s", code, choice, ", ".join(t.filePath() for t in _installed) or "built in")
    _current = code
    return code
