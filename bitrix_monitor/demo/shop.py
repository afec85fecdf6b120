"""The demo shop: the schema of the shop this tool was first built for, filled with realistic data.

Made by a small seeded generator of our own (no dependency): Russian first and last names, companies,
e-mail domains, phone numbers in the formats people actually type, amounts, the shop's statuses and
timestamps; and users who appear twice -- the same e-mail in another case, or the same phone written
another way -- the duplicates staff meet. Every deal and contact id is NULL; the demo's portal seeding
links some of them.

Works on SQLite, PostgreSQL and MariaDB (SQLAlchemy Core, one schema for all three).
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from bitrix_monitor.messages import Message
from bitrix_monitor.shop.connection import create_engine, parse_url
from bitrix_monitor.shop.errors import ShopError

STATUSES = (
    "NEW",
    "PREPARATION",
    "PREPAYMENT_INVOICE",
    "EXECUTING",
    "FINAL_INVOICE",
    "WON",
    "LOSE",
    "APOLOGY",
)
_STATUS_WEIGHTS = (14, 10, 8, 12, 8, 34, 9, 5)

_MALE_FIRST = (
    "Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил",
    "Никита", "Матвей", "Роман", "Егор", "Иван", "Павел", "Владимир", "Олег", "Юрий", "Константин",
)  # fmt: skip
_FEMALE_FIRST = (
    "Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Светлана", "Юлия",
    "Анастасия", "Дарья", "Полина", "Ксения", "Виктория", "Алина", "Вера", "Людмила", "Галина", "Софья",
)  # fmt: skip
_LAST = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
    "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
    "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
)  # fmt: skip
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),  # noqa: SIM905
        strict=True,
    )
)
_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "outlook.com")
_COMPANIES = (
    "ООО «Ромашка»", "ООО «ТехноСтрой»", "ИП Соколов А. В.", "АО «СеверСталь-Сервис»", "ООО «Вектор»",
    "ООО «Альфа Принт»", "ООО «Горизонт»", "ЗАО «Промсвязь»", "ООО «Логистик Плюс»", "ООО «МедиаГрупп»",
    "ООО «Уральские Самоцветы»", "ИП Козлова Е. С.", "ООО «Зелёный Сад»", "ООО «Сибирь-Маркет»",
)  # fmt: skip
_CODES = ("912", "903", "916", "926", "985", "999", "950", "921", "965", "977")
_USER_TYPES = ("individual", "individual", "individual", "business", "reseller")


@dataclass(frozen=True)
class DemoSchema:
    metadata: sa.MetaData
    users: sa.Table
    orders: sa.Table
    companies: sa.Table


@dataclass(frozen=True)
class DuplicateUsers:
    """Two user rows that are one person: ``first`` is the original, ``second`` the later copy."""

    first: str
    second: str
    matched_on: Literal["email", "phone"]


@dataclass(frozen=True)
class DemoShopInfo:
    url: str
    orders: int
    users: int
    duplicate_users: tuple[DuplicateUsers, ...]
    orders_by_status: dict[str, int]


def demo_metadata() -> DemoSchema:
    """The first shop's tables (with columns the app must ignore)."""
    md = sa.MetaData()
    companies = sa.Table(
        "companies",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("inn", sa.String(12)),
        sa.Column("email", sa.String(255)),
        sa.Column("phone", sa.String(32)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("bitrix_company_id", sa.Integer, nullable=True),
    )
    users = sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("full_name", sa.String(255)),
        sa.Column("phone_number", sa.String(32)),
        sa.Column("company", sa.String(255)),
        sa.Column("user_type", sa.String(32), nullable=False, server_default="individual"),
        sa.Column("password_hash", sa.String(128)),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("last_login", sa.DateTime),
        sa.Column("notes", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("bitrix_contact_id", sa.Integer, nullable=True),
        sa.Column("company_id", sa.Integer, nullable=True),  # the company (no foreign key: 0 = none)
    )
    orders = sa.Table(
        "orders",
        md,
        sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("service_id", sa.Integer, nullable=False),
        sa.Column("file_id", sa.Integer),
        sa.Column("quantity", sa.Integer, nullable=False, server_default="1"),
        sa.Column("total_price", sa.Double, nullable=False),
        sa.Column("status", sa.String(32), nullable=False, server_default="NEW"),
        sa.Column("payment_method", sa.String(32)),
        sa.Column("delivery_address", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("is_paid", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
        sa.Column("bitrix_deal_id", sa.Integer, nullable=True),
    )
    return DemoSchema(md, users, orders, companies)


def create_schema(engine: sa.Engine) -> DemoSchema:
    """Create the demo shop's empty tables on ``engine``; returns them for tests that add their own rows."""
    schema = demo_metadata()
    schema.metadata.create_all(engine)
    return schema


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.now = datetime(2026, 11, 1, 9, 0, 0)

    def person(self) -> tuple[str, str]:
        r = self.rnd
        if r.random() < 0.5:
            return r.choice(_MALE_FIRST), r.choice(_LAST)
        return r.choice(_FEMALE_FIRST), r.choice(_LAST) + "а"

    @staticmethod
    def latin(text: str) -> str:
        return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower()).replace("-", "")

    def email(self, first: str, last: str, n: int) -> str:
        r = self.rnd
        style = r.randrange(3)
        local = (
            f"{self.latin(first)}.{self.latin(last)}"
            if style == 0
            else f"{self.latin(first)[0]}{self.latin(last)}{n % 100}"
            if style == 1
            else f"{self.latin(last)}_{r.randrange(1960, 2006)}"
        )
        return f"{local}@{r.choice(_DOMAINS)}"

    def digits(self) -> str:
        return self.rnd.choice(_CODES) + f"{self.rnd.randrange(10**7):07d}"

    @staticmethod
    def phone(digits: str, style: int) -> str:
        """The same ten digits written the ways customers write them."""
        a, b, c, d = digits[:3], digits[3:6], digits[6:8], digits[8:]
        return (
            f"+7 ({a}) {b}-{c}-{d}",
            f"8{digits}",
            f"+7-{a}-{b}-{c}-{d}",
            f"+7{digits}",
            f"8 {a} {b} {c} {d}",
            f"7{digits}",
        )[style % 6]

    def moment(self, days_back: int) -> datetime:
        offset = timedelta(days=self.rnd.uniform(0, days_back), seconds=self.rnd.randrange(86400))
        return (self.now - offset).replace(microsecond=0)


class _Pool:
    """Users in id order, some taken: ``pick`` draws as ``random.choice`` over the ones not taken would (the
    same draw from the generator, the same user), in O(log n) through a Fenwick tree of who is left."""

    def __init__(self, users: list[dict[str, Any]]) -> None:
        self._users = users
        self._ids = [u["id"] for u in users]
        self._taken = [False] * len(users)
        self._left = len(users)
        self._tree = [0] * (len(users) + 1)
        for i in range(1, len(users) + 1):
            self._tree[i] += 1
            up = i + (i & -i)
            if up <= len(users):
                self._tree[up] += self._tree[i]

    def pick(self, r: random.Random) -> dict[str, Any]:
        if not self._left:
            raise IndexError("no user left to repeat")
        rank = r.randrange(self._left)  # random.choice's own draw: _randbelow(len)
        at, step = 0, 1 << len(self._users).bit_length()
        while step:  # the last position with fewer than rank + 1 users left up to it
            nxt = at + step
            if nxt <= len(self._users) and self._tree[nxt] <= rank:
                at = nxt
                rank -= self._tree[nxt]
            step >>= 1
        return self._users[at]

    def take(self, user: dict[str, Any]) -> None:
        at = bisect.bisect_left(self._ids, user["id"])
        if at == len(self._ids) or self._ids[at] != user["id"] or self._taken[at]:
            return
        self._taken[at] = True
        self._left -= 1
        i = at + 1
        while i <= len(self._users):
            self._tree[i] -= 1
            i += i & -i


def _users(g: _Generator, count: int) -> tuple[list[dict[str, Any]], list[DuplicateUsers]]:
    r = g.rnd
    rows: list[dict[str, Any]] = []
    duplicates: list[DuplicateUsers] = []
    phone_digits: dict[int, str] = {}
    pools: tuple[_Pool, _Pool] | None = None
    # Roughly one user in twelve is a later second registration of an earlier one.
    n_dupes = min(count // 12, count // 2) if count >= 4 else 0
    for i in range(1, count + 1):
        created = g.moment(720)
        updated = min(created + timedelta(days=r.uniform(0, 200)), g.now).replace(microsecond=0)
        if i > count - n_dupes:
            if pools is None:  # the users a later registration may repeat: any of them, or those with e-mail
                everyone = rows[: count - n_dupes]
                pools = (_Pool(everyone), _Pool([u for u in everyone if u["email"]]))
            by_email = len(duplicates) % 2 == 0
            original = pools[by_email].pick(r)
            for pool in pools:  # a user is repeated once at most
                pool.take(original)
            first, last = original["full_name"].split(" ", 1)
            if by_email:
                email = original["email"].upper() if r.random() < 0.5 else original["email"].capitalize()
                phone = g.phone(g.digits(), r.randrange(6)) if r.random() < 0.7 else None
                matched: Literal["email", "phone"] = "email"
            else:
                digits = phone_digits[original["id"]]
                phone = original["phone_number"]
                while phone == original["phone_number"]:
                    phone = g.phone(digits, r.randrange(6))
                email = f"{g.latin(first)[0]}.{g.latin(last)}{i}@{r.choice(_DOMAINS)}"
                matched = "phone"
            duplicates.append(DuplicateUsers(str(original["id"]), str(i), matched))
        else:
            first, last = g.person()
            email = g.email(first, last, i) if r.random() < 0.93 else None
            digits = g.digits()
            phone_digits[i] = digits
            phone = g.phone(digits, r.randrange(6))
        rows.append(
            {
                "id": i,
                "username": f"{g.latin(first)[:1]}{g.latin(last)}{i}",
                "email": email,
                "full_name": f"{first} {last}",
                "phone_number": phone,
                "company": r.choice(_COMPANIES) if r.random() < 0.35 else None,
                "user_type": r.choice(_USER_TYPES),
                "password_hash": f"pbkdf2_sha256${r.getrandbits(64):016x}",
                "is_active": r.random() < 0.95,
                "last_login": updated,
                "notes": None,
                "created_at": created,
                "updated_at": updated,
                "bitrix_contact_id": None,
            }
        )
    return rows, duplicates


def _companies(now: datetime) -> list[dict[str, Any]]:
    """One row per company name users give; e-mail and phone made from the row's number (no randomness, so
    the users and orders of a seed stay what they were before companies existed)."""
    rows = []
    for i, name in enumerate(_COMPANIES, start=1):
        rows.append(
            {
                "id": i,
                "name": name,
                "inn": f"77{i:02d}{(i * 7919) % 10**6:06d}00",
                "email": f"office{i}@company{i}.ru" if i % 3 else None,
                "phone": f"+7 (495) {100 + i * 7:03d}-{i:02d}-{(i * 13) % 100:02d}",
                "created_at": now - timedelta(days=900 - i),
                "updated_at": now - timedelta(days=30 + i),
                "bitrix_company_id": None,
            }
        )
    return rows


def _company_ids(users: list[dict[str, Any]]) -> None:
    """A user who names a company belongs to it."""
    ids = {name: i for i, name in enumerate(_COMPANIES, start=1)}
    for u in users:
        u["company_id"] = ids.get(u["company"]) if u["company"] else None


def _orders(g: _Generator, count: int, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = g.rnd
    rows: list[dict[str, Any]] = []
    for i in range(1, count + 1):
        user = r.choice(users)
        created = max(g.moment(540), user["created_at"])
        updated = min(created + timedelta(hours=r.uniform(0, 24 * 60)), g.now).replace(microsecond=0)
        quantity = r.choice((1, 1, 1, 2, 3, 5, 10, 50, 100))
        unit = r.choice((350.0, 490.0, 1200.0, 1990.0, 2500.0, 4700.0, 12500.0))
        status = r.choices(STATUSES, weights=_STATUS_WEIGHTS)[0]
        rows.append(
            {
                "order_id": i,
                "user_id": user["id"],
                "service_id": r.randrange(1, 40),
                "file_id": r.randrange(1000, 99999) if r.random() < 0.6 else None,
                "quantity": quantity,
                "total_price": round(quantity * unit * r.uniform(0.85, 1.0), 2),
                "status": status,
                "payment_method": r.choice(("card", "invoice", "cash", None)),
                "delivery_address": None,
                "comment": r.choice((None, None, "Срочно", "Позвонить перед доставкой", "Счёт на юр. лицо")),
                "is_paid": status in ("WON", "FINAL_INVOICE"),
                "created_at": created,
                "updated_at": updated,
                "bitrix_deal_id": None,
            }
        )
    return rows


def create_demo_shop(
    url: str, *, orders: int = 200, users: int = 60, seed: int = 7, replace: bool = False
) -> DemoShopInfo:
    """Create the demo schema in the (existing, or for SQLite: new) database at ``url`` and fill it.

    The same ``seed`` gives the same shop. Refuses to touch a database that already has ``users``,
    ``orders`` or ``companies`` tables unless ``replace`` is set (then they are dropped first).
    """
    if users < 1 or orders < 0:
        raise ValueError("a demo shop needs at least one user")
    u, kind = parse_url(url)
    if kind == "sqlite" and u.database:
        from pathlib import Path

        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        Path(u.database).touch()
    engine = create_engine(u, kind)
    try:
        schema = demo_metadata()
        existing = set(sa.inspect(engine).get_table_names()) & {"users", "orders", "companies"}
        if existing and not replace:
            raise ShopError(Message("shop.demo.tables_exist", {"tables": ", ".join(sorted(existing))}))
        schema.metadata.drop_all(engine)
        schema.metadata.create_all(engine)
        g = _Generator(seed)
        user_rows, duplicates = _users(g, users)
        order_rows = _orders(g, orders, user_rows)
        company_rows = _companies(g.now)
        _company_ids(user_rows)
        with engine.begin() as conn:
            tables = (
                (schema.companies, company_rows),
                (schema.users, user_rows),
                (schema.orders, order_rows),
            )
            for table, rows in tables:
                for i in range(0, len(rows), 5000):
                    conn.execute(sa.insert(table), rows[i : i + 5000])
            if kind == "postgresql":
                # Rows were inserted with explicit ids: move the serial sequences past them.
                for table, pk in (
                    (schema.companies, "id"),
                    (schema.users, "id"),
                    (schema.orders, "order_id"),
                ):
                    seq = sa.func.pg_get_serial_sequence(table.name, pk)
                    top = sa.select(sa.func.coalesce(sa.func.max(table.c[pk]), 0) + 1).scalar_subquery()
                    conn.execute(sa.select(sa.func.setval(seq, top, False)))
    finally:
        engine.dispose()
    by_status = {s: 0 for s in STATUSES}
    for row in order_rows:
        by_status[row["status"]] += 1
    return DemoShopInfo(
        url=u.render_as_string(hide_password=True),
        orders=len(order_rows),
        users=len(user_rows),
        duplicate_users=tuple(duplicates),
        orders_by_status=by_status,
    )


def add_companies(url: str) -> bool:
    """Give a demo shop made before companies existed its ``companies`` table and ``users.company_id``
    (from the company each user names). Returns whether anything was added."""
    u, kind = parse_url(url)
    engine = create_engine(u, kind)
    try:
        inspector = sa.inspect(engine)
        if "companies" in inspector.get_table_names():
            return False
        schema = demo_metadata()
        schema.companies.create(engine)
        with engine.begin() as conn:
            conn.execute(sa.insert(schema.companies), _companies(datetime(2026, 11, 1, 9, 0, 0)))
            if "company_id" not in {c["name"] for c in inspector.get_columns("users")}:
                conn.execute(sa.text("ALTER TABLE users ADD COLUMN company_id INTEGER"))
            for i, name in enumerate(_COMPANIES, start=1):
                conn.execute(
                    sa.text("UPDATE users SET company_id = :i WHERE company = :name"), {"i": i, "name": name}
                )
        return True
    finally:
        engine.dispose()


__all__ = [
    "STATUSES",
    "DemoSchema",
    "DemoShopInfo",
    "DuplicateUsers",
    "add_companies",
    "create_demo_shop",
    "create_schema",
    "demo_metadata",
]
