"""Words as codes (STYLE.md §22): what the core says to a person is a :class:`Message`, a code with
parameters, and becomes words only where it is shown, in the language of whoever reads it.

* The English text of every code is in :data:`TEXTS`, marked with ``QT_TRANSLATE_NOOP("Message", …)`` so
  ``pyside6-lupdate`` collects it into ``resources/i18n/bitrix_monitor_<lang>.ts`` beside the window's own
  strings: ONE catalogue, translated once in Qt Linguist. The window translates a message with Qt's
  ``QCoreApplication.translate`` (``gui/words.py``); the headless front end, which must not load Qt,
  reads the same ``.ts`` with :class:`Catalogue` (plain XML; the ``.qm`` the window loads is compiled from
  it, and a test fails when they differ). So a translation is written once and both front ends say it.
* Placeholders are ``{name}`` (Python ``str.format``); a count that picks the plural form is the parameter
  ``n``, written ``%n`` in the text as Qt writes it (Russian has three forms: 1, 2–4, 5–20, 21, …).
  A parameter may itself be a :class:`Message` (a record's notes joined, a plan reason quoting a note):
  it is said in the same language before it is put in.
* ``str(message)`` is the English text, for logs and for code that wants a string.
* What is stored (a failed job's error) is the code and its parameters (:meth:`Message.to_json`), so a
  translation never splits a group of jobs with the same error.

Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from bitrix_monitor import localefmt

log = logging.getLogger(__name__)

CONTEXT = "Message"
LANGUAGES = ("en", "ru")
Param: TypeAlias = "str | int | Message"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for ``pyside6-lupdate`` under ``context`` (Qt-free: this module is the core's)."""
    return text


class Plural:
    """Marks a text with a count (``%n``) for ``pyside6-lupdate``, which collects plural forms only from
    calls named ``translate`` with a count: ``Plural.translate("Message", "retried %n job(s)", "", 0)``."""

    @staticmethod
    def translate(context: str, text: str, disambiguation: str, n: int) -> str:
        return text


# Words a message's parameters name by code: a job kind, a Bitrix24 field, a kind of record.
JOB_KINDS: dict[str, str] = {
    "deal.create": QT_TRANSLATE_NOOP("JobKind", "Create deal"),
    "deal.update": QT_TRANSLATE_NOOP("JobKind", "Update deal"),
    "deal.cleanup": QT_TRANSLATE_NOOP("JobKind", "Merge duplicate deals"),
    "deal.relink": QT_TRANSLATE_NOOP("JobKind", "Re-link deal"),
    "deal.pull": QT_TRANSLATE_NOOP("JobKind", "Pull deal change into the shop"),
    "contact.create": QT_TRANSLATE_NOOP("JobKind", "Create contact"),
    "contact.update": QT_TRANSLATE_NOOP("JobKind", "Update contact"),
    "contact.cleanup": QT_TRANSLATE_NOOP("JobKind", "Merge duplicate contacts"),
    "contact.relink": QT_TRANSLATE_NOOP("JobKind", "Re-link contact"),
    "contact.pull": QT_TRANSLATE_NOOP("JobKind", "Pull contact change into the shop"),
    "company.create": QT_TRANSLATE_NOOP("JobKind", "Create company"),
    "company.update": QT_TRANSLATE_NOOP("JobKind", "Update company"),
    "company.cleanup": QT_TRANSLATE_NOOP("JobKind", "Merge duplicate companies"),
    "company.relink": QT_TRANSLATE_NOOP("JobKind", "Re-link company"),
    "company.pull": QT_TRANSLATE_NOOP("JobKind", "Pull company change into the shop"),
}

FIELD_NAMES: dict[str, str] = {
    "ID": QT_TRANSLATE_NOOP("Field", "ID"),
    "TITLE": QT_TRANSLATE_NOOP("Field", "Title"),
    "OPPORTUNITY": QT_TRANSLATE_NOOP("Field", "Amount"),
    "CURRENCY_ID": QT_TRANSLATE_NOOP("Field", "Currency"),
    "STAGE_ID": QT_TRANSLATE_NOOP("Field", "Stage"),
    "CATEGORY_ID": QT_TRANSLATE_NOOP("Field", "Pipeline"),
    "CONTACT_ID": QT_TRANSLATE_NOOP("Field", "Contact"),
    "COMPANY_ID": QT_TRANSLATE_NOOP("Field", "Company"),
    "ORIGINATOR_ID": QT_TRANSLATE_NOOP("Field", "External source"),
    "ORIGIN_ID": QT_TRANSLATE_NOOP("Field", "ID in the external source"),
    "DATE_CREATE": QT_TRANSLATE_NOOP("Field", "Created"),
    "DATE_MODIFY": QT_TRANSLATE_NOOP("Field", "Modified"),
    "NAME": QT_TRANSLATE_NOOP("Field", "First name"),
    "SECOND_NAME": QT_TRANSLATE_NOOP("Field", "Middle name"),
    "LAST_NAME": QT_TRANSLATE_NOOP("Field", "Last name"),
    "EMAIL": QT_TRANSLATE_NOOP("Field", "E-mail"),
    "PHONE": QT_TRANSLATE_NOOP("Field", "Phone"),
    "COMMENTS": QT_TRANSLATE_NOOP("Field", "Comment"),
}

NOUNS: dict[str, str] = {
    "order": QT_TRANSLATE_NOOP("Noun", "order"),
    "user": QT_TRANSLATE_NOOP("Noun", "user"),
    "company": QT_TRANSLATE_NOOP("Noun", "company"),
    "deal": QT_TRANSLATE_NOOP("Noun", "deal"),
    "contact": QT_TRANSLATE_NOOP("Noun", "contact"),
}

# A kind of record in the plural, as what an action is done to ("reading orders"): Russian says it in the
# genitive plural (чтение заказов, таблица заказов), the case such a noun takes after another.
PLURALS: dict[str, str] = {
    "order": QT_TRANSLATE_NOOP("Plural", "orders"),
    "user": QT_TRANSLATE_NOOP("Plural", "users"),
    "company": QT_TRANSLATE_NOOP("Plural", "companies"),
    "deal": QT_TRANSLATE_NOOP("Plural", "deals"),
    "contact": QT_TRANSLATE_NOOP("Plural", "contacts"),
}

# What matched a portal record to a shop record (duplicate and shared-link evidence, and which record keeps
# a shared one): the core's code is the English word.
MATCHES: dict[str, str] = {
    "origin id": QT_TRANSLATE_NOOP("Match", "origin id"),
    "title": QT_TRANSLATE_NOOP("Match", "title"),
    "title pattern": QT_TRANSLATE_NOOP("Match", "title pattern"),
    "e-mail": QT_TRANSLATE_NOOP("Match", "e-mail"),
    "phone": QT_TRANSLATE_NOOP("Match", "phone"),
    "stored id": QT_TRANSLATE_NOOP("Match", "stored id"),
    "shared link": QT_TRANSLATE_NOOP("Match", "shared link"),
    "another integration": QT_TRANSLATE_NOOP("Match", "another integration"),
    "shared with another integration": QT_TRANSLATE_NOOP("Match", "shared with another integration"),
}

# Parameters said as words (their value is a code of the table): the name, or a name's first part
# (``entity``, ``shop_entity``), picks the table; ``fields`` is a comma-separated list of field names;
# ``shop_entities`` is a kind said in the plural.
WORD_PARAMS: dict[str, tuple[str, dict[str, str]]] = {
    "entity": ("Noun", NOUNS),
    "shop_entity": ("Noun", NOUNS),
    "shop_entities": ("Plural", PLURALS),
    "kind": ("JobKind", JOB_KINDS),
    "fields": ("Field", FIELD_NAMES),
    "match": ("Match", MATCHES),
}

# The English text of every code. Keep the {placeholders} in a translation; change a text and its
# translation must be made again (the text is the catalogue's key).
TEXTS: dict[str, str] = {
    # a text made outside the app (the portal's own words, an OS error): shown as it is
    "text": "{text}",
    # --- Bitrix24 ---------------------------------------------------------------------------------------
    "bitrix.rate_limited": QT_TRANSLATE_NOOP(
        "Message", "Bitrix24 refused {method}: too many requests (rate limit)"
    ),
    "bitrix.rate_limited.hint": QT_TRANSLATE_NOOP(
        "Message", "another application may share this portal's request limit; try again later"
    ),
    "bitrix.operation_time_limit": QT_TRANSLATE_NOOP(
        "Message", "Bitrix24 blocked {method} for a while: operating-time limit reached"
    ),
    "bitrix.operation_time_limit.hint": QT_TRANSLATE_NOOP(
        "Message", "the portal lifts it within 10 minutes; queued work resumes then"
    ),
    "bitrix.overloaded": QT_TRANSLATE_NOOP(
        "Message", "Bitrix24 REST API is blocked on this portal due to overload{status}"
    ),
    "bitrix.overloaded.hint": QT_TRANSLATE_NOOP(
        "Message", "this needs Bitrix24 support; retrying will not help"
    ),
    "bitrix.auth": QT_TRANSLATE_NOOP("Message", "Bitrix24 refused the webhook: {text}{status}"),
    "bitrix.auth.hint": QT_TRANSLATE_NOOP(
        "Message", "check the webhook URL in the settings; create a new webhook in Bitrix24 if needed"
    ),
    "bitrix.auth.hint.scope": QT_TRANSLATE_NOOP(
        "Message", "give the webhook the crm scope in Bitrix24 (Developer resources > Webhooks)"
    ),
    "bitrix.auth.hint.plan": QT_TRANSLATE_NOOP(
        "Message", "REST needs a commercial Bitrix24 plan, and the webhook owner needs CRM access"
    ),
    "bitrix.auth.hint.https": QT_TRANSLATE_NOOP("Message", "the portal requires https://"),
    "bitrix.auth.hint.expired": QT_TRANSLATE_NOOP(
        "Message", "create a new webhook in Bitrix24 and paste its URL in the settings"
    ),
    "bitrix.method_not_found": QT_TRANSLATE_NOOP(
        "Message", "Bitrix24 does not know the method {method}{status}"
    ),
    "bitrix.not_found": QT_TRANSLATE_NOOP("Message", "{method}: {text}"),
    "bitrix.server_error": QT_TRANSLATE_NOOP("Message", "Bitrix24 server error in {method}: {text}{status}"),
    "bitrix.refused": QT_TRANSLATE_NOOP("Message", "Bitrix24 refused {method}: {text}{status}"),
    "bitrix.paused": QT_TRANSLATE_NOOP(
        "Message", "{method} is paused for {seconds} s: its operating-time budget on the portal is spent"
    ),
    "bitrix.ca_bundle": QT_TRANSLATE_NOOP("Message", "The CA bundle {path} cannot be used: {error}"),
    "bitrix.ca_bundle.hint": QT_TRANSLATE_NOOP("Message", "[portal] ca_bundle must name a PEM file"),
    "bitrix.no_answer": QT_TRANSLATE_NOOP("Message", "No answer from {where} to {method} in time"),
    "bitrix.broken": QT_TRANSLATE_NOOP("Message", "The connection to {where} broke during {method}: {error}"),
    "bitrix.redirect": QT_TRANSLATE_NOOP("Message", "Unexpected redirect (HTTP {status}) from the portal"),
    "bitrix.answer.html": QT_TRANSLATE_NOOP(
        "Message", "The portal sent an HTML page to {method} (HTTP {status})"
    ),
    "bitrix.answer.unreadable": QT_TRANSLATE_NOOP(
        "Message", "The portal sent an unreadable answer to {method} (HTTP {status})"
    ),
    "bitrix.answer.empty": QT_TRANSLATE_NOOP(
        "Message", "The portal sent an empty answer to {method} (HTTP {status})"
    ),
    "bitrix.answer.not_object": QT_TRANSLATE_NOOP(
        "Message", "The portal's answer to {method} is not a JSON object (HTTP {status})"
    ),
    "bitrix.answer.no_result": QT_TRANSLATE_NOOP(
        "Message", "The portal's answer to {method} has no result (HTTP {status})"
    ),
    "bitrix.answer.no_code": QT_TRANSLATE_NOOP(
        "Message", "The portal answered {method} with HTTP {status} but no error code"
    ),
    "bitrix.answer.not_record": QT_TRANSLATE_NOOP(
        "Message", "The portal's answer to {method} is not a record"
    ),
    "bitrix.answer.not_records": QT_TRANSLATE_NOOP(
        "Message", "The portal's answer to {method} is not a list of records"
    ),
    "bitrix.answer.bad_id": QT_TRANSLATE_NOOP(
        "Message", "The portal's answer to {method} has a record whose ID is {value}"
    ),
    "bitrix.answer.not_new_id": QT_TRANSLATE_NOOP(
        "Message", "The portal's answer to {method} is {value}, not a new record id"
    ),
    "bitrix.answer.no_status": QT_TRANSLATE_NOOP("Message", "The portal's answer to {method} has no STATUS"),
    "bitrix.refused_silently": QT_TRANSLATE_NOOP("Message", "{method} {id} was refused without a reason"),
    "bitrix.outcome_unknown": QT_TRANSLATE_NOOP(
        "Message", "{method} may or may not have been executed: {error}"
    ),
    "bitrix.batch.failed": QT_TRANSLATE_NOOP("Message", "{method} (in a batch): {error}"),
    "bitrix.batch.outcome_unknown": QT_TRANSLATE_NOOP(
        "Message", "{method} (in a batch) may or may not have been executed: {error}"
    ),
    "bitrix.batch.not_executed": QT_TRANSLATE_NOOP("Message", "{method} (in a batch) was not executed"),
    "bitrix.batch.page_not_executed": QT_TRANSLATE_NOOP("Message", "{method} page was not executed"),
    "bitrix.batch.count_not_executed": QT_TRANSLATE_NOOP("Message", "{method} (its count) was not executed"),
    "bitrix.batch.since_not_executed": QT_TRANSLATE_NOOP(
        "Message", "{method} (changes since {since}) was not executed"
    ),
    "bitrix.batch.ids_not_executed": QT_TRANSLATE_NOOP("Message", "{method} (@ID) was not executed"),
    "bitrix.batch.no_sections": QT_TRANSLATE_NOOP("Message", "The portal's answer to batch has no sections"),
    "bitrix.batch.mismatch": QT_TRANSLATE_NOOP(
        "Message", "The portal's batch answer does not match the commands sent"
    ),
    "bitrix.batch.malformed": QT_TRANSLATE_NOOP(
        "Message", "The portal's batch answer has a malformed section"
    ),
    # the webhook URL as typed (never echoing it: it may hold a valid secret in an invalid shape)
    "webhook.empty": QT_TRANSLATE_NOOP("Message", "The webhook URL is empty"),
    "webhook.no_scheme": QT_TRANSLATE_NOOP("Message", "The webhook URL has no scheme (https://)"),
    "webhook.invalid": QT_TRANSLATE_NOOP("Message", "The webhook URL is not a valid URL (bad host or port)"),
    "webhook.scheme": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL must start with https://, not {scheme}://"
    ),
    "webhook.userinfo": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL must not contain a user name or password before the host"
    ),
    "webhook.no_host": QT_TRANSLATE_NOOP("Message", "The webhook URL has no portal host"),
    "webhook.http": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL for {host} uses plain http://; Bitrix24 requires https://"
    ),
    "webhook.http.hint": QT_TRANSLATE_NOOP(
        "Message", "plain http is only accepted for a portal on this machine (127.0.0.1, ::1, localhost)"
    ),
    "webhook.query": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL for {host} must not have a query (?...) or fragment (#...)"
    ),
    "webhook.no_rest": QT_TRANSLATE_NOOP("Message", "The webhook URL for {host} has no /rest/ path"),
    "webhook.no_user": QT_TRANSLATE_NOOP("Message", "The webhook URL for {host} has no user id after /rest/"),
    "webhook.bad_user": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL for {host} has a user id that is not a positive number after /rest/"
    ),
    "webhook.no_secret": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL for {host} has no secret after the user id"
    ),
    "webhook.bad_secret": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL for {host} has a secret with characters a webhook secret never has"
    ),
    "webhook.extra": QT_TRANSLATE_NOOP(
        "Message", "The webhook URL for {host} has extra path after the secret (a method name?)"
    ),
    "webhook.extra.hint": QT_TRANSLATE_NOOP("Message", "use the URL only up to /rest/USER_ID/SECRET/"),
    "webhook.example": QT_TRANSLATE_NOOP(
        "Message",
        "expected https://PORTAL/rest/USER_ID/SECRET/ (copy it from Bitrix24: Developer resources > "
        "Webhooks)",
    ),
    "portal.unreachable": QT_TRANSLATE_NOOP("Message", "Cannot connect to {where}: {text}"),
    "portal.unreachable.hint": QT_TRANSLATE_NOOP("Message", "check the network and the portal address"),
    "portal.unreachable.hint.tls": QT_TRANSLATE_NOOP(
        "Message",
        "the portal's TLS certificate is not trusted; set [portal] ca_bundle if a proxy re-signs TLS",
    ),
    "portal.moved": QT_TRANSLATE_NOOP(
        "Message", "The portal moved to {where} (HTTP {status}); update the webhook URL"
    ),
    # --- the shop database ------------------------------------------------------------------------------
    "shop.auth": QT_TRANSLATE_NOOP("Message", "The shop database {where} refused the user name or password"),
    "shop.auth.hint": QT_TRANSLATE_NOOP(
        "Message", "check the user and the password stored in the keyring or BITRIX_MONITOR_SHOP_PASSWORD"
    ),
    "shop.missing": QT_TRANSLATE_NOOP("Message", "The shop database {where} does not exist"),
    "shop.unreachable": QT_TRANSLATE_NOOP("Message", "Cannot reach the shop database server {where}"),
    "shop.unreachable.hint": QT_TRANSLATE_NOOP(
        "Message", "is the server running, and are host and port right?"
    ),
    "shop.lost": QT_TRANSLATE_NOOP(
        "Message", "The connection to the shop database {where} was lost while {what}"
    ),
    "shop.denied_while": QT_TRANSLATE_NOOP("Message", "Permission denied while {what} ({detail})"),
    "shop.denied.hint": QT_TRANSLATE_NOOP(
        "Message", 'see README, "Shop database access and least privilege"'
    ),
    "shop.failed": QT_TRANSLATE_NOOP("Message", "The shop database {where} failed while {what}: {detail}"),
    # a right the app needs that the shop database user lacks (found when connecting)
    "shop.denied.read": QT_TRANSLATE_NOOP(
        "Message", "Permission denied: the shop database user may not read the {shop_entities} table {table}"
    ),
    "shop.denied.read_links": QT_TRANSLATE_NOOP(
        "Message", "Permission denied: the shop database user may not read the link table {table}"
    ),
    "shop.denied.insert_links": QT_TRANSLATE_NOOP(
        "Message", "Permission denied: the shop database user may not INSERT into the link table {table}"
    ),
    "shop.denied.delete_links": QT_TRANSLATE_NOOP(
        "Message", "Permission denied: the shop database user may not DELETE from the link table {table}"
    ),
    "shop.denied.update": QT_TRANSLATE_NOOP(
        "Message", "Permission denied: the shop database user may not UPDATE column {column}"
    ),
    "shop.denied.sequence": QT_TRANSLATE_NOOP(
        "Message",
        "Permission denied: the shop database user may not use the sequence {sequence} that numbers {column}",
    ),
    "shop.denied.sequence.hint": QT_TRANSLATE_NOOP(
        "Message", "GRANT USAGE ON SEQUENCE {sequence} TO the app's user; {readme}"
    ),
    # what the app was doing in the shop database (the {what} of the messages above)
    "shop.doing.connecting": QT_TRANSLATE_NOOP("Message", "connecting"),
    "shop.doing.checking": QT_TRANSLATE_NOOP("Message", "checking the connection"),
    "shop.doing.reading": QT_TRANSLATE_NOOP("Message", "reading {shop_entities}"),
    "shop.doing.writing": QT_TRANSLATE_NOOP("Message", "writing {shop_entities}"),
    "shop.doing.locking": QT_TRANSLATE_NOOP("Message", "taking a lock"),
    "shop.doing.unlocking": QT_TRANSLATE_NOOP("Message", "releasing a lock"),
    # the shop database's URL as typed (never echoing it: it may hold a password)
    "shop.url.invalid": QT_TRANSLATE_NOOP("Message", "The shop database URL is not a valid URL"),
    "shop.url.port": QT_TRANSLATE_NOOP("Message", "The shop database URL has a port that is not a number"),
    "shop.url.port_range": QT_TRANSLATE_NOOP(
        "Message", "The shop database URL has port {port}, outside 1-65535"
    ),
    "shop.url.at": QT_TRANSLATE_NOOP(
        "Message", "The shop database URL has an unescaped '@' (in the password?)"
    ),
    "shop.url.at.hint": QT_TRANSLATE_NOOP(
        "Message",
        "write '@' in a password as %40, or better keep the password in the keyring or "
        "BITRIX_MONITOR_SHOP_PASSWORD",
    ),
    "shop.url.backend": QT_TRANSLATE_NOOP("Message", "Shop databases of type {backend} are not supported"),
    "shop.url.backend.hint": QT_TRANSLATE_NOOP(
        "Message", "use sqlite:///, postgresql:// or mysql:// (MariaDB)"
    ),
    "shop.file_missing": QT_TRANSLATE_NOOP("Message", "The shop database file {path} does not exist"),
    "shop.no_driver": QT_TRANSLATE_NOOP("Message", "No database driver for {driver}: it cannot be loaded"),
    "shop.no_driver.unknown": QT_TRANSLATE_NOOP(
        "Message", "No database driver for {driver}: no such driver is known"
    ),
    # the SQLite shop's lock file beside the database (shop/locks.py)
    "shop.lock_file": QT_TRANSLATE_NOOP("Message", "Cannot create the lock file {path}: {error}"),
    "shop.lock_file.hint": QT_TRANSLATE_NOOP(
        "Message", "the app needs write access to the shop database's folder"
    ),
    "shop.lock_memory": QT_TRANSLATE_NOOP(
        "Message", "Locks need a SQLite database file, not an in-memory database"
    ),
    # a pulled value a shop column cannot hold (the {error} of pull.field.unwritable, resolve.unwritable)
    "shop.value.boolean": QT_TRANSLATE_NOOP("Message", "{value} is not written to a boolean column"),
    "shop.value.not_a_number": QT_TRANSLATE_NOOP("Message", "{value} is not a number"),
    "shop.value.not_whole": QT_TRANSLATE_NOOP("Message", "{value} is not a whole number"),
    "shop.value.too_long": QT_TRANSLATE_NOOP(
        "Message", "{value} is longer than the column's {length} characters"
    ),
    # a CRM id to store in the shop that is no id (0, negative), and a kind of record the shop does not map
    # (a company job queued before [shop.companies] was taken out of the config)
    "shop.not_an_id": QT_TRANSLATE_NOOP("Message", "not an id: {value}"),
    "shop.unmapped_kind": QT_TRANSLATE_NOOP("Message", "the shop maps no {shop_entities}"),
    # the demo shop (--demo-shop): a database that already has its tables
    "shop.demo.tables_exist": QT_TRANSLATE_NOOP("Message", "The database already has the table(s) {tables}"),
    # --- why a shop row cannot be synced as it is stored (a person fixes it in the shop) -----------------
    "row.key_empty": QT_TRANSLATE_NOOP("Message", "its key is empty"),
    "row.id_not_an_id": QT_TRANSLATE_NOOP("Message", "stored {entity} id {value} is not an id"),
    "row.two_links": QT_TRANSLATE_NOOP("Message", "the link table holds two {entity} ids for it ({ids})"),
    "row.key_not_integer": QT_TRANSLATE_NOOP(
        "Message", "its key {key} cannot be stored in the integer column {column}"
    ),
    "amount.not_a_number": QT_TRANSLATE_NOOP("Message", "amount {value} is not a number"),
    "amount.not_finite": QT_TRANSLATE_NOOP("Message", "amount {value} is not a finite number"),
    "amount.out_of_range": QT_TRANSLATE_NOOP(
        "Message", "amount {value} is out of range (at most 16 digits before the point)"
    ),
    # --- what is missing to connect, or to open the window ------------------------------------------------
    "wiring.no_shop": QT_TRANSLATE_NOOP("Message", "No shop database is configured"),
    "wiring.no_shop.hint": QT_TRANSLATE_NOOP(
        "Message", "set [shop] url in the config, pass --shop-db URL, or set BITRIX_MONITOR_SHOP_DB"
    ),
    "wiring.no_portal": QT_TRANSLATE_NOOP("Message", "No Bitrix24 webhook is configured"),
    "wiring.no_portal.hint": QT_TRANSLATE_NOOP(
        "Message",
        "save it in the settings (it goes to the keyring), pass --portal URL, or set BITRIX_MONITOR_PORTAL",
    ),
    "launch.no_display": QT_TRANSLATE_NOOP("Message", "There is no display to open the window on"),
    "launch.no_display.hint": QT_TRANSLATE_NOOP(
        "Message",
        "run it in a desktop session, or use the headless modes --sync and --report (--demo works too)",
    ),
    "launch.x11_missing": QT_TRANSLATE_NOOP(
        "Message", "Qt cannot open a window on this X11 desktop: the system lacks {libraries}"
    ),
    "launch.x11_missing.hint": QT_TRANSLATE_NOOP("Message", "install them with: {command}"),
    # --- the configuration file (config.toml) and the settings -----------------------------------------
    "config.none": QT_TRANSLATE_NOOP("Message", "none"),
    "config.nothing": QT_TRANSLATE_NOOP("Message", "nothing"),
    "config.the_config": QT_TRANSLATE_NOOP("Message", "the config"),
    "config.hint.eg": QT_TRANSLATE_NOOP("Message", "e.g. {example}"),
    "config.owner_value": QT_TRANSLATE_NOOP(
        "Message", '{where} {name} = {value}: use "shop", "crm" or "both"'
    ),
    "config.owner_value.hint": QT_TRANSLATE_NOOP(
        "Message", '"shop": sent to the CRM only; "crm": taken from the CRM only; "both": either side'
    ),
    "config.not_field_name": QT_TRANSLATE_NOOP("Message", "{where} {name} is not a CRM field name"),
    "config.owner_not_pullable": QT_TRANSLATE_NOOP(
        "Message",
        '{where} {name} = "{owner}": {name} is not a field taken from one shop column, so it can only be '
        '"shop" (sent to the CRM); fields the CRM may change here: {which}',
    ),
    "config.owner_not_pullable.hint": QT_TRANSLATE_NOOP(
        "Message", "remove {name} from {where}, or map it to a column"
    ),
    "config.stage_back_empty": QT_TRANSLATE_NOOP(
        "Message", "{where}: {stage} = {status}: both sides must be non-empty"
    ),
    "config.stage_back_loop": QT_TRANSLATE_NOOP(
        "Message",
        "{where}: {stage} = {status}, but stage_map sends {status} as {sent}: a deal moved to it in the CRM "
        "would be moved again",
    ),
    "config.stage_back_loop.hint": QT_TRANSLATE_NOOP(
        "Message",
        'add "{status_text}" = "{stage_text}" to stage_map, or map {stage} to a status that stage_map sends '
        "as it",
    ),
    "config.plan_bad": QT_TRANSLATE_NOOP("Message", "[portal] plan: {text} is not a rate plan"),
    "config.plan_bad.hint": QT_TRANSLATE_NOOP(
        "Message", 'use "standard", "enterprise" or "burst=X,drain=Y" with X >= 1 and Y > 0'
    ),
    "config.plan_outside": QT_TRANSLATE_NOOP(
        "Message", "[portal] plan: {text} is outside what a portal allows"
    ),
    "config.plan_outside.hint": QT_TRANSLATE_NOOP(
        "Message",
        "burst from {burst_low} to {burst_high}, drain from {drain_low} to {drain_high} requests a second",
    ),
    "config.not_table": QT_TRANSLATE_NOOP("Message", "{where} must be a table, not {type}"),
    "config.unknown_key": QT_TRANSLATE_NOOP("Message", "{where} unknown key {key}"),
    "config.unknown_key.hint": QT_TRANSLATE_NOOP("Message", "known keys: {keys}"),
    "config.table_of_strings": QT_TRANSLATE_NOOP(
        "Message", '{where} {key} must be a table of strings (key = "value")'
    ),
    "config.table_of_strings.hint": QT_TRANSLATE_NOOP(
        "Message", '{key} must be a table of strings (key = "value")'
    ),
    "config.not_text": QT_TRANSLATE_NOOP("Message", "{where} {key}: {name} = {value} is a {type}, not text"),
    "config.wrong_type": QT_TRANSLATE_NOOP("Message", "{where} {key} must be a {expected}, not {type}"),
    "config.empty_field_name": QT_TRANSLATE_NOOP("Message", "{where} has an empty field name"),
    "config.field_case.hint": QT_TRANSLATE_NOOP(
        "Message", "write it {name}: the portal matches field names exactly and drops others silently"
    ),
    "config.field_name.hint": QT_TRANSLATE_NOOP(
        "Message", "a CRM field name such as COMMENTS or UF_CRM_SHOP_ID (A-Z, 0-9 and _)"
    ),
    "config.builtin_field": QT_TRANSLATE_NOOP(
        "Message", "{where} {name}: the app already sends {name} from [shop.{section}]"
    ),
    "config.builtin_field.hint": QT_TRANSLATE_NOOP(
        "Message", "map it there; {where} is for other fields such as COMMENTS or UF_CRM_*"
    ),
    "config.field_empty": QT_TRANSLATE_NOOP("Message", "{where} {name} is empty"),
    "config.field_empty.hint": QT_TRANSLATE_NOOP("Message", "a column name or a template such as {example}"),
    "config.originator_batch": QT_TRANSLATE_NOOP(
        "Message",
        "[portal] originator must not contain $result, $next, $total, $time or $error (the portal would "
        "substitute it inside a batch)",
    ),
    "config.category": QT_TRANSLATE_NOOP(
        "Message", "[shop.orders] category must be a deal pipeline id (0 or more), not {value}"
    ),
    "config.cleanup_policy": QT_TRANSLATE_NOOP(
        "Message", '[sync] cleanup_policy must be "manual" or "archive"'
    ),
    "config.language": QT_TRANSLATE_NOOP("Message", '[window] language must be "system", "en" or "ru"'),
    "config.desk": QT_TRANSLATE_NOOP(
        "Message", "[queue] desk must be one line of at most {limit} printable characters, not {value}"
    ),
    "config.desk.hint": QT_TRANSLATE_NOOP(
        "Message", 'e.g. "anna@office"; leave it empty for your user name at this computer (user@host)'
    ),
    "config.password_in_url": QT_TRANSLATE_NOOP(
        "Message", "[{section}] url contains a password; passwords belong in the keyring or {variable}"
    ),
    "config.not_duration": QT_TRANSLATE_NOOP("Message", "{text} is not a duration"),
    "config.not_duration.hint": QT_TRANSLATE_NOOP("Message", 'a number with s, m, h or d: "24h", "90m"'),
    "config.in_key": QT_TRANSLATE_NOOP("Message", "[{section}] {key}: {error}"),
    "config.number_range": QT_TRANSLATE_NOOP(
        "Message", "[{section}] {key} must be a number {floor} and <= {high}, not {value}"
    ),
    "config.links_kind": QT_TRANSLATE_NOOP("Message", "[shop.links] kind_values: {crm} is not a CRM record"),
    "config.links_kind.hint": QT_TRANSLATE_NOOP("Message", "keys: {keys}"),
    "config.links_kind_empty": QT_TRANSLATE_NOOP(
        "Message", "[shop.links] kind_values: the value of {crm} is empty"
    ),
    "config.links_kind_shared": QT_TRANSLATE_NOOP(
        "Message", "[shop.links] kind_values: two CRM records share one value ({values})"
    ),
    "config.links_at": QT_TRANSLATE_NOOP(
        "Message", "[{section}] {key} = {value}: only {links} may start with '@'"
    ),
    "config.links_at.hint": QT_TRANSLATE_NOOP(
        "Message", 'a column name, or "{links}" for ids in the [shop.links] table'
    ),
    "config.links_no_table": QT_TRANSLATE_NOOP(
        "Message", '[{section}] {key} = "{links}" but [shop.links] has no table'
    ),
    "config.links_no_table.hint": QT_TRANSLATE_NOOP(
        "Message", 'set [shop.links] table = "…" (and its kind, local_id, crm_id columns)'
    ),
    "config.links_required": QT_TRANSLATE_NOOP(
        "Message", "[shop.links] {key} is required and cannot be empty"
    ),
    "config.company_ref": QT_TRANSLATE_NOOP(
        "Message", "[shop.users] company_ref = {value} but [shop.companies] has no table"
    ),
    "config.company_ref.hint": QT_TRANSLATE_NOOP(
        "Message", "map [shop.companies] too, or leave company_ref out"
    ),
    "config.timezone": QT_TRANSLATE_NOOP("Message", "[shop] timezone: {name} is not a known time zone"),
    "config.timezone.hint": QT_TRANSLATE_NOOP(
        "Message", 'an IANA name such as "Europe/Moscow" or "UTC"; leave it out for this machine\'s zone'
    ),
    "config.file_problem": QT_TRANSLATE_NOOP("Message", "Config file {path} {problem}"),
    "config.file_missing": QT_TRANSLATE_NOOP("Message", "Config file {path} does not exist"),
    "config.file_unreadable": QT_TRANSLATE_NOOP("Message", "Cannot read config file {path}: {error}"),
    "config.file_not_utf8": QT_TRANSLATE_NOOP("Message", "Config file {path} is not UTF-8 text"),
    "config.file_not_toml": QT_TRANSLATE_NOOP("Message", "Config file {path} is not valid TOML: {error}"),
    "config.in_file": QT_TRANSLATE_NOOP("Message", "{path}: {error}"),
    # a path that is no regular file (a FIFO would block the reader for ever)
    "path.fifo": QT_TRANSLATE_NOOP("Message", "is a FIFO, not a regular file"),
    "path.directory": QT_TRANSLATE_NOOP("Message", "is a directory, not a regular file"),
    "path.socket": QT_TRANSLATE_NOOP("Message", "is a socket, not a regular file"),
    "path.device": QT_TRANSLATE_NOOP("Message", "is a device, not a regular file"),
    # why the OS refused a file (os_reason): the common errors as codes, in the OS's English words
    "os.denied": QT_TRANSLATE_NOOP("Message", "Permission denied"),
    "os.read_only": QT_TRANSLATE_NOOP("Message", "Read-only file system"),
    "os.no_space": QT_TRANSLATE_NOOP("Message", "No space left on device"),
    "os.missing": QT_TRANSLATE_NOOP("Message", "No such file or directory"),
    "os.directory": QT_TRANSLATE_NOOP("Message", "Is a directory"),
    "os.not_directory": QT_TRANSLATE_NOOP("Message", "Not a directory"),
    "os.quota": QT_TRANSLATE_NOOP("Message", "Disk quota exceeded"),
    "os.name_too_long": QT_TRANSLATE_NOOP("Message", "File name too long"),
    "os.too_large": QT_TRANSLATE_NOOP("Message", "File too large"),
    "os.io": QT_TRANSLATE_NOOP("Message", "Input/output error"),
    # the window's "Export to CSV": the file it cannot write ({error}: an os.* reason, or the OS's words)
    "export.failed": QT_TRANSLATE_NOOP("Message", "Cannot write {path}: {error}"),
    # --- the shop's mapping checked against its database (at connect) ---------------------------------
    "mapping.empty": QT_TRANSLATE_NOOP("Message", "{where} is empty"),
    "mapping.template": QT_TRANSLATE_NOOP("Message", "{where} = {template}: {error}"),
    "mapping.template.brace.hint": QT_TRANSLATE_NOOP("Message", "write a literal brace as {open} or {close}"),
    "mapping.template.bad": QT_TRANSLATE_NOOP("Message", "{where} = {template}: {bad} is not allowed"),
    "mapping.template.bad.hint": QT_TRANSLATE_NOOP("Message", "placeholders are {example} only"),
    # what in a template is not allowed (the {bad} of mapping.template.bad)
    "mapping.template.empty": QT_TRANSLATE_NOOP("Message", "an empty placeholder {braces}"),
    "mapping.template.positional": QT_TRANSLATE_NOOP("Message", "a positional placeholder"),
    "mapping.template.access": QT_TRANSLATE_NOOP("Message", "attribute or index access"),
    "mapping.template.conversion": QT_TRANSLATE_NOOP("Message", "a conversion (!)"),
    "mapping.template.spec": QT_TRANSLATE_NOOP("Message", "a format spec (:)"),
    # why a template cannot be parsed (the {error} of mapping.template: Python's own words in English)
    "mapping.template.single": QT_TRANSLATE_NOOP("Message", "Single {brace} encountered in format string"),
    "mapping.template.unclosed": QT_TRANSLATE_NOOP("Message", "expected {brace} before end of string"),
    "mapping.template.unmatched": QT_TRANSLATE_NOOP("Message", "unmatched {brace} in format spec"),
    "mapping.template.conversion_end": QT_TRANSLATE_NOOP(
        "Message", "end of string while looking for conversion specifier"
    ),
    "mapping.template.conversion_colon": QT_TRANSLATE_NOOP(
        "Message", "expected ':' after conversion specifier"
    ),
    "mapping.placeholder": QT_TRANSLATE_NOOP("Message", "{key} placeholder {placeholder}"),
    "mapping.table_empty": QT_TRANSLATE_NOOP("Message", "[{section}] table is empty"),
    "mapping.no_table": QT_TRANSLATE_NOOP(
        "Message", "[{section}] table = {name}: no such table in the shop database"
    ),
    "mapping.no_table.schema": QT_TRANSLATE_NOOP(
        "Message", "[{section}] table = {name}: no such table in schema {schema}"
    ),
    "mapping.tables.hint": QT_TRANSLATE_NOOP("Message", "tables: {tables}"),
    "mapping.no_schema": QT_TRANSLATE_NOOP(
        "Message", "[{section}] table: no schema {schema} in the shop database"
    ),
    "mapping.schemas.hint": QT_TRANSLATE_NOOP("Message", "schemas: {schemas}"),
    "mapping.no_column": QT_TRANSLATE_NOOP(
        "Message", "[{section}] {key} = {name}: table {table} has no column {name}"
    ),
    "mapping.columns.hint": QT_TRANSLATE_NOOP("Message", "columns: {columns}"),
    "mapping.required": QT_TRANSLATE_NOOP("Message", "[{section}] {key} is required and cannot be empty"),
    "mapping.key_not_unique": QT_TRANSLATE_NOOP(
        "Message", "[{section}] key = {name}: column {column} is neither the primary key nor unique"
    ),
    "mapping.key_not_unique.hint": QT_TRANSLATE_NOOP("Message", "map the table's primary key"),
    "mapping.where_column": QT_TRANSLATE_NOOP("Message", "[{section}] {key} = {name}: column {column}"),
    "mapping.id_too_small": QT_TRANSLATE_NOOP(
        "Message",
        "{where} has type {type}, too small for an id; an id column must be INTEGER (32 bits) or wider, or "
        "text",
    ),
    "mapping.id_too_short": QT_TRANSLATE_NOOP(
        "Message", "{where} holds only {length} characters; an id needs {needed}"
    ),
    "mapping.id_too_short.hint": QT_TRANSLATE_NOOP("Message", "widen the column or map another one"),
    "mapping.id_type": QT_TRANSLATE_NOOP(
        "Message", "{where} has type {type}; an id column must be an integer or text type"
    ),
    "mapping.type": QT_TRANSLATE_NOOP("Message", "{where} has type {type}; expected {expected}"),
    "mapping.expect.id": QT_TRANSLATE_NOOP("Message", "an integer or text type"),
    "mapping.expect.text": QT_TRANSLATE_NOOP("Message", "a text type"),
    "mapping.expect.number": QT_TRANSLATE_NOOP("Message", "a number"),
    "mapping.expect.datetime": QT_TRANSLATE_NOOP("Message", "a date/time type"),
    "mapping.expect.company_key": QT_TRANSLATE_NOOP("Message", "an integer or text type (a company key)"),
    "mapping.kind_value": QT_TRANSLATE_NOOP(
        "Message", "[shop.links] kind_values: {value} ({crm}) is not a value of {column}"
    ),
    "mapping.kind_value.hint": QT_TRANSLATE_NOOP("Message", "its values: {values}"),
    "mapping.links_three": QT_TRANSLATE_NOOP(
        "Message", "[{section}] kind, local_id and crm_id must be three different columns"
    ),
    "mapping.not_null": QT_TRANSLATE_NOOP(
        "Message",
        "[{section}] table {table}: column {column} is NOT NULL without a default, so the app cannot add a "
        "link",
    ),
    "mapping.not_null.hint": QT_TRANSLATE_NOOP("Message", "give {column} a default or allow NULL"),
    "mapping.currency": QT_TRANSLATE_NOOP("Message", "[{section}] currency is empty"),
    "mapping.currency.hint": QT_TRANSLATE_NOOP("Message", 'set currency = "RUB" or a currency_column'),
    "mapping.no_name": QT_TRANSLATE_NOOP(
        "Message", "[{section}] no name column: name, first_name and last_name are all empty"
    ),
    "mapping.no_name.hint": QT_TRANSLATE_NOOP(
        "Message", "map name (a full name) or first_name and last_name"
    ),
    # a write the mapping does not allow (found when writing, not at connect)
    "mapping.no_stage": QT_TRANSLATE_NOOP(
        "Message", "[shop.orders] stage names no status column: nothing to write a stage to"
    ),
    "mapping.unmapped_column": QT_TRANSLATE_NOOP("Message", "[{section}] maps no column {column}"),
    # --- the queue taken by another runner; the team queue's URL; the keyring ---------------------------
    "queue.busy": QT_TRANSLATE_NOOP("Message", "The job queue {path} is being processed by {who}."),
    "queue.busy.holder": QT_TRANSLATE_NOOP("Message", "{what} (pid {pid} on {host}, since {since} UTC)"),
    "queue.busy.unknown": QT_TRANSLATE_NOOP("Message", "another process (it did not say who)"),
    "queue.busy.hint": QT_TRANSLATE_NOOP("Message", "wait for it to finish, or stop it first"),
    "team.url": QT_TRANSLATE_NOOP("Message", "[queue] url {url} is not a database URL"),
    "team.url.backend": QT_TRANSLATE_NOOP(
        "Message", "[queue] url: a team queue lives in PostgreSQL, not {backend}"
    ),
    "team.url.backend.hint": QT_TRANSLATE_NOOP(
        "Message",
        'e.g. "postgresql://bitrix_monitor@db.example/bitrix_monitor"; leave it out for this desk\'s own '
        "queue file",
    ),
    "team.url.no_database": QT_TRANSLATE_NOOP("Message", "[queue] url names no database"),
    "team.url.no_database.hint": QT_TRANSLATE_NOOP("Message", "add it: postgresql://user@host/database"),
    "keyring.backend.broken": QT_TRANSLATE_NOOP("Message", "no keyring available ({error})"),
    "keyring.backend.none": QT_TRANSLATE_NOOP(
        "Message", "no keyring available (install a Secret Service, KWallet, or macOS/Windows keychain)"
    ),
    # --- --diagnose: what this installation has, one line each --------------------------------------------
    "diagnose.frozen.yes": QT_TRANSLATE_NOOP("Message", "frozen bundle: yes"),
    "diagnose.frozen.no": QT_TRANSLATE_NOOP("Message", "frozen bundle: no"),
    "diagnose.data_dir": QT_TRANSLATE_NOOP("Message", "data dir: {path}"),
    "diagnose.config.present": QT_TRANSLATE_NOOP("Message", "config file: {path} (present)"),
    "diagnose.config.absent": QT_TRANSLATE_NOOP("Message", "config file: {path} (absent: defaults apply)"),
    "diagnose.log_file": QT_TRANSLATE_NOOP("Message", "log file: {path}"),
    "diagnose.keyring": QT_TRANSLATE_NOOP("Message", "keyring: {backend}"),
    "diagnose.driver": QT_TRANSLATE_NOOP("Message", "{database} driver ({module})"),
    "diagnose.available": QT_TRANSLATE_NOOP("Message", "{what}: available"),
    "diagnose.missing": QT_TRANSLATE_NOOP("Message", "{what}: missing"),
    "keyring.none": QT_TRANSLATE_NOOP("Message", "No keyring is available to store the secret"),
    "keyring.none.hint": QT_TRANSLATE_NOOP("Message", "set it in the environment instead ({names})"),
    "keyring.store": QT_TRANSLATE_NOOP("Message", "The keyring refused to store the secret: {error}"),
    "keyring.delete": QT_TRANSLATE_NOOP("Message", "The keyring refused to delete the secret: {error}"),
    # --- the job queue's file (queue.sqlite3) -------------------------------------------------------------
    "queue.file": QT_TRANSLATE_NOOP("Message", "The job queue file {path} {problem}."),
    "queue.file.hint": QT_TRANSLATE_NOOP(
        "Message",
        "run bitrix-monitor --move-queue-aside to start an empty queue; the old file is kept, renamed",
    ),
    "queue.file.corrupt": QT_TRANSLATE_NOOP("Message", "is corrupted or is not a queue database"),
    "queue.file.corrupt.hint": QT_TRANSLATE_NOOP(
        "Message", "move it aside to start with an empty queue; the old file is kept, renamed …corrupt-<time>"
    ),
    "queue.file.read_only": QT_TRANSLATE_NOOP("Message", "is read-only"),
    "queue.file.read_only.hint": QT_TRANSLATE_NOOP(
        "Message",
        "make the file and its folder writable, or move the file aside to start with an empty queue",
    ),
    "queue.file.unopenable": QT_TRANSLATE_NOOP("Message", "cannot be opened"),
    "queue.file.disk_full": QT_TRANSLATE_NOOP("Message", "cannot be written: the disk is full"),
    "queue.file.io_error": QT_TRANSLATE_NOOP("Message", "cannot be written (disk I/O error)"),
    "queue.file.disk.hint": QT_TRANSLATE_NOOP(
        "Message",
        "free some space on the disk of the data directory (or check it), then run again; nothing is lost",
    ),
    "queue.file.wal": QT_TRANSLATE_NOOP("Message", "cannot be switched to WAL mode (journal mode is {mode})"),
    "queue.file.newer": QT_TRANSLATE_NOOP(
        "Message",
        "was written by a newer version of Bitrix Monitor (queue schema {found}; this version knows up to "
        "{known})",
    ),
    "queue.file.newer.hint": QT_TRANSLATE_NOOP(
        "Message", "update Bitrix Monitor, or move the file aside to start with an empty queue"
    ),
    "queue.file.integrity": QT_TRANSLATE_NOOP(
        "Message", "is corrupted or is not a queue database (SQLite integrity check: {first})"
    ),
    "queue.file.no_version": QT_TRANSLATE_NOOP(
        "Message", "is corrupted or is not a queue database (no schema version)"
    ),
    "queue.file.foreign": QT_TRANSLATE_NOOP(
        "Message", "is not a Bitrix Monitor queue (it holds other tables)"
    ),
    "queue.file.foreign.hint": QT_TRANSLATE_NOOP(
        "Message", "point the data directory elsewhere, or move the file aside to start with an empty queue"
    ),
    "cli.restore_not_file": QT_TRANSLATE_NOOP("Message", "Cannot restore: {path} {problem}"),
    # --- a job's errors (made by the sync engine) ------------------------------------------------------
    "job.locked": QT_TRANSLATE_NOOP("Message", "another worker holds this record"),
    "job.invalid_record": QT_TRANSLATE_NOOP("Message", "cannot be synced until fixed in the shop: {problem}"),
    "job.unknown_kind": QT_TRANSLATE_NOOP("Message", "unknown job kind {kind}"),
    "job.internal_error": QT_TRANSLATE_NOOP("Message", "internal error: {error}"),
    "job.write_back_failed": QT_TRANSLATE_NOOP("Message", "the shop did not store the id"),
    "job.stage_not_in_pipeline": QT_TRANSLATE_NOOP("Message", "order {key}: {problem}"),
    "job.stale_link": QT_TRANSLATE_NOOP("Message", "{entity} {id} no longer exists in the portal"),
    "job.vanished": QT_TRANSLATE_NOOP("Message", "{entity} {id} vanished during the update"),
    "job.stale_recreate_off": QT_TRANSLATE_NOOP(
        "Message", "{entity} {id} was deleted in the portal and re-creating is off"
    ),
    "job.shared_link": QT_TRANSLATE_NOOP(
        "Message", "{entity} {id} is also stored by {shop_entity} {others} (a shared link)"
    ),
    "job.merge_by_hand": QT_TRANSLATE_NOOP(
        "Message", "the portal could not merge automatically; merge by hand: {url}"
    ),
    "job.foreign": QT_TRANSLATE_NOOP("Message", "{entity} {id} is another integration's ({stamp})"),
    "job.not_ours": QT_TRANSLATE_NOOP("Message", "{entity} {id} is not this {shop_entity}'s ({stamp})"),
    "job.lease_expired": Plural.translate(
        "Message", "the runner stopped %n time(s) while processing this job", "", 0
    ),
    # --- why the queue moved a job (stored with the job's event, said in its history) --------------------
    "reason.stopped_sending": QT_TRANSLATE_NOOP("Message", "the runner stopped while sending"),
    "reason.not_retryable": QT_TRANSLATE_NOOP("Message", "the error is not retryable"),
    "reason.gave_up": Plural.translate("Message", "gave up after %n attempt(s)", "", 0),
    "reason.in_sync": QT_TRANSLATE_NOOP("Message", "the record is in sync now"),
    "reason.recheck": QT_TRANSLATE_NOOP("Message", "re-check by lookup before any create"),
    "reason.not_found_after_send": QT_TRANSLATE_NOOP(
        "Message", "outcome unknown after sending; not found by lookup"
    ),
    "reason.merge_unknown": QT_TRANSLATE_NOOP(
        "Message", "merge outcome unknown; the records still exist: re-check by lookup"
    ),
    "reason.superseded": QT_TRANSLATE_NOOP(
        "Message", "superseded by a newer change from the CRM (job {job}): {fields}"
    ),
    "reason.superseded_settled": QT_TRANSLATE_NOOP(
        "Message", "superseded by a newer change from the CRM, already settled in the shop: {fields}"
    ),
    "reason.superseded_pushed": QT_TRANSLATE_NOOP(
        "Message", "over: the shop's value was sent to the CRM since: {fields}"
    ),
    # --- a record's notes (reconcile: the "Last error / note" column and the detail pane) ----------------
    # two notes of one record, one after the other
    "notes": QT_TRANSLATE_NOOP("Message", "{first}; {rest}"),
    "note.origin_held": QT_TRANSLATE_NOOP(
        "Message", "{entity} {id} carries this origin id too; {shop_entity} {keys} stores it"
    ),
    "note.carries_origin": QT_TRANSLATE_NOOP("Message", "{entity} {id} carries this origin id"),
    "note.stale": QT_TRANSLATE_NOOP(
        "Message", "stored {entity} id {id}: the portal has no such {entity} (Not found)"
    ),
    "note.shared.also": QT_TRANSLATE_NOOP(
        "Message", "{entity} {id} ({record}) is also stored by {shop_entity} {others}"
    ),
    "note.shared.not_ours": QT_TRANSLATE_NOOP("Message", "{entity} {id} ({record}) is not this record's"),
    "note.shared.nobody": QT_TRANSLATE_NOOP(
        "Message", "no record clearly matches it: for a person to resolve"
    ),
    "note.shared.keeps": QT_TRANSLATE_NOOP(
        "Message", "this {shop_entity} keeps it (its {match} matches), the others get their own"
    ),
    "note.shared.other_keeps": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {keeper} keeps it (its {match} matches), this one gets its own {entity}"
    ),
    # --- what the detail pane's "Shared with other records" shows of each portal record (its values) ----
    "evidence.also_stored": QT_TRANSLATE_NOOP("Message", "also stored by {shop_entity} {others}"),
    "evidence.title_stored": QT_TRANSLATE_NOOP("Message", "{title}; stored by {shop_entity} {others}"),
    # a Bitrix24 field (its word) and its value, as a record carries it
    "evidence.field": QT_TRANSLATE_NOOP("Message", "{fields} {value}"),
    # whose a record is: its originator and its origin id (each an evidence.field)
    "evidence.stamp": QT_TRANSLATE_NOOP("Message", "{originator}, {origin}"),
    "evidence.no_origin": QT_TRANSLATE_NOOP("Message", "no origin id"),
    "evidence.by_id": QT_TRANSLATE_NOOP("Message", "{id}: {stamp}"),
    # records of another integration sharing this record's e-mail or phone ({match})
    "evidence.integration": QT_TRANSLATE_NOOP("Message", "{match} {value}: {stamps}"),
    "evidence.record": QT_TRANSLATE_NOOP("Message", "{title}, {stamp}"),
    "evidence.record_contact": QT_TRANSLATE_NOOP("Message", "{title}, {stamp}, contact {contact}"),
    "note.foreign_comm": QT_TRANSLATE_NOOP(
        "Message", "another integration's {entity} shares this e-mail or phone (left alone)"
    ),
    "note.merge_waiting": QT_TRANSLATE_NOOP(
        "Message",
        "the portal could not merge these automatically and nothing has changed since: merge by hand",
    ),
    "note.foreign_originator": QT_TRANSLATE_NOOP(
        "Message",
        "{entity} {id} carries ORIGINATOR_ID {originator} of another integration: not updated; a person "
        "must decide",
    ),
    "note.title_clash": QT_TRANSLATE_NOOP(
        "Message", "deal {ids} has this order's title but order {keys} stores it: not adopted"
    ),
    "note.title_legacy": QT_TRANSLATE_NOOP(
        "Message", "deal {id} has this order's title (made before origin ids)"
    ),
    # --- plan reasons ----------------------------------------------------------------------------------
    "plan.missing": QT_TRANSLATE_NOOP("Message", "no record in the portal"),
    "plan.adopt": QT_TRANSLATE_NOOP("Message", "adopt {entity} {id}: {note}"),
    "plan.unlinked": QT_TRANSLATE_NOOP("Message", "adopt {entity} {id} found by origin id"),
    "plan.stale": QT_TRANSLATE_NOOP("Message", "stored id is gone"),
    "plan.duplicates": Plural.translate("Message", "%n record(s) match by {keys}", "", 0),
    "plan.release": QT_TRANSLATE_NOOP("Message", "let go of {entity} {id} and get its own: {note}"),
    "plan.differs": QT_TRANSLATE_NOOP("Message", "differs: {fields}"),
    "plan.update_requested": QT_TRANSLATE_NOOP("Message", "update requested"),
    "plan.new_in_shop": QT_TRANSLATE_NOOP("Message", "new in the shop"),
    "plan.changed_in_shop": QT_TRANSLATE_NOOP("Message", "changed in the shop"),
    # --- activity (what the app did, for the Activity tab and its file) -------------------------------
    "activity.watch_queued": QT_TRANSLATE_NOOP("Message", "queued jobs for records changed in the shop"),
    "activity.pulled": Plural.translate(
        "Message", "wrote %n stage(s) moved in Bitrix24 into the shop", "", 0
    ),
    "activity.pulled_fields": Plural.translate(
        "Message", "wrote %n value(s) edited in Bitrix24 ({fields}) into the shop", "", 0
    ),
    "activity.field_pulled": QT_TRANSLATE_NOOP(
        "Message",
        "{fields} of {entity} {id} changed in Bitrix24: {before} → {after}; {shop_entity} {key} updated in the shop",  # noqa: E501
    ),
    "activity.stage_pulled": QT_TRANSLATE_NOOP(
        "Message",
        "Stage of deal {deal} changed in Bitrix24: {before} → {after}; order {order} status set to {status}",
    ),
    "activity.stage_pulled_by": QT_TRANSLATE_NOOP(
        "Message",
        "Stage of deal {deal} changed in Bitrix24 by user {user}: {before} → {after}; order {order} status set to {status}",  # noqa: E501
    ),
    "activity.queued": Plural.translate("Message", "queued %n job(s): {kind}", "", 0),
    "activity.resolved": Plural.translate(
        "Message", "closed %n failed or dead job(s): their records are in sync", "", 0
    ),
    "activity.retried": Plural.translate("Message", "retried %n job(s)", "", 0),
    "activity.cancelled": Plural.translate("Message", "cancelled %n job(s)", "", 0),
    "activity.ran": QT_TRANSLATE_NOOP(
        "Message", "created {created}, adopted {adopted}, updated {updated} records"
    ),
    "activity.restored": QT_TRANSLATE_NOOP("Message", "restored {entity} {id} from the archive as {new_id}"),
    "activity.settled.done": Plural.translate("Message", "settled %n in-doubt job(s) as done", "", 0),
    "activity.settled.retry": Plural.translate("Message", "settled %n in-doubt job(s) for a retry", "", 0),
    "activity.unlinked": Plural.translate(
        "Message", "unlinked %n shop record(s) from {entity} records deleted in Bitrix24", "", 0
    ),
    "activity.merged": QT_TRANSLATE_NOOP(
        "Message", "merged {entity} {removed} into {entity} {survivor} (shop record {key}); archived first"
    ),
    "activity.deleted_duplicates": QT_TRANSLATE_NOOP(
        "Message",
        "deleted duplicate {entity} {removed} of {entity} {survivor} (shop record {key}): Bitrix24 could not "
        "merge them; archived first",
    ),
    "activity.paused": QT_TRANSLATE_NOOP("Message", "paused the runner"),
    "activity.resumed": QT_TRANSLATE_NOOP("Message", "resumed the runner"),
    "runner.internal_error": QT_TRANSLATE_NOOP(
        "Message", "the background runner hit an internal error (see the log)"
    ),
    # --- the headless report (--report, --sync without --json) --------------------------------------
    "report.taken": QT_TRANSLATE_NOOP("Message", "Checked {time}"),
    "report.order.checked": Plural.translate("Message", "Orders: %Ln checked", "", 0),
    "report.user.checked": Plural.translate("Message", "Users: %Ln checked", "", 0),
    "report.company.checked": Plural.translate("Message", "Companies: %Ln checked", "", 0),
    "report.order.in_sync": QT_TRANSLATE_NOOP("Message", "with exactly one deal, in sync"),
    "report.user.in_sync": QT_TRANSLATE_NOOP("Message", "with exactly one contact, in sync"),
    "report.company.in_sync": QT_TRANSLATE_NOOP("Message", "with exactly one company, in sync"),
    "report.order.missing": QT_TRANSLATE_NOOP("Message", "missing a deal"),
    "report.user.missing": QT_TRANSLATE_NOOP("Message", "missing a contact"),
    "report.company.missing": QT_TRANSLATE_NOOP("Message", "missing a company"),
    "report.order.unlinked": QT_TRANSLATE_NOOP("Message", "deal exists but is not linked"),
    "report.user.unlinked": QT_TRANSLATE_NOOP("Message", "contact exists but is not linked"),
    "report.company.unlinked": QT_TRANSLATE_NOOP("Message", "company exists but is not linked"),
    "report.order.stale_link": QT_TRANSLATE_NOOP("Message", "linked to a deleted deal"),
    "report.user.stale_link": QT_TRANSLATE_NOOP("Message", "linked to a deleted contact"),
    "report.company.stale_link": QT_TRANSLATE_NOOP("Message", "linked to a deleted company"),
    "report.outdated": QT_TRANSLATE_NOOP("Message", "outdated in the portal"),
    "report.order.duplicated": QT_TRANSLATE_NOOP("Message", "with duplicate deals"),
    "report.user.duplicated": QT_TRANSLATE_NOOP("Message", "with duplicate contacts"),
    "report.company.duplicated": QT_TRANSLATE_NOOP("Message", "with duplicate companies"),
    "report.order.orphans": QT_TRANSLATE_NOOP("Message", "portal deals with no shop row"),
    "report.user.orphans": QT_TRANSLATE_NOOP("Message", "portal contacts with no shop row"),
    "report.company.orphans": QT_TRANSLATE_NOOP("Message", "portal companies with no shop row"),
    "report.invalid": QT_TRANSLATE_NOOP("Message", "to fix in the shop (see notes)"),
    "report.order.shared_link": QT_TRANSLATE_NOOP("Message", "sharing a deal with another record"),
    "report.user.shared_link": QT_TRANSLATE_NOOP("Message", "sharing a contact with another record"),
    "report.company.shared_link": QT_TRANSLATE_NOOP("Message", "sharing a company with another record"),
    "report.changed_in_crm": QT_TRANSLATE_NOOP("Message", "changed in the CRM, not in the shop yet"),
    "report.conflicts": QT_TRANSLATE_NOOP("Message", "changed on both sides (conflicts)"),
    "report.queue": QT_TRANSLATE_NOOP(
        "Message",
        "Queue: {queued} queued, {running} running, {in_doubt} in doubt, {failed} failed, {dead} dead, "
        "{done} done",
    ),
    "report.ok.order": Plural.translate("Message", "all %Ln orders have exactly one deal", "", 0),
    "report.ok.user": Plural.translate("Message", "all %Ln users exactly one contact", "", 0),
    "report.ok.company": Plural.translate("Message", "all %Ln companies exactly one company", "", 0),
    "report.ok": QT_TRANSLATE_NOOP("Message", "OK: {list}, in sync."),
    "report.and": QT_TRANSLATE_NOOP("Message", "{first} and {last}"),
    "report.not_ok": QT_TRANSLATE_NOOP("Message", "NOT OK: problems remain (see above)."),
    "report.plan": Plural.translate("Message", "Plan: %Ln jobs would be queued", "", 0),
    "report.plan.more": Plural.translate("Message", "… and %Ln more", "", 0),
    "report.would_stamp": Plural.translate(
        "Message", "Would stamp our origin ids on %Ln records kept from before.", "", 0
    ),
    # --retry-dead / --cancel-dead ({code}: a job kind as the command line writes it)
    "dead.none.all": QT_TRANSLATE_NOOP("Message", "No dead jobs in {where}."),
    "dead.none.kind": QT_TRANSLATE_NOOP("Message", "No dead {code} jobs in {where}."),
    "dead.retried.all": Plural.translate(
        "Message", "Queued %Ln dead job(s) again ({detail}); the next --sync runs them.", "", 0
    ),
    "dead.retried.kind": Plural.translate(
        "Message", "Queued %Ln dead {code} job(s) again ({detail}); the next --sync runs them.", "", 0
    ),
    "dead.left": Plural.translate(
        "Message", "Left %Ln dead: another job of the same record is active and covers them.", "", 0
    ),
    "dead.cancelled.all": Plural.translate("Message", "Cancelled %Ln dead job(s) ({detail}).", "", 0),
    "dead.cancelled.kind": Plural.translate("Message", "Cancelled %Ln dead {code} job(s) ({detail}).", "", 0),
    "report.stamped": Plural.translate(
        "Message", "Stamped our origin ids on %Ln records kept from before.", "", 0
    ),
}


# The command line's own lines (--resolve, --restore, --list-archive, --move-queue, …), in --lang.
TEXTS |= {
    # --resolve KIND:KEY=crm|shop ({fields}: the CRM's field names, said as words)
    "resolve.syntax": QT_TRANSLATE_NOOP(
        "Message", "--resolve {text}: write KIND:KEY=crm or KIND:KEY=shop, e.g. order:42=crm"
    ),
    "resolve.syntax.hint": QT_TRANSLATE_NOOP(
        "Message", "KIND is order, user or company; crm takes the CRM's values, shop keeps the shop's"
    ),
    "resolve.dry_run": QT_TRANSLATE_NOOP(
        "Message", "--resolve settles a conflict by writing to the shop or the portal: leave out --dry-run"
    ),
    "resolve.bad_take": QT_TRANSLATE_NOOP(
        "Message", "take {take}: say crm (the CRM's values) or shop (the shop's)"
    ),
    "resolve.nothing": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {key} has no change from the CRM waiting for a person"
    ),
    "resolve.kept_shop": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {key}: kept the shop's {fields}; the next sync sends it to the CRM"
    ),
    "resolve.took_crm": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {key}: took the CRM's {fields} into the shop"
    ),
    "resolve.busy": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {key} is being written by another worker; try again"
    ),
    "resolve.gone": QT_TRANSLATE_NOOP("Message", "{shop_entity} {key} is no longer in the shop"),
    "resolve.no_status": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {key}: stage {stage} has no shop status"
    ),
    "resolve.no_status.hint": QT_TRANSLATE_NOOP("Message", "add it to [shop.orders] stage_map_back"),
    "resolve.unwritable": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {key}: the CRM's {fields} cannot be written: {error}"
    ),
    "resolve.changed": QT_TRANSLATE_NOOP(
        "Message", "{shop_entity} {key}: the shop changed {column} meanwhile; look again"
    ),
    # --restore FILE ({what}: restore.what)
    "restore.what": QT_TRANSLATE_NOOP("Message", "{entity} {id} from {file}"),
    "restore.already": QT_TRANSLATE_NOOP(
        "Message",
        "{what} was restored already, as {entity} {new_id} ({at} UTC); nothing was created. {pointer}",
    ),
    "restore.exists": QT_TRANSLATE_NOOP(
        "Message", "{what}: {entity} {id} still exists in the portal; nothing to restore."
    ),
    "restore.done": QT_TRANSLATE_NOOP("Message", "Restored {what} as {entity} {new_id}. {why}"),
    "restore.shop_gone": QT_TRANSLATE_NOOP(
        "Message", "The shop has no {shop_entity} {key} any more, so nothing points at it."
    ),
    "restore.points": QT_TRANSLATE_NOOP("Message", "The shop's {shop_entity} {key} points at it."),
    "restore.keeps_existing": QT_TRANSLATE_NOOP(
        "Message",
        "The shop's {shop_entity} {key} keeps {entity} {id}, which exists; the restored {entity} stands "
        "beside it, marked ORIGIN_ID {marker}, and syncs leave it alone.",
    ),
    "restore.changed": QT_TRANSLATE_NOOP(
        "Message",
        "The shop's {shop_entity} {key} changed meanwhile (it now stores {entity} {id}) and keeps it.",
    ),
    "restore.repointed": QT_TRANSLATE_NOOP(
        "Message", "The shop's {shop_entity} {key} now points at it ({why})."
    ),
    "restore.why.none": QT_TRANSLATE_NOOP("Message", "it stored no {entity}"),
    "restore.why.archived": QT_TRANSLATE_NOOP("Message", "it stored the archived {entity} {id}"),
    "restore.why.gone": QT_TRANSLATE_NOOP("Message", "its {entity} {id} no longer exists"),
    "restore.pointer.gone": QT_TRANSLATE_NOOP("Message", "The shop has no {shop_entity} {key} any more."),
    "restore.pointer.none": QT_TRANSLATE_NOOP(
        "Message", "The shop's {shop_entity} {key} stores no {entity}."
    ),
    "restore.pointer.keeps": QT_TRANSLATE_NOOP(
        "Message", "The shop's {shop_entity} {key} keeps {entity} {id}."
    ),
    "restore.busy": QT_TRANSLATE_NOOP(
        "Message", "Another process holds {shop_entity} {key} (a sync or another restore)"
    ),
    "restore.busy.hint": QT_TRANSLATE_NOOP("Message", "run the restore again when it has finished"),
    "restore.no_answer": QT_TRANSLATE_NOOP(
        "Message", "The portal did not answer the create of the restored {entity} and it is not there yet"
    ),
    "restore.no_answer.hint": QT_TRANSLATE_NOOP(
        "Message", "run the same --restore again: it looks the record up before creating anything"
    ),
    "restore.not_archived": QT_TRANSLATE_NOOP("Message", "{path} is not a record from the archive ({why})"),
    # --list-archive
    "archive.line": QT_TRANSLATE_NOOP("Message", "{path}  {entity} {id} of shop key {key}: {reason}"),
    "archive.line.restored": QT_TRANSLATE_NOOP(
        "Message", "{path}  {entity} {id} of shop key {key}: {reason}, restored as {new_id}"
    ),
    "archive.unreadable": QT_TRANSLATE_NOOP("Message", "{path}  unreadable: {reason}"),
    "archive.count": Plural.translate("Message", "%Ln archived record(s) in {dir}", "", 0),
    "archive.count.unreadable": Plural.translate(
        "Message", "%Ln archived record(s) in {dir} ({unreadable})", "", 0
    ),
    "archive.unreadable_files": Plural.translate("Message", "%Ln unreadable file(s)", "", 0),
    # why an archive file cannot be read as an archived record (the {reason} of archive.unreadable, the
    # {why} of restore.not_archived); {field} is a field's name in the file, {value} the value it has
    "archive.why.not_a_file": QT_TRANSLATE_NOOP("Message", "the file {problem}"),
    "archive.why.not_utf8": QT_TRANSLATE_NOOP("Message", "not UTF-8 text"),
    "archive.why.not_json": QT_TRANSLATE_NOOP("Message", "not JSON (line {line}, column {column})"),
    "archive.why.not_object": QT_TRANSLATE_NOOP("Message", "not an archived record: not a JSON object"),
    "archive.why.no_field": QT_TRANSLATE_NOOP("Message", "not an archived record: no field {field}"),
    "archive.why.bad_field": QT_TRANSLATE_NOOP(
        "Message", "not an archived record: {field} = {value} is not valid"
    ),
    # --move-queue URL, --move-queue-aside
    "move.no_file": QT_TRANSLATE_NOOP("Message", "There is no queue file at {path}: nothing to move."),
    "move.nothing": QT_TRANSLATE_NOOP("Message", "Nothing to move from {source} to {target}."),
    "move.nothing.before": Plural.translate(
        "Message", "Nothing to move from {source} to {target}: its %Ln job(s) were moved before.", "", 0
    ),
    "move.moved": Plural.translate(
        "Message",
        "Moved %Ln job(s) from {source} to {target}: {pending} pending, {history} finished, with {events} "
        "events",
        "",
        0,
    ),
    "move.covered": Plural.translate(
        "Message", "%Ln pending job(s) were already covered by the team's own jobs", "", 0
    ),
    "move.came_along": QT_TRANSLATE_NOOP(
        "Message", "{restores} restores and {conflicts} merge conflicts came along"
    ),
    "move.before": Plural.translate("Message", "%Ln job(s) had been moved before", "", 0),
    "move.done": QT_TRANSLATE_NOOP(
        "Message", "{summary}. The desk's pending jobs are cancelled in its file (moved)."
    ),
    "move_aside.no_file": QT_TRANSLATE_NOOP("Message", "There is no queue file at {path}."),
    "move_aside.done": QT_TRANSLATE_NOOP(
        "Message", "Moved the queue file aside to {path}; the next start begins an empty queue."
    ),
    # a change made in the CRM that the shop did not take (a record's note; a pull job's outcome)
    "pull.conflict": QT_TRANSLATE_NOOP(
        "Message", "changed on both sides: the shop says {shop}, the CRM {crm}; choose which one stays"
    ),
    "pull.conflict.before": QT_TRANSLATE_NOOP(
        "Message",
        "changed on both sides: the shop says {shop}, the CRM {crm} (both said {agreed} before); choose "
        "which one stays",
    ),
    "pull.field.conflict": QT_TRANSLATE_NOOP(
        "Message",
        "{field} changed on both sides: the shop says {shop}, the CRM {crm}; choose which one stays",
    ),
    "pull.field.conflict.before": QT_TRANSLATE_NOOP(
        "Message",
        "{field} changed on both sides: the shop says {shop}, the CRM {crm} (both said {agreed} before); "
        "choose which one stays",
    ),
    "pull.no_status": QT_TRANSLATE_NOOP(
        "Message", "stage {stage} has no shop status: add it to [shop.orders] stage_map_back"
    ),
    "pull.stage_denied": QT_TRANSLATE_NOOP("Message", "pulling the stage is not permitted: {error}"),
    "pull.field.denied": QT_TRANSLATE_NOOP("Message", "pulling {field} is not permitted: {error}"),
    "pull.status_changed": QT_TRANSLATE_NOOP(
        "Message", "the shop changed the status while it was being written; looked at again next time"
    ),
    "pull.field.unwritable": QT_TRANSLATE_NOOP(
        "Message", "the CRM's {field} cannot be written to the shop's column: {error}"
    ),
    "pull.field.changed": QT_TRANSLATE_NOOP(
        "Message", "the shop changed {column} while it was being written; looked at again next time"
    ),
    "pull.queued": QT_TRANSLATE_NOOP("Message", "queued as a pull job: {reason}"),
    "pull.no_value": QT_TRANSLATE_NOOP("Message", "the job names no {field} value"),
    "pull.no_field": QT_TRANSLATE_NOOP("Message", "the job names no field the CRM may change"),
    "pull.busy": QT_TRANSLATE_NOOP("Message", "the record is busy (locked)"),
    "pull.runner_holds": QT_TRANSLATE_NOOP(
        "Message", "a runner is writing the record's older change; this newer one is written after it"
    ),
    "pull.newer_queued": QT_TRANSLATE_NOOP(
        "Message", "{field}: a newer change from the CRM came in meanwhile; this job writes it next"
    ),
    "pull.order_gone": QT_TRANSLATE_NOOP("Message", "the order is gone from the shop"),
    "pull.record_gone": QT_TRANSLATE_NOOP(
        "Message", "the record is gone from the shop (or cannot be read as one)"
    ),
    "pull.status_written": QT_TRANSLATE_NOOP("Message", "status {status} written"),
    "pull.already": QT_TRANSLATE_NOOP("Message", "the shop already holds it"),
    "pull.field_written": QT_TRANSLATE_NOOP("Message", "{field} written"),
    "pull.field_held": QT_TRANSLATE_NOOP("Message", "{field} held"),
    # a snapshot's warnings (the overview, the report's stderr): what works but deserves a look
    "warning.pipeline.elsewhere": QT_TRANSLATE_NOOP(
        "Message",
        "The shop's deals are in pipeline {top} ({linked} of {total} linked deals), but [shop.orders] "
        "category = {category}: new deals would go to pipeline {category} beside them; set category = {top} "
        "and map the shop's statuses to that pipeline's stages (stage_map)",
    ),
    "warning.pipeline.some": QT_TRANSLATE_NOOP(
        "Message",
        "{elsewhere} of {total} linked deals are in another pipeline ({others}) than [shop.orders] "
        "category = {category}: they are reported per record and never moved",
    ),
    "warning.pull_denied": QT_TRANSLATE_NOOP(
        "Message",
        "pulling {name} is not permitted: the shop database user may not UPDATE column "
        "{table}.{column} (GRANT UPDATE ({column}) ON {table}, or set [shop.{plural}.owners] "
        '{name} = "shop"); everything else runs',
    ),
    "warning.users_company": QT_TRANSLATE_NOOP(
        "Message",
        "[shop.users] company = {value} is not used: a Bitrix24 contact has no company-name field, so the "
        "portal would drop it; a user's company is a company record bound to the contact: map "
        "[shop.companies] and set [shop.users] company_ref, then remove company",
    ),
    "warning.links_not_unique": QT_TRANSLATE_NOOP(
        "Message",
        "[{section}] table {table} has no unique constraint on ({columns}): two copies of the app linking "
        "one record at the same moment could both add a row; add UNIQUE ({columns})",
    ),
    # the settings dialog's connection tests ("Test connection", "Check the mapping")
    "team.unreachable": QT_TRANSLATE_NOOP("Message", "The team job queue {where} cannot be used: {detail}"),
    "team.unreachable.hint": QT_TRANSLATE_NOOP(
        "Message",
        "check that the database server runs and the user, password and grants are right (see the README, "
        "Team mode)",
    ),
    "team.not_ours": QT_TRANSLATE_NOOP(
        "Message", "The database of the team job queue {where} holds a jobs table that is not ours"
    ),
    "team.not_ours.hint": QT_TRANSLATE_NOOP(
        "Message", "give the team queue a database (or a schema) of its own"
    ),
    "team.newer": QT_TRANSLATE_NOOP(
        "Message",
        "The team job queue {where} was set up by a newer version of Bitrix Monitor (queue schema {found}; "
        "this version knows up to {known})",
    ),
    "team.newer.hint": QT_TRANSLATE_NOOP("Message", "update Bitrix Monitor on this machine"),
    "team.no_version": QT_TRANSLATE_NOOP("Message", "The team job queue {where} has no schema version"),
    "stages.not_a_list": QT_TRANSLATE_NOOP(
        "Message", "The portal answered crm.status.list with {type}, not a list of stages"
    ),
    "pull.not_records": QT_TRANSLATE_NOOP(
        "Message", "The portal answered {method} with {type}, not a list of records"
    ),
    "pull.not_history": QT_TRANSLATE_NOOP(
        "Message", "The portal answered crm.stagehistory.list with {type}, not a list of items"
    ),
    "pull.answer.hint": QT_TRANSLATE_NOOP(
        "Message", "check the webhook's URL and its crm scope; run again later"
    ),
    "pull.not_time": QT_TRANSLATE_NOOP("Message", "The portal answered server.time with {value}, not a time"),
    "pull.not_run": QT_TRANSLATE_NOOP("Message", "The portal did not run {commands} of a batch"),
    "stages.no_pipeline": QT_TRANSLATE_NOOP(
        "Message", "[shop.orders] category = {category}: the portal has no deal pipeline {category}"
    ),
    "stages.pipelines.hint": QT_TRANSLATE_NOOP("Message", "the portal's deal pipelines: {names}"),
    "stages.pipelines.hint.none": QT_TRANSLATE_NOOP("Message", "see the pipelines in Bitrix24 (CRM → Deals)"),
    "stages.not_a_stage": QT_TRANSLATE_NOOP(
        "Message",
        "[shop.orders] stage_map: {value} = {stage}: {stage} is not a stage of pipeline {category}; its "
        "stages: {stages}",
    ),
    # a custom field mapped in [shop.*.fields] that the portal cannot take
    "fields.missing": QT_TRANSLATE_NOOP("Message", "the portal has no {entity} field {name}"),
    "fields.read_only": QT_TRANSLATE_NOOP(
        "Message", "{name} is read-only in the portal (what is sent would be ignored)"
    ),
    "fields.immutable": QT_TRANSLATE_NOOP(
        "Message", "{name} can be set only when the {entity} is made; the app also updates it"
    ),
    "fields.multiple": QT_TRANSLATE_NOOP(
        "Message", "{name} is a multiple-value {type} field; only single-value fields can be mapped"
    ),
    "fields.type": QT_TRANSLATE_NOOP(
        "Message",
        "{name} is a {type} field; a mapped field must be of type string, url, integer or double (the shop's "
        "value is sent as text)",
    ),
    "fields.not_integral": QT_TRANSLATE_NOOP(
        "Message",
        "{name} is an integer field, but {source} is not always a whole number (the portal would store "
        "another value): map one integer column",
    ),
    "fields.not_numeric": QT_TRANSLATE_NOOP(
        "Message",
        "{name} is a double field, but {source} is not always a number (the portal would store 0): map one "
        "number column",
    ),
    "fields.not_a_list": QT_TRANSLATE_NOOP(
        "Message", "The portal answered {method} with {type}, not a field list"
    ),
    "fields.unmappable": QT_TRANSLATE_NOOP(
        "Message",
        "[shop.{section}.fields] {name}: {problem}; the portal's writable custom {entity} fields: {listing}",
    ),
    "fields.listing.more": QT_TRANSLATE_NOOP("Message", "{listed}, … ({count} in all)"),
    "fields.listing.none": QT_TRANSLATE_NOOP("Message", "none"),
    "fields.unmappable.hint": QT_TRANSLATE_NOOP(
        "Message", "create it in Bitrix24 (CRM settings, custom fields) or with {method}"
    ),
    "probe.portal": QT_TRANSLATE_NOOP(
        "Message",
        "Connected to {where}: the CRM holds {deals} deals and {contacts} contacts; deal pipeline "
        "{category} has {stages} stages.",
    ),
    "probe.not_bitrix": QT_TRANSLATE_NOOP(
        "Message", "The portal {where} answered, but not as Bitrix24: {error}"
    ),
    "probe.shop": QT_TRANSLATE_NOOP(
        "Message", "Connected to {where}: {orders} orders and {users} users; the mapping matches."
    ),
    "probe.warning": QT_TRANSLATE_NOOP("Message", "{line} Warning: {warning}"),
    "probe.queue.empty": QT_TRANSLATE_NOOP(
        "Message",
        "Connected to {where}: no team queue there yet; the first desk or worker to start with it sets it "
        "up (its user needs CREATE there).",
    ),
    "probe.queue": QT_TRANSLATE_NOOP(
        "Message",
        "Connected to the team queue {where} (schema {version}): {working} of {total} runners listed as "
        "running.",
    ),
    # the command line itself
    "cli.watch": QT_TRANSLATE_NOOP(
        "Message", "--watch takes a number of seconds greater than 0 (at most a week)"
    ),
    "cli.data_dir": QT_TRANSLATE_NOOP("Message", "Cannot use data directory {path}: {error}"),
    "cli.log_file": QT_TRANSLATE_NOOP("Message", "Cannot write the log file in {path}: {error}"),
    "cli.log_file.hint": QT_TRANSLATE_NOOP("Message", "is the data directory read-only or the disk full?"),
    "cli.log_stopped": QT_TRANSLATE_NOOP(
        "Message", "the log file {path} could not be written ({error}); logging to it stopped"
    ),
    "cli.unknown_kind": QT_TRANSLATE_NOOP("Message", "unknown job kind {kind}"),
    "cli.unknown_kind.hint": QT_TRANSLATE_NOOP("Message", "use one of {kinds}, or nothing for all"),
    "cli.stopped": QT_TRANSLATE_NOOP(
        "Message", "stopped by {signal}; the queue keeps what was not finished for the next run"
    ),
}

# A hint is added to its message so (the window and the report write it the same way).
WITH_HINT = QT_TRANSLATE_NOOP("Message", "{message} ({hint})")


@dataclass(frozen=True, slots=True)
class Message:
    """A code from :data:`TEXTS` with its parameters; ``n`` (an int) picks the plural form."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in TEXTS:
            raise ValueError(f"unknown message code {self.code!r}")

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items()))))

    @classmethod
    def plain(cls, text: str) -> Message:
        """Words made outside the app (the portal's description, an OS error), shown as they are."""
        return cls("text", {"text": text})

    @classmethod
    def of(cls, value: Message | str) -> Message:
        return value if isinstance(value, Message) else cls.plain(value)

    @property
    def source(self) -> str:
        """The English text with its placeholders, as the catalogue knows it."""
        return TEXTS[self.code]

    def __str__(self) -> str:
        return render(self, "en")

    def to_dict(self) -> dict[str, Any]:
        """The code and parameters as JSON can hold them (a parameter that is a message, as its dict)."""
        params = {k: v.to_dict() if isinstance(v, Message) else v for k, v in self.params.items()}
        return {"code": self.code, "params": params}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """What :meth:`to_dict` made; raises ValueError, KeyError or TypeError for anything else."""
        params = {
            str(k): cls.from_dict(v) if isinstance(v, Mapping) else v
            for k, v in dict(data.get("params") or {}).items()
        }
        return cls(str(data["code"]), params)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Message | None:
        """The message stored by :meth:`to_json`, or None for anything else (text stored before codes)."""
        if not text or not text.startswith('{"code"'):
            return None
        try:
            return cls.from_dict(json.loads(text))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


Note = Message | str  # a record's note: a message, or words made before codes or outside the app ("": none)


def joined(*notes: Note) -> Note:
    """Notes one after the other ("a; b"), the empty ones left out; "" when all are."""
    kept = [n for n in notes if n]
    if not kept:
        return ""
    out = Message.of(kept[-1])
    for note in reversed(kept[:-1]):
        out = Message("notes", {"first": Message.of(note), "rest": out})
    return out if len(kept) > 1 else kept[0]


_OS_REASONS = {
    errno.EACCES: "os.denied",
    errno.EPERM: "os.denied",
    errno.EROFS: "os.read_only",
    errno.ENOSPC: "os.no_space",
    errno.ENOENT: "os.missing",
    errno.EISDIR: "os.directory",
    errno.ENOTDIR: "os.not_directory",
    errno.EDQUOT: "os.quota",
    errno.ENAMETOOLONG: "os.name_too_long",
    errno.EFBIG: "os.too_large",
    errno.EIO: "os.io",
}


def os_reason(exc: OSError) -> Message:
    """Why the OS refused a file, said in the reader's language: the common reasons as codes (their English
    is the OS's words), any other as the OS says it (or as the error says it, when it has no OS reason)."""
    code = _OS_REASONS.get(exc.errno or 0)
    return Message(code) if code else Message.plain(str(exc.strerror or exc or type(exc).__name__))


# translate(context, source text, count or None) -> the text in some language
Translate = Callable[[str, str, "int | None"], str]


def say(message: Message, tr: Translate, lang: str) -> str:
    """``message`` in a language, with ``tr`` the translation function of the front end (Qt's in the
    window, :meth:`Catalogue.translate` in the headless front end): the text translated,
    parameters that name codes said as words (:data:`WORD_PARAMS`), then the parameters put in."""
    n = message.params.get("n")
    count = n if isinstance(n, int) else None
    params: dict[str, Any] = dict(message.params)
    for name, value in message.params.items():
        if isinstance(value, Message):
            params[name] = say(value, tr, lang)
        elif name in WORD_PARAMS and isinstance(value, str):
            context, table = WORD_PARAMS[name]
            words = [tr(context, table[v], None) if v in table else v for v in value.split(",") if v]
            params[name] = ", ".join(words)
    return fill(tr(CONTEXT, message.source, count), params, lang)


def fill(text: str, params: Mapping[str, Any], lang: str) -> str:
    """Put the parameters into a translated text: ``%n`` / ``%Ln`` is the count (``%Ln`` as the locale
    writes numbers), ``{name}`` the others. A translation missing a placeholder only loses that value."""
    n = params.get("n")
    if isinstance(n, int):
        text = text.replace("%Ln", localefmt.integer(n, lang)).replace("%n", str(n))
    try:
        return text.format_map(_Defaulting(params))
    except (ValueError, IndexError):  # a stray brace in a translation: say it unfilled rather than fail
        return text


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# --- the Qt-free reader of the Linguist catalogue -----------------------------------------------------


def _ru_plural(n: int) -> int:
    """Qt's (and CLDR's) Russian forms: 0 → 1, 21, 31…; 1 → 2–4, 22–24…; 2 → 0, 5–20, 25–30, 111…"""
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


_PLURAL_RULES = {"en": lambda n: 0 if n == 1 else 1, "ru": _ru_plural}


@dataclass(frozen=True)
class Catalogue:
    """One language of ``resources/i18n/bitrix_monitor_<lang>.ts``: (context, source) → translation(s)."""

    lang: str
    entries: Mapping[tuple[str, str], tuple[str, ...]]

    @classmethod
    def read(cls, path: Path, lang: str) -> Catalogue:
        entries: dict[tuple[str, str], tuple[str, ...]] = {}
        for ctx in ET.parse(path).getroot().iter("context"):
            name = ctx.findtext("name") or ""
            for message in ctx.iter("message"):
                tr = message.find("translation")
                if tr is None or tr.get("type") in ("unfinished", "obsolete", "vanished"):
                    continue
                forms = tuple(f.text or "" for f in tr.findall("numerusform")) or (tr.text or "",)
                if any(forms):
                    entries[(name, message.findtext("source") or "")] = forms
        return cls(lang, entries)

    def translate(self, context: str, source: str, n: int | None = None) -> str:
        forms = self.entries.get((context, source))
        if not forms:
            return source
        if n is None or len(forms) == 1:
            return forms[0]
        index = _PLURAL_RULES.get(self.lang, _PLURAL_RULES["en"])(n)
        return forms[min(index, len(forms) - 1)]


def catalogue_dir() -> Path:
    from bitrix_monitor.paths import resource_dir

    return resource_dir() / "i18n"


@functools.cache
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` (empty when it is missing: the English source text is shown)."""
    path = catalogue_dir() / f"bitrix_monitor_{lang}.ts"
    try:
        return Catalogue.read(path, lang)
    except (OSError, ET.ParseError) as exc:
        log.warning("no %s catalogue at %s: %s", lang, path, exc)
        return Catalogue(lang, {})


def translated(context: str, source: str, lang: str, n: int | None = None) -> str:
    """``source`` (a string marked in the code under ``context``) in ``lang``."""
    return catalogue(lang if lang in LANGUAGES else "en").translate(context, source, n)


def render(message: Message, lang: str = "en") -> str:
    """``message`` in ``lang`` without Qt (the headless front end, logs)."""
    cat = catalogue(lang if lang in LANGUAGES else "en")
    return say(message, cat.translate, lang)


def with_hint(message: str, hint: str, lang: str = "en") -> str:
    return fill(translated(CONTEXT, WITH_HINT, lang), {"message": message, "hint": hint}, lang)


def error_line(exc: BaseException, lang: str = "en") -> str:
    """An error (with its hint) in ``lang``: its codes when it has them, else its text."""
    msg, hint = getattr(exc, "msg", None), getattr(exc, "hint_msg", None)
    if not isinstance(msg, Message):
        return str(exc)
    text = render(msg, lang)
    return with_hint(text, render(hint, lang), lang) if isinstance(hint, Message) else text


def system_language() -> str:
    """The app language closest to the environment's locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``, then the OS's), English when it is none of ours."""
    import locale
    import os

    names = [os.environ.get(v, "") for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    with contextlib.suppress(ValueError):
        names.append(locale.getlocale()[0] or "")
    for value in names:
        for name in value.split(":"):
            code = name.replace("-", "_").split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
            if code and code not in ("c", "posix"):
                return "en"
    return "en"


def resolve(choice: str | None) -> str:
    """A setting or flag (``system``, ``en``, ``ru``, None) as the language to write in."""
    return choice if choice in LANGUAGES else system_language()
