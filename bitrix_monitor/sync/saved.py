"""The incremental state kept with the job store, so that a new process (a cron ``--sync``, a desk that
starts, another desk of a team) goes on incrementally from where the last reconcile left off instead of
reading everything again.

What is kept: the :class:`~bitrix_monitor.sync.incremental.IncrementalState` (the portal's clock, the shop's
watermarks, when the last full pass and deletion check ran, the job cursor), the fields' pull baselines the
last pass was judged with, and the inputs of the :class:`~bitrix_monitor.sync.reconcile.Mirror`: the shop's
rows, the portal records read, the remembered deals made before origin ids. As JSON (never pickle): the state
as one document, each row, record and baseline as one item of its own, so a pass writes only what it
changed (the store's :meth:`~bitrix_monitor.queue.port.JobStore.save_mirror`). A new process rebuilds the
mirror from them and judges every record again locally (no portal request), then runs the incremental pass.

Nothing kept is used when it is another shop's, portal's or mapping's (:func:`identity`: a fingerprint of
the mapping, the portal's host and the shop's URL without its password), or of another :data:`VERSION` of
this format; a state that cannot be read is logged and a full pass runs instead. On a team's queue the last
writer wins: each write makes a new generation, a pass that started from an older one writes the whole
state (its own is newer), and a desk that finds a newer generation than the one it holds reloads it.

The mirror's in-memory representation is read and made in one place only: :func:`mirror_inputs`,
:func:`row_item`, :func:`record_item` and :func:`mirror_from`.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from bitrix_monitor.compact import Record, collector_paused, layout, plain
from bitrix_monitor.config import ShopConfig
from bitrix_monitor.kinds import Kind, in_dependency_order
from bitrix_monitor.messages import Message
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.queue.port import JobStore
from bitrix_monitor.shop import CompanyRow, OrderRow, ShopRow, UserRow
from bitrix_monitor.shop.rows import NO_EXTRA
from bitrix_monitor.sync.incremental import IncrementalState, Refresher
from bitrix_monitor.sync.reconcile import SHARED, Mirror, PortalView, Reconciler, by_key, sharing_with

log = logging.getLogger(__name__)

VERSION = 1  # of what is kept: a state of another version is not used (a full pass runs and rewrites it)
ROW_CLASSES: dict[str, type[OrderRow] | type[UserRow] | type[CompanyRow]] = {
    "order": OrderRow,
    "user": UserRow,
    "company": CompanyRow,
}
Baselines = dict[str, dict[str, dict[str, PullField]]]  # kind -> shop key -> field -> baseline


class Unusable(Exception):
    """A saved state that is not used (another identity or version, or unreadable): the reason."""


def identity(shop_cfg: ShopConfig, *, shop: str, portal: str, originator: str) -> str:
    """The fingerprint of what a saved state belongs to: the mapping, the shop (its URL as shown, without a
    password), the portal's host and our originator. Never the webhook's secret."""
    mapping = dataclasses.asdict(shop_cfg)
    mapping.pop("url", None)
    blob = json.dumps(
        {"mapping": mapping, "shop": shop, "portal": portal, "originator": originator},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --- values as JSON ----------------------------------------------------------------------------------------
# A shop row's values are what its database driver gave: JSON's own types are written by the json module as
# they are, anything else (Decimal, datetime, bytes, …) as a one-key object whose key is a NUL and a letter
# naming its type; reading turns such objects back (``object_hook``). Tuples come back as lists.

_MARK = "\x00"


def _tag(v: Any) -> dict[str, Any]:
    if isinstance(v, Decimal):
        return {_MARK + "d": str(v)}
    if isinstance(v, datetime):
        return {_MARK + "t": v.isoformat()}
    if isinstance(v, date):
        return {_MARK + "D": v.isoformat()}
    if isinstance(v, time):
        return {_MARK + "T": v.isoformat()}
    if isinstance(v, timedelta):
        return {_MARK + "s": [v.days, v.seconds, v.microseconds]}
    if isinstance(v, bytes | bytearray | memoryview):
        return {_MARK + "b": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, uuid.UUID):
        return {_MARK + "u": str(v)}
    if isinstance(v, Message):  # a row's problem, as codes: said in the reader's language once read back
        return {_MARK + "m": v.to_dict()}
    if isinstance(v, Mapping):
        return dict(v)
    return {_MARK + "r": str(v)}  # a type of its own: kept as its text


_UNTAG: dict[str, Any] = {
    "d": Decimal,
    "t": datetime.fromisoformat,
    "D": date.fromisoformat,
    "T": time.fromisoformat,
    "s": lambda p: timedelta(days=p[0], seconds=p[1], microseconds=p[2]),
    "b": lambda p: base64.b64decode(p, validate=True),
    "u": uuid.UUID,
    "m": Message.from_dict,
    "r": str,
}


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key[:1] == _MARK:
            return _UNTAG[key[1:]](value)
    return obj


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_tag, allow_nan=True).encode
_DECODE = json.JSONDecoder(object_hook=_untag).decode


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@functools.cache
def _field_names(kind_name: str) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(ROW_CLASSES[kind_name]) if f.init)


def _fields_of(kind_name: str) -> list[str]:
    return list(_field_names(kind_name))


def _row_data(kind_name: str, row: ShopRow) -> str:
    # A Record is a tuple to the json module (written as an array): its values go as the dict they are.
    return _ENCODE([_plain(getattr(row, name)) for name in _field_names(kind_name)])


def _plain(value: Any) -> Any:
    return plain(value) if isinstance(value, Record) else value


def _row_of(kind_name: str, names: list[str], data: str) -> ShopRow:
    values = _DECODE(data)
    if not isinstance(values, list) or len(values) != len(names):
        raise ValueError(f"a {kind_name} row that is not {len(names)} values")
    fields = dict(zip(names, values, strict=True))
    raw, extra = fields.get("raw"), fields.get("extra")
    if isinstance(raw, dict):  # held compact, as the shop's reads hold it
        fields["raw"] = Record(layout(tuple(raw)), tuple(raw.values()))
    if isinstance(extra, dict) and not extra:
        fields["extra"] = NO_EXTRA
    return ROW_CLASSES[kind_name](**fields)


def _baseline_data(fields: Mapping[str, PullField]) -> str:
    return _ENCODE(
        {
            name: [f.agreed, f.pending, f.state, f.pending_at.isoformat() if f.pending_at else None, f.note]
            for name, f in fields.items()
        }
    )


def _baseline_of(key: str, data: str) -> dict[str, PullField]:
    out: dict[str, PullField] = {}
    for name, (agreed, pending, state, at, note) in _DECODE(data).items():
        when = datetime.fromisoformat(at) if at else None
        out[name] = PullField(key, agreed=agreed, pending=pending, state=state, pending_at=when, note=note)
    return out


# --- the mirror's representation: read and made here only --------------------------------------------------


@dataclass
class MirrorInputs:
    """What a mirror is made from: the shop's rows and the portal records per kind (each record with whether
    it was indexed as ours or restored, or held by id only), whether a kind's view holds all its records,
    and the remembered deals made before origin ids by shop key."""

    kinds: list[Kind]
    rows: dict[str, list[ShopRow]]
    records: dict[str, list[tuple[int, bool, Mapping[str, Any]]]]  # as held (compact.Record) or read
    full: dict[str, bool]
    legacy: dict[str, list[int]]


def mirror_inputs(m: Mirror) -> MirrorInputs:
    return MirrorInputs(
        kinds=list(m.kinds),
        rows={k.name: list(m.rows[k.name].values()) for k in m.kinds},
        records={
            k.name: [(rid, _indexed(m.views[k.name], rid), rec) for rid, rec in m.views[k.name].by_id.items()]
            for k in m.kinds
        },
        full={k.name: m.views[k.name].full for k in m.kinds},
        legacy={key: list(ids) for key, ids in m.legacy.items()},
    )


def _indexed(view: PortalView, rid: int) -> bool:
    return view.is_ours(rid) or rid in view.restored


def row_item(m: Mirror, kind_name: str, key: str) -> ShopRow | None:
    """The row the mirror holds under ``key`` (None: none)."""
    return m.rows[kind_name].get(key)


def record_item(m: Mirror, kind_name: str, rid: int) -> tuple[bool, dict[str, Any]] | None:
    """The portal record the mirror holds under ``rid``, with whether it is indexed (None: none)."""
    view = m.views[kind_name]
    rec = view.by_id.get(rid)
    return None if rec is None else (_indexed(view, rid), plain(rec))


def mirror_from(inputs: MirrorInputs, originator: str) -> Mirror:
    views: dict[str, PortalView] = {}
    keyed = by_key(inputs.kinds, inputs.rows)
    for k in inputs.kinds:
        rows = keyed[k.name]
        view = views[k.name] = PortalView(full=inputs.full[k.name], rows=rows, origin_rows=rows)
        compact = sharing_with(rows, SHARED[k.crm])
        for rid, indexed, rec in inputs.records[k.name]:
            if indexed:
                view.put(compact(rec), originator)
            else:
                view.keep(rid, compact(rec))
        view.rows = None
    return Mirror(inputs.kinds, inputs.rows, views, inputs.legacy, keyed)


# --- writing -----------------------------------------------------------------------------------------------


def _state_doc(refresher: Refresher) -> str:
    m, st = refresher.mirror, refresher.state
    return _dumps(
        {
            "kinds": [k.name for k in m.kinds],
            "row_fields": {k.name: _fields_of(k.name) for k in m.kinds},
            "full": {k.name: m.views[k.name].full for k in m.kinds},
            "legacy": m.legacy,
            "portal_from": st.portal_from,
            "shop_from": {k: v.isoformat() if v is not None else None for k, v in st.shop_from.items()},
            "full_at": st.full_at.isoformat(),
            "deletions_at": st.deletions_at.isoformat(),
            "job_cursor": st.job_cursor,
            "passes": st.passes,
        }
    )


def _all_items(refresher: Refresher) -> Iterator[tuple[str, str, str]]:
    inputs = mirror_inputs(refresher.mirror)
    for k in inputs.kinds:
        for row in inputs.rows[k.name]:
            yield f"row:{k.name}", row.key, _row_data(k.name, row)
        for rid, indexed, rec in inputs.records[k.name]:
            yield f"rec:{k.name}", str(rid), _dumps([indexed, plain(rec)])
    for kind_name, keys in refresher.baselines.items():
        for key, fields in keys.items():
            yield f"base:{kind_name}", key, _baseline_data(fields)


def _changed_items(refresher: Refresher) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    m = refresher.mirror
    items: list[tuple[str, str, str]] = []
    gone: list[tuple[str, str]] = []
    for kind_name, keys in refresher.dirty_rows.items():
        for key in keys:
            row = row_item(m, kind_name, key)
            if row is None:
                gone.append((f"row:{kind_name}", key))
            else:
                items.append((f"row:{kind_name}", key, _row_data(kind_name, row)))
    for kind_name, ids in refresher.dirty_records.items():
        for rid in ids:
            held = record_item(m, kind_name, rid)
            if held is None:
                gone.append((f"rec:{kind_name}", str(rid)))
            else:
                items.append((f"rec:{kind_name}", str(rid), _dumps(list(held))))
    old, new = refresher.saved_baselines, refresher.baselines
    for kind_name in {*old, *new}:
        a, b = old.get(kind_name, {}), new.get(kind_name, {})
        for key in {*a, *b}:
            if a.get(key) == b.get(key):
                continue
            if key in b:
                items.append((f"base:{kind_name}", key, _baseline_data(b[key])))
            else:
                gone.append((f"base:{kind_name}", key))
    return items, gone


def save(store: JobStore, refresher: Refresher, *, fingerprint: str, written_by: str) -> int:
    """Keep the refresher's state in the job store: what changed since the generation it was loaded from or
    last saved as, or all of it (after a full pass, or when another writer came in between). Returns the
    new generation. A mirror that holds two shop rows under one key is never incremental: the state is
    dropped."""
    if not refresher.mirror.exact:
        store.drop_mirror()
        refresher.generation = None
        return 0
    doc = _state_doc(refresher)
    written: int | None = None
    if refresher.generation is not None:
        items, gone = _changed_items(refresher)
        written = store.save_mirror(
            base=refresher.generation,
            version=VERSION,
            fingerprint=fingerprint,
            state=doc,
            items=items,
            gone=gone,
            whole=False,
            written_by=written_by,
        )
        if written is None:
            log.info("the saved reconcile state changed since this process read it: writing it whole")
    if written is None:
        written = store.save_mirror(
            base=None,
            version=VERSION,
            fingerprint=fingerprint,
            state=doc,
            items=_all_items(refresher),
            whole=True,
            written_by=written_by,
        )
    assert written is not None
    refresher.saved(written)
    return written


# --- reading -----------------------------------------------------------------------------------------------


def load(store: JobStore, reconciler: Reconciler, *, fingerprint: str) -> Refresher | None:
    """The refresher of the state kept in the store, its mirror judged again with ``reconciler`` (no portal
    request); None when nothing usable is kept (the reason is logged: a full pass runs instead)."""
    saved = store.load_mirror()
    if saved is None:
        return None
    # Hundreds of thousands of objects are made at once, none of them garbage: the cyclic collector would
    # walk them again and again (about half the time of a rebuild).
    with collector_paused():
        try:
            head = saved.head
            if head.version != VERSION:
                raise Unusable(f"it is of format version {head.version}, this version keeps {VERSION}")
            if head.fingerprint != fingerprint:
                raise Unusable("it belongs to another shop, portal or mapping")
            refresher = _refresher_of(saved.state, saved.items, reconciler)
            del saved
            reconciler.judge(refresher.mirror)
        except Unusable as exc:
            log.info("the saved reconcile state is not used (%s): a full pass runs", exc)
            return None
        except Exception as exc:  # a damaged state is never worse than a full pass
            log.warning(
                "the saved reconcile state cannot be read (%s: %s): a full pass runs", type(exc).__name__, exc
            )
            return None
    refresher.saved(head.generation)
    log.info(
        "went on from the saved reconcile state (generation %d, by %s)", head.generation, head.written_by
    )
    return refresher


def _refresher_of(doc_text: str, items: Mapping[str, list[tuple[str, str]]], r: Reconciler) -> Refresher:
    doc = json.loads(doc_text)
    kinds = list(in_dependency_order(r.shop.mapped_kinds))
    if doc["kinds"] != [k.name for k in kinds]:
        raise Unusable(f"it maps {', '.join(doc['kinds'])}, the shop now {', '.join(k.name for k in kinds)}")
    rows: dict[str, list[ShopRow]] = {}
    records: dict[str, list[tuple[int, bool, Mapping[str, Any]]]] = {}
    for k in kinds:
        names = _fields_of(k.name)
        if doc["row_fields"][k.name] != names:
            raise Unusable(f"its {k.name} rows hold other fields")
        rows[k.name] = [_row_of(k.name, names, data) for _key, data in items.get(f"row:{k.name}", ())]
        records[k.name] = [_record_of(rid, data) for rid, data in items.get(f"rec:{k.name}", ())]
    legacy = {str(key): [int(i) for i in ids] for key, ids in doc["legacy"].items()}
    inputs = MirrorInputs(kinds, rows, records, {k.name: bool(doc["full"][k.name]) for k in kinds}, legacy)
    mirror = mirror_from(inputs, r.originator)
    state = IncrementalState(
        portal_from=str(doc["portal_from"]),
        shop_from={str(k): _moment(v) for k, v in doc["shop_from"].items()},
        full_at=_aware(doc["full_at"]),
        deletions_at=_aware(doc["deletions_at"]),
        job_cursor=int(doc["job_cursor"]),
        passes=int(doc["passes"]),
    )
    refresher = Refresher(mirror, state)
    refresher.baselines = _baselines_of(items)
    return refresher


def _record_of(rid: str, data: str) -> tuple[int, bool, dict[str, Any]]:
    indexed, rec = json.loads(data)
    if not isinstance(rec, dict) or int(rec["ID"]) != int(rid):
        raise ValueError(f"record {rid} holds another record")
    return int(rid), bool(indexed), rec


def _baselines_of(items: Mapping[str, list[tuple[str, str]]]) -> Baselines:
    out: Baselines = {}
    for part, entries in items.items():
        if part.startswith("base:"):
            out[part.removeprefix("base:")] = {key: _baseline_of(key, data) for key, data in entries}
    return out


def _moment(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"a time without its zone: {value!r}")
    return moment


__all__ = ["VERSION", "MirrorInputs", "identity", "load", "mirror_from", "mirror_inputs", "save"]
