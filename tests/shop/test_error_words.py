"""The shop's own refusals are codes said in the reader's language: a shop database URL that cannot be
right, a missing SQLite file, a missing driver, the SQLite lock file, the mapping (a template, a write it
does not map), a pulled value a column cannot hold, and a demo shop over existing tables. The Russian line
leaves only names in Latin letters (a URL, a path, a table or column, a config key); the English
(``str()``, logs) is as before."""

from __future__ import annotations

import errno
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import OrdersMapping, ShopConfig
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.messages import Message, error_line, render
from bitrix_monitor.queue import JobError
from bitrix_monitor.shop import (
    ShopDatabase,
    ShopError,
    ShopMappingError,
    ShopMissingDatabaseError,
    ShopPermissionError,
    ShopValueError,
)
from bitrix_monitor.shop import locks as shop_locks
from bitrix_monitor.shop.connection import create_engine, parse_url
from bitrix_monitor.shop.database import _column_value
from bitrix_monitor.shop.errors import value_reason
from bitrix_monitor.shop.mapping import parse_template

PASSWORD = "Hunter2secret"


def _latin_left(line: str, *names: str) -> list[str]:
    """Words in Latin letters left in ``line`` once ``names`` are taken out, and with them what is a name
    anyway: a URL, something quoted, a config section in brackets, a placeholder in braces, an environment
    variable; "URL" itself is the Russian term too (as in "URL вебхука")."""
    for name in names:
        line = line.replace(name, " ")
    line = re.sub(r"\S+://\S*|'[^']*'|\[[\w.]+\]|\b[A-Z]+(?:_[A-Z]+)+\b|\{[^{}]*\}|\bURL\b", " ", line)
    return re.findall(r"[A-Za-z]{2,}", line)


def _said(exc: ShopError) -> tuple[str, str]:
    return error_line(exc, "en"), error_line(exc, "ru")


# ---------------------------------------------------------------- the URL as typed

EXAMPLE = ("(e.g. postgresql://shop@host:5432/shop)", "(например, postgresql://shop@host:5432/shop)")
URLS = [
    (
        "not a url",
        f"The shop database URL is not a valid URL {EXAMPLE[0]}",
        f"URL базы данных магазина недопустим {EXAMPLE[1]}",
    ),
    (
        f"postgresql://shop:{PASSWORD}@db:5x32/shop",
        f"The shop database URL has a port that is not a number {EXAMPLE[0]}",
        f"В URL базы данных магазина порт указан не числом {EXAMPLE[1]}",
    ),
    (
        f"postgresql://shop:{PASSWORD}@db:70000/shop",
        f"The shop database URL has port 70000, outside 1-65535 {EXAMPLE[0]}",
        f"В URL базы данных магазина указан порт 70000, вне диапазона 1–65535 {EXAMPLE[1]}",
    ),
    (
        f"mysql://shop:{PASSWORD[:3]}@{PASSWORD[3:]}@127.0.0.1/shop",
        "The shop database URL has an unescaped '@' (in the password?) (write '@' in a password as %40, or "
        "better keep the password in the keyring or BITRIX_MONITOR_SHOP_PASSWORD)",
        "В URL базы данных магазина есть неэкранированный символ '@' (в пароле?) (в пароле пишите '@' как "
        "%40, а лучше храните пароль в хранилище паролей или в BITRIX_MONITOR_SHOP_PASSWORD)",
    ),
    (
        f"oracle://scott:{PASSWORD}@db/shop",
        "Shop databases of type 'oracle' are not supported "
        "(use sqlite:///, postgresql:// or mysql:// (MariaDB))",
        "Базы данных магазина типа 'oracle' не поддерживаются "
        "(используйте sqlite:///, postgresql:// или mysql:// (MariaDB))",
    ),
]


@pytest.mark.parametrize(("url", "english", "russian"), URLS, ids=["invalid", "port", "range", "at", "type"])
def test_a_url_that_cannot_be_right_is_said_in_russian_without_the_password(
    url: str, english: str, russian: str
) -> None:
    with pytest.raises(ShopError) as refused:
        ShopDatabase.connect(url, ShopConfig())
    assert _said(refused.value) == (english, russian)
    assert str(refused.value) == english
    assert all(PASSWORD[3:] not in line for line in _said(refused.value))
    assert _latin_left(russian, "MariaDB") == [], russian


# ---------------------------------------------------------------- a missing file, a missing driver


def test_a_missing_sqlite_file_is_said_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "nope.sqlite3"
    with pytest.raises(ShopMissingDatabaseError) as missing:
        ShopDatabase.connect(f"sqlite:///{path}", ShopConfig())
    assert _said(missing.value) == (
        f"The shop database file {path} does not exist",
        f"Файла базы данных магазина {path} не существует",
    )
    assert _latin_left(error_line(missing.value, "ru"), str(path)) == []
    assert not path.exists()


def test_a_driver_sqlalchemy_does_not_know_is_said_in_russian() -> None:
    u, kind = parse_url(f"postgresql+nosuchdriver://shop:{PASSWORD}@db/shop")
    with pytest.raises(ShopError) as refused:
        create_engine(u, kind)
    english, russian = _said(refused.value)
    assert english == (
        "No database driver for postgresql+nosuchdriver: no such driver is known "
        "(use sqlite:///, postgresql:// or mysql:// (MariaDB))"
    )
    assert russian.startswith(
        "Нет драйвера базы данных для postgresql+nosuchdriver: такой драйвер неизвестен ("
    )
    assert _latin_left(russian, "postgresql+nosuchdriver", "MariaDB") == [], russian
    assert PASSWORD not in english + russian


def test_a_driver_that_cannot_be_loaded_is_said_in_russian(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> sa.Engine:
        raise ImportError("no pq wrapper available")

    monkeypatch.setattr(sa, "create_engine", broken)
    u, kind = parse_url(f"postgresql://shop:{PASSWORD}@db/shop")
    with pytest.raises(ShopError) as refused:
        create_engine(u, kind)
    assert _said(refused.value) == (
        "No database driver for postgresql+psycopg: it cannot be loaded",
        "Нет драйвера базы данных для postgresql+psycopg: его не удалось загрузить",
    )
    assert isinstance(refused.value.__cause__, ImportError)  # the driver's own words stay in the chain


# ---------------------------------------------------------------- the SQLite lock file


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    create_demo_shop(url, orders=3, users=2)
    return url


@pytest.mark.parametrize(
    ("code", "english", "russian"),
    [
        (errno.EACCES, "Permission denied", "доступ запрещён"),
        (errno.EROFS, "Read-only file system", "файловая система доступна только для чтения"),
        (errno.ENOSPC, "No space left on device", "на диске не осталось места"),
    ],
    ids=["denied", "read-only", "full"],
)
def test_a_lock_file_that_cannot_be_made_is_said_in_russian(
    sqlite_shop: str, monkeypatch: pytest.MonkeyPatch, code: int, english: str, russian: str
) -> None:
    """The OS's reason as a code (as root, the tests cannot be refused a folder: the OS is stood in for)."""

    def refuse(_sidecar: object, path: Path) -> None:
        raise OSError(code, "the OS's own words", str(path))

    with ShopDatabase.connect(sqlite_shop, ShopConfig()) as db:
        monkeypatch.setattr(shop_locks._Sidecar, "__init__", refuse)
        with pytest.raises(ShopPermissionError) as refused:
            db.locks()
    lock = Path(sa.make_url(sqlite_shop).database or "").with_name("shop.sqlite3.bitrix-monitor.lock")
    assert _said(refused.value) == (
        f"Cannot create the lock file {lock}: {english} "
        "(the app needs write access to the shop database's folder)",
        f"Не удалось создать файл блокировки {lock}: {russian} "
        "(приложению нужен доступ на запись в папку базы данных магазина)",
    )
    assert _latin_left(error_line(refused.value, "ru"), str(lock)) == []


def test_a_lock_file_in_the_way_is_said_in_russian_and_an_unknown_reason_as_the_os_says_it(
    sqlite_shop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder where the lock file goes (a real refusal, even as root); a reason without a code is the
    OS's words in both languages."""
    lock = Path(sa.make_url(sqlite_shop).database or "").with_name("shop.sqlite3.bitrix-monitor.lock")
    lock.mkdir()
    with ShopDatabase.connect(sqlite_shop, ShopConfig()) as db:
        with pytest.raises(ShopPermissionError) as refused:
            db.locks()
        assert error_line(refused.value, "ru").startswith(
            f"Не удалось создать файл блокировки {lock}: это папка, а не файл ("
        )
        assert str(refused.value).startswith(f"Cannot create the lock file {lock}: Is a directory (")

        def refuse(_sidecar: object, path: Path) -> None:
            raise OSError(errno.ELOOP, "Too many levels of symbolic links", str(path))

        monkeypatch.setattr(shop_locks._Sidecar, "__init__", refuse)
        with pytest.raises(ShopPermissionError) as refused:
            db.locks()
    assert error_line(refused.value, "ru").startswith(
        f"Не удалось создать файл блокировки {lock}: Too many levels of symbolic links ("
    )


def test_locks_on_an_in_memory_database_are_refused_in_russian() -> None:
    with pytest.raises(ShopError) as refused:
        shop_locks.make_locks("sqlite", None, "", ":memory:", {})
    assert _said(refused.value) == (
        "Locks need a SQLite database file, not an in-memory database",
        "Для блокировок нужен файл базы данных, а не база данных в памяти",
    )


# ---------------------------------------------------------------- the mapping


@pytest.mark.parametrize(
    ("template", "english", "russian"),
    [
        ("Order {}", "an empty placeholder {} is not allowed", "пустая подстановка {} не допускается"),
        ("Order {0}", "a positional placeholder is not allowed", "позиционная подстановка не допускается"),
        (
            "Order {order_id.__class__}",
            "attribute or index access is not allowed",
            "обращение к атрибуту или индексу не допускается",
        ),
        ("Order {order_id!r}", "a conversion (!) is not allowed", "преобразование (!) не допускается"),
        (
            "Order {order_id:>9}",
            "a format spec (:) is not allowed",
            "спецификация формата (:) не допускается",
        ),
        (
            "Order {order_id",
            "expected '}' before end of string",
            "до конца строки нет закрывающей скобки '}'",
        ),
        ("Order } {order_id}", "Single '}' encountered in format string", "одиночная скобка '}' в шаблоне"),
        ("Order {order_id:{x}", "unmatched '{' in format spec", "непарная скобка '{' в спецификации формата"),
        (
            "Order {order_id!",
            "end of string while looking for conversion specifier",
            "строка закончилась, а преобразование после ! не указано",
        ),
        (
            "Order {order_id!rx}",
            "expected ':' after conversion specifier",
            "после преобразования (!) ожидается ':'",
        ),
    ],
)
def test_a_template_that_is_not_allowed_is_said_in_russian(template: str, english: str, russian: str) -> None:
    with pytest.raises(ShopMappingError) as refused:
        parse_template(template)
    en, ru = _said(refused.value)
    assert en.startswith(f"[shop.orders] title = {template!r}: {english} ("), en
    assert ru.startswith(f"[shop.orders] title = {template!r}: {russian} ("), ru
    assert _latin_left(ru, "title") == [], ru


def test_a_placeholder_naming_no_column_is_said_in_russian(sqlite_shop: str) -> None:
    title = ShopConfig(orders=replace(OrdersMapping(), title="Order #{order_id} - {service}"))
    with pytest.raises(ShopMappingError) as refused:
        ShopDatabase.connect(sqlite_shop, title)
    en, ru = _said(refused.value)
    assert en.startswith(
        "[shop.orders] title placeholder {service} = 'service': table 'orders' has no column 'service' ("
    )
    assert ru.startswith(
        "[shop.orders] title, подстановка {service} = 'service': в таблице 'orders' нет столбца 'service' ("
    )


def test_a_write_the_mapping_does_not_map_is_said_in_russian(sqlite_shop: str) -> None:
    no_stage = ShopConfig(orders=replace(OrdersMapping(), stage=""))
    with ShopDatabase.connect(sqlite_shop, no_stage) as db:
        with pytest.raises(ShopMappingError) as no_status:
            db.set_status("1", "paid", expected=None)
        with pytest.raises(ShopMappingError) as no_column:
            db.set_field("user", "1", "nickname", "Bob", expected=None)
    assert _said(no_status.value) == (
        "[shop.orders] stage names no status column: nothing to write a stage to",
        "[shop.orders] stage не указывает столбец статуса: стадию некуда записать",
    )
    assert _said(no_column.value) == (
        "[shop.users] maps no column 'nickname'",
        "[shop.users]: столбец 'nickname' не сопоставлен",
    )
    assert _latin_left(error_line(no_status.value, "ru"), "stage") == []


# ---------------------------------------------------------------- a pulled value a column cannot hold

VALUES = [
    (
        "order",
        "total_price",
        "twelve",
        "'twelve' is not a number",
        "'twelve' не является числом",
    ),
    ("order", "total_price", "Infinity", "'Infinity' is not a number", "'Infinity' не является числом"),
    ("order", "service_id", "1.5", "'1.5' is not a whole number", "'1.5' не является целым числом"),
    (
        "user",
        "phone_number",
        "+7 900 111-22-33, +7 900 444-55-66",
        "'+7 900 111-22-33, +7 900 444-55-66' is longer than the column's 32 characters",
        "'+7 900 111-22-33, +7 900 444-55-66' длиннее, чем вмещает столбец (символов: 32)",
    ),
]


@pytest.mark.parametrize(
    ("kind", "column", "value", "english", "russian"), VALUES, ids=["text", "infinity", "fraction", "long"]
)
def test_a_value_a_column_cannot_hold_is_said_in_russian(
    sqlite_shop: str, kind: str, column: str, value: str, english: str, russian: str
) -> None:
    """A CRM value pulled into a column that cannot hold it: still a ValueError (callers catch that), its
    reason a code said in the reader's language, and the row untouched."""
    table, key = {"order": ("orders", "order_id"), "user": ("users", "id")}[kind]
    engine = sa.create_engine(sqlite_shop)
    read = sa.text(f"SELECT {column} FROM {table} WHERE {key} = 1")
    with engine.connect() as c:
        before = c.execute(read).scalar()
    with ShopDatabase.connect(sqlite_shop, ShopConfig()) as db, pytest.raises(ValueError) as refused:
        db.set_field(kind, "1", column, value, expected=before)
    with engine.connect() as c:
        assert c.execute(read).scalar() == before
    engine.dispose()
    assert isinstance(refused.value, ShopValueError)
    assert str(refused.value) == english
    assert (render(value_reason(refused.value), "en"), render(value_reason(refused.value), "ru")) == (
        english,
        russian,
    )
    assert _latin_left(russian) == [], russian


def test_a_value_for_a_boolean_column_is_said_in_russian() -> None:
    with pytest.raises(ShopValueError) as refused:
        _column_value(sa.Column("is_paid", sa.Boolean), "yes")
    assert (render(refused.value.msg, "en"), render(refused.value.msg, "ru")) == (
        "'yes' is not written to a boolean column",
        "'yes' нельзя записать в логический столбец",
    )


def test_an_unwritable_value_is_said_in_russian_where_a_pull_says_it_and_stored_as_its_code() -> None:
    """``pull.field.unwritable`` (a record's note, a pull job's error) and ``resolve.unwritable`` take the
    reason as a message: said in the reader's language, stored as its code (to_json keeps the nested one);
    any other ValueError is its own words."""
    with pytest.raises(ShopValueError) as refused:
        _column_value(sa.Column("service_id", sa.Integer), "1.5")
    note = Message("pull.field.unwritable", {"field": "UF_CRM_SERVICE", "error": value_reason(refused.value)})
    stored = Message.from_json(note.to_json())
    assert stored == note and stored is not None
    assert (render(stored, "en"), render(stored, "ru")) == (
        "the CRM's UF_CRM_SERVICE cannot be written to the shop's column: '1.5' is not a whole number",
        "значение CRM (UF_CRM_SERVICE) нельзя записать в столбец магазина: '1.5' не является целым числом",
    )
    said = {
        "shop_entity": "order",
        "key": "7",
        "fields": "UF_CRM_SERVICE",
        "error": value_reason(refused.value),
    }
    resolve = Message("resolve.unwritable", said)
    assert render(resolve, "ru") == (
        "заказ 7: значение CRM (UF_CRM_SERVICE) нельзя записать: '1.5' не является целым числом"
    )
    assert _latin_left(render(resolve, "ru"), "UF_CRM_SERVICE", "CRM") == []
    other = value_reason(ValueError("a driver's own words"))
    assert (render(other, "en"), render(other, "ru")) == ("a driver's own words", "a driver's own words")


# ---------------------------------------------------------------- an id or a kind the shop cannot take


@pytest.mark.parametrize(
    ("write", "english", "russian"),
    [
        (lambda db: db.set_id("order", "1", 0), "not an id: 0", "недопустимый ID: 0"),
        (lambda db: db.set_ids("user", [("1", -5, None)]), "not an id: -5", "недопустимый ID: -5"),
        (
            lambda db: db.count("company"),
            "the shop maps no companies",
            "в настройках магазина не сопоставлена таблица компаний",
        ),
        (
            lambda db: db.set_id("company", "1", 7),
            "the shop maps no companies",
            "в настройках магазина не сопоставлена таблица компаний",
        ),
    ],
    ids=["set_id", "set_ids", "count", "write"],
)
def test_an_id_that_is_no_id_or_a_kind_the_shop_does_not_map_is_said_in_russian(
    sqlite_shop: str, write: Any, english: str, russian: str
) -> None:
    """Still a ValueError (callers catch that); a job that meets it shows its error in the reader's
    language, and stores its code."""
    with ShopDatabase.connect(sqlite_shop, ShopConfig()) as db, pytest.raises(ValueError) as refused:
        write(db)
    assert isinstance(refused.value, ShopValueError)
    assert str(refused.value) == english
    assert (render(value_reason(refused.value), "en"), render(value_reason(refused.value), "ru")) == (
        english,
        russian,
    )
    job = JobError.of(refused.value, retryable=False)
    stored = JobError.from_stored(job.error_class, job.stored, False)
    assert stored.msg == refused.value.msg and render(stored.msg, "ru") == russian
    assert _latin_left(russian, "ID") == [], russian  # ID is the Russian term too (ID во внешнем источнике)


# ---------------------------------------------------------------- the demo shop


def test_a_demo_shop_over_existing_tables_is_refused_in_russian(sqlite_shop: str) -> None:
    with pytest.raises(ShopError) as refused:
        create_demo_shop(sqlite_shop, orders=1, users=1)
    assert _said(refused.value) == (
        "The database already has the table(s) companies, orders, users",
        "В базе данных уже есть таблицы: companies, orders, users",
    )
    assert _latin_left(error_line(refused.value, "ru"), "companies", "orders", "users") == []
