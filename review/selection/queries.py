"""Reads of the selection for its pages and the API: a proposal's page (its counts, filters and decisions), the
screening queue, and a decision as JSON."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from review.core import db
from review.core.actors import OFFICE, Actor
from review.core.clock import CHINA
from review.core.errors import Invalid, NotFound
from review.selection import sql
from review.selection.policy import RULE_LABELS
from review.selection.services import screening
from review.selection.services.screening import Filters, SelectionView


def filters(*, department: str | None = None, category: str | None = None, selected: bool | None = None,
            rule: str | None = None, adjusted: bool = False) -> Filters:
    """The filters as given, a rule not among the policy's refused naming the field."""
    rule = (rule or "").strip()
    if rule and rule not in RULE_LABELS:
        raise Invalid("invalid_field", f"规则应为 {'、'.join(RULE_LABELS)} 之一", field="rule")
    return Filters(department=(department or "").strip(), category=(category or "").strip(), selected=selected,
                   rule=rule, adjusted=adjusted)


@dataclass
class ProposalPage:
    selection: SelectionView
    per_department: list[dict[str, Any]]
    per_rule: dict[str, int]
    categories: list[str]
    decisions: list[dict[str, Any]]
    next_after: int | None
    filters: Filters = field(default_factory=Filters)


async def proposal_page(*, selection_id: int | str, actor: Actor, filters: Filters, after: int = 0,
                        limit: int = 100) -> ProposalPage:
    """One page of a proposal (office only): its counts per department and rule, and the decisions the filters
    keep. A department or category not in the proposal is refused, naming the field."""
    found = await screening.view(selection_id=selection_id, actor=actor)
    per_department = [{k: (int(v) if k not in ("code", "name") else v) for k, v in row.items()}
                      for row in await screening.per_department(found.id)]
    categories = await screening.categories(found.id)
    if filters.department and filters.department not in {d["code"] for d in per_department}:
        raise Invalid("invalid_field", f"本方案中没有部门「{filters.department}」", field="department")
    if filters.category and filters.category not in categories:
        raise Invalid("invalid_field", f"本方案中没有类别「{filters.category}」", field="category")
    rows = await screening.decisions(selection_id=found.id, filters=filters, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return ProposalPage(found, per_department, await screening.per_rule(found.id), categories, rows,
                        rows[-1]["id"] if more and rows else None, filters)


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def decision_json(d: dict[str, Any]) -> dict[str, Any]:
    return {"id": d["id"], "case_number": d["number"], "department_code": d["department_code"],
            "department_name": d["department_name"], "category": d["category"],
            "received_at": _iso(d["received_at"]), "proposed": bool(d["proposed"]), "selected": bool(d["selected"]),
            "rule": d["rule"], "reason": d["reason"],
            "adjusted": _flag(d["adjusted"]), "adjust_reason": d["adjust_reason"] or None,
            "outcome": d["outcome"] or None, "note": d["note"] or None}


@dataclass(frozen=True)
class Queue:
    """The cases waiting for screening, by the day they were taken in (Beijing) and in all."""

    total: int
    requested: int
    by_day: list[tuple[str, int]]


async def queue(actor: Actor) -> Queue:
    """The screening queue as the office's selection page shows it."""
    OFFICE.check(actor)
    rows = await db.fetch(sql.QUEUE)
    days: Counter[str] = Counter()
    for r in rows:
        at = r["created_at"] if isinstance(r["created_at"], datetime) else datetime.fromisoformat(r["created_at"])
        days[at.astimezone(CHINA).date().isoformat()] += 1
    return Queue(total=len(rows), requested=sum(1 for r in rows if r["review_requested"]),
                 by_day=sorted(days.items(), reverse=True)[:14])


async def number_of(actor: Actor) -> str:
    """A complainant's one case, by number."""
    rows = await db.fetch(sql.CASE_NUMBER, actor.case_id or 0)
    if not rows:
        raise NotFound("case_not_found", "未找到该案件")
    return str(rows[0]["number"])
