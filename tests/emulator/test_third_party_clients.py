"""Well-known third-party Bitrix24 clients work against the emulator unchanged:

* ``b24pysdk`` (the official SDK; sync, ``requests``; it only speaks https, so the emulator serves TLS and
  ``REQUESTS_CA_BUNDLE`` points at the certificate it wrote);
* ``fast_bitrix24`` (aiohttp; batches everything, pages with ``start`` offsets, throttles itself).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator


@pytest.fixture
def tls_portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PortalEmulator]:
    cert = tmp_path / "portal.pem"
    with PortalEmulator(limits="standard", tls_cert=cert) as portal:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        yield portal


def test_b24pysdk_add_get_list_and_batch(tls_portal: PortalEmulator) -> None:
    from b24pysdk import BitrixWebhook, Client

    portal = tls_portal
    client = Client(BitrixWebhook(domain=f"127.0.0.1:{portal.port}", webhook_token=f"1/{portal.secret}"))

    deal_id = client.crm.deal.add(
        fields={"TITLE": "SDK deal", "OPPORTUNITY": 150.5, "ORIGIN_ID": "sdk-1"}
    ).result
    assert isinstance(deal_id, int)
    deal = client.crm.deal.get(bitrix_id=deal_id).result
    assert (deal["TITLE"], deal["OPPORTUNITY"]) == ("SDK deal", "150.50")
    assert client.crm.deal.update(bitrix_id=deal_id, fields={"TITLE": "renamed"}).result is True

    for i in range(130):
        portal.store.add("deal", {"TITLE": f"seeded {i}"})
    rows = client.crm.deal.list(select=["ID", "TITLE"]).as_list().result
    assert len(rows) == 131
    assert rows[0]["TITLE"] == "renamed"
    fast = list(client.crm.deal.list(select=["ID"]).as_list_fast().result)
    assert sorted(int(r["ID"]) for r in fast) == list(range(1, 132))
    found = client.crm.deal.list(filter={"ORIGIN_ID": "sdk-1"}, select=["ID"]).result
    assert found == [{"ID": str(deal_id)}]

    batch = client.call_batch(
        {"ok": client.crm.deal.get(bitrix_id=deal_id), "missing": client.crm.deal.get(bitrix_id=99_999)}
    ).response
    assert batch.result.result["ok"]["ID"] == str(deal_id)
    assert batch.result.result_error["missing"]["error_description"] == "Not found"

    assert portal.store.count("deal") == 131


@pytest.fixture
def owned_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """fast_bitrix24's sync wrapper runs on ``asyncio.get_event_loop()``, which would make a loop that nobody
    closes (its ResourceWarning then fails whichever later test the garbage collector runs in): give it one
    that is closed afterwards."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def test_fast_bitrix24_get_all_call_and_get_by_id(owned_loop: asyncio.AbstractEventLoop) -> None:
    import fast_bitrix24

    with PortalEmulator(limits="standard") as portal:
        for i in range(120):
            portal.store.add("deal", {"TITLE": f"seeded {i}", "ORIGINATOR_ID": "fb"})
        bitrix = fast_bitrix24.Bitrix(portal.webhook_url, verbose=False)

        rows = bitrix.get_all("crm.deal.list", {"select": ["ID", "TITLE"], "filter": {"ORIGINATOR_ID": "fb"}})
        assert len(rows) == 120
        assert {r["TITLE"] for r in rows} == {f"seeded {i}" for i in range(120)}

        created = bitrix.call("crm.deal.add", [{"fields": {"TITLE": f"fb {i}"}} for i in range(60)])
        assert len(created) == 60
        assert portal.store.count("deal") == 180

        by_id = bitrix.get_by_ID("crm.deal.get", [1, 2, 3])
        assert {k: v["TITLE"] for k, v in by_id.items()} == {
            "1": "seeded 0",
            "2": "seeded 1",
            "3": "seeded 2",
        }

        raw = bitrix.call_batch(
            {"halt": 0, "cmd": {"a": "crm.deal.get?id=1", "b": "crm.deal.list?select[]=ID"}}
        )
        assert raw["a"]["ID"] == "1"
        assert len(raw["b"]) == 50
        assert portal.stats.rejected_rate_limit == 0


def test_b24pysdk_companies_bindings_and_user_fields(tls_portal: PortalEmulator) -> None:
    from b24pysdk import BitrixWebhook, Client

    portal = tls_portal
    client = Client(BitrixWebhook(domain=f"127.0.0.1:{portal.port}", webhook_token=f"1/{portal.secret}"))

    field_id = client.crm.company.userfield.add(
        fields={"FIELD_NAME": "VAT_ID", "USER_TYPE_ID": "string"}
    ).result
    assert isinstance(field_id, int)
    (row,) = client.crm.company.userfield.list().result
    assert row["FIELD_NAME"] == "UF_CRM_VAT_ID"

    company_id = client.crm.company.add(
        fields={"TITLE": "Acme", "UF_CRM_VAT_ID": "DE1", "EMAIL": [{"VALUE": "office@acme.test"}]}
    ).result
    assert isinstance(company_id, int)
    company = client.crm.company.get(bitrix_id=company_id).result
    assert (company["TITLE"], company["UF_CRM_VAT_ID"]) == ("Acme", "DE1")

    contact_id = client.crm.contact.add(fields={"NAME": "Ann"}).result
    assert client.crm.company.contact.items.set(company_id, items=[{"CONTACT_ID": contact_id}]).result is True
    assert [link["CONTACT_ID"] for link in client.crm.company.contact.items.get(company_id).result] == [
        contact_id
    ]
    assert client.crm.contact.get(bitrix_id=contact_id).result["COMPANY_ID"] == str(company_id)

    found = client.crm.duplicate.findbycomm("EMAIL", ["office@acme.test"], entity_type="COMPANY").result
    assert found["COMPANY"] == [company_id]
    for i in range(60):
        portal.store.add("company", {"TITLE": f"seeded {i}"})
    assert len(client.crm.company.list(select=["ID"]).as_list().result) == 61
