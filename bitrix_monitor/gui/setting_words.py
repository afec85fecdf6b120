"""What the settings dialog calls each setting, with its unit, and the help shown as its tooltip.

The config declares the settings (:mod:`bitrix_monitor.config`); their names are keys for the file. Here
they become words for a person, in the window's language. A setting missing here shows its key.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from .words import QT_TRANSLATE_NOOP

Key = tuple[str, ...]


LABELS: dict[Key, tuple[str, str]] = {
    ("shop", "url"): (
        QT_TRANSLATE_NOOP("Setting", "Database URL"),
        QT_TRANSLATE_NOOP("Setting", "SQLAlchemy URL of the shop database, without the password"),
    ),
    ("shop", "timezone"): (
        QT_TRANSLATE_NOOP("Setting", "Time zone of stored times"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "Zone of times stored without one, e.g. Europe/Moscow; empty: this computer's",
        ),
    ),
    ("shop", "orders", "table"): (
        QT_TRANSLATE_NOOP("Setting", "Orders table"),
        QT_TRANSLATE_NOOP("Setting", "The table holding the orders"),
    ),
    ("shop", "orders", "key"): (
        QT_TRANSLATE_NOOP("Setting", "Order number column"),
        QT_TRANSLATE_NOOP("Setting", "The table's primary key column"),
    ),
    ("shop", "orders", "user"): (
        QT_TRANSLATE_NOOP("Setting", "Customer column"),
        QT_TRANSLATE_NOOP("Setting", "The column that refers to the users table"),
    ),
    ("shop", "orders", "deal_id"): (
        QT_TRANSLATE_NOOP("Setting", "Deal id column"),
        QT_TRANSLATE_NOOP("Setting", "The column where the Bitrix24 deal id is stored"),
    ),
    ("shop", "orders", "title"): (
        QT_TRANSLATE_NOOP("Setting", "Deal title template"),
        QT_TRANSLATE_NOOP("Setting", "The deal's title, with column names in braces: {order_id}"),
    ),
    ("shop", "orders", "amount"): (
        QT_TRANSLATE_NOOP("Setting", "Amount column"),
        QT_TRANSLATE_NOOP("Setting", "The column with the order amount (the deal's Amount)"),
    ),
    ("shop", "orders", "currency"): (
        QT_TRANSLATE_NOOP("Setting", "Currency"),
        QT_TRANSLATE_NOOP("Setting", "Currency code used for every deal, e.g. RUB"),
    ),
    ("shop", "orders", "currency_column"): (
        QT_TRANSLATE_NOOP("Setting", "Currency column"),
        QT_TRANSLATE_NOOP("Setting", "A column with the currency code (overrides the currency above)"),
    ),
    ("shop", "orders", "stage"): (
        QT_TRANSLATE_NOOP("Setting", "Status column"),
        QT_TRANSLATE_NOOP("Setting", "The column mapped to the deal's stage"),
    ),
    ("shop", "orders", "stage_map"): (
        QT_TRANSLATE_NOOP("Setting", "Status → stage"),
        QT_TRANSLATE_NOOP("Setting", "Shop status = stage id, separated by commas: paid=WON, cancelled=LOSE"),
    ),
    ("shop", "orders", "stage_map_back"): (
        QT_TRANSLATE_NOOP("Setting", "Stage → status"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "For deals moved in the CRM: stage id = shop status, separated by commas: C1:WON=completed; "
            "empty: the status → stage list read backwards",
        ),
    ),
    ("shop", "orders", "owners"): (
        QT_TRANSLATE_NOOP("Setting", "Who changes fields"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "Field = shop, crm or both: STAGE_ID=both lets either side move the stage (the default)",
        ),
    ),
    ("shop", "orders", "category"): (
        QT_TRANSLATE_NOOP("Setting", "Pipeline (id)"),
        QT_TRANSLATE_NOOP("Setting", "The deal pipeline of the shop's deals; 0 is the default pipeline"),
    ),
    ("shop", "orders", "updated_at"): (
        QT_TRANSLATE_NOOP("Setting", "Last change column"),
        QT_TRANSLATE_NOOP("Setting", "Timestamp of the last change (optional)"),
    ),
    ("shop", "orders", "fields"): (
        QT_TRANSLATE_NOOP("Setting", "More deal fields"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "More Bitrix24 fields = a column or a template: COMMENTS={column_name}, UF_CRM_X=column_name",
        ),
    ),
    ("shop", "users", "table"): (
        QT_TRANSLATE_NOOP("Setting", "Users table"),
        QT_TRANSLATE_NOOP("Setting", "The table holding the users"),
    ),
    ("shop", "users", "key"): (
        QT_TRANSLATE_NOOP("Setting", "User number column"),
        QT_TRANSLATE_NOOP("Setting", "The table's primary key column"),
    ),
    ("shop", "users", "contact_id"): (
        QT_TRANSLATE_NOOP("Setting", "Contact id column"),
        QT_TRANSLATE_NOOP("Setting", "The column where the Bitrix24 contact id is stored"),
    ),
    ("shop", "users", "name"): (
        QT_TRANSLATE_NOOP("Setting", "Full name column"),
        QT_TRANSLATE_NOOP("Setting", "Full name (or use the first and last name columns)"),
    ),
    ("shop", "users", "first_name"): (
        QT_TRANSLATE_NOOP("Setting", "First name column"),
        QT_TRANSLATE_NOOP("Setting", "Optional"),
    ),
    ("shop", "users", "last_name"): (
        QT_TRANSLATE_NOOP("Setting", "Last name column"),
        QT_TRANSLATE_NOOP("Setting", "Optional"),
    ),
    ("shop", "users", "email"): (
        QT_TRANSLATE_NOOP("Setting", "E-mail column"),
        QT_TRANSLATE_NOOP("Setting", "The user's e-mail address"),
    ),
    ("shop", "users", "phone"): (
        QT_TRANSLATE_NOOP("Setting", "Phone column"),
        QT_TRANSLATE_NOOP("Setting", "The user's phone number"),
    ),
    ("shop", "users", "updated_at"): (
        QT_TRANSLATE_NOOP("Setting", "Last change column"),
        QT_TRANSLATE_NOOP("Setting", "Timestamp of the last change (optional)"),
    ),
    ("shop", "users", "fields"): (
        QT_TRANSLATE_NOOP("Setting", "More contact fields"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "More Bitrix24 fields = a column or a template: COMMENTS={column_name}, UF_CRM_X=column_name",
        ),
    ),
    ("shop", "users", "owners"): (
        QT_TRANSLATE_NOOP("Setting", "Who changes contact fields"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "Field = shop, crm or both: PHONE=both takes phone numbers a manager fixes in the CRM back into "
            "the shop (others: shop)",
        ),
    ),
    ("shop", "users", "company_ref"): (
        QT_TRANSLATE_NOOP("Setting", "Company key column"),
        QT_TRANSLATE_NOOP("Setting", "The user's company: a key of the companies table (optional)"),
    ),
    ("shop", "companies", "table"): (
        QT_TRANSLATE_NOOP("Setting", "Companies table"),
        QT_TRANSLATE_NOOP("Setting", "The table holding the companies; empty: companies are not synced"),
    ),
    ("shop", "companies", "key"): (
        QT_TRANSLATE_NOOP("Setting", "Company number column"),
        QT_TRANSLATE_NOOP("Setting", "The table's primary key column"),
    ),
    ("shop", "companies", "company_id"): (
        QT_TRANSLATE_NOOP("Setting", "Company id column"),
        QT_TRANSLATE_NOOP("Setting", "The column where the Bitrix24 company id is stored, or @links"),
    ),
    ("shop", "companies", "title"): (
        QT_TRANSLATE_NOOP("Setting", "Company name column"),
        QT_TRANSLATE_NOOP("Setting", "The company's name"),
    ),
    ("shop", "companies", "email"): (
        QT_TRANSLATE_NOOP("Setting", "E-mail column"),
        QT_TRANSLATE_NOOP("Setting", "Optional"),
    ),
    ("shop", "companies", "phone"): (
        QT_TRANSLATE_NOOP("Setting", "Phone column"),
        QT_TRANSLATE_NOOP("Setting", "Optional"),
    ),
    ("shop", "companies", "updated_at"): (
        QT_TRANSLATE_NOOP("Setting", "Last change column"),
        QT_TRANSLATE_NOOP("Setting", "Timestamp of the last change (optional)"),
    ),
    ("shop", "companies", "fields"): (
        QT_TRANSLATE_NOOP("Setting", "More company fields"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "More Bitrix24 fields = a column or a template: COMMENTS={column_name}, UF_CRM_X=column_name",
        ),
    ),
    ("shop", "companies", "owners"): (
        QT_TRANSLATE_NOOP("Setting", "Who changes company fields"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "Field = shop, crm or both: PHONE=both takes a phone fixed in the CRM back into the shop "
            "(others: shop)",
        ),
    ),
    ("shop", "links", "table"): (
        QT_TRANSLATE_NOOP("Setting", "Id table"),
        QT_TRANSLATE_NOOP("Setting", "A table of Bitrix24 ids, for id columns set to @links; empty: none"),
    ),
    ("shop", "links", "kind"): (
        QT_TRANSLATE_NOOP("Setting", "Record kind column"),
        QT_TRANSLATE_NOOP("Setting", "The column saying which Bitrix24 record a row is for"),
    ),
    ("shop", "links", "local_id"): (
        QT_TRANSLATE_NOOP("Setting", "Shop key column"),
        QT_TRANSLATE_NOOP("Setting", "The column with the shop record's key"),
    ),
    ("shop", "links", "crm_id"): (
        QT_TRANSLATE_NOOP("Setting", "Bitrix24 id column"),
        QT_TRANSLATE_NOOP("Setting", "The column with the Bitrix24 id"),
    ),
    ("shop", "links", "kind_values"): (
        QT_TRANSLATE_NOOP("Setting", "Record kind values"),
        QT_TRANSLATE_NOOP("Setting", "What the kind column holds for each: deal=…, contact=…, company=…"),
    ),
    ("portal", "plan"): (
        QT_TRANSLATE_NOOP("Setting", "Bitrix24 plan"),
        QT_TRANSLATE_NOOP("Setting", "How fast Bitrix24 takes requests: your plan, or burst=X,drain=Y"),
    ),
    ("portal", "originator"): (
        QT_TRANSLATE_NOOP("Setting", "External source name"),
        QT_TRANSLATE_NOOP("Setting", "Stamped on every record the app creates, so it knows its own"),
    ),
    ("portal", "ca_bundle"): (
        QT_TRANSLATE_NOOP("Setting", "Certificate file"),
        QT_TRANSLATE_NOOP("Setting", "CA certificates (PEM) for a portal with a private certificate"),
    ),
    ("portal", "timeout"): (
        QT_TRANSLATE_NOOP("Setting", "Answer timeout"),
        QT_TRANSLATE_NOOP("Setting", "How long to wait for Bitrix24 to answer"),
    ),
    ("sync", "auto_sync_interval"): (
        QT_TRANSLATE_NOOP("Setting", "Check the shop every"),
        QT_TRANSLATE_NOOP("Setting", "How often to look for changes in the shop; 0: never by itself"),
    ),
    ("sync", "max_attempts"): (
        QT_TRANSLATE_NOOP("Setting", "Attempts per job"),
        QT_TRANSLATE_NOOP("Setting", "After this many failures a job stops retrying"),
    ),
    ("sync", "recreate_stale"): (
        QT_TRANSLATE_NOOP("Setting", "Re-create deleted records"),
        QT_TRANSLATE_NOOP("Setting", "Create again the records someone deleted in Bitrix24"),
    ),
    ("sync", "cleanup_policy"): (
        QT_TRANSLATE_NOOP("Setting", "Duplicates"),
        QT_TRANSLATE_NOOP("Setting", "What to do when duplicates conflict: leave them, or archive and merge"),
    ),
    ("sync", "retry_base"): (
        QT_TRANSLATE_NOOP("Setting", "First retry after"),
        QT_TRANSLATE_NOOP("Setting", "Wait before the first retry of a failed job; it doubles each time"),
    ),
    ("sync", "retry_cap"): (
        QT_TRANSLATE_NOOP("Setting", "Longest wait between retries"),
        QT_TRANSLATE_NOOP("Setting", "Retries never wait longer than this"),
    ),
    ("sync", "settle_delay"): (
        QT_TRANSLATE_NOOP("Setting", "Look up an unconfirmed creation after"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "Wait this long before looking up a creation Bitrix24 did not confirm",
        ),
    ),
    ("queue", "url"): (
        QT_TRANSLATE_NOOP("Setting", "Team queue URL"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "The PostgreSQL database the team's desks and workers share, without the password, e.g. "
            "postgresql://bitrix_monitor@db.example/bitrix_monitor; empty: this desk's own queue",
        ),
    ),
    ("queue", "desk"): (
        QT_TRANSLATE_NOOP("Setting", "This desk's name"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "What the team's activity and list of runners call this desk, e.g. anna@office; "
            "empty: your user name at this computer (user@host)",
        ),
    ),
    ("sync", "full_every"): (
        QT_TRANSLATE_NOOP("Setting", "Read everything again every"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "Between full checks a refresh reads only what changed; e.g. 24h, 90m; 0: only when asked",
        ),
    ),
    ("sync", "deletions_every"): (
        QT_TRANSLATE_NOOP("Setting", "Look for deleted records every"),
        QT_TRANSLATE_NOOP(
            "Setting", "How often to check that records in Bitrix24 still exist; e.g. 1h; 0: at full checks"
        ),
    ),
    ("sync", "keep_history"): (
        QT_TRANSLATE_NOOP("Setting", "Keep finished jobs for"),
        QT_TRANSLATE_NOOP(
            "Setting",
            "Done and cancelled jobs older than this are deleted once a day; each record's last done job "
            "stays (its last synced time); e.g. 90d; 0: keep all",
        ),
    ),
    ("window", "language"): (
        QT_TRANSLATE_NOOP("Setting", "Language"),
        QT_TRANSLATE_NOOP("Setting", "The language of the window; changes at once"),
    ),
}

# Settings measured in seconds: their spin boxes show the unit.
SECONDS: frozenset[Key] = frozenset(
    {
        ("portal", "timeout"),
        ("sync", "auto_sync_interval"),
        ("sync", "retry_base"),
        ("sync", "retry_cap"),
        ("sync", "settle_delay"),
    }
)


def setting_label(key: Key) -> str:
    entry = LABELS.get(key)
    return QCoreApplication.translate("Setting", entry[0]) if entry else key[-1].replace("_", " ")


def setting_help(key: Key) -> str:
    entry = LABELS.get(key)
    return QCoreApplication.translate("Setting", entry[1]) if entry else ""
