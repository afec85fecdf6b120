"""The REST methods of the emulated portal, and ``batch``.

:meth:`RestApi.call` runs one method the way ``CRestServer::processCall`` does: names are case-insensitive,
``start`` is taken out of the parameters, the operating-time limit is checked before the method runs, and
the answer is ``{"result", ["next"], ["total"], "time"}``. Errors are raised as :class:`RestError` and
become ``{"error", "error_description"}`` with their HTTP status.

``batch`` follows ``CRestProvider::methodsBatch``: at most 50 commands run, in order; the rest get
``ERROR_BATCH_LENGTH_EXCEEDED``; ``$result[cmd][path]`` references are resolved from earlier commands
(``CRestUtil::processBatchElement``, partial resolution included); ``halt`` is PHP-truthy; the five
sections are PHP arrays (``[]`` when empty, a list when the keys are 0..n-1).
"""

from __future__ import annotations

import re
import time
from typing import Any

from bitrix_monitor.demo.emulator import php
from bitrix_monitor.demo.emulator.fields import now_iso
from bitrix_monitor.demo.emulator.limits import BUCKET_COUNT, BUCKET_SECONDS, Hit, OperatingLimiter
from bitrix_monitor.demo.emulator.params import (
    CallResult,
    Handler,
    resolve_id,
    resolve_multipart,
    resolve_param,
    resolve_scalar,
)
from bitrix_monitor.demo.emulator.pipeline_methods import pipeline_methods
from bitrix_monitor.demo.emulator.stats import EmulatorStats
from bitrix_monitor.demo.emulator.store import PortalStore, RestError, invalid_id, not_found

BATCH_MAX_LENGTH = 50
SCOPES = ["crm"]
_PATH_KEY_RE = re.compile(r"\[([^\]]+)\]")


def time_block(
    start: float, finish: float, processing: float, operating: float, reset_at: int
) -> dict[str, Any]:
    return {
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": processing,
        "date_start": now_iso(start),
        "date_finish": now_iso(finish),
        "operating_reset_at": reset_at,
        "operating": operating,
    }


def _section(values: dict[Any, Any]) -> Any:
    """A batch section: ``[]`` when empty, a list for keys 0..n-1, an object otherwise (values untouched)."""
    keys = list(values)
    if all(type(k) is int and k == i for i, k in enumerate(keys)):
        return list(values.values())
    return {str(k): v for k, v in values.items()}


def _index(container: Any, key: str) -> Any:
    """``isset($r[$key]) ? $r[$key] : <missing>`` with PHP array semantics; None means missing."""
    if isinstance(container, dict):
        return container.get(php.php_key(key))
    if isinstance(container, list):
        normalized = php.php_key(key)
        if isinstance(normalized, int) and 0 <= normalized < len(container):
            return container[normalized]
    return None


def resolve_references(value: Any, acc: dict[str, dict[Any, Any]]) -> Any:
    """``CRestUtil::processBatchElement`` on one parameter value."""
    if not isinstance(value, str) or "$" not in value:
        return value
    pattern = re.compile(r"\$(" + "|".join(re.escape(k) for k in acc) + r")(\S*)", re.IGNORECASE)
    query: Any = value
    for match in pattern.finditer(value):
        keys = _PATH_KEY_RE.findall(match.group(2))
        if not keys:
            continue
        resolved: Any = acc.get(match.group(1))
        for key in keys:
            found = _index(resolved, key)
            if found is None:
                break
            resolved = found
        if isinstance(query, str) and match.group(0) == query:
            query = resolved
        elif isinstance(query, str):
            if php.is_numeric(resolved) and not isinstance(resolved, str):
                resolved = php.to_string(resolved)
            if not isinstance(resolved, str):
                continue
            query = query.replace(match.group(0), resolved)
    return query


_ANY_REFERENCE_RE = re.compile(r"\$()(\S*)")


def resolve_key(key: Any) -> Any:
    """``processBatchElement($key, $arResult)`` on an array key: called without the section names, its
    pattern matches any ``$`` and looks the empty name up, which is missing. A key that is one whole
    ``$…[…]`` reference becomes ``null`` (the key ``""``); a reference inside a longer key stays as it is."""
    if not isinstance(key, str) or "$" not in key:
        return key
    match = _ANY_REFERENCE_RE.search(key)
    if match and _PATH_KEY_RE.search(match.group(2)) and match.group(0) == key:
        return ""
    return key


def _resolve_structure(params: Any, acc: dict[str, dict[Any, Any]]) -> Any:
    """``CRestUtil::processBatchStructure``: references resolve in every value, nested arrays included,
    and array keys go through :func:`resolve_key`."""
    if isinstance(params, dict):
        return {resolve_key(key): _resolve_structure(value, acc) for key, value in params.items()}
    return resolve_references(params, acc)


def split_command(command: str) -> tuple[str, str]:
    """``parse_url``'s path and query of a batch command string."""
    head, _, rest = command.partition("?")
    return head.split("#", 1)[0], rest.split("#", 1)[0]


class RestApi:
    def __init__(
        self,
        store: PortalStore,
        limiter: OperatingLimiter,
        stats: EmulatorStats,
        *,
        user_id: int = 1,
        operating_cost: float = 0.0,
    ) -> None:
        self.store = store
        self.limiter = limiter
        self.stats = stats
        self.user_id = user_id
        self.operating_cost = operating_cost
        self._methods: dict[str, Handler] = {"batch": self._batch}
        for entity in ("deal", "contact", "company"):
            self._methods.update(
                {
                    f"crm.{entity}.fields": self._fields(entity),
                    f"crm.{entity}.add": self._add(entity),
                    f"crm.{entity}.get": self._get(entity),
                    f"crm.{entity}.update": self._update(entity),
                    f"crm.{entity}.delete": self._delete(entity),
                    f"crm.{entity}.list": self._list(entity),
                    f"crm.{entity}.userfield.add": self._userfield_add(entity),
                    f"crm.{entity}.userfield.list": self._userfield_list(entity),
                }
            )
        self._methods.update(
            {
                "crm.deal.contact.fields": self._deal_contact_fields,
                "crm.deal.contact.add": self._deal_contact_add,
                "crm.deal.contact.delete": self._deal_contact_delete,
                "crm.deal.contact.items.get": self._deal_contact_items_get,
                "crm.deal.contact.items.set": self._deal_contact_items_set,
                "crm.deal.contact.items.delete": self._deal_contact_items_delete,
                **_company_binding_methods(store),
                "crm.duplicate.findbycomm": self._findbycomm,
                "crm.entity.mergebatch": self._merge_batch,
                "profile": self._profile,
                "scope": lambda p, s, h: CallResult(list(SCOPES)),
                "methods": lambda p, s, h: CallResult(sorted(self._methods)),
                "server.time": lambda p, s, h: CallResult(now_iso()),
                "app.info": lambda p, s, h: CallResult({"SCOPE": list(SCOPES), "LICENSE": "ru_project"}),
            }
        )

        self._methods.update(pipeline_methods(store))

    def has_method(self, name: str) -> bool:
        return name.lower() in self._methods

    # ------------------------------------------------------------------ calling

    def call(self, method: str, params: dict[Any, Any], hit: Hit) -> dict[str, Any]:
        """Run one method; the success envelope, or :class:`RestError`."""
        name = method.lower()
        handler = self._methods.get(name)
        if handler is None:
            raise RestError("Method not found!", "ERROR_METHOD_NOT_FOUND", 404)
        params = dict(params)
        start = php.intval(params.pop("start", 0))
        if name != "batch" and self.limiter.is_blocked(name, hit):
            self.stats.bump("rejected_operating")
            raise RestError("Method is blocked due to operation time limit.", "OPERATION_TIME_LIMIT", 429)
        started = time.time()
        clock = time.perf_counter()
        try:
            outcome = handler(params, start, hit)
        finally:
            processing = time.perf_counter() - clock
            if name != "batch":
                hit.record(name, processing + self.operating_cost)
            self.stats.ran(name, 0.0 if name == "batch" else processing + self.operating_cost)
        finished = time.time()
        answer: dict[str, Any] = {"result": outcome.result}
        if outcome.next is not None:
            answer["next"] = outcome.next
        if outcome.total is not None:
            answer["total"] = outcome.total
        if name == "batch":
            operating, reset_at = 0.0, int(hit.started + BUCKET_SECONDS * BUCKET_COUNT)
        else:
            operating, reset_at = self.limiter.used(name, hit), self.limiter.reset_at(name, hit)
        answer["time"] = time_block(started, finished, processing, operating, reset_at)
        return answer

    def _batch(self, params: dict[Any, Any], _start: int, hit: Hit) -> CallResult:
        query = {(k.upper() if isinstance(k, str) else k): v for k, v in params.items()}
        halt = php.truthy(query.get("HALT"))
        acc: dict[str, dict[Any, Any]] = {"result": {}, "next": {}, "total": {}, "time": {}, "error": {}}
        commands = query.get("CMD")
        if isinstance(commands, dict):
            count = 0
            for key, command in commands.items():
                res: dict[str, Any]
                if count < BATCH_MAX_LENGTH:
                    count += 1
                    if not isinstance(command, str):
                        continue
                    method, query_string = split_command(command)
                    call_params = _resolve_structure(php.parse_str(query_string), acc) if query_string else {}
                    if method.lower() in ("batch", "download", "upload"):
                        res = {
                            "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
                            "error_description": "Method is not allowed for batch usage",
                        }
                    else:
                        try:
                            res = self.call(method, call_params, hit)
                        except RestError as exc:
                            res = exc.body()
                else:
                    count += 1
                    res = {
                        "error": "ERROR_BATCH_LENGTH_EXCEEDED",
                        "error_description": "Max batch length exceeded",
                    }
                failed = "error" in res
                if failed:
                    res = {**res, "error": dict(res)}
                for section, value in res.items():
                    if section in acc:  # only the five sections can be referenced
                        acc[section][key] = value
                if failed and halt:
                    break
        return CallResult(
            {
                "result": _section(acc["result"]),
                "result_error": _section(acc["error"]),
                "result_total": _section(acc["total"]),
                "result_next": _section(acc["next"]),
                "result_time": _section(acc["time"]),
            }
        )

    # ------------------------------------------------------------------ crm.deal.* / crm.contact.*

    def _fields(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            return CallResult(self.store.field_descriptions(entity))

        return handler

    def _add(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            fields = resolve_param(params, "fields")
            return CallResult(
                self.store.add(entity, {} if fields is None else fields, resolve_param(params, "params"))
            )

        return handler

    def _get(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            ident = resolve_id(params)
            if ident <= 0:
                raise invalid_id()
            row = self.store.get(entity, ident)
            if row is None:
                raise not_found(entity, "get")
            return CallResult(row)

        return handler

    def _update(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            ident = resolve_id(params)
            if ident <= 0:
                raise invalid_id()
            fields = resolve_param(params, "fields")
            if not self.store.update(
                entity, ident, {} if fields is None else fields, resolve_param(params, "params")
            ):
                raise not_found(entity, "update")
            return CallResult(True)

        return handler

    def _delete(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            ident = resolve_id(params)
            if ident <= 0:
                raise invalid_id()
            if not self.store.delete(entity, ident):
                raise not_found(entity, "delete")
            return CallResult(True)

        return handler

    def _list(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            select = resolve_param(params, "select")
            if select is not None and select != "" and not php.is_array(select):
                raise RestError("Parameter 'select' must be array.")
            page = self.store.query(
                entity,
                filter=resolve_param(params, "filter"),
                order=resolve_param(params, "order"),
                select=select,
                start=start,
            )
            return CallResult(page.rows, total=page.total, next=page.next)

        return handler

    # ------------------------------------------------------------------ user fields

    def _userfield_add(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            return CallResult(self.store.add_user_field(entity, resolve_param(params, "fields")))

        return handler

    def _userfield_list(self, entity: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            order, flt = resolve_param(params, "order"), resolve_param(params, "filter")
            return CallResult(self.store.user_field_rows(entity, order, flt))

        return handler

    # ------------------------------------------------------------------ deal contacts

    def _deal_contact_fields(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        return CallResult(
            {
                "CONTACT_ID": _binding_field("integer", "Contact ID", required=True),
                "SORT": _binding_field("integer", "Sort index"),
                "ROLE_ID": _binding_field("integer", "Role ID"),
                "IS_PRIMARY": _binding_field("char", "Primary contact"),
            }
        )

    def _deal_contact_items_get(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        return CallResult(self.store.contact_items(resolve_id(params)))

    def _deal_contact_items_set(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        items = resolve_param(params, "items")
        self.store.set_contact_items(resolve_id(params), items)
        return CallResult(True)

    def _deal_contact_items_delete(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        self.store.remove_contact_binding(resolve_id(params), None)
        return CallResult(True)

    def _deal_contact_add(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        self.store.add_contact_binding(resolve_id(params), resolve_param(params, "fields"))
        return CallResult(True)

    def _deal_contact_delete(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        fields = resolve_param(params, "fields")
        if not isinstance(fields, dict) or php.intval(fields.get("CONTACT_ID")) <= 0:
            raise RestError("The parameter fields must contain CONTACT_ID.")
        self.store.remove_contact_binding(resolve_id(params), fields.get("CONTACT_ID"))
        return CallResult(True)

    # ------------------------------------------------------------------ duplicates

    def _findbycomm(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        raw_type = resolve_scalar(params, "type")
        kind = "" if php.is_array(raw_type) else php.to_string(raw_type).upper()
        if kind not in ("EMAIL", "PHONE"):
            if kind == "":
                raise RestError("Communication type is not defined.")
            raise RestError(f"Communication type '{kind}' is not supported in current context.")
        values = resolve_param(params, "values")
        if not php.is_array(values) or not php.values_of(values):
            raise RestError("Communication values is not defined.")
        raw_entity_type = resolve_multipart(params, "entity", "type")
        entity_type = None if raw_entity_type is None else _owner_type_name(raw_entity_type)
        if entity_type == "DEAL":
            raise RestError("Deal is not supported in current context.")
        found = self.store.find_by_comm(kind, php.values_of(values), entity_type)
        return CallResult(found if found else [])

    def _merge_batch(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        options = params.get("params")
        if not isinstance(options, dict):
            raise RestError(
                "Could not find value for parameter {params}", "ERROR_ARGUMENT", extra={"argument": "params"}
            )
        type_id = php.intval(options.get("entityTypeId"))
        if type_id == 0:
            raise RestError("The parameter entityTypeId is required.", 0)
        raw_ids = options.get("entityIds")
        ids = [php.intval(v) for v in php.values_of(raw_ids)] if php.is_array(raw_ids) else []
        entity = {2: "deal", 3: "contact", 4: "company"}.get(type_id)
        if entity is None:
            if type_id in (1, 7, 31) or 128 <= type_id < 192:  # a type the portal has, with no items here
                raise RestError("The parameter entityIds does not contains valid elements.", 0)
            raise RestError("Owner was not found", "OWNER_NOT_FOUND")
        return CallResult(self.store.merge(entity, ids))

    # ------------------------------------------------------------------ global scope

    def _profile(self, params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
        return CallResult(
            {
                "ID": str(self.user_id),
                "ADMIN": True,
                "NAME": "Portal",
                "LAST_NAME": "Emulator",
                "PERSONAL_GENDER": "",
                "TIME_ZONE": "",
            }
        )


def _company_binding_methods(store: PortalStore) -> dict[str, Handler]:
    """``crm.contact.company.*`` and ``crm.company.contact.*`` (reference §11.2)."""

    def fields(other: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            key = f"{other.upper()}_ID"
            return CallResult(
                {
                    key: _binding_field("integer", f"{other.capitalize()} ID", required=True),
                    "SORT": _binding_field("integer", "Sort index"),
                    "ROLE_ID": _binding_field("integer", "Role ID"),
                    "IS_PRIMARY": _binding_field("char", "Primary"),
                }
            )

        return handler

    def items_get(owner: str) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            return CallResult(store.company_items(owner, resolve_id(params)))

        return handler

    def items_set(owner: str, clear: bool) -> Handler:
        def handler(params: dict[Any, Any], start: int, hit: Hit) -> CallResult:
            items = None if clear else resolve_param(params, "items")
            if not clear and items is None:
                items = {}
            store.set_company_items(owner, resolve_id(params), items)
            return CallResult(True)

        return handler

    methods: dict[str, Handler] = {}
    for owner, other in (("contact", "company"), ("company", "contact")):
        prefix = f"crm.{owner}.{other}"
        methods[f"{prefix}.fields"] = fields(other)
        methods[f"{prefix}.items.get"] = items_get(owner)
        methods[f"{prefix}.items.set"] = items_set(owner, clear=False)
        methods[f"{prefix}.items.delete"] = items_set(owner, clear=True)
    return methods


def _binding_field(type_: str, title: str, *, required: bool = False) -> dict[str, Any]:
    return {
        "type": type_,
        "isRequired": required,
        "isReadOnly": False,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": False,
        "title": title,
    }


def _owner_type_name(value: Any) -> str | None:
    names = {1: "LEAD", 2: "DEAL", 3: "CONTACT", 4: "COMPANY"}
    if php.is_numeric(value):
        return names.get(php.intval(value))
    text = php.to_string(value).strip().upper()
    return text if text in names.values() else None
