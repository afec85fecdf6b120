"""Bitrix Monitor: keeps a shop database and a Bitrix24 CRM in step."""

__version__ = "0.1.0"
APP_NAME = "bitrix-monitor"
APP_TITLE = "Bitrix Monitor"
