"""Words as codes: the core's messages, the Qt-free catalogue reader the headless front end uses, locale
formats, and the CI check that every message has its translation with its placeholders intact."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bitrix_monitor import localefmt
from bitrix_monitor.bitrix.errors import AuthError, error_from_answer
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import TEXTS, Catalogue, Message, joined, render, resolve, system_language
from bitrix_monitor.queue import JobError

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"

RUSSIAN_RETRIED = {
    1: "повторил 1 задание",
    2: "повторил 2 задания",
    5: "повторил 5 заданий",
    11: "повторил 11 заданий",
    21: "повторил 21 задание",
    22: "повторил 22 задания",
    25: "повторил 25 заданий",
    111: "повторил 111 заданий",
}


@pytest.mark.parametrize(("n", "expected"), sorted(RUSSIAN_RETRIED.items()))
def test_russian_plural_forms_without_qt(n: int, expected: str) -> None:
    assert render(Message("activity.retried", {"n": n}), "ru") == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "retried 0 jobs"), (1, "retried 1 job"), (2, "retried 2 jobs")]
)
def test_english_plural_forms_without_qt(n: int, expected: str) -> None:
    assert render(Message("activity.retried", {"n": n}), "en") == expected
    assert str(Message("activity.retried", {"n": n})) == expected  # str() is the English, for logs


def test_parameters_that_name_codes_are_said_as_words() -> None:
    queued = Message("activity.queued", {"n": 5, "kind": "deal.create"})
    assert render(queued, "en") == "queued 5 jobs: Create deal"
    assert render(queued, "ru") == "поставил в очередь 5 заданий: Создать сделку"
    differs = Message("plan.differs", {"fields": "TITLE,OPPORTUNITY,UF_CRM_7"})
    assert (
        render(differs, "ru") == "отличается: Название, Сумма, UF_CRM_7"
    )  # a portal's own field keeps its name


def test_an_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown message code"):
        Message("no.such.code")


def test_errors_carry_their_code_and_say_english_as_before() -> None:
    err = error_from_answer(
        "QUERY_LIMIT_EXCEEDED", "Too many requests", http_status=503, method="crm.deal.add"
    )
    assert err.msg == Message(
        "bitrix.rate_limited",
        {"method": "crm.deal.add", "text": err.msg.params["text"], "status": " (HTTP 503)"},
    )
    assert str(err).startswith(
        "Bitrix24 refused crm.deal.add: too many requests (rate limit) (another application"
    )
    assert render(err.msg, "ru") == "Битрикс24 отклонил crm.deal.add: слишком много запросов (лимит запросов)"
    auth = error_from_answer("insufficient_scope", "no crm", http_status=401, method="crm.deal.list")
    assert isinstance(auth, AuthError) and auth.hint_msg == Message("bitrix.auth.hint.scope")
    plain = UserFacingError("made outside", hint="do this")
    assert plain.msg == Message.plain("made outside") and str(plain) == "made outside (do this)"


def test_secrets_in_a_portal_text_are_redacted_in_the_code_too() -> None:
    err = error_from_answer(
        "INVALID_CREDENTIALS", "bad https://x.bitrix24.ru/rest/1/abcdef123456/", http_status=401, method="m"
    )
    assert "abcdef123456" not in repr(err.msg.params) and "abcdef123456" not in str(err)


def test_a_job_error_stores_its_code_and_groups_by_it_whatever_the_language() -> None:
    err = JobError.coded("StaleLink", Message("job.stale_link", {"entity": "deal", "id": 4711}), False)
    other = JobError.coded("StaleLink", Message("job.stale_link", {"entity": "deal", "id": 12}), False)
    assert err.message == "deal 4711 no longer exists in the portal"
    assert err.signature == other.signature == "StaleLink: [job.stale_link] entity=deal id=#"
    back = JobError.from_stored("StaleLink", err.stored, False)
    assert back == err and back.msg is not None and back.signature == err.signature
    # a row stored before codes keeps its words and its old signature
    old = JobError.from_stored("StaleLink", "deal 4711 no longer exists in the portal", False)
    assert (
        old.msg is None
        and old.message == err.message
        and old.signature == "StaleLink: deal # no longer exists in the portal"
    )
    # a code a later version removed: the English text stored beside it
    gone = JobError.from_stored("X", '{"code": "job.gone", "params": {}, "text": "was here"}', False)
    assert gone.msg is None and gone.message == "was here"


def test_a_job_error_keeps_the_hint_of_its_exception() -> None:
    exc = error_from_answer("expired_token", "expired", http_status=401, method="m")
    err = JobError.of(exc, retryable=False)
    assert err.hint == Message("bitrix.auth.hint.expired")
    assert JobError.from_stored(err.error_class, err.stored, False) == err


def test_the_language_follows_the_environment_or_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert system_language() == "ru" and resolve("system") == "ru" and resolve(None) == "ru"
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    assert system_language() == "en"
    assert resolve("ru") == "ru" and resolve("en") == "en"


# -- locale formats -----------------------------------------------------------------------------------


def test_money_and_numbers_as_the_locale_writes_them() -> None:
    nb = "\u00a0"
    assert localefmt.money(Decimal("1234.56"), "RUB", "ru") == f"1{nb}234,56{nb}₽"
    assert localefmt.money(Decimal("1234.56"), "RUB", "en") == "₽1,234.56"
    assert localefmt.money("0.5", "USD", "en") == "$0.50"
    assert localefmt.money(Decimal("-1234.5"), "RUB", "ru") == f"-1{nb}234,50{nb}₽"
    assert localefmt.money("not a number", "RUB", "ru") == "not a number"
    assert localefmt.integer(1234567, "ru") == f"1{nb}234{nb}567"
    assert localefmt.integer(1234567, "en") == "1,234,567"
    assert localefmt.decimal(Decimal("9999999999999999.99"), "en") == "9,999,999,999,999,999.99"


def test_times_are_local_with_the_zone_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Europe/Moscow")
    time.tzset()
    try:
        t = datetime(2026, 11, 30, 4, 47, 5, tzinfo=UTC)
        assert localefmt.moment(t, "ru") == "30.11.2026 07:47:05 MSK"
        assert localefmt.moment(t, "en") == "2026-11-30 07:47:05 MSK"
        assert localefmt.moment(t, "ru", date=False) == "07:47:05 MSK"
        assert localefmt.moment(None, "ru") == ""
    finally:
        monkeypatch.undo()
        time.tzset()


# -- the CI check on the catalogue --------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\w+\}|%L?n")


def _messages(lang: str) -> list[tuple[str, str, list[str]]]:
    out = []
    for ctx in ET.parse(I18N / f"bitrix_monitor_{lang}.ts").getroot():
        for m in ctx.findall("message"):
            tr = m.find("translation")
            assert tr is not None
            forms = [f.text or "" for f in tr.findall("numerusform")] or [tr.text or ""]
            out.append((ctx.findtext("name") or "", m.findtext("source") or "", forms))
    return out


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_translation_keeps_the_placeholders_of_its_source(lang: str) -> None:
    """A translation that loses ``{id}`` or ``%n`` shows a message without its value: CI fails. (English's
    singular form is for 1 alone, and may say it in words: "held back once". ``%Ln`` is the count too,
    grouped as the language writes numbers.)"""
    bad = []

    def placeholders(text: str) -> set[str]:
        return {p.replace("%Ln", "%n") for p in _PLACEHOLDER.findall(text)}

    for context, source, forms in _messages(lang):
        wanted = placeholders(source)
        for i, form in enumerate(forms):
            said = placeholders(form)
            if lang == "en" and i == 0 and len(forms) > 1:
                said |= wanted & {"%n"}
            if form and said != wanted:
                bad.append(f"{context}: {source!r} → {form!r}")
    assert not bad, "translations that lose or add a placeholder:\n" + "\n".join(bad)


def test_every_core_message_is_in_the_russian_catalogue_translated() -> None:
    """lupdate collects TEXTS from bitrix_monitor/messages.py (tests/gui/test_translations.py checks the
    .ts is current); this says the same without Qt: every code has a Russian text, plural where it counts."""
    cat = Catalogue.read(I18N / "bitrix_monitor_ru.ts", "ru")
    missing = [
        code for code, text in TEXTS.items() if code != "text" and ("Message", text) not in cat.entries
    ]
    assert not missing, f"codes without a Russian translation: {missing}"
    plural = [
        code for code, text in TEXTS.items() if "%n" in text and len(cat.entries[("Message", text)]) != 3
    ]
    assert not plural, f"codes with a count but not three Russian plural forms: {plural}"


# Errors a person reads whose words are written in the code as English text, not as a Message code: (file,
# how the text starts). Empty: every one is a code. The check fails when one listed here is no longer in the
# code, so the list only shrinks.
ENGLISH_ERRORS_LEFT: set[tuple[str, str]] = set()
# Errors whose reason is a message even though they are no UserFacingError (callers catch them as
# ValueError): their words must be codes too.
CODED_VALUE_ERRORS = {"ShopValueError", "UnreadableArchive", "AmountError"}
WORDS = {"message", "hint", "msg", "why", "reason"}  # the keywords of an error's words (not code=, method=)


def _english_text(node: ast.expr) -> str | None:
    """The words of a text written in the code (a literal, an f-string with ``{}`` for its values, a
    literal's ``.format`` or ``+``), or None when ``node`` is no such text (a Message, a translated one)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp):
        return _english_text(node.left) or _english_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _english_text(node.func.value)
    return None


def test_no_user_facing_error_is_made_of_english_text() -> None:
    """What a person reads of an error is a Message code said in their language: an error the user can act
    on (a UserFacingError or a subclass), and the reason of an unreadable archive file or of a value the
    shop cannot take, never English text written in the code. (The portal emulator's command line is left
    out: it is a developer's tool, in English on purpose.)"""
    files = [p for p in sorted((ROOT / "bitrix_monitor").rglob("*.py")) if "emulator" not in p.parts]
    trees = {p.relative_to(ROOT).as_posix(): ast.parse(p.read_text(encoding="utf-8")) for p in files}
    errors = {"UserFacingError", *CODED_VALUE_ERRORS}
    grown = True
    while grown:  # every subclass, however deep
        found = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(
                isinstance(b, ast.Name | ast.Attribute) and ast.unparse(b).split(".")[-1] in errors
                for b in node.bases
            )
        }
        grown = not found <= errors
        errors |= found
    assert {"ConfigError", "ShopMappingError", "AuthError", "QueueBusy"} <= errors
    english = set()
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func).split(".")[-1]
            if name not in errors:
                continue
            said = [*node.args, *(k.value for k in node.keywords if k.arg in WORDS)]
            texts = [text for a in said if (text := _english_text(a))]
            if texts:  # the message's words, or its hint's when the message is a code
                english.add((path, texts[0]))
    new = {e for e in english if not any(e[0] == p and e[1].startswith(t) for p, t in ENGLISH_ERRORS_LEFT)}
    assert not new, "errors made of English text: make them Message codes (messages.py):\n" + "\n".join(
        f"{p}: {t!r}" for p, t in sorted(new)
    )
    gone = {
        (p, t) for p, t in ENGLISH_ERRORS_LEFT if not any(e[0] == p and e[1].startswith(t) for e in english)
    }
    assert not gone, f"no longer English text: take them out of ENGLISH_ERRORS_LEFT: {sorted(gone)}"


def test_a_records_notes_are_codes_said_in_russian_and_english_as_before() -> None:
    """Reconcile's notes (the "Last error / note" column, the detail pane, plan reasons that quote them):
    codes, joined as codes, a note inside a plan reason said in the same language; str() is the English."""
    stale = joined(
        Message("note.stale", {"entity": "deal", "id": 41}),
        "",
        Message("note.carries_origin", {"entity": "deal", "id": 42}),
    )
    assert str(stale) == (
        "stored deal id 41: the portal has no such deal (Not found); deal 42 carries this origin id"
    )
    assert render(stale, "ru") == (
        "сохранённый ID (сделка 41): в портале нет такой записи (сделка; Not found); "
        "запись (сделка 42) несёт этот ID во внешнем источнике"
    )
    kept = Message(
        "note.shared.other_keeps",
        {"shop_entity": "order", "keeper": "7", "match": "origin id", "entity": "deal"},
    )
    assert str(kept) == "order 7 keeps it (its origin id matches), this one gets its own deal"
    assert render(kept, "ru") == (
        "её сохраняет запись 7 (заказ; совпадает ID во внешнем источнике), эта получает свою (сделка)"
    )
    adopt = Message(
        "plan.adopt", {"entity": "deal", "id": 5, "note": Message("note.title_legacy", {"id": 5})}
    )
    assert str(adopt) == "adopt deal 5: deal 5 has this order's title (made before origin ids)"
    assert render(adopt, "ru") == (
        "принять запись (сделка 5): сделка 5 названа как этот заказ (создана до ID во внешнем источнике)"
    )
    assert joined("", "") == "" and joined("made outside") == "made outside"
    # kept as JSON (a nested note too) and read back the same; hashable like the strings it replaces
    assert Message.from_json(adopt.to_json()) == adopt and hash(adopt) == hash(
        Message.from_json(adopt.to_json())
    )


def test_the_reconcile_notes_of_stale_links_and_foreign_records_are_codes() -> None:
    from bitrix_monitor.sync.model import RecordState, RecordStatus
    from bitrix_monitor.sync.reconcile import job_for

    note = Message("note.stale", {"entity": "contact", "id": 9})
    status = RecordStatus("user", "3", "Anna", 9, None, RecordState.STALE_LINK, note=note)
    job = job_for(status)
    assert job is not None and job.reason == note  # the plan's reason is the same code, not its English
    assert (
        render(Message.of(job.reason), "ru")
        == "сохранённый ID (контакт 9): в портале нет такой записи (контакт; Not found)"
    )


def test_why_a_shop_row_cannot_be_synced_is_said_in_russian_and_its_jobs_group_by_code() -> None:
    """An invalid row's reasons are codes (the record's note and its job's error), said in Russian; the
    job error keeps the nested code when stored, and two rows with different values share one group."""
    from bitrix_monitor.money import AmountError, parse_amount
    from bitrix_monitor.shop.database import _amount, _row_problems

    with pytest.raises(AmountError, match="amount 'twelve' is not a number") as caught:
        parse_amount("twelve")
    problem = _row_problems("deal", "", "12abc", _amount("twelve")[1])
    assert (
        str(problem)
        == "its key is empty; stored deal id '12abc' is not an id; amount 'twelve' is not a number"
    )
    assert render(problem, "ru") == (
        "ключ пустой; сохранённый ID (сделка) '12abc' не является ID; сумма 'twelve' не является числом"
    )
    assert render(caught.value.msg, "ru") == "сумма 'twelve' не является числом"

    def job_error(amount: str) -> JobError:
        bad = _row_problems("deal", "7", None, _amount(amount)[1])
        return JobError.coded("InvalidRecord", Message("job.invalid_record", {"problem": bad}), False)

    err, other = job_error("twelve"), job_error("NaN")
    assert err.message == "cannot be synced until fixed in the shop: amount 'twelve' is not a number"
    back = JobError.from_stored("InvalidRecord", err.stored, False)
    assert back == err and back.signature == err.signature
    assert render(back.msg, "ru") == (  # type: ignore[arg-type]
        "нельзя синхронизировать, пока это не исправлено в магазине: сумма 'twelve' не является числом"
    )
    assert err.signature == job_error("1e99x").signature  # another value, the same code: one group
    assert err.signature != other.signature  # not a number vs not a finite number: two causes


def test_config_and_queue_file_errors_are_codes_said_in_russian(tmp_path: Path) -> None:
    """What a support person sees when the config or the queue file is wrong: codes with their hints, the
    English as before (``str()``, logs), the same error in Russian on the command line."""
    from bitrix_monitor import config
    from bitrix_monitor.errors import ConfigError
    from bitrix_monitor.messages import error_line
    from bitrix_monitor.queue import QueueFileError
    from bitrix_monitor.queue.store import JobQueue

    path = tmp_path / "config.toml"
    path.write_text("[sync]\nretry_cap = -1\n")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert str(caught.value) == f"{path}: [sync] retry_cap must be a number > 0 and <= 604800, not -1.0"
    assert error_line(caught.value, "ru") == (
        f"{path}: [sync] retry_cap должен быть числом > 0 и <= 604800, а не -1.0"
    )
    path.write_text("[sync]\nfull_every = 'often'\n")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert error_line(caught.value, "ru") == (
        f"{path}: [sync] full_every: 'often' не является длительностью "
        '(число с s, m, h или d: "24h", "90m")'
    )
    path.write_text("[sync]\nkeep_history = 'forever'\n")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert str(caught.value).startswith(f"{path}: [sync] keep_history: 'forever' is not a duration")
    path.write_text("[shop]\ntimezone = 'Mars/Base'\n")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert "timezone: 'Mars/Base' is not a known time zone" in str(caught.value)
    assert "— неизвестный часовой пояс (имя IANA, например" in error_line(caught.value, "ru")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(ConfigError) as caught:
        config.load(folder)
    assert str(caught.value) == f"Config file {folder} is a directory, not a regular file"
    assert error_line(caught.value, "ru") == f"Файл настроек {folder} — это папка, а не обычный файл"

    queue = tmp_path / "queue.sqlite3"
    queue.write_bytes(b"this is no database" * 100)
    with pytest.raises(QueueFileError) as failed:
        JobQueue.open(queue)
    assert str(failed.value).startswith(
        f"The job queue file {queue} is corrupted or is not a queue database."
    )
    assert error_line(failed.value, "ru").startswith(
        f"Файл очереди заданий {queue} повреждён или не является базой очереди. (отложите его"
    )


RUSSIAN_MOVED = {
    1: "Перенесено 1 задание",
    2: "Перенесено 2 задания",
    5: "Перенесено 5 заданий",
    11: "Перенесено 11 заданий",
    21: "Перенесено 21 задание",
    22: "Перенесено 22 задания",
    25: "Перенесено 25 заданий",
    111: "Перенесено 111 заданий",
}


@pytest.mark.parametrize(("n", "expected"), sorted(RUSSIAN_MOVED.items()))
def test_move_queue_says_what_it_moved_in_russian_plural_forms_right(n: int, expected: str) -> None:
    from bitrix_monitor.queue.move import MoveSummary

    said = MoveSummary(pending=n, history=0, covered=1, events=n, already=0, restores=0, conflicts=0)
    text = render(said.describe("desk", "team"), "ru")
    assert text.startswith(f"{expected} из desk в team: ожидающих {n}, завершённых 0, событий {n}; ")
    assert "1 ожидающее задание уже покрыто заданиями общей очереди" in text
    english = str(said.describe("desk", "team"))
    assert english.startswith(f"Moved {n} job{'s' if n != 1 else ''} from desk to team")
    assert "1 pending job was already covered" in english


def test_resolve_restore_and_archive_lines_are_codes_said_in_russian() -> None:
    took = Message("resolve.took_crm", {"shop_entity": "order", "key": "7", "fields": "STAGE_ID"})
    assert str(took) == "order 7: took the CRM's Stage into the shop"
    assert render(took, "ru") == "заказ 7: значение CRM (Стадия) записано в магазин"
    what = Message("restore.what", {"entity": "deal", "id": 90, "file": "deal-90.json"})
    why = Message("restore.why.archived", {"entity": "deal", "id": 90})
    done = Message(
        "restore.done",
        {
            "what": what,
            "entity": "deal",
            "new_id": 91,
            "why": Message("restore.repointed", {"shop_entity": "order", "key": "7", "why": why}),
        },
    )
    assert str(done) == (
        "Restored deal 90 from deal-90.json as deal 91. The shop's order 7 now points at it "
        "(it stored the archived deal 90)."
    )
    assert render(done, "ru") == (
        "Восстановлено: сделка 90 из deal-90.json как сделка 91. Запись магазина (заказ 7) теперь "
        "ссылается на неё (она хранила архивную запись (сделка 90))."
    )
    for n, form in ((1, "запись"), (2, "записи"), (5, "записей"), (21, "запись"), (111, "записей")):
        files = Message("archive.unreadable_files", {"n": 2})
        line = Message("archive.count.unreadable", {"n": n, "dir": "/a", "unreadable": files})
        assert render(line, "ru") == f"{n} {form} в архиве /a (2 файла не читаются)"
    assert str(Message("archive.count", {"n": 1, "dir": "/a"})) == "1 archived record in /a"


def test_the_command_line_speaks_the_language_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bitrix_monitor.cli import main

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "--lang", "ru", "--move-queue-aside"]) == 0
    assert capsys.readouterr().out.strip() == f"Файла очереди {data / 'queue.sqlite3'} нет."
    assert main(["--data-dir", str(data), "--lang", "ru", "--resolve", "order:7"]) == 2
    err = capsys.readouterr().err
    assert "--resolve 'order:7': пишите KIND:KEY=crm или KIND:KEY=shop" in err
    assert main(["--data-dir", str(data), "--lang", "ru", "--list-archive"]) == 0
    assert capsys.readouterr().out.strip() == f"0 записей в архиве {data / 'archive'}"


def test_a_change_from_the_crm_the_shop_did_not_take_is_noted_in_codes() -> None:
    """A pull's notes (a conflict, a missing stage mapping, a write the shop refused) are stored as codes in
    the queue file and said in the reader's language; a note stored before codes keeps its words; pull jobs
    that could not be applied fail with the code, so "retry all with this error" groups them whatever the
    values."""
    from bitrix_monitor.sync.pull import conflict_note, queued, queued_reason, said_note

    note = conflict_note("PHONE", "+7 900", "+7 911", "+7 900")
    stored = note.to_json()
    assert said_note(stored) == note
    assert str(note) == (
        "PHONE changed on both sides: the shop says '+7 900', the CRM '+7 911' (both said '+7 900' before); "
        "choose which one stays"
    )
    assert render(note, "ru") == (
        "PHONE изменено с обеих сторон: в магазине '+7 900', в CRM '+7 911' (раньше в обоих было '+7 900'); "
        "выберите, что остаётся"
    )
    assert str(conflict_note(None, None, "WON", None)) == (
        "changed on both sides: the shop says '(empty)', the CRM 'WON'; choose which one stays"
    )
    assert said_note("stage 'X' has no shop status") == "stage 'X' has no shop status"  # stored before codes
    busy = Message("pull.busy")
    f = queued("7", None, "WON", None, busy)
    assert queued_reason(f.note) == busy and queued_reason("queued as a pull job: old words") == "old words"
    assert render(said_note(f.note), "ru") == (
        "поставлено в очередь как задание получения из CRM: запись занята (заблокирована)"
    )

    def refused(stage: str) -> JobError:
        return JobError.coded("PullNotApplied", Message("pull.no_status", {"stage": repr(stage)}), False)

    assert refused("C1:WON").signature == refused("LOSE").signature
    assert refused("C1:WON").signature != JobError.coded("PullNotApplied", busy, True).signature


def test_a_busy_queue_a_bad_team_url_and_the_keyring_are_said_in_russian(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bitrix_monitor.errors import ConfigError
    from bitrix_monitor.messages import error_line
    from bitrix_monitor.queue.model import QueueBusy, RunnerInfo
    from bitrix_monitor.queue.team import check_queue_url

    holder = RunnerInfo(4242, "desk-anna", "bitrix-monitor --sync", datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    busy = QueueBusy(tmp_path / "queue.sqlite3", holder)
    assert str(busy) == (
        f"The job queue {tmp_path / 'queue.sqlite3'} is being processed by bitrix-monitor --sync "
        "(pid 4242 on desk-anna, since 2026-11-30 08:00:00 UTC). (wait for it to finish, or stop it first)"
    )
    assert error_line(busy, "ru") == (
        f"Очередь заданий {tmp_path / 'queue.sqlite3'} сейчас обрабатывает bitrix-monitor --sync "
        "(pid 4242 на desk-anna, с 2026-11-30 08:00:00 UTC). (дождитесь, пока он закончит, или сначала "
        "остановите его)"
    )
    with pytest.raises(ConfigError) as bad:
        check_queue_url("sqlite:///x.db")
    assert error_line(bad.value, "ru").startswith(
        "[queue] url: общая очередь хранится в PostgreSQL, а не в 'sqlite'"
    )


def test_what_the_pane_shows_of_a_shared_record_is_codes_said_in_russian() -> None:
    from bitrix_monitor.sync.ownership import stamp
    from bitrix_monitor.sync.reconcile import _describe

    theirs = {"TITLE": "Order #5", "ORIGINATOR_ID": "other-app", "ORIGIN_ID": "5", "CONTACT_ID": "12"}
    assert str(stamp(theirs)) == "External source 'other-app', ID in the external source '5'"
    assert render(stamp(theirs), "ru") == "Внешний источник 'other-app', ID во внешнем источнике '5'"
    assert render(stamp({"TITLE": "typed by hand"}), "ru") == "нет ID во внешнем источнике"
    assert render(_describe(theirs), "ru") == (
        "'Order #5', Внешний источник 'other-app', ID во внешнем источнике '5', контакт 12"
    )
    also = Message("evidence.also_stored", {"shop_entity": "order", "others": "5, 7"})
    assert str(also) == "also stored by order 5, 7"
    assert render(also, "ru") == "хранится также в магазине: заказ 5, 7"
    by_ids = joined(*(Message("evidence.by_id", {"id": i, "stamp": stamp(theirs)}) for i in (3, 4)))
    shared = Message("evidence.integration", {"match": "e-mail", "value": "a@b.ru", "stamps": by_ids})
    assert render(shared, "ru") == (
        "E-mail a@b.ru: 3: Внешний источник 'other-app', ID во внешнем источнике '5'; "
        "4: Внешний источник 'other-app', ID во внешнем источнике '5'"
    )


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "прекращено после 1 попытки"),
        (2, "прекращено после 2 попыток"),
        (21, "прекращено после 21 попытки"),
    ],
)
def test_why_the_queue_moved_a_job_is_a_code_said_in_russian(n: int, expected: str) -> None:
    from bitrix_monitor.queue.model import reason_detail

    stored = reason_detail(Message("reason.gave_up", {"n": n}))
    assert stored["reason"] == f"gave up after {n} attempt{'s' if n != 1 else ''}"
    assert render(Message.from_dict(stored["reason_code"]), "ru") == expected
    assert render(Message("reason.stopped_sending"), "ru") == "исполнитель остановился во время отправки"


def test_a_batch_command_the_portal_did_not_run_is_said_in_russian() -> None:
    from bitrix_monitor.bitrix.client import NotExecuted
    from bitrix_monitor.messages import error_line

    for code, params, english, russian in [
        (
            "bitrix.batch.not_executed",
            {},
            "crm.deal.list (in a batch) was not executed",
            "(в пакете) не выполнен",
        ),
        ("bitrix.batch.count_not_executed", {}, "crm.deal.list (its count) was not executed", "(подсчёт)"),
        ("bitrix.batch.ids_not_executed", {}, "crm.deal.list (@ID) was not executed", "(@ID) не выполнен"),
        (
            "bitrix.batch.since_not_executed",
            {"since": "2026-11-30T08:00:00+00:00"},
            "crm.deal.list (changes since 2026-11-30T08:00:00+00:00) was not executed",
            "(изменения с 2026-11-30T08:00:00+00:00) не выполнен",
        ),
    ]:
        error = NotExecuted(Message(code, {"method": "crm.deal.list", **params}), method="crm.deal.list")
        assert str(error) == english
        assert error_line(error, "ru").startswith("crm.deal.list ") and russian in error_line(error, "ru")


def test_diagnose_follows_the_language_asked_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bitrix_monitor import cli

    data = tmp_path / "data"
    assert cli.main(["--diagnose", "--lang", "ru", "--data-dir", str(data)]) == 0
    ru = capsys.readouterr().out.splitlines()
    assert cli.main(["--diagnose", "--lang", "en", "--data-dir", str(data)]) == 0
    en = capsys.readouterr().out.splitlines()
    assert ru[0] == en[0] and ru[0].startswith("bitrix-monitor ")  # name, version, Python: no words
    assert en[1:4] == [
        "frozen bundle: no",
        f"data dir: {data}",
        f"config file: {data / 'config.toml'} (absent: defaults apply)",
    ]
    assert ru[1:4] == [
        "собранный пакет: нет",
        f"папка данных: {data}",
        f"файл настроек: {data / 'config.toml'} (нет: действуют значения по умолчанию)",
    ]
    assert ru[5].startswith("хранилище паролей: ")
    assert ru[6] == "драйвер PostgreSQL (psycopg): есть" and en[6] == "PostgreSQL driver (psycopg): available"
    assert render(Message("keyring.backend.none"), "ru").startswith(
        "хранилище паролей недоступно (установите"
    )
