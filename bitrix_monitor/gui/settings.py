"""The settings dialog, built from the config dataclasses (their ``doc`` metadata gives the tooltips).

Secrets never enter the config: the webhook URL and the shop database password go to the keyring
through :class:`~bitrix_monitor.secrets.SecretStore`, and their fields never show a stored value.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bitrix_monitor import config
from bitrix_monitor.errors import ConfigError, UserFacingError
from bitrix_monitor.log import redact
from bitrix_monitor.messages import Message
from bitrix_monitor.queue.team import check_queue_url
from bitrix_monitor.secrets import (
    WEBHOOK_KEY,
    SecretStore,
    backend_message,
    queue_password_key,
    shop_password_key,
)
from bitrix_monitor.sync.api import ConnectionTests

from . import i18n
from .aio import spawn
from .setting_words import SECONDS, setting_help, setting_label
from .widgets import is_language_change
from .words import QT_TRANSLATE_NOOP, error_text, said

Path_ = tuple[str, ...]

PLAN_NAMES: dict[str, str] = {
    "standard": QT_TRANSLATE_NOOP("SettingsDialog", "Standard"),
    "enterprise": QT_TRANSLATE_NOOP("SettingsDialog", "Enterprise"),
}

# Settings with a fixed set of answers get a combo box (editable when other values are allowed); each
# answer is (value, text shown).
CHOICES: dict[Path_, tuple[tuple[tuple[str, str], ...], bool]] = {
    ("portal", "plan"): (
        tuple((name, PLAN_NAMES.get(name, name)) for name in config.PLANS),
        True,
    ),
    ("sync", "cleanup_policy"): (
        (
            ("manual", QT_TRANSLATE_NOOP("SettingsDialog", "Leave it to a person")),
            ("archive", QT_TRANSLATE_NOOP("SettingsDialog", "Archive, then merge")),
        ),
        False,
    ),
}
TABS: tuple[tuple[str, Path_], ...] = (
    (QT_TRANSLATE_NOOP("SettingsDialog", "Shop"), ("shop",)),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Orders → deals"), ("shop", "orders")),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Users → contacts"), ("shop", "users")),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Bitrix24"), ("portal",)),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Sync"), ("sync",)),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Companies → companies"), ("shop", "companies")),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Id table"), ("shop", "links")),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Team queue"), ("queue",)),
)
LANGUAGE_KEY: Path_ = ("window", "language")
# Language names are shown in their own language, whatever the window's.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def _dict_to_text(value: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in value.items())


def _text_to_dict(text: str, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                QCoreApplication.translate("SettingsDialog", "{where}: {part} is not key=value").format(
                    where=where, part=repr(part)
                ),
                hint=QCoreApplication.translate("SettingsDialog", "e.g. paid=WON, cancelled=LOSE"),
            )
        out[key.strip()] = value.strip()
    return out


def _section_name(path: Path_) -> str:
    return ".".join(path)


class SettingsDialog(QDialog):
    """Edits the config file and the secrets. ``tester`` runs the connection tests and the mapping check;
    without one their buttons are disabled."""

    def __init__(
        self,
        config_path: Path,
        *,
        tester: ConnectionTests | None = None,
        secrets: SecretStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.config_path = config_path
        self.tester = tester
        self.secrets = secrets or SecretStore()
        self.widgets: dict[Path_, QWidget] = {}
        self.types: dict[Path_, Any] = {}
        self.labels: dict[Path_, QLabel] = {}
        layout = QVBoxLayout(self)
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        self._load_problem = ""
        try:
            cfg = config.load(config_path)
        except ConfigError as exc:
            cfg = config.AppConfig()
            self._load_problem = error_text(exc)
        self.saved_queue_url = cfg.queue.url  # the team queue the file names (after save: the new one)
        top = QFormLayout()
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("setting-window.language")
        for code in config.LANGUAGES:
            self.language_combo.addItem("", code)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(cfg.window.language), 0))
        self.widgets[LANGUAGE_KEY] = self.language_combo
        self.types[LANGUAGE_KEY] = str
        self.labels[LANGUAGE_KEY] = QLabel()
        top.addRow(self.labels[LANGUAGE_KEY], self.language_combo)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        for _title, path in TABS:
            self.tabs.addTab(self._section_page(path, self._get(cfg, path)), "")
        self._add_secret_fields()
        layout.addWidget(self.tabs)
        layout.addWidget(self.error_label)
        self.keyring_label = QLabel()
        self.keyring_label.setWordWrap(True)
        layout.addWidget(self.keyring_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.retranslate_ui()
        if self._load_problem:
            self.show_error(
                self.tr("{problem} — showing the defaults; saving replaces the file.").format(
                    problem=self._load_problem
                )
            )

    def sizeHint(self) -> QSize:
        """Large enough that no tab scrolls and long templates show whole."""
        return super().sizeHint().expandedTo(QSize(820, 620))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        for i, (title, _path) in enumerate(TABS):
            self.tabs.setTabText(i, self.tr(title))
        for key, label in self.labels.items():
            label.setText(setting_label(key))
            label.setToolTip(setting_help(key))
            self.widgets[key].setToolTip(setting_help(key))
            widget = self.widgets[key]
            if isinstance(widget, QDoubleSpinBox | QSpinBox) and key in SECONDS:
                widget.setSuffix(" " + self.tr("s", "seconds"))
        for key, (options, _editable) in CHOICES.items():
            combo = self.widgets.get(key)
            if isinstance(combo, QComboBox):
                for i, (_value, text) in enumerate(options):
                    combo.setItemText(i, self.tr(text))
        system = LANGUAGE_NAMES.get(i18n.system_language(), "English")
        for i in range(self.language_combo.count()):
            code = self.language_combo.itemData(i)
            name = LANGUAGE_NAMES.get(code) or self.tr("System language ({name})").format(name=system)
            self.language_combo.setItemText(i, name)
        self.password_label.setText(self.tr("Database password"))
        self.queue_password_label.setText(self.tr("Queue database password"))
        self.queue_password_edit.setToolTip(
            self.tr("The team queue's database password — kept in the keyring, never in the file")
        )
        self.webhook_label.setText(self.tr("Webhook URL"))
        self.webhook_edit.setToolTip(
            self.tr("https://PORTAL/rest/USER_ID/SECRET/ — kept in the keyring, never in the file")
        )
        for edit, stored in (
            (self.password_edit, self._password_stored),
            (self.webhook_edit, self._webhook_stored),
            (self.queue_password_edit, self._queue_password_stored),
        ):
            edit.setPlaceholderText(
                self.tr("stored in the keyring — leave empty to keep it") if stored else self.tr("not set")
            )
        for button in (self.test_shop_button, self.test_portal_button, self.test_queue_button):
            button.setText(self.tr("Test connection"))
        self.check_mapping_button.setText(self.tr("Check the mapping"))
        if self.tester is None:
            for button in (
                self.test_shop_button,
                self.test_portal_button,
                self.test_queue_button,
                self.check_mapping_button,
            ):
                button.setToolTip(self.tr("Not available here: nothing to run the test with"))
        self.keyring_label.setText(
            self.tr("Secrets are kept in: {where}").format(where=said(backend_message()))
        )

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    # -- building -------------------------------------------------------------------------------------
    @staticmethod
    def _get(cfg: Any, path: Path_) -> Any:
        for name in path:
            cfg = getattr(cfg, name)
        return cfg

    def _section_page(self, path: Path_, section: Any) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        hints = typing.get_type_hints(type(section))
        for f in dataclasses.fields(section):
            kind = hints[f.name]
            if dataclasses.is_dataclass(kind):
                continue  # its own tab
            if f.metadata.get("retired"):
                continue  # read by nothing: offered to no one (saving leaves it out of the file)
            key = (*path, f.name)
            widget = self._editor(key, kind, getattr(section, f.name))
            widget.setObjectName("setting-" + _section_name(key))
            self.widgets[key] = widget
            self.types[key] = kind
            label = QLabel()
            self.labels[key] = label
            form.addRow(label, widget)
        return page

    def _editor(self, key: Path_, kind: Any, value: Any) -> QWidget:
        if key in CHOICES:
            options, editable = CHOICES[key]
            combo = QComboBox()
            combo.setEditable(editable)
            for code, _text in options:
                combo.addItem(code, code)
            i = combo.findData(str(value))
            if i >= 0:
                combo.setCurrentIndex(i)
            else:
                combo.setCurrentText(str(value))
            return combo
        if kind is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if kind is int:
            spin = QSpinBox()
            spin.setRange(0, 1_000_000)
            spin.setValue(int(value))
            return spin
        if kind is float:
            dspin = QDoubleSpinBox()
            dspin.setRange(0.0, 1_000_000.0)
            dspin.setDecimals(1)
            dspin.setValue(float(value))
            return dspin
        edit = QLineEdit()
        edit.setText(_dict_to_text(value) if typing.get_origin(kind) is dict else str(value))
        return edit

    def _add_secret_fields(self) -> None:
        shop_page, portal_page = self.tabs.widget(0), self.tabs.widget(3)
        assert shop_page is not None and portal_page is not None
        shop_form, portal_form = shop_page.layout(), portal_page.layout()
        assert isinstance(shop_form, QFormLayout)
        assert isinstance(portal_form, QFormLayout)
        self._password_stored = self._has_shop_password()
        self.password_edit = self._secret_edit("shopPassword")
        self.password_label = QLabel()
        shop_form.addRow(self.password_label, self.password_edit)
        self.test_shop_button, self.test_shop_result = self._test_row(shop_form, "test_shop", self.test_shop)
        self.check_mapping_button, self.check_mapping_result = self._test_row(
            shop_form, "validate_mapping", self.check_mapping
        )
        self._webhook_stored = bool(self.secrets.webhook_url())
        self.webhook_edit = self._secret_edit("webhookUrl")
        self.webhook_label = QLabel()
        portal_form.insertRow(0, self.webhook_label, self.webhook_edit)
        self.test_portal_button, self.test_portal_result = self._test_row(
            portal_form, "test_portal", self.test_portal
        )
        queue_page = self.tabs.widget([path for _title, path in TABS].index(("queue",)))
        assert queue_page is not None
        queue_form = queue_page.layout()
        assert isinstance(queue_form, QFormLayout)
        self._queue_password_stored = self._has_queue_password()
        self.queue_password_edit = self._secret_edit("queuePassword")
        self.queue_password_label = QLabel()
        queue_form.addRow(self.queue_password_label, self.queue_password_edit)
        self.test_queue_button, self.test_queue_result = self._test_row(
            queue_form, "test_queue", self.test_queue
        )

    def _has_shop_password(self) -> bool:
        url = self._text(("shop", "url"))
        return bool(url and self.secrets.get(shop_password_key(url)))

    def _has_queue_password(self) -> bool:
        url = self._text(("queue", "url"))
        return bool(url and self.secrets.get(queue_password_key(url)))

    @staticmethod
    def _secret_edit(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def _test_row(self, form: QFormLayout, name: str, run: Any) -> Any:
        row = QHBoxLayout()
        button = QPushButton()
        result = QLabel()
        result.setWordWrap(True)
        row.addWidget(button)
        row.addWidget(result, 1)
        form.addRow("", row)
        if self.tester is None:
            button.setEnabled(False)
        button.clicked.connect(lambda: spawn(self._run_test(button, result, run), name))
        return button, result

    # -- reading the form -----------------------------------------------------------------------------
    def _text(self, key: Path_) -> str:
        widget = self.widgets[key]
        if isinstance(widget, QComboBox):
            # A listed answer stands for its value; an editable combo may hold any other text.
            text = widget.currentText().strip()
            i = widget.findText(text)
            return str(widget.itemData(i)) if i >= 0 and widget.itemData(i) is not None else text
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()

    def collect(self) -> dict[str, Any]:
        """The form as a config dict (what ``config.from_dict`` reads). Raises ConfigError."""
        data: dict[str, Any] = {}
        for key, widget in self.widgets.items():
            kind = self.types[key]
            if isinstance(widget, QCheckBox):
                value: Any = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                value = widget.value()
            elif isinstance(widget, QDoubleSpinBox):
                value = float(widget.value())
            elif typing.get_origin(kind) is dict:
                value = _text_to_dict(self._text(key), f"[{_section_name(key[:-1])}] {key[-1]}")
            else:
                value = self._text(key)
            node = data
            for name in key[:-1]:
                node = node.setdefault(name, {})
            node[key[-1]] = value
        return data

    def build_config(self) -> config.AppConfig:
        return config.from_dict(self.collect())

    # -- validation and saving ------------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.error_label.setText(redact(text))
        self.error_label.setVisible(bool(text))

    def _mark_fields(self, message: str) -> None:
        for key, widget in self.widgets.items():
            # "[shop.orders] stage_map: …" names stage_map, not stage: the key must end where a word ends.
            named = rf"\[{re.escape(_section_name(key[:-1]))}\] {re.escape(key[-1])}(?![\w])"
            bad = re.search(named, message) is not None
            widget.setStyleSheet("border: 1px solid #b00020;" if bad else "")
            if bad and (page := widget.parentWidget()) is not None:
                self.tabs.setCurrentWidget(page)

    def save(self) -> bool:
        """Validate, write the config file and the secrets. False (with the reason shown) if invalid."""
        self.show_error("")
        self._mark_fields("")
        try:
            cfg = self.build_config()
            webhook = self.webhook_edit.text().strip()
            if webhook:
                _check_webhook(webhook)
            password = self.password_edit.text()
            if password and not cfg.shop.url:
                raise ConfigError(self.tr("[shop] url: set the database URL the password belongs to"))
            queue_password = self.queue_password_edit.text()
            if queue_password and not cfg.queue.url:
                raise ConfigError(self.tr("[queue] url: set the team queue's URL the password belongs to"))
            if cfg.queue.url:
                check_queue_url(cfg.queue.url)
            config.from_dict(config.to_dict(cfg))  # what cannot be read back is refused before any write
            # The keyring first: a keyring that refuses the secret leaves the file as it was.
            if webhook:
                self.secrets.set(WEBHOOK_KEY, webhook)
            if password:
                self.secrets.set(shop_password_key(cfg.shop.url), password)
            if queue_password:
                self.secrets.set(queue_password_key(cfg.queue.url), queue_password)
            config.save(cfg, self.config_path)
            self.saved_queue_url = cfg.queue.url
        except UserFacingError as exc:
            self.show_error(error_text(exc))
            self._mark_fields(exc.message)
            return False
        self.webhook_edit.clear()
        self.password_edit.clear()
        self.queue_password_edit.clear()
        i18n.set_language(cfg.window.language)  # every open window follows at once
        return True

    def accept(self) -> None:
        if self.save():
            super().accept()

    # -- connection tests -----------------------------------------------------------------------------
    def _tests(self) -> ConnectionTests:
        if self.tester is None:  # their buttons are disabled then
            raise UserFacingError(self.tr("Connection tests are not available here"))
        return self.tester

    async def _run_test(self, button: QPushButton, result: QLabel, run: Any) -> None:
        button.setEnabled(False)
        result.setText(self.tr("Testing…"))
        try:
            result.setText(redact(said(await run())))
            result.setStyleSheet("color: #1b5e20;")
        except UserFacingError as exc:
            result.setText(redact(error_text(exc)))
            result.setStyleSheet("color: #b00020;")
        finally:
            button.setEnabled(True)

    async def test_portal(self) -> Message:
        url = self.webhook_edit.text().strip() or self.secrets.webhook_url()
        if not url:
            raise UserFacingError(self.tr("Enter the webhook URL first"))
        _check_webhook(url)
        return await self._tests().test_portal(url)

    async def test_shop(self) -> Message:
        url = self._text(("shop", "url"))
        if not url:
            raise UserFacingError(self.tr("Enter the shop database URL first"))
        password = self.password_edit.text() or self.secrets.shop_password(url)
        return await self._tests().test_shop(url, password)

    async def test_queue(self) -> Message:
        url = self._text(("queue", "url"))
        if not url:
            raise UserFacingError(self.tr("Enter the team queue's URL first"))
        check_queue_url(url)
        password = self.queue_password_edit.text() or self.secrets.queue_password(url)
        return await self._tests().test_queue(url, password)

    async def check_mapping(self) -> str:
        problems = await self._tests().validate_mapping(self.build_config())
        if problems:
            raise UserFacingError("; ".join(error_text(p) for p in problems))
        return self.tr("The mapping matches the database")


def _check_webhook(url: str) -> None:
    """Validate the webhook URL's shape when the client's parser is available (its errors hide the secret)."""
    try:
        from bitrix_monitor.bitrix.url import WebhookUrl
    except ImportError:  # pragma: no cover - the client package is always there in a full checkout
        if "/rest/" not in url:
            raise UserFacingError(
                QCoreApplication.translate(
                    "SettingsDialog", "The webhook URL must look like https://PORTAL/rest/USER_ID/SECRET/"
                )
            ) from None
        return
    WebhookUrl.parse(url)
