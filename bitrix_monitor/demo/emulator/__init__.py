"""A Bitrix24 cloud portal emulator for deals, contacts and companies: a real HTTP server on loopback.

It behaves on the wire like a cloud portal (``shared/BITRIX24_API.md``; where sources disagree, the newest
official docs): webhook URLs, JSON/form/query parameters with PHP semantics, string-typed rows, lists of 50,
``batch`` with references and ``halt``, duplicates search and merge, the portal's error answers and HTTP
statuses, its request-rate and operating-time limits, and injected faults for testing clients.

In process::

    with PortalEmulator(limits="burst=10,drain=20") as portal:
        deal_id = portal.store.add("deal", {"TITLE": "Order #1"})
        httpx.post(portal.webhook_url + "crm.deal.get", json={"id": deal_id})

From the command line: ``bitrix-monitor --emulate-portal [--port N] [--limits PLAN] [--faults SPEC]
[--seed N] [--state FILE] [--tls CERTFILE] [--pipeline NAME ...]``.

Deal pipelines (reference §10): pipeline 0 always exists; more come from ``crm.category.add``,
``store.add_pipeline(name)`` or ``--pipeline NAME`` (kept in the state file). A deal added with a stage of
another pipeline gets the first stage of its own pipeline with the same semantics; an update with one keeps
the old stage; ``CATEGORY_ID`` is fixed at creation.

With ``tls_cert``/``--tls CERTFILE`` it serves HTTPS with a self-signed certificate for ``localhost``,
``127.0.0.1`` and ``::1``, written to CERTFILE (PEM, certificate only, for clients to trust); the private key
is kept beside it in ``CERTFILE.key`` (mode 0600). An existing valid pair is reused across restarts.

Deliberate simplifications: one webhook (user ``user_id``, scope ``crm``, full CRM rights); answers are
always JSON (a ``.xml`` suffix is accepted but not honoured); phone matching is digits-only (no national
trunk-prefix rewriting such as 8 → 7). ``UF_CRM_*`` fields exist once defined (``crm.*.userfield.add`` or
``store.add_user_field``); values of undefined ones are dropped, as on a portal.
"""

from bitrix_monitor.demo.emulator.faults import FAULT_KINDS, FaultRule, parse_faults
from bitrix_monitor.demo.emulator.limits import parse_limits
from bitrix_monitor.demo.emulator.server import PortalEmulator
from bitrix_monitor.demo.emulator.stats import EmulatorStats
from bitrix_monitor.demo.emulator.store import PortalStore, RestError

__all__ = [
    "FAULT_KINDS",
    "EmulatorStats",
    "FaultRule",
    "PortalEmulator",
    "PortalStore",
    "RestError",
    "parse_faults",
    "parse_limits",
]
