"""Languages: the Linguist sources cover every string the GUI code marks, the compiled catalogues match
them, Russian plural forms are right, and switching the language retranslates every open window.

The CI check (issue 16): ``test_every_marked_string_is_translated`` fails when a string in the code has
no translation; ``test_the_demo_window_shows_no_english_in_russian`` fails when a visible text was never
marked for translation at all.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QWidget,
)

from bitrix_monitor import APP_TITLE
from bitrix_monitor.gui import i18n
from bitrix_monitor.gui.crash import CrashDialog
from bitrix_monitor.gui.models import ActivityModel, ArchiveModel, QueueModel, RecordsModel, RunnersModel
from bitrix_monitor.gui.settings import SettingsDialog
from bitrix_monitor.gui.widgets import ConfirmDialog, PlanDialog
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue.model import QueueCounts, TeamRunner
from bitrix_monitor.sync.api import Outage, RunnerStatus
from bitrix_monitor.sync.model import Plan, PlannedJob, Progress
from bitrix_monitor.sync.queue_run import follow_run
from bitrix_monitor.sync.service import DESK_DESCRIPTION
from tests.gui.conftest import DialogAnswers, demo_window, wait_until

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import update_translations  # noqa: E402

# -- the CI check on the sources ---------------------------------------------------------------------


def _unfinished(ts: Path) -> list[str]:
    """Messages in a .ts with no (or an incomplete) translation."""
    out = []
    for ctx in ET.parse(ts).getroot():
        name = ctx.findtext("name")
        for message in ctx.findall("message"):
            tr = message.find("translation")
            assert tr is not None
            forms = [f.text for f in tr.findall("numerusform")]
            empty = not any(forms) if message.get("numerus") == "yes" else not (tr.text or "").strip()
            if tr.get("type") in ("unfinished", "obsolete", "vanished") or empty or not all(forms or [1]):
                out.append(f"{name}: {message.findtext('source')}")
    return out


@pytest.mark.parametrize("lang", sorted(update_translations.LANGUAGES))
def test_every_marked_string_is_translated(lang: str, tmp_path: Path) -> None:
    """lupdate over the GUI code into a copy of the committed .ts: nothing new, nothing unfinished."""
    committed = update_translations.I18N / f"bitrix_monitor_{lang}.ts"
    copy = tmp_path / committed.name
    shutil.copy(committed, copy)
    update_translations.lupdate(copy, [*update_translations.LANGUAGES[lang], "-target-language", lang])
    problems = _unfinished(copy)
    assert not problems, (
        f"{len(problems)} string(s) without a {lang} translation — run scripts/update_translations.py "
        "and translate them:\n" + "\n".join(problems)
    )
    assert copy.read_bytes() == committed.read_bytes(), "the .ts is out of date: run update_translations.py"


@pytest.mark.parametrize("lang", sorted(update_translations.LANGUAGES))
def test_the_committed_catalogue_is_compiled_from_its_source(lang: str, tmp_path: Path) -> None:
    ts = update_translations.I18N / f"bitrix_monitor_{lang}.ts"
    qm = tmp_path / "out.qm"
    update_translations.lrelease(ts, qm)
    assert qm.read_bytes() == ts.with_suffix(".qm").read_bytes(), "run scripts/update_translations.py"


def test_the_catalogues_are_found_where_the_app_looks() -> None:
    for lang in ("en", "ru"):
        assert (i18n.translations_dir() / f"bitrix_monitor_{lang}.qm").is_file()
    assert (i18n.qt_translations_dir() / "qtbase_ru.qm").is_file()


# -- plural forms and the switch ---------------------------------------------------------------------


@pytest.fixture
def russian() -> Iterator[None]:
    assert i18n.set_language("ru") == "ru"
    yield
    i18n.set_language("en")


RUSSIAN_QUEUE = {
    1: "Поставить в очередь 1 задание?",
    2: "Поставить в очередь 2 задания?",
    5: "Поставить в очередь 5 заданий?",
    11: "Поставить в очередь 11 заданий?",
    21: "Поставить в очередь 21 задание?",
    22: "Поставить в очередь 22 задания?",
    25: "Поставить в очередь 25 заданий?",
    111: "Поставить в очередь 111 заданий?",
}


def _plan(n: int) -> Plan:
    return Plan(tuple(PlannedJob("deal.create", str(i), "no record in the portal") for i in range(n)))


@pytest.mark.usefixtures("russian")
@pytest.mark.parametrize(("n", "expected"), sorted(RUSSIAN_QUEUE.items()))
def test_russian_plural_forms(qtbot, n: int, expected: str) -> None:
    dialog = PlanDialog(_plan(n))
    qtbot.addWidget(dialog)
    assert dialog.question.text() == expected
    assert dialog.summary.text() == f"План: Создать сделку: {n}."


@pytest.mark.parametrize(("n", "expected"), [(1, "Queue 1 job?"), (2, "Queue 2 jobs?"), (0, "Queue 0 jobs?")])
def test_english_plural_forms(qtbot, n: int, expected: str) -> None:
    dialog = PlanDialog(_plan(n))
    qtbot.addWidget(dialog)
    assert dialog.question.text() == expected


def test_the_system_locale_picks_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("ru_RU")))
    assert i18n.resolve("system") == "ru"
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("de_DE")))
    assert i18n.resolve("system") == "en"
    assert i18n.resolve("ru") == "ru"


async def test_switching_the_language_retranslates_every_open_window(
    qtbot, data_dirs: DataDirs, fake_service
) -> None:
    async def factory(*, demo: bool = False):  # type: ignore[no-untyped-def]
        return fake_service

    win = MainWindow(config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory)
    qtbot.addWidget(win)
    win.show()
    assert await win.connect_service()
    settings = SettingsDialog(data_dirs.config_file, parent=win)
    qtbot.addWidget(settings)
    settings.show()
    assert win.tabs.tabText(1) == "Orders"
    try:
        i18n.set_language("ru")
        await wait_until(lambda: win.tabs.tabText(1) == "Заказы")
        assert settings.windowTitle() == "Настройки"
        assert settings.test_portal_button.text() == "Проверить подключение"
        assert win.orders.model.headerData(0, Qt.Orientation.Horizontal) == "Заказ"
        assert win.overview.buttons[("order", "missing")].text().startswith("нет в Битрикс24: ")
        assert "Проверено 200 заказов и 50 пользователей" in win.overview.snapshot_label.text()
        # cells computed once per row are computed again
        win.show_records("order", "missing")
        assert win.orders.proxy.index(0, 3).data() == "нет в Битрикс24"
        i18n.set_language("en")
        await wait_until(lambda: win.tabs.tabText(1) == "Orders")
        assert settings.windowTitle() == "Settings"
        assert win.orders.proxy.index(0, 3).data() == "missing"
    finally:
        settings.close()
        await win.shutdown()


def test_saving_a_language_in_the_settings_switches_at_once(qtbot, data_dirs: DataDirs) -> None:
    dialog = SettingsDialog(data_dirs.config_file)
    qtbot.addWidget(dialog)
    combo = dialog.language_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["system", "en", "ru"]
    assert combo.itemText(2) == "Русский"
    combo.setCurrentIndex(2)
    assert dialog.save(), dialog.error_label.text()
    try:
        assert i18n.current_language() == "ru"
        qtbot.waitUntil(lambda: dialog.windowTitle() == "Настройки")  # LanguageChange is a posted event
        assert 'language = "ru"' in data_dirs.config_file.read_text()
        assert SettingsDialog(data_dirs.config_file).language_combo.currentData() == "ru"
    finally:
        i18n.set_language("en")


def test_qt_own_dialog_buttons_follow_the_language(qtbot) -> None:
    i18n.set_language("ru")
    try:
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Отмена"
        dialog = ConfirmDialog("?", "OK")
        qtbot.addWidget(dialog)
        texts = {b.text() for b in dialog.findChildren(QAbstractButton)}
        assert "Отмена" in texts
    finally:
        i18n.set_language("en")


# -- the visible-text check --------------------------------------------------------------------------

# What may stay in Latin letters in a Russian window: names and codes, not words. A token passes when it
# is a brand or product name, an abbreviation in capitals (CSV, URL, ID, PEM), or looks like an identifier
# or a value (has a digit, "_", ".", "/", "=", "@" or ":" in it: crm.deal.add, paid=WON, Europe/Moscow,
# https://PORTAL/rest/…). Everything else with two or more Latin letters is an English word left behind.
ALLOWED_WORDS = {
    *APP_TITLE.split(),
    *("Bitrix24", "E-mail", "English", "SQLAlchemy", "PostgreSQL", "burst", "drain"),
}
_TOKEN = re.compile(r"[^\s,;()«»—–·?!…\[\]{}]+")
_LATIN = re.compile(r"[A-Za-z]{2,}")


def english_words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", text)  # rich text
    bad = []
    for token in _TOKEN.findall(text):
        token = token.strip(".:'\"")
        if not _LATIN.search(token) or token in ALLOWED_WORDS:
            continue
        if re.search(r"[\d_./=@:]", token) or (token.isupper() and len(token) <= 5):
            continue
        bad.append(token)
    return bad


def test_the_rule_catches_words_and_lets_names_through() -> None:
    assert english_words("Обновить") == []
    assert english_words("Экспорт в CSV… · crm.deal.add 1.5 с · Europe/Moscow · Bitrix Monitor") == []
    assert english_words("Runner active") == ["Runner", "active"]
    assert english_words("<b>Заказ</b> queue: 3") == ["queue"]


def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text a person can see or hover in ``root`` and its children, on every tab:
    titles, labels, buttons, group boxes, tabs, combo items, placeholders, tooltips, table headers, actions.
    Table cells are the shop's and the portal's data, not the window's words, and are left out."""
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        name = f"{type(w).__name__}({w.objectName()})"
        if w.isWindow():
            yield name + ".windowTitle", w.windowTitle()
        if w.toolTip():
            yield name + ".toolTip", w.toolTip()
        if isinstance(w, QLabel | QAbstractButton):
            yield name, w.text()
        elif isinstance(w, QGroupBox):
            yield name, w.title()
        elif isinstance(w, QLineEdit):
            yield name + ".placeholder", w.placeholderText()
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield f"{name}.tab{i}", w.tabText(i)
        elif isinstance(w, QComboBox) and not w.isEditable():
            for i in range(w.count()):
                yield f"{name}.item{i}", w.itemText(i)
                tip = w.itemData(i, Qt.ItemDataRole.ToolTipRole)
                if tip:
                    yield f"{name}.item{i}.toolTip", tip
        elif isinstance(w, QTableView):
            model = w.model()
            for c in range(model.columnCount()):
                yield f"{name}.header{c}", str(model.headerData(c, Qt.Orientation.Horizontal))
        for action in w.actions():
            yield f"{name}.action", action.text()


def assert_all_russian(root: QWidget, *, data: tuple[str, ...] = ()) -> int:
    """Every visible text of ``root`` is Russian (by the rule above); texts of widgets whose class name is
    in ``data`` show data (a report, a keyring's name) and are left out. Returns how many were checked."""
    texts = [(where, text) for where, text in visible_texts(root) if not where.startswith(data)]
    left = [f"{where}: {text!r} → {bad}" for where, text in texts if (bad := english_words(text))]
    assert not left, (
        "English left in the Russian window (mark it with self.tr(); a new setting needs its words in "
        "gui/setting_words.py; then scripts/update_translations.py and translate):\n" + "\n".join(left)
    )
    return len(texts)


async def test_the_demo_window_shows_no_english_in_russian(qtbot, data_dirs: DataDirs) -> None:
    window = demo_window(qtbot, data_dirs)
    i18n.set_language("ru")
    try:
        assert await window.connect_service(demo=True)
        window.retranslate_ui()
        seen = assert_all_russian(window)
        assert seen > 150

        # every tab, with a record chosen (detail pane headings, its buttons)
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
        window.show_records("order", "outdated")
        window.orders.view.selectRow(0)
        await wait_until(lambda: window.orders.detail.history is not None)
        pane = window.orders.detail.toPlainText()
        assert "Состояние:" in pane and "Сумма" in pane and "История заданий" in pane
        assert "OPPORTUNITY" not in pane
        assert_all_russian(window)

        # the dialogs the window opens
        shown: list[QDialog] = []
        window.dialog_opened.connect(shown.append)
        answers = DialogAnswers(window, accept=False)
        await window.sync_everything()
        await window.cancel_jobs([1, 2])
        assert [type(d).__name__ for d in shown] == ["PlanDialog", "ConfirmDialog"]
        dropped = "Снять 2 задания? Они не будут выполнены; «Повторить» вернёт их."
        assert answers.seen[1] == ("ConfirmDialog", dropped)
        for dialog in shown:
            assert_all_russian(dialog)
        settings = SettingsDialog(data_dirs.config_file, parent=window)
        qtbot.addWidget(settings)
        settings.keyring_label.setObjectName("keyring")  # names the keyring backend in its own words
        assert assert_all_russian(settings, data=("QLabel(keyring)",)) > 80
        crash = CrashDialog("Traceback …")
        qtbot.addWidget(crash)
        assert_all_russian(crash, data=("QPlainTextEdit",))
    finally:
        i18n.set_language("en")
        await window.shutdown()


def cells(view: QTableView, columns: Sequence[int], rows: int = 40) -> Iterator[tuple[str, str]]:
    """(where, text) of the cells of ``columns`` that show the window's words (states, kinds, who), not
    the shop's or the portal's data, in the first ``rows`` rows."""
    model = view.model()
    for r in range(min(rows, model.rowCount())):
        for c in columns:
            yield (
                f"{view.objectName() or type(model.sourceModel()).__name__}[{r},{c}]",
                str(  # type: ignore[attr-defined]
                    model.data(model.index(r, c)) or ""
                ),
            )


def assert_russian_texts(texts: Iterable[tuple[str, str]]) -> int:
    seen = list(texts)
    left = [f"{where}: {text!r} → {bad}" for where, text in seen if (bad := english_words(text))]
    assert not left, "English left in the Russian window:\n" + "\n".join(left)
    return len(seen)


async def test_the_newer_views_show_no_english_in_russian(qtbot, data_dirs: DataDirs) -> None:
    """The views issue 16 added after the first check: the cleanup preview, the Archive tab, a stale link's
    two ways out, the team's runners, the offline state, the progress and run lines, Activity's filter;
    with the words shown in the tables' cells (states, kinds, who did it)."""
    window = demo_window(qtbot, data_dirs)
    i18n.set_language("ru")
    try:
        assert await window.connect_service(demo=True)
        window.retranslate_ui()
        service = window.require_service()

        # A stale link's two ways out, in the detail pane (the record's own values are data).
        window.show_records("order", "stale_link")
        window.orders.view.selectRow(0)
        await wait_until(lambda: window.orders.detail.history is not None)
        pane = window.orders.detail.toPlainText().splitlines()
        words = pane[1 : pane.index("Поле")]  # after the record's title, up to the values' table
        assert any(line.startswith("Создать заново:") for line in words)
        assert any(line.startswith("Отвязать:") for line in words)
        notes = [line for line in words if line.startswith("Примечание:")]  # quotes the portal's answer
        assert_russian_texts(("pane", line) for line in words if line not in notes)

        # The cleanup preview: the record that stays and each that disappears, then done, archived.
        previews: list[tuple[int, list[tuple[str, str]]]] = []  # read while it is open
        window.dialog_opened.connect(
            lambda d: previews.append((len(getattr(d, "previews", ())), list(visible_texts(d))))
        )
        answers = DialogAnswers(window)
        window.show_records("order", "duplicated")
        window.orders.select_all_visible()
        keys = [r.key for r in window.orders.selected()]
        assert keys
        assert await window.queue_action("order", keys, "cleanup") > 0
        assert [seen[0] for seen in answers.seen] == ["PlanDialog"]
        [(merges, texts)] = previews
        assert merges > 0 and assert_russian_texts(texts) > 3
        await wait_until(lambda: window.overview.count("queue", "queued") == 0, within=60)
        await window.refresh_archive()
        await wait_until(lambda: window.archive.model.rowCount() > 0, within=30)
        await window.refresh_queue()
        assert window.activity.model.rowCount() > 0 and window.activity.who_filter.count() > 1

        # The team's runners: this window and a silent worker.
        now = datetime.now(UTC)
        desk = TeamRunner("pc-07:1", "pc-07", 1, DESK_DESCRIPTION, "1.0", now, now, None, None)
        command = "bitrix-monitor --sync --watch 60"  # a worker's command line is shown as it is
        worker = TeamRunner("srv-2:2", "srv-2", 2, command, "1.0", now, now, None, None)
        window.runners.set_runners(
            "postgresql://team@db/queue",
            [RunnerStatus(desk, "working", True, 30.0), RunnerStatus(worker, "silent", False, 30.0)],
        )

        # The progress of a reconcile and of a queue run.
        window._show_progress(Progress("reading portal deals"))
        assert window.status_label.text() == "Чтение сделок в Битрикс24…"
        window._show_progress(Progress("processing queue", 0, 5, "5 × deal.create"))
        assert window.status_label.text() == "Выполнение очереди… Создать сделку: 5"
        start = follow_run(None, QueueCounts(queued=1500, done=10), 0.0)
        window._run = follow_run(start, QueueCounts(queued=1200, done=310), 120.0)
        window._show_run()
        assert window.queue.run_label.text().startswith("Выполнено заданий: 300 из 1\u00a0500")

        # Every view and table, then offline: Bitrix24 cannot be reached (the reason is the core's words).
        tables = {
            **{
                f"records:{k}": (t.view, (RecordsModel.STATE, RecordsModel.QUEUE))
                for k, t in window.record_tabs.items()
            },
            "queue": (window.queue.view, (QueueModel.KIND, QueueModel.STATE, QueueModel.QUEUED_BY)),
            "activity": (window.activity.view, (ActivityModel.ACTOR,)),
            "archive": (
                window.archive.view,
                (ArchiveModel.RECORD, ArchiveModel.SHOP_RECORD, ArchiveModel.MERGED_INTO),
            ),
            "runners": (window.runners.view, (RunnersModel.STATE,)),
        }
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
        # Names, not words: this desk's (Activity's "who") and its host's (the runner filter: who ran a job).
        names = {service.desk, service.owner.rpartition(":")[0]}
        # Long Russian words make no page wider or taller than a 1280×800 screen (the overview scrolls).
        hint = window.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 800, hint
        assert assert_russian_texts((w, t) for w, t in visible_texts(window) if t not in names) > 150
        for view, columns in tables.values():
            assert_russian_texts(cells(view, columns))
        assert_russian_texts(
            cells(window.runners.view, (RunnersModel.RUNNER, RunnersModel.DESCRIPTION), rows=1)
        )

        service._outages["portal"] = Outage("portal", now, "Битрикс24 не отвечает")  # type: ignore[attr-defined]
        window._update_outages()
        assert window.offline_label.isVisibleTo(window)
        assert window.overview.offline_banner.text()
        assert assert_russian_texts((w, t) for w, t in visible_texts(window) if t not in names) > 150
    finally:
        i18n.set_language("en")
        await window.shutdown()


def test_the_translation_tools_ship_with_pyside6() -> None:
    for name in ("pyside6-lupdate", "pyside6-lrelease"):
        result = subprocess.run(
            [update_translations.tool(name), "-version"], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and "6." in result.stdout + result.stderr


def test_the_app_starts_in_the_language_of_the_config(data_dirs: DataDirs, fake_service) -> None:
    from bitrix_monitor.gui.app import run_gui

    async def factory(*, demo: bool = False):  # type: ignore[no-untyped-def]
        return fake_service

    data_dirs.config_file.write_text('[window]\nlanguage = "ru"\n')
    try:
        assert run_gui(factory, config_path=data_dirs.config_file, data_dirs=data_dirs, quit_after=0.3) == 0
        assert i18n.current_language() == "ru"
    finally:
        i18n.set_language("en")
    data_dirs.config_file.write_text("[window]\nlanguage = 'klingon'\n")  # unreadable: the system's language
    run_gui(factory, config_path=data_dirs.config_file, data_dirs=data_dirs, quit_after=0.3)
    assert i18n.current_language() == i18n.system_language()
