"""Deal pipelines on the app's side: every stage the app sends is a stage of the deal's pipeline.

A real portal does not refuse a stage of another pipeline: it swaps it for a stage of the deal's own pipeline
on add and ignores it on update (reference §10.4). So the app checks every value itself, against the
pipeline's stage directory read with ``crm.status.list`` (``DEAL_STAGE`` for pipeline 0, ``DEAL_STAGE_<id>``
for the others) once per run:

- at connect, ``[shop.orders] stage_map`` values that are not stages of the configured pipeline, or a
  pipeline the portal does not have, are one clear configuration error;
- per record, a stage value that is not a stage of the pipeline (a legacy ``cancelled``, or ``WON`` where
  pipeline 1 has ``C1:WON``), and a deal that lives in another pipeline than configured, are errors of that
  record, named in it; nothing is sent for it and the deal is never moved;
- :func:`pipeline_warning` says in one line when the shop's linked deals live in another pipeline than the
  configuration's.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bitrix_monitor.bitrix import BitrixClient, NotExecuted
from bitrix_monitor.bitrix.client import BatchResult, Command
from bitrix_monitor.bitrix.errors import BitrixError
from bitrix_monitor.config import OrdersMapping
from bitrix_monitor.errors import ConfigError, UserFacingError
from bitrix_monitor.messages import Message
from bitrix_monitor.shop import OrderRow

_LISTED = 10  # stages named in a message before "…"


def directory_of(category: int) -> str:
    return "DEAL_STAGE" if category == 0 else f"DEAL_STAGE_{category}"


def category_of(deal: Mapping[str, Any]) -> int | None:
    """A deal's pipeline as the portal wrote it ("0", "1", …); None when not read or not a number."""
    value = deal.get("CATEGORY_ID")
    if isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class Pipeline:
    """One deal pipeline and its stage ids in the portal's order."""

    category: int
    stages: tuple[str, ...]
    names: Mapping[str, str] = field(default_factory=dict)  # stage id -> the portal's name ("Won")

    def listing(self) -> str:
        shown = ", ".join(self.stages[:_LISTED])
        return shown + (f", … ({len(self.stages)} in all)" if len(self.stages) > _LISTED else "")

    def problem(self, value: str) -> str | None:
        """Why ``value`` cannot be sent as a stage of this pipeline, or None when it can."""
        if value in self.stages:
            return None
        text = f"stage {value!r} is not a stage of pipeline {self.category}"
        near = [s for s in self.stages if s.rpartition(":")[2] == value.rpartition(":")[2]]
        if near:
            return f"{text} (did you mean {near[0]!r}? map it in [shop.orders] stage_map)"
        return f"{text} (its stages: {self.listing()}); map it in [shop.orders] stage_map"


def pipeline_command(category: int) -> Command:
    """The ``crm.status.list`` command that reads the pipeline's stages."""
    return ("crm.status.list", {"filter": {"ENTITY_ID": directory_of(category)}, "order": {"SORT": "ASC"}})


async def read_pipeline(
    client: BitrixClient, category: int, answered: tuple[BatchResult, str] | None = None
) -> Pipeline:
    """The pipeline's stages from ``crm.status.list``; a pipeline the portal does not have is a
    :class:`ConfigError` that lists the ones it has. ``answered``: :func:`pipeline_command` was already sent
    in a batch (its outcome and key)."""
    directory = directory_of(category)
    if answered is None:
        method, params = pipeline_command(category)
        result = (await client.call(method, params)).result
    else:
        res, key = answered
        if key in res.errors:
            raise res.errors[key]
        if key not in res.results:
            raise NotExecuted(
                Message("bitrix.batch.not_executed", {"method": "crm.status.list"}), method="crm.status.list"
            )
        result = res.results[key]
    if not isinstance(result, list):
        raise UserFacingError(Message("stages.not_a_list", {"type": type(result).__name__}))
    rows = [r for r in result if isinstance(r, Mapping)]

    def sort_key(row: Mapping[str, Any]) -> int:
        try:
            return int(str(row.get("SORT")))
        except ValueError:
            return 0

    # Trust the rows, not the filter: a portal that dropped the filter answers every directory.
    mine = sorted((r for r in rows if r.get("ENTITY_ID") == directory and r.get("STATUS_ID")), key=sort_key)
    if not mine:
        raise ConfigError(
            Message("stages.no_pipeline", {"category": category}),
            hint=await _pipelines_hint(client),
        )
    names = {
        str(r["STATUS_ID"]): str(r["NAME"]) for r in mine if isinstance(r.get("NAME"), str) and r["NAME"]
    }
    return Pipeline(category, tuple(str(r["STATUS_ID"]) for r in mine), names)


async def _pipelines_hint(client: BitrixClient) -> Message:
    try:
        answer = await client.call("crm.category.list", {"entityTypeId": 2})
    except BitrixError as exc:
        if isinstance(exc, UserFacingError):
            raise
        return Message("stages.pipelines.hint.none")
    found = answer.result.get("categories") if isinstance(answer.result, Mapping) else None
    items = [c for c in found if isinstance(c, Mapping)] if isinstance(found, list) else []
    names = ", ".join(f"{c.get('id')} ({c.get('name')})" for c in items)
    return (
        Message("stages.pipelines.hint", {"names": names}) if names else Message("stages.pipelines.hint.none")
    )


def check_stage_map(pipeline: Pipeline, stage_map: Mapping[str, str]) -> None:
    """Every value of ``stage_map`` must be a stage of the pipeline: one :class:`ConfigError` naming the
    first one that is not, with the pipeline's stages."""
    for shop_value, stage in stage_map.items():
        if stage not in pipeline.stages:
            raise ConfigError(
                Message(
                    "stages.not_a_stage",
                    {
                        "value": repr(shop_value),
                        "stage": repr(stage),
                        "category": pipeline.category,
                        "stages": pipeline.listing(),
                    },
                )
            )


class StageGuard:
    """The configured pipeline, read once per run (:meth:`refresh`), and the per-record checks."""

    def __init__(self, client: BitrixClient, mapping: OrdersMapping) -> None:
        self.client = client
        self.mapping = mapping
        self.category = mapping.category
        self._pipeline: Pipeline | None = None
        self._lock = asyncio.Lock()

    def command(self) -> Command:
        """The read :meth:`refresh` makes, to send in a batch beside others."""
        return pipeline_command(self.category)

    async def refresh(self, answered: tuple[BatchResult, str] | None = None) -> Pipeline:
        """Read the pipeline's stages again (or take ``answered``: :meth:`command`'s outcome in a batch and
        its key) and check the stage map (a :class:`ConfigError` when wrong)."""
        async with self._lock:
            pipeline = await read_pipeline(self.client, self.category, answered)
            check_stage_map(pipeline, self.mapping.stage_map)
            self._pipeline = pipeline
            return pipeline

    async def pipeline(self) -> Pipeline:
        return self._pipeline or await self.refresh()

    @property
    def known(self) -> Pipeline | None:
        """The pipeline as last read (None before the first read): no request."""
        return self._pipeline

    async def problem(self, order: OrderRow, deal: Mapping[str, Any] | None = None) -> str | None:
        """Why an order's values cannot be sent to ``deal`` (None: a new deal in the configured pipeline),
        or None when they can."""
        if deal is not None:
            found = category_of(deal)
            if found is not None and found != self.category:
                return (
                    f"deal {deal.get('ID')} is in pipeline {found}, not in pipeline {self.category} "
                    "([shop.orders] category); it was left where it is: move it in Bitrix24, or change "
                    "the setting"
                )
        if order.stage is None:
            shop_value = order.raw.get(self.mapping.stage) if self.mapping.stage else None
            if self.mapping.stage_map and shop_value is not None and str(shop_value).strip():
                return (
                    f"status {str(shop_value)!r} is not in [shop.orders] stage_map "
                    f"(map it to a stage of pipeline {self.category})"
                )
            return None
        if not order.stage:
            return None
        return (await self.pipeline()).problem(order.stage)


def pipeline_warning(category: int, deals: Iterable[Mapping[str, Any]]) -> Message | None:
    """One line when the shop's linked deals live in another pipeline than ``category``, else None."""
    return pipeline_warning_of(category, Counter(c for c in (category_of(d) for d in deals) if c is not None))


def pipeline_warning_of(category: int, counts: Mapping[int, int]) -> Message | None:
    """:func:`pipeline_warning` from the number of linked deals in each pipeline."""
    counts = Counter({c: n for c, n in counts.items() if n})
    total = sum(counts.values())
    elsewhere = total - counts.get(category, 0)
    if not elsewhere:
        return None
    (top, n), *_ = counts.most_common(1)
    if top != category:
        said = {"top": top, "linked": n, "total": total, "category": category}
        return Message("warning.pipeline.elsewhere", said)
    others = ", ".join(str(c) for c in sorted(counts) if c != category)
    return Message(
        "warning.pipeline.some",
        {"elsewhere": elsewhere, "total": total, "others": others, "category": category},
    )


__all__ = [
    "Pipeline",
    "StageGuard",
    "category_of",
    "check_stage_map",
    "directory_of",
    "pipeline_command",
    "pipeline_warning",
    "pipeline_warning_of",
    "read_pipeline",
]
