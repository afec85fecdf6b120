"""Deal pipelines (categories) and their stage directories, as a real portal keeps them (reference §10).

Pipeline 0 is the default one; its stage directory is ``DEAL_STAGE`` and its stage ids have no prefix
(``NEW``, ``WON``). Pipeline N (N > 0) has the directory ``DEAL_STAGE_N`` and stage ids ``CN:NEW``,
``CN:WON``, cut at 21 characters as the portal cuts them. Each pipeline has exactly one success stage; a
stage's semantics decide where the portal puts a deal that was given a stage of another pipeline:

- on add, the stage is replaced by the first stage of the deal's pipeline with the same semantics (an unknown
  stage counts as in progress); ``STAGE_ID`` never picks the pipeline;
- on update, a stage of another pipeline is ignored (the old stage stays, the call still answers ``true``).

Everything here is plain data guarded by the store's lock; the store persists it in its ``meta`` table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PIPELINE_NAME = "General"
STAGE_ID_MAX = 21

# (code, name, semantics: None in progress / "S" success / "F" failure, EXTRA.SEMANTICS, colour)
_DEFAULT_STAGES: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("NEW", "New", None, "process", "#39A8EF"),
    ("PREPARATION", "Preparing documents", None, "process", "#2FC6F6"),
    ("PREPAYMENT_INVOICE", "Prepayment invoice", None, "process", "#55D0E0"),
    ("EXECUTING", "In progress", None, "process", "#47E4C2"),
    ("FINAL_INVOICE", "Final invoice", None, "process", "#FFA900"),
    ("WON", "Deal won", "S", "success", "#7BD500"),
    ("LOSE", "Deal lost", "F", "failure", "#FF5752"),
    ("APOLOGY", "Analyze failure", "F", "apology", "#FF5752"),
)


def directory_of(category: int) -> str:
    """The stage directory (``ENTITY_ID``) of a pipeline: ``DEAL_STAGE`` or ``DEAL_STAGE_<id>``."""
    return "DEAL_STAGE" if category == 0 else f"DEAL_STAGE_{category}"


@dataclass
class Stage:
    row_id: int
    category: int
    status_id: str
    name: str
    sort: int
    semantics: str | None
    extra: str
    color: str

    def row(self) -> dict[str, Any]:
        """A ``crm.status.list`` row (every scalar a string, ``SORT`` included; ``CATEGORY_ID`` null in 0)."""
        return {
            "ID": str(self.row_id),
            "ENTITY_ID": directory_of(self.category),
            "STATUS_ID": self.status_id,
            "NAME": self.name,
            "NAME_INIT": self.name,
            "SORT": str(self.sort),
            "SYSTEM": "Y",
            "CATEGORY_ID": None if self.category == 0 else str(self.category),
            "COLOR": self.color,
            "SEMANTICS": self.semantics,
            "EXTRA": {"SEMANTICS": self.extra, "COLOR": self.color},
        }


@dataclass
class Category:
    id: int
    name: str
    sort: int
    origin_id: str = ""
    originator_id: str = ""
    created: str = ""
    stages: list[Stage] = field(default_factory=list)

    def ordered(self) -> list[Stage]:
        return sorted(self.stages, key=lambda s: (s.sort, s.row_id))

    def first(self, semantics: str | None) -> Stage:
        """The first stage (in sort order) with these semantics; the first stage at all if none has them."""
        stages = self.ordered()
        return next((s for s in stages if s.semantics == semantics), stages[0])

    def engine_row(self) -> dict[str, Any]:
        """A ``crm.category.*`` object: typed values; no origin keys on the default pipeline."""
        row: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "sort": self.sort,
            "entityTypeId": 2,
            "isDefault": "Y" if self.id == 0 else "N",
        }
        if self.id != 0:
            row["originId"] = self.origin_id
            row["originatorId"] = self.originator_id
        return row

    def legacy_row(self) -> dict[str, Any]:
        """A ``crm.dealcategory.list`` row (the pipeline table; never the default pipeline)."""
        return {
            "ID": str(self.id),
            "CREATED_DATE": self.created,
            "NAME": self.name,
            "SORT": str(self.sort),
            "IS_LOCKED": "N",
            "ORIGIN_ID": self.origin_id,
            "ORIGINATOR_ID": self.originator_id,
        }


class Pipelines:
    """The portal's deal pipelines. Not thread-safe on its own: the store calls it under its lock."""

    def __init__(self) -> None:
        self.categories: dict[int, Category] = {}
        self.next_category = 1
        self.next_row = 1
        self._add(0, DEFAULT_PIPELINE_NAME, 500)

    def _add(
        self,
        ident: int,
        name: str,
        sort: int,
        *,
        created: str = "",
        origin_id: str = "",
        originator_id: str = "",
    ) -> Category:
        category = Category(ident, name, sort, origin_id, originator_id, created)
        prefix = "" if ident == 0 else f"C{ident}:"
        for i, (code, title, semantics, extra, color) in enumerate(_DEFAULT_STAGES):
            status_id = (prefix + code)[:STAGE_ID_MAX]
            stage = Stage(self.next_row, ident, status_id, title, (i + 1) * 10, semantics, extra, color)
            category.stages.append(stage)
            self.next_row += 1
        self.categories[ident] = category
        return category

    def add(
        self, name: str, *, sort: int = 500, created: str = "", origin_id: str = "", originator_id: str = ""
    ) -> Category:
        """A new pipeline with the default stages (``C<id>:NEW`` …); ids count up from 1."""
        ident = self.next_category
        self.next_category += 1
        return self._add(ident, name, sort, created=created, origin_id=origin_id, originator_id=originator_id)

    def get(self, category: int) -> Category | None:
        return self.categories.get(category)

    def listed(self) -> list[Category]:
        return sorted(self.categories.values(), key=lambda c: (c.sort, c.id))

    def stage(self, category: int, status_id: str) -> Stage | None:
        found = self.categories.get(category)
        if found is None:
            return None
        return next((s for s in found.stages if s.status_id == status_id), None)

    def semantics_anywhere(self, status_id: str) -> str | None:
        """The semantics a stage id has in whichever pipeline has it; unknown stages count as in progress."""
        for category in self.categories.values():
            for s in category.stages:
                if s.status_id == status_id:
                    return s.semantics
        return None

    def stage_on_add(self, category: int, status_id: str | None) -> str:
        """The stage a new deal gets: its own if it is one of the pipeline's, else the first stage with the
        same semantics (factory path); the first stage when none was given."""
        target = self.categories[category]
        if not status_id:
            return target.ordered()[0].status_id
        if self.stage(category, status_id) is not None:
            return status_id
        return target.first(self.semantics_anywhere(status_id)).status_id

    def semantic_id(self, category: int, status_id: str | None) -> str:
        """``STAGE_SEMANTIC_ID``: "P", "S" or "F"."""
        stage = self.stage(category, status_id or "")
        if stage is None or stage.semantics is None:
            return "P"
        return stage.semantics

    def rows(self, directory: str | None) -> list[dict[str, Any]]:
        """``crm.status.list`` rows of one directory (every directory when None), in sort order."""
        out: list[Stage] = []
        for category in sorted(self.categories):
            if directory is None or directory_of(category) == directory:
                out.extend(self.categories[category].ordered())
        if directory is None:
            out.sort(key=lambda s: (s.sort, s.row_id))
        return [s.row() for s in out]

    # ------------------------------------------------------------------ persistence (one JSON value)

    def dumps(self) -> str:
        return json.dumps(
            {
                "next_category": self.next_category,
                "next_row": self.next_row,
                "categories": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "sort": c.sort,
                        "origin_id": c.origin_id,
                        "originator_id": c.originator_id,
                        "created": c.created,
                        "stages": [
                            [s.row_id, s.status_id, s.name, s.sort, s.semantics, s.extra, s.color]
                            for s in c.stages
                        ],
                    }
                    for c in self.categories.values()
                ],
            },
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, text: str) -> Pipelines:
        data = json.loads(text)
        made = cls()
        made.categories = {}
        made.next_category = int(data["next_category"])
        made.next_row = int(data["next_row"])
        for c in data["categories"]:
            category = Category(
                int(c["id"]), c["name"], int(c["sort"]), c["origin_id"], c["originator_id"], c["created"]
            )
            category.stages = [
                Stage(int(r), category.id, sid, name, int(sort), sem, extra, color)
                for r, sid, name, sort, sem, extra, color in c["stages"]
            ]
            made.categories[category.id] = category
        return made


__all__ = ["Category", "Pipelines", "Stage", "directory_of"]
