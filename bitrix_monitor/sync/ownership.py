"""Whose a portal record is: the one rule behind every adopt, update, merge, archive and delete.

The portal compares filter values the way its database collation does: without regard to case, accents or
trailing spaces. A lookup for ``ORIGINATOR_ID = "shop-shop"`` also returns another integration's
``"SHOP-shop"``. So nothing found by a filter is trusted: the record's own ``ORIGINATOR_ID`` and
``ORIGIN_ID`` are compared here, byte for byte.

Records with no originator at all were made before origin ids (by the old backend, or by hand); they are
the one documented exception: the app may adopt, update or absorb them, but only when no other shop record
stores them (see :func:`writable`).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from typing import Any

from bitrix_monitor.messages import Message

RESTORED_PREFIX = "restored:"  # ORIGIN_ID of a record re-created from the archive (see sync/restore.py)


class Owner(enum.Enum):
    OURS = "ours"  # our originator and this shop record's origin id
    OURS_OTHER_KEY = "ours, another key"  # our originator, another origin id: another shop record's
    RESTORED = "restored"  # ours, restored from the archive by a person (a restore marker as origin id)
    LEGACY = "legacy"  # no originator at all: made before origin ids
    FOREIGN = "foreign"  # another integration's (also one whose originator differs from ours only in case)


def owner_of(record: Mapping[str, Any], originator: str, key: str | None = None) -> Owner:
    """Whose ``record`` is, for the shop record ``key`` (``None``: only whether it carries our originator)."""
    # carries_origin's comparisons, written out: this runs three times for each record a pass judges
    stamped = record.get("ORIGINATOR_ID")
    if stamped is None or stamped == "":
        return Owner.LEGACY
    if not isinstance(stamped, str) or stamped != originator:
        return Owner.FOREIGN
    origin = record.get("ORIGIN_ID")
    if not isinstance(origin, str):
        return Owner.OURS if key is None else Owner.OURS_OTHER_KEY
    if origin.startswith(RESTORED_PREFIX):
        return Owner.RESTORED
    return Owner.OURS if key is None or origin == key else Owner.OURS_OTHER_KEY


def is_ours(record: Mapping[str, Any], originator: str, key: str) -> bool:
    """Exactly our originator and exactly this origin id."""
    return owner_of(record, originator, key) is Owner.OURS


def writable(record: Mapping[str, Any], originator: str, key: str, stored_by: Collection[str] = ()) -> bool:
    """May the app write to ``record`` on behalf of shop record ``key`` (adopt, update, merge, absorb)?

    Ours exactly, made before origin ids, or restored from the archive (the last two get our origin ids),
    and stored by no other shop record (``stored_by``: the keys of the shop records that store its id).
    """
    if any(k != key for k in stored_by):
        return False
    return owner_of(record, originator, key) in KEEPABLE


# Whose records a shop record may keep as its own when it alone stores them.
KEEPABLE = frozenset({Owner.OURS, Owner.LEGACY, Owner.RESTORED})


def stamp(record: Mapping[str, Any]) -> Message:
    """The record's originator and origin id as evidence shows them (quoted, so case and spaces show), the
    fields said as words in the reader's language."""
    originator = record.get("ORIGINATOR_ID") or ""
    origin = record.get("ORIGIN_ID") or ""
    if not originator and not origin:
        return Message("evidence.no_origin")
    return Message(
        "evidence.stamp",
        {
            "originator": Message("evidence.field", {"fields": "ORIGINATOR_ID", "value": repr(originator)}),
            "origin": Message("evidence.field", {"fields": "ORIGIN_ID", "value": repr(origin)}),
        },
    )
