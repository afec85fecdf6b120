"""The settings dialog, built from the config dataclasses (their ``doc`` metadata gives the tooltips).

Secrets never enter the config: the webhook URL and the shop database password go to the keyring
through :class:`~bitrix_monitor.secrets.SecretStore`, and their fields never show a stored value.
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

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
from bitrix_monitor.secrets import WEBHOOK_KEY, SecretStore, backend_description, shop_password_key
from bitrix_monitor.sync.api import ConnectionTests

from .aio import spawn

Path_ = tuple[str, ...]

# Settings with a fixed set of answers get a combo box (editable when other values are allowed).
CHOICES: dict[Path_, tuple[tuple[str, ...], bool]] = {
    ("portal", "plan"): (tuple(config.PLANS), True),
    ("sync", "cleanup_policy"): (("manual", "archive"), False),
}
TABS: tuple[tuple[str, Path_], ...] = (
    ("Shop", ("shop",)),
    ("Orders mapping", ("shop", "orders")),
    ("Users mapping", ("shop", "users")),
    ("Portal", ("portal",)),
    ("Sync", ("sync",)),
)


def _dict_to_text(value: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in value.items())


def _text_to_dict(text: str, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{where}: {part!r} is not key=value", hint="e.g. paid=WON, cancelled=LOSE")
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
        self.setWindowTitle("Settings")
        self.config_path = config_path
        self.tester = tester
        self.secrets = secrets or SecretStore()
        self.widgets: dict[Path_, QWidget] = {}
        self.types: dict[Path_, Any] = {}
        layout = QVBoxLayout(self)
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        try:
            cfg = config.load(config_path)
        except ConfigError as exc:
            cfg = config.AppConfig()
            self.show_error(f"{exc} — showing the defaults; saving replaces the file.")
        self.tabs = QTabWidget()
        for title, path in TABS:
            self.tabs.addTab(self._section_page(path, self._get(cfg, path)), title)
        self._add_secret_fields()
        layout.addWidget(self.tabs)
        layout.addWidget(self.error_label)
        keyring_label = QLabel(f"Secrets are kept in: {backend_description()}")
        keyring_label.setWordWrap(True)
        layout.addWidget(keyring_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # -- building -------------------------------------------------------------------------------------
    @staticmethod
    def _get(cfg: Any, path: Path_) -> Any:
        for name in path:
            cfg = getattr(cfg, name)
        return cfg

    def _section_page(self, path: Path_, section: Any) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        hints = typing.get_type_hints(type(section))
        for f in dataclasses.fields(section):
            kind = hints[f.name]
            if dataclasses.is_dataclass(kind):
                continue  # its own tab
            key = (*path, f.name)
            widget = self._editor(key, kind, getattr(section, f.name))
            doc = f.metadata.get("doc", "")
            widget.setToolTip(doc)
            widget.setObjectName("setting-" + _section_name(key))
            self.widgets[key] = widget
            self.types[key] = kind
            label = QLabel(f.name.replace("_", " "))
            label.setToolTip(doc)
            form.addRow(label, widget)
        return page

    def _editor(self, key: Path_, kind: Any, value: Any) -> QWidget:
        if key in CHOICES:
            options, editable = CHOICES[key]
            combo = QComboBox()
            combo.setEditable(editable)
            combo.addItems(options)
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
        self.password_edit = self._secret_edit("shopPassword", self._has_shop_password())
        shop_form.addRow("password", self.password_edit)
        self.test_shop_button, self.test_shop_result = self._test_row(shop_form, "test_shop", self.test_shop)
        self.check_mapping_button, self.check_mapping_result = self._test_row(
            shop_form, "validate_mapping", self.check_mapping, text="Check the mapping"
        )
        self.webhook_edit = self._secret_edit("webhookUrl", bool(self.secrets.webhook_url()))
        self.webhook_edit.setToolTip(
            "https://PORTAL/rest/USER_ID/SECRET/ — kept in the keyring, never in the file"
        )
        portal_form.insertRow(0, "webhook URL", self.webhook_edit)
        self.test_portal_button, self.test_portal_result = self._test_row(
            portal_form, "test_portal", self.test_portal
        )

    def _has_shop_password(self) -> bool:
        url = self._text(("shop", "url"))
        return bool(url and self.secrets.get(shop_password_key(url)))

    @staticmethod
    def _secret_edit(name: str, stored: bool) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText("stored in the keyring — leave empty to keep it" if stored else "not set")
        return edit

    def _test_row(self, form: QFormLayout, name: str, run: Any, text: str = "Test connection") -> Any:
        row = QHBoxLayout()
        button = QPushButton(text)
        result = QLabel()
        result.setWordWrap(True)
        row.addWidget(button)
        row.addWidget(result, 1)
        form.addRow("", row)
        if self.tester is None:
            button.setEnabled(False)
            button.setToolTip("Not available here: nothing to run the test with")
        button.clicked.connect(lambda: spawn(self._run_test(button, result, run), name))
        return button, result

    # -- reading the form -----------------------------------------------------------------------------
    def _text(self, key: Path_) -> str:
        widget = self.widgets[key]
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
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
            section = f"[{_section_name(key[:-1])}]"
            bad = section in message and (f" {key[-1]}" in message or f"{key[-1]}:" in message)
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
                raise ConfigError("[shop] url: set the database URL the password belongs to")
            config.save(cfg, self.config_path)
            if webhook:
                self.secrets.set(WEBHOOK_KEY, webhook)
            if password:
                self.secrets.set(shop_password_key(cfg.shop.url), password)
        except UserFacingError as exc:
            self.show_error(str(exc))
            self._mark_fields(exc.message)
            return False
        self.webhook_edit.clear()
        self.password_edit.clear()
        return True

    def accept(self) -> None:
        if self.save():
            super().accept()

    # -- connection tests -----------------------------------------------------------------------------
    def _tests(self) -> ConnectionTests:
        if self.tester is None:  # their buttons are disabled then
            raise UserFacingError("Connection tests are not available here")
        return self.tester

    async def _run_test(self, button: QPushButton, result: QLabel, run: Any) -> None:
        button.setEnabled(False)
        result.setText("Testing…")
        try:
            result.setText(redact(await run()))
            result.setStyleSheet("color: #1b5e20;")
        except UserFacingError as exc:
            result.setText(redact(str(exc)))
            result.setStyleSheet("color: #b00020;")
        finally:
            button.setEnabled(True)

    async def test_portal(self) -> str:
        url = self.webhook_edit.text().strip() or self.secrets.webhook_url()
        if not url:
            raise UserFacingError("Enter the webhook URL first")
        _check_webhook(url)
        return await self._tests().test_portal(url)

    async def test_shop(self) -> str:
        url = self._text(("shop", "url"))
        if not url:
            raise UserFacingError("Enter the shop database URL first")
        password = self.password_edit.text() or self.secrets.shop_password(url)
        return await self._tests().test_shop(url, password)

    async def check_mapping(self) -> str:
        problems = await self._tests().validate_mapping(self.build_config())
        if problems:
            raise UserFacingError("; ".join(problems))
        return "The mapping matches the database"


def _check_webhook(url: str) -> None:
    """Validate the webhook URL's shape when the client's parser is available (its errors hide the secret)."""
    try:
        from bitrix_monitor.bitrix.url import WebhookUrl
    except ImportError:  # pragma: no cover - the client package is always there in a full checkout
        if "/rest/" not in url:
            raise UserFacingError(
                "The webhook URL must look like https://PORTAL/rest/USER_ID/SECRET/"
            ) from None
        return
    WebhookUrl.parse(url)
