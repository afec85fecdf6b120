"""Random edits on both sides, round after round, converge as the field owners say (README: "Who owns each
field", "Settling a conflict"): a ``shop`` field ends with the shop's value in the CRM; a ``crm`` field
ends with the CRM's value in the shop when the CRM changed it last, and keeps the shop's own otherwise (never
pushed); a ``both`` field ends alike on both sides with the later change (the shop row's ``updated_at``
against the portal record's time: records', not fields'), or, where the shop keeps no times, waits as a
conflict with each side's value kept (and the whole record held) until a person settles it. No person's
edit is lost, nothing echoes (a further sync writes nothing on either side), and every order and user keeps
exactly one deal and one contact.

Each round: random edits in the shop (SQL, moving ``updated_at`` as a shop does) and in the CRM by a
manager (portal user 7), sometimes of the same record and field, sometimes none; then one ``--sync`` cycle
(:func:`bitrix_monitor.sync.headless._sync_once`: pull, then reconcile, plan and process), on a desk kept
open or on a new one (a cron run: the state comes back from the job store). Now and then a manager changes
a field during the cycle, after its pull looked (before its reconcile, or before its runner reads the
records): the push must not send the shop's value over it, and the next pull merges it."""

from __future__ import annotations

import contextlib
import functools
import io
import random
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import STATUSES
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync import headless
from bitrix_monitor.sync.headless import HeadlessOptions
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.report import Report
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import opened
from tests.sync.conftest import FAST_CONFIG, Shop, assert_exactly_one_each, make_shop

MANAGER = 7
ROUNDS = 8
SETTLE = 4  # cycles after the last round for everything to come to rest

# Each configuration: owners of the deal's stage and the contact's phone and e-mail (the contact's name is
# always the shop's), and whether the shop keeps users' times (without them a change made on both sides
# is a conflict for a person).
CONFIGS: dict[str, tuple[dict[str, str], bool]] = {
    "stage_crm-phone_both": ({"STAGE_ID": "crm", "PHONE": "both", "EMAIL": "shop"}, True),
    "stage_both-phone_crm-email_both": ({"STAGE_ID": "both", "PHONE": "crm", "EMAIL": "both"}, True),
    "stage_shop-phone_both_untimed-email_crm": ({"STAGE_ID": "shop", "PHONE": "both", "EMAIL": "crm"}, False),
}


def _config(name: str) -> config.AppConfig:
    owners, timed = CONFIGS[name]
    text = FAST_CONFIG + '\n[shop]\ntimezone = "UTC"\n'
    text += f'\n[shop.orders.owners]\nSTAGE_ID = "{owners["STAGE_ID"]}"\n'
    if not timed:
        text += '\n[shop.users]\nupdated_at = ""\n'
    text += f'\n[shop.users.owners]\nPHONE = "{owners["PHONE"]}"\nEMAIL = "{owners["EMAIL"]}"\n'
    return config.from_dict(tomllib.loads(text))


def _key(name: str, value: str | None) -> str:
    """What the app compares a field's values by."""
    if name == "PHONE":
        return F.phone_key(value)
    if name == "EMAIL":
        return F.email_key(value)
    return (value or "").strip()


def writes(portal: PortalEmulator) -> int:
    """Writing calls the emulator ran (batch items too)."""
    executed = portal.stats.snapshot().get("executed", {})
    verbs = ("add", "update", "delete", "set", "mergebatch")
    return sum(n for m, n in executed.items() if "." in m and m.rsplit(".", 1)[-1] in verbs)


@dataclass
class Expected:
    """One field of one record: its owner, the value each side should hold after the cycle, the value both
    sides last agreed on, whether it waits for a person, and every edit made to it (for the failure's
    story)."""

    owner: str
    shop: str
    crm: str
    agreed: str
    conflict: bool = False
    story: list[str] = field(default_factory=list)


@dataclass
class Edit:
    """A field's edits of a round: the shop's, the manager's now, and the manager's during the last cycle."""

    shop: str | None = None
    crm: str | None = None
    carried: str | None = None

    def __str__(self) -> str:
        said = [f"{side}={v!r}" for side, v in vars(self).items() if v is not None]
        return " ".join(said)


class World:
    """The shop, the portal and what the owners' rules say each field must hold."""

    def __init__(self, name: str, shop: Shop, portal: PortalEmulator, rng: random.Random) -> None:
        self.owners, self.timed = CONFIGS[name]
        self.shop = shop
        self.portal = portal
        self.rng = rng
        self.engine = sa.create_engine(shop.url)
        self.fields: dict[tuple[str, str, str], Expected] = {}
        self.log: list[str] = []
        self.serial = 0
        self.no = 0
        self.resolutions: list[tuple[str, str, str]] = []
        self.carried: dict[tuple[str, str, str], str] = {}  # the manager's edits of the last cycle
        self.shop_at: dict[tuple[str, str], datetime] = {}  # each record's last shop save, as stamped
        self.seen: Counter[str] = Counter()  # what the rounds exercised (for a soak's summary)

    def close(self) -> None:
        self.engine.dispose()

    # -- reading both sides ------------------------------------------------------------------------------

    def shop_rows(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as c:
            orders = c.execute(
                sa.text("SELECT order_id, status, service_id, updated_at, bitrix_deal_id FROM orders")
            ).all()
            users = c.execute(
                sa.text("SELECT id, phone_number, email, full_name, updated_at, bitrix_contact_id FROM users")
            ).all()
        out: dict[str, dict[str, Any]] = {}
        for o in orders:
            out[f"order:{o[0]}"] = {"STAGE_ID": o[1], "service": o[2], "at": o[3], "id": o[4]}
        for u in users:
            out[f"user:{u[0]}"] = {"PHONE": u[1], "EMAIL": u[2], "NAME": u[3], "at": u[4], "id": u[5]}
        return out

    def crm_record(self, kind: str, ident: int) -> dict[str, Any]:
        entity = "deal" if kind == "order" else "contact"
        record = self.portal.store.get(entity, ident)
        assert record is not None, f"{entity} {ident} is gone"
        return record

    def crm_value(self, kind: str, ident: int, name: str) -> str:
        record = self.crm_record(kind, ident)
        if name in ("PHONE", "EMAIL"):
            values = [v["VALUE"] for v in record.get(name) or []]
            assert len(values) <= 1, f"{kind} {ident}: {name} has {values}"
            return values[0] if values else ""
        if name == "NAME":
            return f"{record.get('NAME') or ''} {record.get('LAST_NAME') or ''}".strip()
        return str(record.get(name) or "")

    def start(self) -> None:
        """After the first sync: both sides hold the shop's values."""
        rows = self.shop_rows()
        for ref, row in rows.items():
            kind, key = ref.split(":")
            names = ("STAGE_ID",) if kind == "order" else ("PHONE", "EMAIL", "NAME")
            for name in names:
                shop = str(row[name] or "")
                crm = self.crm_value(kind, row["id"], name)
                assert _key(name, shop) == _key(name, crm), (ref, name, shop, crm)
                owner = self.owners.get(name, "shop")
                self.fields[(kind, key, name)] = Expected(owner, shop, crm, shop)

    # -- edits -------------------------------------------------------------------------------------------

    def _fresh(self, name: str) -> str:
        self.serial += 1
        r = self.rng
        if name == "PHONE":
            digits = f"9{r.randrange(10**9):09d}"
            return f"+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
        if name == "EMAIL":
            return f"person{self.serial}.{r.randrange(1000)}@example.org"
        return f"Имя{self.serial} Фамилия{r.randrange(1000)}"

    def _new_stage(self, *avoid: str) -> str:
        return self.rng.choice([s for s in STATUSES if s not in avoid])

    def round(self, no: int, *, fresh: bool = True) -> None:
        """Random edits on both sides (none with ``fresh`` false); the manager's edits made during the last
        cycle (:meth:`meanwhile`) are taken with them: the next pull reads them, before the edits of now."""
        r = self.rng
        self.no = no
        self.log.append(f"round {no}:")
        rows = self.shop_rows()
        refs = sorted(rows, key=lambda ref: (ref.split(":")[0], int(ref.split(":")[1])))
        touched: list[str] = []
        if not fresh or r.random() < 0.15:
            self.log.append("  (no edits)")
        else:
            orders = [x for x in refs if x.startswith("order:")]
            users = [x for x in refs if x.startswith("user:")]
            touched = r.sample(orders, r.randrange(0, 4)) + r.sample(users, r.randrange(0, 4))
            # Records waiting for a person are looked at again now and then.
            waiting = sorted({(k, key) for (k, key, _n), e in self.fields.items() if e.conflict})
            touched += [f"{kind}:{key}" for kind, key in waiting if r.random() < 0.5]
        carried = [f"{kind}:{key}" for kind, key, _n in self.carried]
        for ref in dict.fromkeys(touched + carried):
            self._edit_record(ref, rows[ref], fresh=ref in touched)

    def meanwhile(self) -> list[tuple[str, str, int, dict[str, str]]]:
        """Edits a manager makes during the coming cycle, after its pull has looked (of fields the CRM may
        change, none waiting for a person): (kind, key, portal id, field -> value); :meth:`save_meanwhile`
        makes them."""
        r = self.rng
        if r.random() < 0.7:
            return []
        rows = self.shop_rows()
        open_ = [k for k, e in self.fields.items() if e.owner != "shop" and not e.conflict]
        out: dict[tuple[str, str], dict[str, str]] = {}
        for kind, key, name in r.sample(open_, r.randint(1, 2)):
            exp = self.fields[(kind, key, name)]
            ident = rows[f"{kind}:{key}"]["id"]
            now = self.crm_value(kind, ident, name)
            value = self._new_stage(now) if name == "STAGE_ID" else self._fresh(name)
            out.setdefault((kind, key), {})[name] = value
            self.carried[(kind, key, name)] = value
            if exp.owner == "both" and _key(name, exp.crm) != _key(name, now):
                # The push this cycle would send the shop's value: the manager's change stops it, and the
                # sides agree on no more than what the pull saw.
                exp.crm = exp.agreed = now
            exp.story.append(f"r{self.no} meanwhile crm={value!r}")
            self.log.append(f"  {kind}:{key} meanwhile (during the cycle) {name}: crm={value!r}")
        return [(kind, key, rows[f"{kind}:{key}"]["id"], edits) for (kind, key), edits in out.items()]

    def save_meanwhile(self, during: list[tuple[str, str, int, dict[str, str]]]) -> None:
        """The manager's edits during a cycle (in the second of the shop's save of the record or later)."""
        for _kind, _key, ident, edits in during:
            self._crm_save(_kind, ident, edits)

    def agreed_meanwhile(self, during: list[tuple[str, str, int, dict[str, str]]]) -> None:
        """The cycle's reconcile read the manager's edits made during it: one that set a field to the shop's
        value is an agreement of the sides (their baseline), not a CRM change for the next pull."""
        for kind, key, _ident, edits in during:
            for name, value in edits.items():
                exp = self.fields[(kind, key, name)]
                if _key(name, value) == _key(name, exp.shop):
                    del self.carried[(kind, key, name)]
                    exp.crm = exp.agreed = value
                    exp.story.append("  (the sync's reconcile saw the sides agree)")

    def _edit_record(self, ref: str, row: dict[str, Any], *, fresh: bool) -> None:
        r = self.rng
        kind, key = ref.split(":")
        names = ("STAGE_ID",) if kind == "order" else ("PHONE", "EMAIL", "NAME")
        edits: dict[str, Edit] = {}
        for name in names if fresh else ():
            exp = self.fields[(kind, key, name)]
            side = r.choice(("shop", "crm", "both", "none"))
            if exp.conflict and r.random() < 0.4:
                how = r.choice(("resolve_crm", "resolve_shop", "shop_matches", "crm_matches"))
                if how.startswith("resolve"):
                    self.log.append(f"  {ref} {name}: a person resolves it ({how.removeprefix('resolve_')})")
                    self._resolve(kind, key, how.removeprefix("resolve_"))
                    if r.random() < 0.5:
                        edits.clear()  # the person changes nothing else of the record
                        break
                    continue
                edits[name] = Edit(shop=exp.crm) if how == "shop_matches" else Edit(crm=exp.shop)
                continue
            if side == "none":
                continue
            e = Edit()
            if side in ("shop", "both"):
                if name == "STAGE_ID":
                    e.shop = self._new_stage(str(row[name]))
                elif name == "PHONE" and row[name] and r.random() < 0.15:
                    digits = F.phone_key(row[name])  # the same number written another way
                    e.shop = f"8 {digits[1:4]} {digits[4:7]} {digits[7:9]} {digits[9:]}"
                else:
                    e.shop = self._fresh(name)
            if side in ("crm", "both"):
                current = self.crm_value(kind, row["id"], name)
                e.crm = self._new_stage(current) if name == "STAGE_ID" else self._fresh(name)
            edits[name] = e
        for name in names:
            if (carried := self.carried.pop((kind, key, name), None)) is not None:
                edits.setdefault(name, Edit()).carried = carried
        if edits:
            self._save(ref, row, edits)
        self._push_held_or_not(kind, key)

    def _save(self, ref: str, row: dict[str, Any], edits: dict[str, Edit]) -> None:
        r = self.rng
        kind, key = ref.split(":")
        shop_edits = {n: e.shop for n, e in edits.items() if e.shop is not None}
        crm_edits = {n: e.crm for n, e in edits.items() if e.crm is not None}
        # Both sides edit the record: which saves first is chosen, and the times say so (the portal counts
        # whole seconds; a shop saving first is stamped two seconds back, one saving after a manager at once).
        shop_first = bool(shop_edits and crm_edits) and r.random() < 0.5
        now = datetime.now(UTC).replace(tzinfo=None)
        order = ("shop", "crm") if shop_first else ("crm", "shop")
        for side in order:
            if side == "shop" and shop_edits:
                at = now - timedelta(seconds=2) if shop_first else datetime.now(UTC).replace(tzinfo=None)
                self._shop_save(kind, key, shop_edits, at)
            elif side == "crm" and crm_edits:
                self._crm_save(kind, row["id"], crm_edits)
        said = ", ".join(f"{n}: {e}" for n, e in edits.items())
        self.log.append(f"  {ref} ({'shop' if shop_first else 'crm'} first) {said}")
        shop_later = self._shop_later(kind, key, row)
        for name, e in edits.items():
            self._expect(kind, key, name, e, shop_later=shop_later)

    def _shop_later(self, kind: str, key: str, row: dict[str, Any]) -> bool:
        """Whether the shop's change of the record is the later one by the times the next pull compares: the
        row's ``updated_at`` against the deal's last stage move or the contact's ``DATE_MODIFY`` (records, not
        fields: a shop edit of another column, or the app's push of another field, moves them too). The
        portal counts whole seconds: a shop save in the same second is taken for the later one."""
        shop_at = self.shop_at.get((kind, key))
        if shop_at is None:
            raw = row["at"]
            shop_at = (raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))).replace(
                tzinfo=UTC
            )
        record = self.crm_record(kind, row["id"])
        crm_at = datetime.fromisoformat(record.get("MOVED_TIME") or record["DATE_MODIFY"])
        return shop_at >= crm_at

    def _shop_save(self, kind: str, key: str, edits: dict[str, str], at: datetime) -> None:
        self.shop_at[(kind, key)] = at.replace(tzinfo=UTC)
        columns = {"STAGE_ID": "status", "PHONE": "phone_number", "EMAIL": "email", "NAME": "full_name"}
        sets = ", ".join(f"{columns[n]} = :{n}" for n in edits)
        table, col = ("orders", "order_id") if kind == "order" else ("users", "id")
        with self.engine.begin() as c:
            c.execute(
                sa.text(f"UPDATE {table} SET {sets}, updated_at = :at WHERE {col} = :k"),
                {**edits, "at": at, "k": int(key)},
            )

    def _crm_save(self, kind: str, ident: int, edits: dict[str, str]) -> None:
        record = self.crm_record(kind, ident)
        fields: dict[str, Any] = {}
        for name, value in edits.items():
            if name in ("PHONE", "EMAIL"):
                have = record.get(name) or []
                item: dict[str, Any] = {"VALUE": value}
                if have:
                    item["ID"] = have[0]["ID"]
                else:
                    item["VALUE_TYPE"] = "WORK"
                fields[name] = [item]
            elif name == "NAME":
                first, last = value.split(" ", 1)
                fields |= {"NAME": first, "LAST_NAME": last}
            else:
                fields[name] = value
        entity = "deal" if kind == "order" else "contact"
        assert self.portal.store.update(entity, ident, fields, as_user=MANAGER)

    # -- the rules ---------------------------------------------------------------------------------------

    def _expect(self, kind: str, key: str, name: str, e: Edit, *, shop_later: bool) -> None:
        exp = self.fields[(kind, key, name)]
        exp.story.append(f"r{self.no} {e} shop_later={shop_later}")
        k = functools.partial(_key, name)
        if e.shop is not None and (e.crm or e.carried) is not None:
            self.seen[f"{kind} {name} ({exp.owner}) both sides, {'shop' if shop_later else 'crm'} later"] += 1
        shop = e.shop if e.shop is not None else exp.shop
        crm = next(v for v in (e.crm, e.carried, exp.crm) if v is not None)
        crm_edit = e.crm if e.crm is not None else e.carried
        if exp.owner == "shop":
            exp.shop, exp.crm = shop, crm  # the push sends it (below), unless the record is held
            return
        if exp.owner == "crm":
            # The CRM's change is pulled over whatever the shop did; a shop change alone is never pushed.
            if crm_edit is not None and k(crm_edit) != k(exp.crm):
                exp.shop = exp.crm = exp.agreed = crm
            else:
                exp.shop = shop
            return
        # "both": a three-way merge against the value both last agreed on.
        shop_changed = k(shop) != k(exp.agreed)
        crm_changed = k(crm) != k(exp.agreed)
        if k(shop) == k(crm) or not crm_changed:
            exp.shop, exp.crm, exp.agreed, exp.conflict = shop, shop, shop, False
        elif not shop_changed:
            exp.shop, exp.crm, exp.agreed, exp.conflict = crm, crm, crm, False
        elif (self.timed or kind == "order") and not exp.conflict:
            won = shop if shop_later else crm
            exp.shop, exp.crm, exp.agreed = won, won, won
        else:
            exp.shop, exp.crm, exp.conflict = shop, crm, True  # for a person: neither side is written
            self.seen["conflict"] += 1

    def _push_held_or_not(self, kind: str, key: str) -> None:
        """The push sends the record's ``shop`` fields over a manager's edits, unless the record waits for a
        person (a conflict holds the whole record: neither side is written until it is settled)."""
        mine = [e for (k, kk, _n), e in self.fields.items() if (k, kk) == (kind, key)]
        if any(e.conflict for e in mine):
            return
        for e in mine:
            if e.owner == "shop":
                e.crm = e.agreed = e.shop

    def _resolve(self, kind: str, key: str, take: str) -> None:
        for (k, kk, _n), exp in self.fields.items():
            if (k, kk) == (kind, key) and exp.conflict:
                won = exp.crm if take == "crm" else exp.shop
                exp.shop, exp.crm, exp.agreed, exp.conflict = won, won, won, False
                exp.story.append(f"resolved: took the {take}'s")
                self.seen[f"resolved ({take})"] += 1
        self.resolutions.append((kind, key, take))

    # -- checking ----------------------------------------------------------------------------------------

    def differences(self) -> list[str]:
        rows = self.shop_rows()
        out = []
        for (kind, key, name), exp in sorted(self.fields.items()):
            row = rows[f"{kind}:{key}"]
            shop = str(row[name] or "")
            crm = self.crm_value(kind, row["id"], name)
            if _key(name, shop) != _key(name, exp.shop) or _key(name, crm) != _key(name, exp.crm):
                out.append(
                    f"{kind} {key} {name} ({exp.owner}{', conflict' if exp.conflict else ''}): "
                    f"shop {shop!r} (expected {exp.shop!r}), CRM {crm!r} (expected {exp.crm!r}); "
                    f"edits: {exp.story}"
                )
        return out

    def conflicts(self) -> set[tuple[str, str]]:
        return {(kind, key) for (kind, key, _n), exp in self.fields.items() if exp.conflict}


class Desk:
    """A ``--sync`` cycle on a desk kept open, or on a new one (a cron run)."""

    def __init__(self, opener: Callable[[], contextlib.AbstractAsyncContextManager[MonitorService]]) -> None:
        self.opener = opener
        self.stack = contextlib.AsyncExitStack()
        self.service: MonitorService | None = None
        self.seen_meanwhile = False  # the last cycle's reconcile read what the manager changed during it

    async def open(self, fresh: bool = False) -> MonitorService:
        if fresh or self.service is None:
            await self.stack.aclose()
            self.service = await self.stack.enter_async_context(self.opener())
        return self.service

    async def cycle(
        self, fresh: bool = False, meanwhile: Callable[[], None] | None = None, where: str = "snapshot"
    ) -> Report:
        """One ``--sync``; ``meanwhile`` runs once after its pull, before its reconcile (``where`` is
        ``"snapshot"``) or before its runner reads the records to update (``"run_queue"``)."""
        service = await self.open(fresh)
        out = io.StringIO()
        opts = HeadlessOptions(mode="sync")
        if meanwhile is None:
            return await headless._sync_once(service, opts, out, headless._Printer(out))
        step = getattr(service, where)

        async def first(*args: Any, **kw: Any) -> Any:
            delattr(service, where)
            meanwhile()
            return await step(*args, **kw)

        setattr(service, where, first)
        try:
            return await headless._sync_once(service, opts, out, headless._Printer(out))
        finally:
            self.seen_meanwhile = where not in vars(service)
            if not self.seen_meanwhile:  # a cycle with nothing to run: the manager saves after it
                delattr(service, where)
                meanwhile()

    async def close(self) -> None:
        await self.stack.aclose()


@pytest.fixture
def small_shop(shop_url: str) -> Shop:
    return make_shop(shop_url, orders=14, users=8)


async def _run(name: str, seed: int, shop: Shop, portal: PortalEmulator, data_dirs: DataDirs) -> World:
    rng = random.Random(seed)
    cfg = _config(name)
    desk = Desk(functools.partial(opened, cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url))
    world = World(name, shop, portal, rng)
    try:
        await desk.cycle()  # the first sync: every order gets its deal, every user its contact
        await desk.cycle()  # reads the sync's own creations back: agreement
        world.start()
        for no in range(1, ROUNDS + 1):
            before = len(world.resolutions)
            world.round(no)
            service = await desk.open(fresh=rng.random() < 0.25)
            for kind, key, take in world.resolutions[before:]:
                await service.resolve_conflict(kind, key, take)
            during = world.meanwhile()
            manager = functools.partial(world.save_meanwhile, during) if during else None
            await desk.cycle(meanwhile=manager, where=rng.choice(("snapshot", "run_queue")))
            if during and desk.seen_meanwhile:
                world.agreed_meanwhile(during)
        world.round(ROUNDS + 1, fresh=False)  # what the manager changed during the last cycle
        story = "\n".join(world.log)
        # With no more edits everything comes to rest, and a further cycle writes nothing on either side.
        rest = None
        for n in range(SETTLE):
            shop_before, portal_before = world.shop_rows(), writes(portal)
            report = await desk.cycle(fresh=n == 1)
            if world.shop_rows() == shop_before and writes(portal) == portal_before:
                rest = n
                break
        assert rest is not None, f"still writing after {SETTLE} cycles with no edits\n{story}"
        differences = world.differences()
        assert differences == [], "\n".join([*differences, story])
        # No echo, in the same desk and in a new one.
        for fresh in (False, True):
            shop_before, portal_before = world.shop_rows(), writes(portal)
            report = await desk.cycle(fresh=fresh)
            assert world.shop_rows() == shop_before, story
            assert writes(portal) == portal_before, story
        service = await desk.open()
        snap = await service.snapshot()
        states = {
            (kind, s.key): s.state
            for kind in ("order", "user")
            for s in snap.statuses(kind)
            if s.state is not RecordState.IN_SYNC
        }
        assert states == dict.fromkeys(world.conflicts(), RecordState.CONFLICT), story
        assert report.queue.failed == report.queue.dead == report.queue.in_doubt == 0, report
        conflicts = len(world.conflicts())
        assert report.orders.conflict + report.users.conflict == conflicts, report
        assert report.ok is (conflicts == 0), report
        assert_exactly_one_each(portal, shop)
        return world
    finally:
        await desk.close()
        world.close()


# A few seeds of each configuration on SQLite, one on PostgreSQL (its timestamps and types); a soak runs
# :func:`_run` over many more.
CASES = [
    *((seed, name, "sqlite") for seed in (1, 2, 3) for name in CONFIGS),
    (4, "stage_both-phone_crm-email_both", "postgresql"),
]


@pytest.mark.parametrize(("seed", "name", "shop_url"), CASES, indirect=["shop_url"])
async def test_random_edits_on_both_sides_converge_as_the_owners_say(
    seed: int, name: str, small_shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    world = await _run(name, seed, small_shop, portal, data_dirs)
    assert world.seen, "the rounds changed nothing"


def _desk_and_world(
    name: str, small_shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> tuple[Desk, World]:
    opener = functools.partial(
        opened, _config(name), data_dirs, shop_url=small_shop.url, portal_url=portal.webhook_url
    )
    return Desk(opener), World(name, small_shop, portal, random.Random(0))


# Records whose baselines move while neither side's row changes: what the push may send of them changed, and
# an incremental pass on a desk kept open judges them again (before, it read their shop rows again and,
# finding them unchanged, left their last status standing: only a new process sent the shop's value).


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_keeping_the_shops_value_of_a_conflict_on_an_open_desk_sends_it(
    small_shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    name = "stage_shop-phone_both_untimed-email_crm"
    desk, world = _desk_and_world(name, small_shop, portal, data_dirs)
    try:
        await desk.cycle()
        await desk.cycle()
        ident = world.shop_rows()["user:7"]["id"]
        world._shop_save("user", "7", {"PHONE": "+7 (900) 000-00-01"}, datetime.now(UTC).replace(tzinfo=None))
        world._crm_save("user", ident, {"PHONE": "+7 (900) 000-00-02"})
        assert (await desk.cycle()).users.conflict == 1  # changed on both sides, the shop keeps no times
        await (await desk.open()).resolve_conflict("user", "7", "shop")
        report = await desk.cycle()
        assert world.shop_rows()["user:7"]["PHONE"] == "+7 (900) 000-00-01"
        assert world.crm_value("user", ident, "PHONE") == "+7 (900) 000-00-01", report.users
    finally:
        await desk.close()
        world.close()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("field", ["STAGE_ID", "EMAIL"])
async def test_a_shop_change_the_pull_finds_later_is_sent_after_the_reconcile_saw_the_crm_change_first(
    field: str, small_shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    """The shop's clock runs ahead of the portal's: a manager changes the field during a sync, after its pull
    looked (the reconcile sees the change and holds the push); the next pull finds the shop's change the later
    one by the times, so the push is to send it."""
    name = "stage_both-phone_crm-email_both"
    desk, world = _desk_and_world(name, small_shop, portal, data_dirs)
    try:
        await desk.cycle()
        await desk.cycle()
        rows = world.shop_rows()
        if field == "STAGE_ID":
            kind, key = next(
                ("order", r.split(":")[1])
                for r, row in rows.items()
                if r.startswith("order:") and row["STAGE_ID"] not in ("WON", "LOSE")
            )
            mine, theirs = "WON", "LOSE"
        else:
            kind, key, mine, theirs = "user", "7", "shop@example.org", "manager@example.org"
        ident = rows[f"{kind}:{key}"]["id"]
        ahead = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=30)
        world._shop_save(kind, key, {field: mine}, ahead)
        manager = functools.partial(world._crm_save, kind, ident, {field: theirs})
        await desk.cycle(meanwhile=manager, where="snapshot")
        assert world.crm_value(kind, ident, field) == theirs  # not pushed over: the pull had not seen it
        for _ in range(3):
            report = await desk.cycle()
        assert world.shop_rows()[f"{kind}:{key}"][field] == mine  # the shop's is the later change
        assert world.crm_value(kind, ident, field) == mine, report.counts
    finally:
        await desk.close()
        world.close()
