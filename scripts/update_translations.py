"""Refresh the Qt Linguist sources from the code and compile them (run after changing a visible string).

    .venv/bin/python scripts/update_translations.py           # lupdate the .ts files, then lrelease
    .venv/bin/python scripts/update_translations.py --release # only compile the .ts files into .qm

``bitrix_monitor_ru.ts`` holds every string (the window's, and the core's messages in
``bitrix_monitor/messages.py``, which the headless front end reads from the .ts without Qt);
``bitrix_monitor_en.ts`` only the plural forms (English
source text is already English, but "%n job(s)" needs "1 job" / "2 jobs"). Translate new strings with
``pyside6-linguist resources/i18n/bitrix_monitor_ru.ts`` (terms: resources/i18n/GLOSSARY.md), then run
this again. The .qm files are committed: a checkout and the bundle need no build step to have them, and
``tests/gui/test_translations.py`` fails when one is out of date or a string is untranslated.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
SOURCES = ROOT / "bitrix_monitor" / "gui"
# The core's message catalogue (errors, plan reasons, activity, report lines: bitrix_monitor/messages.py):
# the same .ts carries it, read by the window through Qt and by the headless report without Qt.
CORE_SOURCES = (ROOT / "bitrix_monitor" / "messages.py",)
CATALOGUE = "bitrix_monitor"
LANGUAGES = {"ru": [], "en": ["-pluralonly"]}


def tool(name: str) -> str:
    """``pyside6-lupdate`` / ``pyside6-lrelease`` beside this Python (they ship with the PySide6 wheel)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install the project (pip install -e .) first")
    return found


def source_files() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in [*SOURCES.rglob("*.py"), *CORE_SOURCES])


def lupdate(ts: Path, extra: list[str]) -> None:
    subprocess.run(
        [
            tool("pyside6-lupdate"),
            *source_files(),
            "-no-obsolete",
            "-locations",
            "none",
            *extra,
            "-ts",
            str(ts),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--release", action="store_true", help="only compile .ts into .qm")
    args = p.parse_args(argv)
    I18N.mkdir(parents=True, exist_ok=True)
    for lang, extra in LANGUAGES.items():
        ts = I18N / f"{CATALOGUE}_{lang}.ts"
        if not args.release:
            lupdate(ts, [*extra, "-target-language", lang])
        lrelease(ts, ts.with_suffix(".qm"))
        print(ts.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
