"""The REST methods about deal pipelines and stages (reference §10): ``crm.category.*`` (engine methods:
exact parameter names, typed answers), the legacy ``crm.dealcategory.*`` and ``crm.status.list`` /
``crm.status.entity.items`` (classic CRM methods: parameter spellings as §13 says)."""

from __future__ import annotations

from typing import Any

from bitrix_monitor.demo.emulator import php
from bitrix_monitor.demo.emulator.limits import Hit
from bitrix_monitor.demo.emulator.params import CallResult, Handler, resolve_id, resolve_param
from bitrix_monitor.demo.emulator.pipelines import directory_of
from bitrix_monitor.demo.emulator.stage_history import HistoryError, page
from bitrix_monitor.demo.emulator.store import PortalStore, RestError

DEAL_TYPE_ID = 2
_WITHOUT_PIPELINES = (1, 3, 4, 7, 31)  # lead, contact, company, quote, smart invoice


def _engine_int(params: dict[Any, Any], name: str) -> int:
    """An engine method's int parameter: exact name, numeric strings allowed."""
    if name not in params:
        raise RestError(f"Could not find value for parameter {{{name}}}", 0)
    value = params[name]
    if isinstance(value, bool) or not php.is_numeric(value) or php.is_array(value):
        raise RestError(
            f"Invalid value {php.to_string(value) if not php.is_array(value) else 'Array'} to match with "
            f"parameter {{{name}}}. Should be value of type int."
        )
    return php.intval(value)


def _entity_type(params: dict[Any, Any]) -> int:
    type_id = _engine_int(params, "entityTypeId")
    if type_id == DEAL_TYPE_ID:
        return type_id
    if type_id in _WITHOUT_PIPELINES:
        raise RestError("Entity type does not support categories", "ENTITY_TYPE_NOT_SUPPORTED")
    raise RestError("Smart process not found", "NOT_FOUND")


def pipeline_methods(store: PortalStore) -> dict[str, Handler]:
    pipes = store.pipelines

    def category_list(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        _entity_type(params)
        with store.lock:
            rows = [c.engine_row() for c in pipes.listed()]
        return CallResult({"categories": rows}, total=len(rows))

    def category_get(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        _entity_type(params)
        with store.lock:
            found = pipes.get(_engine_int(params, "id"))
            if found is None:
                raise RestError("Element not found", "NOT_FOUND")
            return CallResult({"category": found.engine_row()})

    def category_add(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        _entity_type(params)
        fields = params.get("fields")
        if not isinstance(fields, dict):
            raise RestError("Could not find value for parameter {fields}", 0)
        name = php.to_string(fields.get("name")) if not php.is_array(fields.get("name")) else ""
        sort = php.intval(fields.get("sort")) if php.is_numeric(fields.get("sort")) else 500
        ident = store.add_pipeline(
            name or "Pipeline",
            sort=sort,
            origin_id=php.to_string(fields.get("originId") or ""),
            originator_id=php.to_string(fields.get("originatorId") or ""),
        )
        with store.lock:
            made = pipes.get(ident)
            assert made is not None
            return CallResult({"category": made.engine_row()})

    def dealcategory_list(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        with store.lock:
            rows = [c.legacy_row() for c in pipes.listed() if c.id != 0]
        return CallResult(rows, total=len(rows))

    def dealcategory_default_get(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        with store.lock:
            default = pipes.get(0)
            assert default is not None
            return CallResult({"ID": 0, "NAME": default.name})

    def dealcategory_status(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        return CallResult(directory_of(max(resolve_id(params), 0)))

    def dealcategory_stage_list(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        with store.lock:
            found = pipes.get(max(resolve_id(params), 0))
            rows = (
                []
                if found is None
                else [{"NAME": s.name, "SORT": s.sort, "STATUS_ID": s.status_id} for s in found.ordered()]
            )
        return CallResult(rows)

    def status_list(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        flt = resolve_param(params, "filter")
        directory: str | None = None
        wanted: dict[str, str] = {}
        if isinstance(flt, dict):
            for key in ("ENTITY_ID", "STATUS_ID", "SORT", "SEMANTICS"):
                if key in flt:
                    if php.is_array(flt[key]):
                        raise RestError(f"Filter by {key} must be a string")
                    wanted[key] = php.to_string(flt[key])
            directory = wanted.pop("ENTITY_ID", None)
        rows = store.stage_rows(directory)
        if directory is not None and not directory.startswith("DEAL_STAGE"):
            rows = []  # the emulator keeps no other directories (sources, types, …)
        for key, value in wanted.items():
            rows = [r for r in rows if (r[key] or "") == value]
        return CallResult(rows, total=len(rows))

    def status_entity_items(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        entity_id = next(
            (params[k] for k in ("entityId", "entityID", "entity_id", "ENTITY_ID") if k in params), None
        )
        if entity_id is None or php.is_array(entity_id) or php.to_string(entity_id) == "":
            raise RestError("The parameter entityId is not defined or invalid.")
        rows = store.stage_rows(php.to_string(entity_id))
        return CallResult(
            [{"NAME": r["NAME"], "SORT": int(r["SORT"]), "STATUS_ID": r["STATUS_ID"]} for r in rows]
        )

    def stagehistory_list(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        """``crm.stagehistory.list`` (§16.3): deals' rows; leads and invoices have none here."""
        type_id = _engine_int(params, "entityTypeId")
        if type_id not in (1, DEAL_TYPE_ID, 5, 31):
            raise RestError("Entity type is not supported", "ENTITY_TYPE_NOT_SUPPORTED")
        try:
            with store.lock:
                rows = (
                    store.history.query(params.get("filter"), params.get("order"), params.get("select"))
                    if type_id == DEAL_TYPE_ID
                    else []
                )
        except HistoryError as exc:
            raise RestError(exc.message, exc.code) from None
        items, total, nxt = page(rows, start)
        return CallResult({"items": items}, total=total, next=nxt)

    return {
        "crm.stagehistory.list": stagehistory_list,
        "crm.category.list": category_list,
        "crm.category.get": category_get,
        "crm.category.add": category_add,
        "crm.dealcategory.list": dealcategory_list,
        "crm.dealcategory.default.get": dealcategory_default_get,
        "crm.dealcategory.status": dealcategory_status,
        "crm.dealcategory.stage.list": dealcategory_stage_list,
        "crm.status.list": status_list,
        "crm.status.entity.items": status_entity_items,
    }


__all__ = ["pipeline_methods"]
