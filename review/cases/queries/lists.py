"""Read models for pages and the API: one query each, no queries in loops."""

from __future__ import annotations

from typing import Any

from review.cases.queries.visibility import seated_case_ids
from review.core import db
from review.core.actors import Actor
from review.core.tables import Case, Department

CASE_LIST_COLUMNS = (Case.id, Case.number, Case.status, Case.category, Case.district, Case.received_at,
                     Case.department.code.as_alias("department_code"),
                     Case.department.name.as_alias("department_name"))


async def case_list(actor: Actor, *, status: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
    """Cases the actor may see, newest first (never personal data)."""
    query = Case.select(*CASE_LIST_COLUMNS).order_by(Case.id, ascending=False).limit(limit).offset(offset)
    if status:
        query = query.where(Case.status == status)
    if actor.kind == "liaison":
        query = query.where(Case.department == actor.department_id)
    elif actor.kind == "member":
        ids = await seated_case_ids(actor.user_id or 0)
        query = query.where(Case.id.is_in(ids or [0]))
    elif actor.kind != "office":
        return []
    return await query.run()


async def status_counts(actor: Actor) -> dict[str, int]:
    if actor.kind != "office":
        return {}
    rows = await db.fetch("SELECT status, COUNT(*) AS n FROM review_case GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


async def departments() -> list[dict[str, Any]]:
    return await Department.select(Department.code, Department.name, Department.level).order_by(Department.code).run()


def case_summary(case: dict, *, with_personal_data: bool) -> dict:
    """A case as the API shows it; personal data only for those who handle the case."""
    out = {
        "case_number": case["number"], "status": case["status"], "category": case["category"],
        "district": case["district"], "channel": case["channel"],
        "received_at": case["received_at"].isoformat(), "content": case["content"], "reply": case["reply"],
        "status_reason": case["status_reason"],
    }
    if with_personal_data:
        out["complainant"] = {"name": case["complainant_name"], "phone": case["complainant_phone"]}
    return out
