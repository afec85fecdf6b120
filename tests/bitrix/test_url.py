"""Webhook URL parsing: clear errors, loopback-only http, and the secret never shown."""

from __future__ import annotations

import pytest

from bitrix_monitor.bitrix import BadWebhookUrl, WebhookUrl
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.log import redact

SECRET = "abcDEF123secret"


def test_valid_webhook_is_parsed_and_redacted() -> None:
    w = WebhookUrl.parse(f"  https://Shop.Bitrix24.ru/rest/12/{SECRET}/ ")
    assert w.user_id == 12
    assert w.secret == SECRET
    assert w.portal_base == "https://shop.bitrix24.ru"
    assert w.redacted == "https://shop.bitrix24.ru/rest/12/***/"
    assert str(w) == w.redacted
    assert SECRET not in repr(w)
    assert w.method_url("crm.deal.add").startswith(f"https://shop.bitrix24.ru/rest/12/{SECRET}/crm.deal.add")


def test_parsed_secret_is_hidden_by_the_log_redactor() -> None:
    WebhookUrl.parse(f"https://p.example.com/rest/1/{SECRET}")
    assert SECRET not in redact(f"token was {SECRET} here")


def test_webhook_without_trailing_slash_and_with_port() -> None:
    w = WebhookUrl.parse(f"https://p.example.com:8443/rest/1/{SECRET}")
    assert w.portal_base == "https://p.example.com:8443"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        (f"p.example.com/rest/1/{SECRET}/", "no scheme"),
        (f"ftp://p.example.com/rest/1/{SECRET}/", "https://"),
        (f"https:///rest/1/{SECRET}/", "no portal host"),
        (f"https://p.example.com/api/1/{SECRET}/", "no /rest/"),
        ("https://p.example.com/rest/", "no user id"),
        (f"https://p.example.com/rest/admin/{SECRET}/", "not a positive number"),
        (f"https://p.example.com/rest/¹/{SECRET}/", "not a positive number"),  # a digit int() refuses
        (f"https://p.example.com/rest/٣/{SECRET}/", "not a positive number"),  # a digit, not ASCII
        ("https://p.example.com/rest/1/", "no secret"),
        (f"http://p.example.com/rest/1/{SECRET}/", "plain http"),
        (f"https://p.example.com/rest/1/{SECRET}/profile.json", "extra path"),
        (f"https://p.example.com/rest/1/{SECRET}/?x=1", "query"),
        (f"https://user:pw@p.example.com/rest/1/{SECRET}/", "user name"),
        ("https://p.example.com/rest/1/bad%20secret!/", "characters"),
    ],
)
def test_malformed_webhook_names_the_problem_without_the_secret(text: str, fragment: str) -> None:
    with pytest.raises(BadWebhookUrl) as info:
        WebhookUrl.parse(text)
    assert isinstance(info.value, UserFacingError)
    assert fragment in str(info.value)
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "localhost", "[::1]", "127.0.0.1:8080"])
def test_plain_http_is_accepted_for_loopback(host: str) -> None:
    w = WebhookUrl.parse(f"http://{host}/rest/1/{SECRET}/")
    assert w.is_loopback
    assert w.portal_base == f"http://{host}"


def test_record_links_point_at_the_portal_ui() -> None:
    w = WebhookUrl.parse(f"https://p.example.com/rest/1/{SECRET}/")
    assert w.record_url("deal", 5) == "https://p.example.com/crm/deal/details/5/"


def test_a_malformed_url_does_not_hide_the_portal_name_in_later_messages() -> None:
    with pytest.raises(BadWebhookUrl):
        WebhookUrl.parse("https://shop-portal.example.com/")
    assert "shop-portal.example.com" in redact("Cannot connect to https://shop-portal.example.com")


def test_a_malformed_webhook_url_is_said_in_russian_without_the_secret() -> None:
    from bitrix_monitor.messages import error_line

    with pytest.raises(BadWebhookUrl) as info:
        WebhookUrl.parse(f"http://p.example.com/rest/1/{SECRET}/")
    ru = error_line(info.value, "ru")
    assert ru == (
        "URL вебхука для p.example.com использует простой http://; Битрикс24 требует https:// (простой http "
        "допускается только для портала на этом компьютере (127.0.0.1, ::1, localhost))"
    )
    with pytest.raises(BadWebhookUrl) as info:
        WebhookUrl.parse(f"https://p.example.com/rest/1/{SECRET}/profile.json")
    ru = error_line(info.value, "ru")
    assert (
        ru.startswith("В URL вебхука для p.example.com после секрета есть лишний путь") and SECRET not in ru
    )
