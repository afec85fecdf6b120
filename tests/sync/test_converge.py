"""One ``--sync`` converges and forgets nothing: rounds until only a person can help, dead jobs of records
now in sync closed as resolved, and ``--retry-dead`` / ``--cancel-dead`` for the rest. The real entry point
as a subprocess, the emulator over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobError, JobQueue
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Cli, Shop, assert_exactly_one_each

pytestmark = pytest.mark.slow


def _report(stdout: str) -> dict[str, object]:
    return json.loads(stdout.strip().splitlines()[-1])


def _twin(portal: PortalEmulator, entity: str, rid: int) -> int:
    """A second record just like ``rid`` (what two racing creates of the old backend made)."""
    return portal.store.add(entity, {k: v for k, v in portal.store.get(entity, rid).items() if k != "ID"})


def _dead_jobs(cli: Cli, *jobs: tuple[str, str]) -> list[int]:
    """Jobs that died in an earlier run, left in the desk's queue."""
    with JobQueue.open(DataDirs(cli.data_dir).queue_file) as queue:
        ids = []
        for kind, key in jobs:
            job = queue.enqueue(kind, key, created_by="earlier run")
            (claimed,) = queue.claim("earlier-run", kinds=[kind], limit=1)
            assert claimed.id == job.id
            queue.fail("earlier-run", job.id, JobError("PortalError", "refused back then", False))
            ids.append(job.id)
        return ids


def test_one_sync_cleans_duplicates_and_updates_the_survivors(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal)
    assert cli.run("--sync").returncode == 0
    deals, contacts = shop.deal_ids(), shop.contact_ids()
    order_keys, user_keys = list(deals)[:3], list(contacts)[:2]
    twins = [_twin(portal, "deal", deals[k]) for k in order_keys]  # type: ignore[arg-type]
    twins += [_twin(portal, "contact", contacts[k]) for k in user_keys]  # type: ignore[arg-type]
    # The shop changed meanwhile: the survivors need an update once the duplicates are gone.
    for k in order_keys:
        shop.execute("UPDATE orders SET total_price = 999.25 WHERE order_id = :k", k=int(k))
    for k in user_keys:
        shop.execute("UPDATE users SET full_name = 'Renamed Person' WHERE id = :k", k=int(k))
    before = _report(cli.run("--report", "--json").stdout)
    assert before["orders"]["duplicated"] == 3 and before["users"]["duplicated"] == 2  # type: ignore[index]

    result = cli.run("--sync", "--json")
    assert result.returncode == 0, result.stderr
    report = _report(result.stdout)
    assert report["ok"] is True, report
    for twin in twins[:3]:
        assert portal.store.get("deal", twin) is None
    for twin in twins[3:]:
        assert portal.store.get("contact", twin) is None
    for k in order_keys:
        assert portal.store.get("deal", deals[k])["OPPORTUNITY"] == "999.25"  # type: ignore[arg-type]
    for k in user_keys:
        contact = portal.store.get("contact", contacts[k])  # type: ignore[arg-type]
        assert (contact["NAME"], contact["LAST_NAME"]) == ("Renamed", "Person")
    assert_exactly_one_each(portal, shop)


def test_dead_jobs_of_records_now_in_sync_are_closed_and_the_report_turns_ok(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal)
    assert cli.run("--sync").returncode == 0
    order_key, user_key = next(iter(shop.deal_ids())), next(iter(shop.contact_ids()))
    dead = _dead_jobs(cli, ("deal.create", order_key), ("contact.update", user_key))
    assert _report(cli.run("--report", "--json").stdout)["queue"]["dead"] == 2  # type: ignore[index]

    result = cli.run("--sync", "--json")
    assert result.returncode == 0, result.stderr
    report = _report(result.stdout)
    assert report["ok"] is True and report["queue"]["dead"] == 0, report  # type: ignore[index]
    with JobQueue.open(DataDirs(cli.data_dir).queue_file) as queue:
        for job_id in dead:
            job = queue.get(job_id)
            assert job is not None and job.state == "done"
            assert job.result == {"resolved": "the record is in sync now"}
            assert queue.events(job_id)[-1].type == "resolved"
    # And it stays so: cron sees exit 0 from now on.
    assert cli.run("--report", "--json").returncode == 0


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)  # only the queue is involved
def test_retry_dead_and_cancel_dead_by_kind_or_all(
    tmp_path: Path, shop: Shop, portal: PortalEmulator
) -> None:
    cli = Cli(tmp_path / "desk", shop.url, portal.webhook_url)
    none = cli.run("--retry-dead")
    assert none.returncode == 0 and "No dead jobs" in none.stdout
    ids = _dead_jobs(cli, ("deal.create", "1"), ("deal.create", "2"), ("contact.update", "3"))

    retried = cli.run("--retry-dead", "deal.create")
    assert retried.returncode == 0, retried.stderr
    assert (
        "Queued 2 dead deal.create jobs again (deal.create: 2); the next --sync runs them." in retried.stdout
    )
    cancelled = cli.run("--cancel-dead")
    assert cancelled.returncode == 0, cancelled.stderr
    assert "Cancelled 1 dead job (contact.update: 1)." in cancelled.stdout
    with JobQueue.open(DataDirs(cli.data_dir).queue_file) as queue:
        assert [queue.get(i).state for i in ids] == ["queued", "queued", "cancelled"]  # type: ignore[union-attr]

    bad = cli.run("--retry-dead", "deal.explode")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "unknown job kind 'deal.explode'" in bad.stderr
    assert "Traceback" not in bad.stderr


# Each run goes on incrementally from the state the last one kept; deletions in the portal (a person merging
# by hand, a deal deleted) are looked for every [sync] deletions_every: here on every pass.
EVERY_PASS_LOOKS_FOR_DELETIONS = FAST_CONFIG + 'deletions_every = "0.001s"\n'


def test_merge_conflict_waits_for_a_person_without_new_archives_or_jobs(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal, EVERY_PASS_LOOKS_FOR_DELETIONS)
    assert cli.run("--sync").returncode == 0
    key, deal_id = next(iter(shop.deal_ids().items()))
    other = portal.store.add(
        "deal", {"TITLE": "typed by hand", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key}
    )
    first = cli.run("--sync", "--json")
    assert first.returncode == 1  # a person must merge by hand
    archive = cli.data_dir / "archive"
    files = sorted(archive.glob("*.json"))
    assert len(files) == 1
    for _ in range(2):
        again = cli.run("--sync", "--json")
        assert again.returncode == 1
        assert _report(again.stdout)["queue"]["dead"] == 1  # type: ignore[index]
    assert sorted(archive.glob("*.json")) == files
    assert portal.store.get("deal", other) is not None and portal.store.get("deal", deal_id) is not None
    # The person merges by hand: the next sync closes the dead job and is ok.
    portal.store.delete("deal", other)
    done = cli.run("--sync", "--json")
    assert done.returncode == 0, done.stdout
    assert _report(done.stdout)["ok"] is True


def test_a_record_that_keeps_failing_is_tried_once_a_run_and_stays_one_dead_job(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    config = EVERY_PASS_LOOKS_FOR_DELETIONS.replace("[sync]\n", "[sync]\nrecreate_stale = false\n")
    cli = cli_factory(shop, portal, config)
    assert cli.run("--sync").returncode == 0
    deals = shop.deal_ids()
    stale_key, busy_key = list(deals)[:2]
    portal.store.delete("deal", deals[stale_key])  # a person must decide: re-creating is off
    # Something else that needs two rounds, so the run goes on after the stale link's job died.
    _twin(portal, "deal", deals[busy_key])  # type: ignore[arg-type]
    shop.execute("UPDATE orders SET total_price = 321.0 WHERE order_id = :k", k=int(busy_key))
    queue_file = DataDirs(cli.data_dir).queue_file

    def stale_jobs() -> list[tuple[str, str]]:
        with JobQueue.open(queue_file) as queue:
            return [(j.kind, j.state) for j in reversed(queue.history_for("deal", stale_key))]

    first = cli.run("--sync", "--json")
    assert first.returncode == 1
    assert _report(first.stdout)["queue"]["dead"] == 1  # type: ignore[index]
    assert stale_jobs()[1:] == [("deal.create", "dead")]  # after the first sync's done job: one try
    assert portal.store.get("deal", deals[busy_key])["OPPORTUNITY"] == "321.00"  # type: ignore[arg-type]
    second = cli.run("--sync", "--json")
    assert _report(second.stdout)["queue"]["dead"] == 1  # type: ignore[index]
    assert stale_jobs()[1:] == [("deal.create", "cancelled"), ("deal.create", "dead")]
    with JobQueue.open(queue_file) as queue:
        (superseded,) = [j for j in queue.history_for("deal", stale_key) if j.state == "cancelled"]
    assert superseded.result is not None and "superseded by job" in superseded.result["resolved"]


def test_legacy_links_are_stamped_once_and_the_run_says_how_many(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal)
    assert cli.run("--sync").returncode == 0
    deal_ids = [i for i in shop.deal_ids().values() if i][:4]
    contact_ids = [i for i in shop.contact_ids().values() if i][:2]
    for entity, ids in (("deal", deal_ids), ("contact", contact_ids)):
        for rid in ids:  # as the old backend left them: no origin ids
            portal.store.update(entity, rid, {"ORIGINATOR_ID": "", "ORIGIN_ID": ""})
    plan = cli.run("--sync", "--dry-run")
    assert "Would stamp our origin ids on 6 records kept from before." in plan.stdout
    result = cli.run("--sync")
    assert result.returncode == 0, result.stderr
    assert "Stamped our origin ids on 6 records kept from before." in result.stdout
    assert_exactly_one_each(portal, shop)  # every stored record carries our origin id again
    again = cli.run("--sync")
    assert again.returncode == 0 and "Stamped" not in again.stdout


def test_jobs_waiting_in_the_queue_run_even_when_nothing_new_is_planned(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal)
    assert cli.run("--sync").returncode == 0
    key, deal_id = next(iter(shop.deal_ids().items()))
    _dead_jobs(cli, ("deal.update", key))
    assert "Queued 1 dead job again" in cli.run("--retry-dead").stdout
    shop.execute("UPDATE orders SET total_price = 77.5 WHERE order_id = :k", k=int(key))
    portal.store.update("deal", deal_id, {"OPPORTUNITY": "77.50"})  # in sync already: nothing to plan
    result = cli.run("--sync", "--json")  # "the next --sync runs them"
    assert result.returncode == 0, result.stdout
    report = _report(result.stdout)
    assert report["queue"]["queued"] == 0 and report["ok"] is True, report
