"""Shop timestamps are aware UTC instants inside: one stored without a zone is read in ``[shop] timezone``
(default: this machine's zone), and "changed since" compares in that zone, on every engine."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.cli import main
from bitrix_monitor.config import ShopConfig
from bitrix_monitor.errors import EXIT_CONFIG, ConfigError
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync.changes import ChangeWatcher
from bitrix_monitor.sync.fields import portal_time
from bitrix_monitor.sync.model import Plan
from tests.shop.conftest import admin

MOSCOW = ShopConfig(timezone="Europe/Moscow")  # UTC+3 all year
WALL = datetime(2030, 6, 1, 15, 0, 0)  # what the shop wrote, without a zone


def _keys(db: ShopDatabase, since: datetime) -> list[str]:
    return [o.key for page in db.iter_orders(since=since) for o in page]


def test_a_naive_shop_timestamp_is_read_in_the_configured_zone(demo_url: str) -> None:
    with admin(demo_url) as conn:
        conn.execute(sa.text("UPDATE orders SET updated_at = :t WHERE order_id = 7"), {"t": WALL})
    noon_utc = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
    with ShopDatabase.connect(demo_url, MOSCOW) as db:
        assert db.get_orders(["7"])["7"].updated_at == noon_utc  # 15:00 in Moscow
        assert db.max_updated_at("order") == noon_utc
        assert _keys(db, noon_utc) == ["7"]  # at the instant: included
        assert _keys(db, noon_utc + timedelta(seconds=1)) == []
        assert _keys(db, datetime(2030, 6, 1, 14, 0, 0, tzinfo=UTC) - timedelta(hours=3)) == ["7"]
    with ShopDatabase.connect(demo_url, ShopConfig(timezone="UTC")) as db:
        three_utc = datetime(2030, 6, 1, 15, 0, 0, tzinfo=UTC)
        assert db.get_orders(["7"])["7"].updated_at == three_utc
        assert _keys(db, noon_utc + timedelta(seconds=1)) == ["7"]
        assert _keys(db, three_utc + timedelta(seconds=1)) == []


def test_without_a_zone_the_machine_zone_reads_naive_timestamps(demo_url: str) -> None:
    with admin(demo_url) as conn:
        conn.execute(sa.text("UPDATE orders SET updated_at = :t WHERE order_id = 7"), {"t": WALL})
    with ShopDatabase.connect(demo_url, ShopConfig()) as db:
        read = db.get_orders(["7"])["7"].updated_at
    assert read is not None and read.tzinfo is UTC
    assert read == WALL.astimezone(UTC)  # a naive value's astimezone() reads it in this machine's zone


async def test_change_detection_compares_in_the_shop_zone(demo_url: str) -> None:
    """The watcher's watermark is an aware instant; a row written after it (in Moscow wall time) is
    seen, one written an hour before it is not, though in UTC wall time it would look three hours later."""
    planned: list[Plan] = []

    async def apply(plan: Plan) -> int:
        planned.append(plan)
        return len(plan.jobs)

    with ShopDatabase.connect(demo_url, MOSCOW) as db:
        watcher = ChangeWatcher(db, MOSCOW, apply)
        await watcher.prime()
        mark = watcher.watermark["order"]
        assert mark is not None and mark.tzinfo is not None
        moscow_wall = mark.astimezone(MOSCOW_ZONE).replace(tzinfo=None)
        with admin(demo_url) as conn:
            for key, wall in ((5, moscow_wall + timedelta(minutes=1)), (6, moscow_wall - timedelta(hours=1))):
                conn.execute(
                    sa.text(
                        "UPDATE orders SET updated_at = :t, service_id = service_id + 1 WHERE order_id = :k"
                    ),
                    {"t": wall, "k": key},
                )
        for key in ("5", "6"):  # linked rows: a change to them is an update
            assert db.set_deal_id(key, 900 + int(key))
        await watcher.poll()
    jobs = [(j.kind, j.entity_key) for p in planned for j in p.jobs]
    assert ("deal.update", "5") in jobs
    assert [k for _kind, k in jobs if k == "6"] == []  # (the unlinked row at the mark is re-read: a create)
    assert watcher.watermark["order"] == (moscow_wall + timedelta(minutes=1)).replace(tzinfo=MOSCOW_ZONE)


MOSCOW_ZONE = config.shop_zone("Europe/Moscow")


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/moscow", "Europe", "../../etc/passwd", "MSK+3"])
def test_an_unknown_zone_is_one_clear_error(name: str) -> None:
    with pytest.raises(ConfigError, match="is not a known time zone") as err:
        config.from_dict(tomllib.loads(f'[shop]\ntimezone = "{name}"\n'))
    assert "Europe/Moscow" in str(err.value)  # the hint shows what a zone name looks like
    assert "\n" not in str(err.value)


def test_an_unknown_zone_stops_a_headless_run_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text('[shop]\nurl = "sqlite:///nowhere.db"\ntimezone = "Mars/Olympus"\n')
    assert main(["--data-dir", str(tmp_path), "--sync"]) == EXIT_CONFIG
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "timezone: 'Mars/Olympus' is not a known time zone" in err[0], err


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2024-08-30T14:29:00+02:00", datetime(2024, 8, 30, 12, 29, tzinfo=UTC)),
        ("2024-08-29T19:00:00-05:00", datetime(2024, 8, 30, 0, 0, tzinfo=UTC)),
        ("2024-08-05T09:02:13+00:00", datetime(2024, 8, 5, 9, 2, 13, tzinfo=UTC)),
        ("", None),  # the portal's empty date
        ("yesterday", None),
        ("2024-08-30T14:29:00", None),  # no offset: the portal always sends one, so its zone is unknown
        (None, None),
    ],
)
def test_portal_datetimes_are_aware_instants(text: object, instant: datetime | None) -> None:
    moment = portal_time(text)
    assert moment == instant
    assert moment is None or moment.tzinfo is UTC


@pytest.mark.parametrize("zone", ["Europe/Moscow", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
def test_a_naive_timestamp_read_in_the_machines_zone_is_that_zones_instant_across_its_changes(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every quarter hour around the clock changes (both folds, a half-hour change too), and the calendar's
    ends: read in this machine's zone in one step, the instant is the one made by taking the wall time into
    the zone first; where that cannot be made, neither can this (``None``)."""
    import time

    from bitrix_monitor.shop.database import _moment

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        moments = [
            datetime(1, 1, 1),
            datetime(1, 1, 2),
            datetime(9999, 12, 31, 23, 59),
            datetime(1969, 12, 31, 23),
        ]
        for year, month in ((2011, 3), (2011, 10), (2024, 3), (2024, 4), (2024, 10), (2024, 11), (2026, 4)):
            start = datetime(year, month, 1)
            moments += [start + timedelta(minutes=15 * i) for i in range(4 * 24 * 14)]
        for wall in moments:
            for fold in (0, 1):
                naive = wall.replace(fold=fold)
                try:
                    want: datetime | None = naive.astimezone().astimezone(UTC)
                except (OverflowError, ValueError, OSError):
                    want = None
                assert _moment(naive, None) == want, (zone, naive)
    finally:
        monkeypatch.undo()
        time.tzset()
