"""Who changes each field (``[shop.<plural>.owners]``): a ``crm`` field is never pushed over an existing
record, a ``both`` field is pushed only while the CRM still holds the value both sides last agreed on."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import UTC, datetime
from typing import Any

import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.errors import ConfigError
from bitrix_monitor.shop import UserRow
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.owners import FieldOwners
from bitrix_monitor.sync.service import MonitorService
from tests.sync.conftest import FAST_CONFIG, Shop

MANAGER = 7
CRM_STAGE = config.from_dict(tomllib.loads(FAST_CONFIG + '[shop.orders.owners]\nSTAGE_ID = "crm"\n'))
BOTH_PHONE = config.from_dict(tomllib.loads(FAST_CONFIG + '[shop.users.owners]\nPHONE = "both"\n'))


async def _sync(service: MonitorService) -> Snapshot:
    snap = await service.snapshot()
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    return await service.snapshot()


def _with_phone(shop: Shop, portal: PortalEmulator, service: MonitorService) -> tuple[UserRow, Any]:
    """A linked user with a phone, and its contact's one phone value ({ID, VALUE, VALUE_TYPE})."""
    users = service.shop.get_users(list(shop.contact_ids()))
    user = next(u for u in users.values() if u.phone and u.contact_id)
    assert user.contact_id is not None and user.phone
    (phone,) = portal.store.get("contact", user.contact_id)["PHONE"]
    return user, phone


def test_owners_name_fields_taken_from_one_column_only() -> None:
    cfg = config.from_dict({"shop": {"users": {"owners": {"PHONE": "both", "EMAIL": "crm"}}}})
    assert cfg.shop.users.owners == {"PHONE": "both", "EMAIL": "crm"}
    custom = {"fields": {"UF_CRM_NOTE": "note", "UF_CRM_KEY": "{id}"}, "owners": {"UF_CRM_NOTE": "both"}}
    assert config.from_dict({"shop": {"users": custom}}).shop.users.owners == {"UF_CRM_NOTE": "both"}
    for section, owners, why in (
        ("orders", {"TITLE": "crm"}, "TITLE is not a field taken from one shop column"),
        ("users", {"NAME": "both"}, "fields the CRM may change here: EMAIL, PHONE"),
        ("users", {"PHONE": "sometimes"}, 'use "shop", "crm" or "both"'),
        ("users", {"fields": {"UF_CRM_KEY": "{id}"}, "owners": {"UF_CRM_KEY": "crm"}}, "UF_CRM_KEY is not"),
    ):
        section_cfg = owners if "owners" in owners else {"owners": owners}
        with pytest.raises(ConfigError, match=why):
            config.from_dict({"shop": {section: section_cfg}})
    names = {"first_name": "first", "last_name": "last", "owners": {"NAME": "both", "LAST_NAME": "crm"}}
    assert config.from_dict({"shop": {"users": names}}).shop.users.owners["LAST_NAME"] == "crm"
    companies = {"table": "companies", "phone": "phone", "owners": {"TITLE": "both", "PHONE": "crm"}}
    owners = FieldOwners(config.from_dict({"shop": {"companies": companies}}).shop)
    assert [(r.name, r.column, r.owner) for r in owners.pulled("company")] == [
        ("TITLE", "name", "both"),
        ("PHONE", "phone", "crm"),
    ]
    assert [r.name for r in owners.rules("order")] == ["STAGE_ID"] and owners.pulled("order") == []


@pytest.mark.parametrize("service", [CRM_STAGE], ids=["crm_stage"], indirect=True)
async def test_a_crm_owned_stage_seeds_a_new_deal_and_is_never_pushed_after(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    first = await _sync(service)
    assert first.order_counts.in_sync == shop.orders
    key, deal_id = next(iter(shop.deal_ids().items()))
    assert deal_id is not None
    order = service.shop.get_orders([key])[key]
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == order.stage  # the create carried the shop's
    other = "WON" if order.stage != "WON" else "LOSE"
    shop.execute("UPDATE orders SET status = :s WHERE order_id = :k", s=other, k=int(key))
    snap = await service.snapshot()
    status = next(s for s in snap.orders if s.key == key)
    assert status.state is RecordState.IN_SYNC and not status.diffs
    assert not [j for j in snap.plan.jobs if j.entity_key == key]
    # Even an update asked for by hand leaves the stage alone.
    await asyncio.to_thread(service.queue.enqueue, "deal.update", key, created_by="test")
    await service.run_queue(max_wait=10)
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == order.stage


@pytest.mark.parametrize("service", [BOTH_PHONE], ids=["both_phone"], indirect=True)
async def test_a_both_field_the_crm_changed_is_not_pushed_back_even_before_a_pull(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    user, phone = _with_phone(shop, portal, service)
    fixed = {"PHONE": [{"ID": phone["ID"], "VALUE": "+7 900 111-22-33"}]}
    portal.store.update("contact", user.contact_id, fixed, as_user=MANAGER)
    # No pull has run: the push alone must not send the shop's old number over the manager's.
    snap = await service.snapshot()
    status = next(s for s in snap.users if s.key == user.key)
    assert "PHONE" not in {d.field for d in status.diffs}
    await asyncio.to_thread(service.queue.enqueue, "contact.update", user.key, created_by="test")
    await service.run_queue(max_wait=10)
    assert [v["VALUE"] for v in portal.store.get("contact", user.contact_id)["PHONE"]] == ["+7 900 111-22-33"]
    # A field the shop owns still goes out.
    shop.execute("UPDATE users SET full_name = 'Renamed Person' WHERE id = :k", k=int(user.key))
    await _sync(service)
    assert portal.store.get("contact", user.contact_id)["NAME"] == "Renamed"


BACKGROUND = config.from_dict(
    tomllib.loads(
        FAST_CONFIG.replace("[sync]\n", "[sync]\nauto_sync_interval = 0.3\n")
        + '[shop.users.owners]\nPHONE = "both"\n'
    )
)


@pytest.mark.parametrize("service", [BACKGROUND], ids=["background"], indirect=True)
async def test_the_desktop_runner_pulls_stage_moves_and_edits_as_well_as_it_pushes(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await service.pull()  # the first pull starts the cursors at the portal's "now"
    await _sync(service)
    user, phone = _with_phone(shop, portal, service)
    key, deal_id = next(iter(shop.deal_ids().items()))
    assert deal_id is not None
    stage = "LOSE" if portal.store.get("deal", deal_id)["STAGE_ID"] != "LOSE" else "WON"
    service.start_background(tick=0.05)
    fixed = {"PHONE": [{"ID": phone["ID"], "VALUE": "+7 900 222-33-44"}]}
    portal.store.update("contact", user.contact_id, fixed, as_user=MANAGER)
    portal.store.update("deal", deal_id, {"STAGE_ID": stage}, as_user=MANAGER)
    for _ in range(200):
        order = service.shop.get_orders([key])[key]
        phone_now = service.shop.get_users([user.key])[user.key].phone
        logged = sum(a.actor == "pull" for a in service.activity())
        if phone_now == "+7 900 222-33-44" and order.stage == stage and logged >= 4:
            break
        await asyncio.sleep(0.1)
    assert service.shop.get_users([user.key])[user.key].phone == "+7 900 222-33-44"
    assert service.shop.get_orders([key])[key].stage == stage
    said = sorted(str(a.action) for a in service.activity() if a.actor == "pull")
    move = [
        line for line in said if line.startswith(f"Stage of deal {deal_id} changed in Bitrix24 by user 7: ")
    ]
    assert len(move) == 1 and move[0].endswith(f"; order {key} status set to {stage}"), said
    edit = (
        f"Phone of contact {user.contact_id} changed in Bitrix24: {phone['VALUE']} → +7 900 222-33-44; "
        f"user {user.key} updated in the shop"
    )
    assert [line for line in said if line not in move] == [
        edit,
        "wrote 1 stage moved in Bitrix24 into the shop",
        "wrote 1 value edited in Bitrix24 (Phone) into the shop",
    ], said
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == stage  # not moved back


@pytest.mark.parametrize("service", [BOTH_PHONE], ids=["both_phone"], indirect=True)
async def test_a_crash_before_the_window_moves_reads_the_edit_again_and_applies_it_once(
    shop: Shop, portal: PortalEmulator, service: MonitorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await service.pull()
    await _sync(service)
    user, phone = _with_phone(shop, portal, service)
    fixed = {"PHONE": [{"ID": phone["ID"], "VALUE": "+7 900 333-44-55"}]}
    portal.store.update("contact", user.contact_id, fixed, as_user=MANAGER)
    remember = service.queue.remember

    def crash(name: str, value: object) -> None:
        raise RuntimeError("killed before the window moved")

    monkeypatch.setattr(service.queue, "remember", crash)
    with pytest.raises(RuntimeError):
        await service.pull()
    # Written, but the window did not move.
    assert service.shop.get_users([user.key])[user.key].phone == "+7 900 333-44-55"
    monkeypatch.setattr(service.queue, "remember", remember)
    # The shop changes it again before the restart: the edit read again must not come back over it.
    shop.execute("UPDATE users SET phone_number = '+7 900 333-44-66' WHERE id = :k", k=int(user.key))
    again = await service.pull()
    assert again.fields == [] and again.fields_waiting == {}
    assert service.shop.get_users([user.key])[user.key].phone == "+7 900 333-44-66"
    snap = await _sync(service)  # and the shop's newer number goes out
    assert [v["VALUE"] for v in portal.store.get("contact", user.contact_id)["PHONE"]] == ["+7 900 333-44-66"]
    assert next(s for s in snap.users if s.key == user.key).state is RecordState.IN_SYNC


@pytest.mark.parametrize("service", [BOTH_PHONE], ids=["both_phone"], indirect=True)
async def test_a_pull_is_one_request_while_nothing_changes_and_one_more_a_page(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    """The portal's clock, the contacts edited since the last window and the stage history's first page go
    in one batch: an idle pull of stages and phones costs one request."""
    await service.pull()
    await _sync(service)
    await service.pull()  # reads the sync's own creations and edits: agreement
    before = service.client.cost()
    idle = await service.pull()
    assert service.client.cost().since(before).requests == 1
    assert not idle.changed and idle.waiting == {} and idle.fields_waiting == {}
    key, deal_id = next(iter(shop.deal_ids().items()))
    assert deal_id is not None
    stage = "LOSE" if portal.store.get("deal", deal_id)["STAGE_ID"] != "LOSE" else "WON"
    portal.store.update("deal", deal_id, {"STAGE_ID": stage}, as_user=MANAGER)
    before = service.client.cost()
    moved = await service.pull()
    assert moved.pulled == {key: stage}
    # The same one request, and one more to name who moved it in the activity (the deal's MOVED_BY_ID).
    assert service.client.cost().since(before).requests == 2


def test_multi_value_fields_agree_by_any_value_and_bring_back_the_first() -> None:
    """The portal's PHONE is a list of {VALUE, VALUE_TYPE, ID}: the shop's one number agrees when it is
    among them (by its digits), and what the CRM says the shop's column should hold is the first."""
    owners = FieldOwners(BOTH_PHONE.shop)
    (rule,) = owners.pulled("user")
    record = {"PHONE": [{"ID": "5", "VALUE": "+7 (912) 000-11-22", "VALUE_TYPE": "WORK"},
                        {"ID": "6", "VALUE": "8 495 111 22 33", "VALUE_TYPE": "HOME"}]}  # fmt: skip
    assert rule.crm_holds(record, "89120001122") and rule.crm_holds(record, "+7 495 111-22-33")
    assert not rule.crm_holds(record, "+7 912 000-11-23") and not rule.crm_holds(record, "")
    assert rule.crm_value(record) == "+7 (912) 000-11-22"
    assert rule.crm_holds({"PHONE": []}, "") and rule.crm_value({}) == ""
    shown = {"PHONE": "+7 (912) 000-11-22, 8 495 111 22 33"}
    assert rule.agreed_on({"PHONE": "8 912 000 11 22"}, shown) == "8 912 000 11 22"
    assert rule.agreed_on({"PHONE": "8 912 000 11 29"}, shown) is None


@pytest.mark.parametrize("service", [BOTH_PHONE], ids=["both_phone"], indirect=True)
async def test_a_shop_change_replaces_the_number_both_agreed_on_not_one_a_manager_added(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    user, phone = _with_phone(shop, portal, service)
    # A manager puts a new number first and keeps the shop's as the second.
    both = {"PHONE": [{"ID": phone["ID"], "VALUE": "+7 900 777-00-01"}, {"VALUE": user.phone}]}
    portal.store.update("contact", user.contact_id, both, as_user=MANAGER)
    snap = await _sync(service)  # the shop's number is among the CRM's: the sides agree, nothing is sent
    assert next(s for s in snap.users if s.key == user.key).state is RecordState.IN_SYNC
    shop.execute(
        "UPDATE users SET phone_number = '+7 900 777-00-02', updated_at = :t WHERE id = :k",
        t=datetime.now(UTC).replace(tzinfo=None),
        k=int(user.key),
    )
    await _sync(service)
    values = [v["VALUE"] for v in portal.store.get("contact", user.contact_id)["PHONE"]]
    assert values == ["+7 900 777-00-01", "+7 900 777-00-02"]  # the manager's number stays
