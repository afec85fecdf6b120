"""The text report follows the language (``--lang``, the config's, the system locale's), with Russian
plural forms right and numbers and times as the language writes them; ``--json`` is the same in every
language. Plain pytest: the report is made without Qt, from the same catalogue the window uses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bitrix_monitor import cli
from bitrix_monitor.messages import Message, render
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue.model import QueueCounts
from bitrix_monitor.sync.model import EntityCounts
from bitrix_monitor.sync.report import Report

NB = "\u00a0"


@pytest.fixture
def moscow(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Moscow")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _report(orders: int, users: int, **problems: int) -> Report:
    order = EntityCounts(checked=orders, in_sync=orders - sum(problems.values()), **problems)
    return Report(
        {"order": order, "user": EntityCounts(checked=users, in_sync=users)},
        QueueCounts(done=12345),
        taken_at=datetime(2026, 11, 30, 4, 47, 5, tzinfo=UTC),
    )


@pytest.mark.usefixtures("moscow")
def test_the_report_in_russian() -> None:
    text = _report(1234, 21).to_text("ru")
    lines = text.splitlines()
    assert lines[0] == "Данные на 30.11.2026 07:47:05 MSK"  # local time, the zone named
    assert lines[1] == f"Проверено 1{NB}234 заказа"
    assert re.fullmatch(rf"  ровно одна сделка, синхронизировано: +1{NB}234", lines[2])
    assert "Проверен 21 пользователь" in lines
    assert f"выполнено 12{NB}345" in text
    assert lines[-1] == (
        f"ОК: все 1{NB}234 заказа — ровно с одной сделкой и 21 пользователь — ровно с одним контактом; "
        "всё синхронизировано."
    )
    assert not re.search(r"\b(?!CRM\b)[A-Za-z]{3,}\b", text.replace("MSK", "")), text  # no English left


@pytest.mark.usefixtures("moscow")
def test_the_report_in_english_says_what_it_always_said() -> None:
    text = _report(40, 8).to_text("en")
    lines = text.splitlines()
    assert lines[0] == "Checked 2026-11-30 07:47:05 MSK"
    assert lines[1] == "Orders: 40 checked"
    assert "Queue: 0 queued, 0 running, 0 in doubt, 0 failed, 0 dead, 12,345 done" in lines
    assert (
        lines[-1] == "OK: all 40 orders have exactly one deal and all 8 users exactly one contact, in sync."
    )
    assert _report(40, 8).to_text() == text  # English unless told otherwise


def test_problems_are_counted_in_either_language() -> None:
    report = _report(5, 1, missing=1)
    assert re.search(r"^  missing a deal: +1$", report.to_text("en"), re.M)
    assert re.search(r"^  нет сделки: +1$", report.to_text("ru"), re.M)
    assert report.to_text("ru").splitlines()[-1] == "НЕ ОК: остались проблемы (см. выше)."


# n: (the title, the OK line's part): 1, 21 → form one; 2–4, 22 → form two; 5–20, 25, 111 → form three
RUSSIAN_ORDERS = {
    1: ("Проверен 1 заказ", "1 заказ — ровно с одной сделкой"),
    2: ("Проверено 2 заказа", "все 2 заказа — ровно с одной сделкой"),
    5: ("Проверено 5 заказов", "все 5 заказов — ровно с одной сделкой"),
    11: ("Проверено 11 заказов", "все 11 заказов — ровно с одной сделкой"),
    21: ("Проверен 21 заказ", "21 заказ — ровно с одной сделкой"),
    22: ("Проверено 22 заказа", "все 22 заказа — ровно с одной сделкой"),
    25: ("Проверено 25 заказов", "все 25 заказов — ровно с одной сделкой"),
    111: ("Проверено 111 заказов", "все 111 заказов — ровно с одной сделкой"),
}


@pytest.mark.parametrize(("n", "expected"), sorted(RUSSIAN_ORDERS.items()))
def test_russian_plural_forms_in_the_report(n: int, expected: tuple[str, str]) -> None:
    lines = _report(n, 3).to_text("ru").splitlines()
    assert lines[1] == expected[0]
    assert lines[-1].startswith(f"ОК: {expected[1]} и ")


@pytest.mark.parametrize(
    ("n", "expected"), [(1, "Plan: 1 job would be queued"), (2, "Plan: 2 jobs would be queued")]
)
def test_english_plural_forms_in_headless_lines(n: int, expected: str) -> None:
    assert render(Message("report.plan", {"n": n}), "en") == expected


def test_the_json_is_the_same_in_every_language() -> None:
    report = _report(40, 8)
    assert json.loads(report.to_json())["orders"]["checked"] == 40
    assert "taken_at" not in report.to_dict()


def test_the_language_flag_is_read() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["--report", "--lang", "ru"]).lang == "ru"
    assert parser.parse_args(["--report"]).lang is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--report", "--lang", "de"])


def _cli(dirs: DataDirs, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bitrix_monitor", "--data-dir", str(dirs.root), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


@pytest.mark.slow
def test_the_demo_reports_in_the_language_asked_for(tmp_path: Path) -> None:
    """The real entry point: ``--lang ru`` says the report in Russian; the config's language, then the
    system locale, choose it otherwise; ``--json`` is the same whatever the language."""
    import os

    dirs = DataDirs(tmp_path / "data")
    ru = _cli(dirs, "--demo", "--report", "--lang", "ru")
    assert ru.returncode in (0, 1), ru.stderr
    assert "Проверено 200 заказов" in ru.stdout and "Очередь: " in ru.stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE")}
    en = _cli(dirs, "--demo", "--report", env=env | {"LANG": "C.UTF-8"})
    assert "Orders: 200 checked" in en.stdout, en.stderr
    system_ru = _cli(dirs, "--demo", "--report", env=env | {"LANG": "ru_RU.UTF-8"})
    assert "Проверено 200 заказов" in system_ru.stdout, system_ru.stderr
    dirs.config_file.write_text('[window]\nlanguage = "en"\n')
    configured = _cli(dirs, "--demo", "--report", env=env | {"LANG": "ru_RU.UTF-8"})
    assert "Orders: 200 checked" in configured.stdout, configured.stderr
    as_json = [
        json.loads(_cli(dirs, "--demo", "--report", "--json", "--lang", lang).stdout) for lang in ("ru", "en")
    ]
    for data in as_json:
        data.pop("portal")
    assert as_json[0] == as_json[1]


def test_an_error_line_follows_the_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One line on stderr, in the language asked for (a portal that refuses the webhook)."""
    from bitrix_monitor.bitrix.errors import error_from_answer
    from bitrix_monitor.messages import error_line

    exc = error_from_answer("insufficient_scope", "no crm", http_status=401, method="crm.deal.list")
    assert error_line(exc, "ru") == (
        "Битрикс24 не принял вебхук: insufficient_scope: no crm (HTTP 401) "
        "(дайте вебхуку право crm в Битрикс24 (Разработчикам > Вебхуки))"
    )
    assert error_line(exc, "en") == str(exc)


def test_retry_dead_and_cancel_dead_speak_the_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bitrix_monitor.queue import JobError, JobQueue
    from bitrix_monitor.sync.headless import manage_dead

    path = tmp_path / "queue.sqlite3"
    with JobQueue.open(path) as queue:
        assert manage_dead(lambda: JobQueue.open(path), "retry", "all", desk="d", lang="ru") == 0
        assert "нет заданий с исчерпанными попытками" in capsys.readouterr().out
        for key in ("1", "2"):
            job = queue.enqueue("deal.create", key)
            queue.claim("r", kinds=["deal.create"])
            queue.fail("r", job.id, JobError("PortalError", "no", retryable=False))
    manage_dead(lambda: JobQueue.open(path), "cancel", "deal.create", desk="d", lang="ru")
    assert capsys.readouterr().out.strip() == (
        "Отменено 2 задания deal.create с исчерпанными попытками (deal.create: 2)."
    )
