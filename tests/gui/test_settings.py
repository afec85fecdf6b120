"""The settings dialog: config written without secrets, secrets in the keyring, inline validation,
connection tests through the service."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QLineEdit

from bitrix_monitor import config
from bitrix_monitor.gui.settings import SettingsDialog
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.secrets import SERVICE, WEBHOOK_KEY, queue_password_key, shop_password_key
from tests.fakes import MemoryKeyring
from tests.gui.conftest import wait_until
from tests.gui.fakes import FakeService

WEBHOOK = "https://example.bitrix24.com/rest/1/q7w8e9r0t1y2u3i4/"
PASSWORD = "hunter2-database"
SHOP_URL = "postgresql+psycopg://shop@db.internal/shop"


def _edit(dialog: SettingsDialog, *key: str) -> QLineEdit:
    widget = dialog.widgets[key]
    assert isinstance(widget, QLineEdit)
    return widget


def _dialog(qtbot, path: Path, tester: object | None = None) -> SettingsDialog:
    dialog = SettingsDialog(path, tester=tester)
    qtbot.addWidget(dialog)
    return dialog


def test_saving_writes_the_config_without_secrets_and_secrets_to_the_keyring(
    qtbot, data_dirs: DataDirs, fake_keyring: MemoryKeyring
) -> None:
    path = data_dirs.config_file
    dialog = _dialog(qtbot, path)
    _edit(dialog, "shop", "url").setText(SHOP_URL)
    _edit(dialog, "shop", "orders", "stage_map").setText("paid=WON, cancelled=LOSE")
    _edit(dialog, "portal", "originator").setText("my-shop")
    plan = dialog.widgets[("portal", "plan")]
    assert isinstance(plan, QComboBox)
    plan.setCurrentText("enterprise")
    dialog.webhook_edit.setText(WEBHOOK)
    dialog.password_edit.setText(PASSWORD)

    assert dialog.save(), dialog.error_label.text()

    text = path.read_text()
    assert "q7w8e9r0t1y2u3i4" not in text
    assert PASSWORD not in text
    cfg = config.load(path)
    assert cfg.shop.url == SHOP_URL
    assert cfg.shop.orders.stage_map == {"paid": "WON", "cancelled": "LOSE"}
    assert cfg.portal.originator == "my-shop"
    assert cfg.portal.plan == "enterprise"
    assert fake_keyring.store[(SERVICE, WEBHOOK_KEY)] == WEBHOOK
    assert fake_keyring.store[(SERVICE, shop_password_key(SHOP_URL))] == PASSWORD


def test_stored_secrets_are_never_shown_again(qtbot, data_dirs: DataDirs) -> None:
    first = _dialog(qtbot, data_dirs.config_file)
    _edit(first, "shop", "url").setText(SHOP_URL)
    first.webhook_edit.setText(WEBHOOK)
    first.password_edit.setText(PASSWORD)
    assert first.save()
    again = _dialog(qtbot, data_dirs.config_file)
    assert again.webhook_edit.text() == ""
    assert again.password_edit.text() == ""
    assert "stored in the keyring" in again.webhook_edit.placeholderText()
    assert "stored in the keyring" in again.password_edit.placeholderText()


def test_invalid_settings_are_shown_inline_and_nothing_is_written(qtbot, data_dirs: DataDirs) -> None:
    dialog = _dialog(qtbot, data_dirs.config_file)
    plan = dialog.widgets[("portal", "plan")]
    assert isinstance(plan, QComboBox)
    plan.setCurrentText("very fast")
    assert not dialog.save()
    assert "is not a rate plan" in dialog.error_label.text()
    assert "b00020" in plan.styleSheet()
    assert not data_dirs.config_file.exists()

    plan.setCurrentText("burst=10,drain=1")
    _edit(dialog, "shop", "orders", "stage_map").setText("paid")
    assert not dialog.save()
    assert "'paid' is not key=value" in dialog.error_label.text()


def test_a_malformed_webhook_url_is_refused_without_echoing_it(qtbot, data_dirs: DataDirs) -> None:
    dialog = _dialog(qtbot, data_dirs.config_file)
    dialog.webhook_edit.setText("example.bitrix24.com/rest/1/s3cr3tvalue99/")
    assert not dialog.save()
    assert dialog.error_label.text()
    assert "s3cr3tvalue99" not in dialog.error_label.text()
    assert dialog.error_label.text().startswith("The webhook URL has no scheme (https://) (expected https://")


def test_a_malformed_webhook_url_is_refused_in_russian(qtbot, data_dirs: DataDirs) -> None:
    from bitrix_monitor.gui import i18n

    dialog = _dialog(qtbot, data_dirs.config_file)
    try:
        assert i18n.set_language("ru") == "ru"
        dialog.webhook_edit.setText("example.bitrix24.com/rest/1/s3cr3tvalue99/")
        assert not dialog.save()
        assert dialog.error_label.text() == (
            "В URL вебхука нет схемы (https://) (ожидается https://PORTAL/rest/USER_ID/SECRET/ (скопируйте "
            "его в Битрикс24: Разработчикам > Вебхуки))"
        )
    finally:
        i18n.set_language("en")


async def test_connection_tests_call_the_service_and_show_its_answer(qtbot, data_dirs: DataDirs) -> None:
    dialog = _dialog(qtbot, data_dirs.config_file, tester=FakeService())
    dialog.webhook_edit.setText(WEBHOOK)
    dialog.test_portal_button.click()
    await wait_until(lambda: dialog.test_portal_result.text().startswith("Connected"))
    _edit(dialog, "shop", "url").setText("")
    dialog.test_shop_button.click()
    await wait_until(lambda: "Enter the shop database URL first" in dialog.test_shop_result.text())
    dialog.check_mapping_button.click()
    await wait_until(lambda: dialog.check_mapping_result.text() == "The mapping matches the database")
    _edit(dialog, "shop", "orders", "table").setText("orderz")
    dialog.check_mapping_button.click()
    await wait_until(lambda: dialog.check_mapping_result.text() == "no table 'orderz'")


def test_without_a_service_the_test_buttons_are_disabled(qtbot, data_dirs: DataDirs) -> None:
    dialog = _dialog(qtbot, data_dirs.config_file)
    assert not dialog.test_portal_button.isEnabled()
    assert not dialog.test_shop_button.isEnabled()
    assert not dialog.check_mapping_button.isEnabled()


def test_a_broken_config_file_is_reported_and_defaults_are_shown(qtbot, data_dirs: DataDirs) -> None:
    data_dirs.config_file.write_text("[portal]\nplan = 'warp'\n")
    dialog = _dialog(qtbot, data_dirs.config_file)
    assert "is not a rate plan" in dialog.error_label.text()
    assert _edit(dialog, "shop", "orders", "table").text() == "orders"


def test_a_keyring_that_refuses_the_secret_leaves_the_config_file_unwritten(
    qtbot, data_dirs: DataDirs, fake_keyring: MemoryKeyring, monkeypatch
) -> None:
    import keyring.errors

    def refuse(service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("locked")

    monkeypatch.setattr(fake_keyring, "set_password", refuse)
    dialog = _dialog(qtbot, data_dirs.config_file)
    _edit(dialog, "portal", "originator").setText("my-shop")
    dialog.webhook_edit.setText(WEBHOOK)
    assert not dialog.save()
    assert "keyring refused" in dialog.error_label.text()
    assert not data_dirs.config_file.exists()


def test_settings_are_labelled_in_words_with_their_units(qtbot, data_dirs: DataDirs) -> None:
    from PySide6.QtWidgets import QDoubleSpinBox

    dialog = _dialog(qtbot, data_dirs.config_file)
    assert dialog.labels[("sync", "settle_delay")].text() == "Look up an unconfirmed creation after"
    assert dialog.labels[("sync", "retry_cap")].text() == "Longest wait between retries"
    delay = dialog.widgets[("sync", "settle_delay")]
    assert isinstance(delay, QDoubleSpinBox)
    assert delay.suffix() == " s"
    assert dialog.sizeHint().width() >= 820 and dialog.sizeHint().height() >= 620
    policy = dialog.widgets[("sync", "cleanup_policy")]
    assert isinstance(policy, QComboBox)
    assert policy.currentText() == "Leave it to a person"
    policy.setCurrentIndex(1)
    assert dialog.build_config().sync.cleanup_policy == "archive"


def test_a_bad_stage_map_outlines_the_stage_map_only(qtbot, data_dirs: DataDirs) -> None:
    dialog = _dialog(qtbot, data_dirs.config_file)
    _edit(dialog, "shop", "orders", "stage_map").setText("paid")
    assert not dialog.save()
    outlined = [key for key, widget in dialog.widgets.items() if "b00020" in widget.styleSheet()]
    assert outlined == [("shop", "orders", "stage_map")]


async def test_connection_tests_stay_available_while_the_window_is_connected(
    qtbot, data_dirs: DataDirs
) -> None:
    from bitrix_monitor.gui.window import MainWindow

    service = FakeService()

    async def factory(*, demo: bool = False) -> FakeService:
        return service

    win = MainWindow(
        config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory, tester=FakeService()
    )
    qtbot.addWidget(win)
    assert await win.connect_service(demo=True)
    seen: list[SettingsDialog] = []

    def look(dialog) -> None:  # type: ignore[no-untyped-def]
        seen.append(dialog)
        dialog.reject()

    win.dialog_opened.connect(look)
    await win.open_settings()
    [dialog] = seen
    assert dialog.test_portal_button.isEnabled()
    assert dialog.test_shop_button.isEnabled()
    assert dialog.check_mapping_button.isEnabled()
    await win.shutdown()


TEAM_QUEUE = "postgresql://bitrix_monitor@db.example/bitrix_monitor"


def test_saving_keeps_the_team_queue_url_and_shows_it(qtbot, data_dirs: DataDirs) -> None:
    data_dirs.config_file.write_text(f'[queue]\nurl = "{TEAM_QUEUE}"\n')
    dialog = _dialog(qtbot, data_dirs.config_file)
    assert _edit(dialog, "queue", "url").text() == TEAM_QUEUE
    assert dialog.labels[("queue", "url")].text() == "Team queue URL"
    _edit(dialog, "portal", "originator").setText("my-shop")
    assert dialog.save(), dialog.error_label.text()
    cfg = config.load(data_dirs.config_file)
    assert cfg.queue.url == TEAM_QUEUE
    assert cfg.portal.originator == "my-shop"


def test_the_team_queue_password_goes_to_the_keyring_before_the_file(
    qtbot, data_dirs: DataDirs, fake_keyring: MemoryKeyring
) -> None:
    dialog = _dialog(qtbot, data_dirs.config_file)
    _edit(dialog, "queue", "url").setText(TEAM_QUEUE)
    dialog.queue_password_edit.setText(PASSWORD)
    assert dialog.save(), dialog.error_label.text()
    assert PASSWORD not in data_dirs.config_file.read_text()
    assert config.load(data_dirs.config_file).queue.url == TEAM_QUEUE
    assert fake_keyring.store[(SERVICE, queue_password_key(TEAM_QUEUE))] == PASSWORD
    again = _dialog(qtbot, data_dirs.config_file)
    assert again.queue_password_edit.text() == ""
    assert "stored in the keyring" in again.queue_password_edit.placeholderText()


def test_a_team_queue_url_that_cannot_be_one_is_refused_without_echoing_a_password(
    qtbot, data_dirs: DataDirs, fake_keyring: MemoryKeyring
) -> None:
    dialog = _dialog(qtbot, data_dirs.config_file)
    dialog.queue_password_edit.setText(PASSWORD)
    assert not dialog.save()
    assert "[queue] url: set the team queue's URL the password belongs to" in dialog.error_label.text()
    _edit(dialog, "queue", "url").setText("postgresql://bitrix_monitor:s3cr3tpw@db.example/bm")
    assert not dialog.save()
    assert "keyring" in dialog.error_label.text()
    assert "s3cr3tpw" not in dialog.error_label.text()
    assert "b00020" in _edit(dialog, "queue", "url").styleSheet()
    _edit(dialog, "queue", "url").setText("mysql://bitrix_monitor@db.example/bm")
    assert not dialog.save()
    assert "PostgreSQL" in dialog.error_label.text()
    assert not data_dirs.config_file.exists()
    assert fake_keyring.store == {}


async def test_the_team_queue_connection_test_reaches_the_real_database(
    qtbot, data_dirs: DataDirs, postgres_url: str
) -> None:
    from bitrix_monitor.queue.team import SCHEMA_VERSION, TeamQueue
    from bitrix_monitor.sync.probe import ConnectionTester

    dialog = _dialog(qtbot, data_dirs.config_file, tester=ConnectionTester(config.AppConfig()))
    dialog.test_queue_button.click()
    await wait_until(lambda: "Enter the team queue's URL first" in dialog.test_queue_result.text())
    _edit(dialog, "queue", "url").setText(postgres_url)
    dialog.test_queue_button.click()
    await wait_until(lambda: "no team queue there yet" in dialog.test_queue_result.text())
    TeamQueue.connect(postgres_url).close()  # a desk set it up
    dialog.test_queue_button.click()
    await wait_until(lambda: "Connected to the team queue" in dialog.test_queue_result.text())
    assert f"(schema {SCHEMA_VERSION})" in dialog.test_queue_result.text()
    _edit(dialog, "queue", "url").setText("postgresql://postgres@127.0.0.1:1/bm")
    dialog.test_queue_button.click()
    await wait_until(lambda: "cannot be used" in dialog.test_queue_result.text(), within=30)


def test_a_broken_config_file_is_reported_in_the_window_language(qtbot, data_dirs: DataDirs) -> None:
    """The config's errors are codes: the dialog says them in Russian, with the hint, the key still named
    as the file writes it (and still outlined, as the English text names it)."""
    from bitrix_monitor.gui import i18n

    data_dirs.config_file.write_text("[portal]\nplan = 'warp'\n")
    i18n.set_language("ru")
    try:
        dialog = _dialog(qtbot, data_dirs.config_file)
        text = dialog.error_label.text()
        assert f"{data_dirs.config_file}: [portal] plan: 'warp' не является тарифом" in text
        assert "где X >= 1 и Y > 0" in text and "is not a rate plan" not in text
        plan = dialog.widgets[("portal", "plan")]
        assert isinstance(plan, QComboBox)
        plan.setCurrentText("very fast")
        assert not dialog.save()
        assert "[portal] plan: 'very fast' не является тарифом" in dialog.error_label.text()
        assert "b00020" in plan.styleSheet()
    finally:
        i18n.set_language("en")


def test_the_desk_name_is_set_on_the_team_queue_tab_in_either_language(qtbot, data_dirs: DataDirs) -> None:
    """``[queue] desk`` is a field of the Team queue tab, named and explained in the window's language;
    saved into the config file, and a name that cannot be one is refused with the field outlined."""
    from PySide6.QtCore import QCoreApplication

    from bitrix_monitor.gui import i18n

    dialog = _dialog(qtbot, data_dirs.config_file)
    desk = _edit(dialog, "queue", "desk")
    assert desk.parentWidget() is _edit(dialog, "queue", "url").parentWidget()
    assert dialog.labels[("queue", "desk")].text() == "This desk's name"
    assert "user@host" in desk.toolTip()
    desk.setText("anna@office")
    assert dialog.save(), dialog.error_label.text()
    assert config.load(data_dirs.config_file).queue.desk == "anna@office"
    i18n.set_language("ru")
    try:
        QCoreApplication.processEvents()  # the language change reaches the open dialog
        assert dialog.labels[("queue", "desk")].text() == "Имя этого рабочего места"
        desk.setText("x" * 65)
        assert not dialog.save()
        assert "[queue] desk должен быть одной строкой не длиннее 64 печатных знаков" in (
            dialog.error_label.text()
        )
        assert "b00020" in desk.styleSheet()
    finally:
        i18n.set_language("en")
    assert config.load(data_dirs.config_file).queue.desk == "anna@office"  # nothing written


def test_how_long_finished_jobs_are_kept_is_set_on_the_sync_tab(qtbot, data_dirs: DataDirs) -> None:
    """``[sync] keep_history`` sits beside the other periods of the Sync tab, says that a record's last done
    job stays, and a period that is not one is refused with the key named and nothing written."""
    dialog = _dialog(qtbot, data_dirs.config_file)
    keep = _edit(dialog, "sync", "keep_history")
    assert keep.parentWidget() is _edit(dialog, "sync", "full_every").parentWidget()
    assert dialog.labels[("sync", "keep_history")].text() == "Keep finished jobs for"
    assert "last done job stays" in keep.toolTip()
    assert keep.text() == "90d"
    keep.setText("30d")
    assert dialog.save(), dialog.error_label.text()
    assert config.load(data_dirs.config_file).sync.keep_history == "30d"
    keep.setText("a month")
    assert not dialog.save()
    assert "[sync] keep_history: 'a month' is not a duration" in dialog.error_label.text()
    assert config.load(data_dirs.config_file).sync.keep_history == "30d"


def test_the_retired_company_column_is_offered_to_no_one_and_saving_leaves_it_out(
    qtbot, data_dirs: DataDirs
) -> None:
    """``[shop.users] company`` is read by nothing (a Bitrix24 contact has no company-name field): an old
    config that sets it opens, the dialog has no field for it, and saving from the dialog drops it."""
    path = data_dirs.config_file
    path.write_text('[shop.users]\ncompany = "company"\nemail = "mail"\n', encoding="utf-8")
    dialog = _dialog(qtbot, path)
    assert ("shop", "users", "company") not in dialog.widgets
    assert _edit(dialog, "shop", "users", "email").text() == "mail"  # the file was read
    assert dialog.error_label.isHidden()
    assert dialog.save(), dialog.error_label.text()
    assert "company =" not in path.read_text(encoding="utf-8")
    assert config.load(path).shop.users.company == ""
