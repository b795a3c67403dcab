"""Which cases an actor may see: the one check every case read goes through."""

from __future__ import annotations

from review import db
from review.actors import Actor
from review.errors import NotFound

_SEATED = (
    "SELECT panel.\"case\" AS case_id FROM seat JOIN panel ON panel.id = seat.panel"
    " JOIN roster_member m ON m.id = seat.member"
    " WHERE m.\"user\" = {} AND seat.status = 'accepted' AND panel.status != 'dissolved'"
)


# The case with everything its page shows in one row: department, sheets in, ruling and verdict.
_CASE = (
    "SELECT c.*, d.name AS department_name, d.code AS department_code,"
    " (SELECT COUNT(*) FROM score_sheet s WHERE s.\"case\" = c.id AND s.submitted = {}) AS sheets_submitted,"
    " r.id AS ruling_id, r.total AS ruling_total, r.grade AS ruling_grade, r.reasoning AS ruling_reasoning,"
    " r.redo_deadline AS ruling_redo_deadline,"
    " v.number AS verdict_number, v.status AS verdict_status, v.code AS verdict_code"
    " FROM review_case c JOIN department d ON d.id = c.department"
    " LEFT JOIN ruling r ON r.\"case\" = c.id LEFT JOIN verdict v ON v.ruling_id = r.id"
    " WHERE c.number = {} ORDER BY v.id DESC LIMIT 1"
)


async def seated_case_ids(user_id: int) -> list[int]:
    """Cases on whose panel this member holds an accepted seat."""
    rows = await db.fetch(_SEATED, user_id)
    return [r["case_id"] for r in rows]


async def may_see(actor: Actor, case: dict) -> bool:
    if actor.kind == "office":
        return True
    if actor.kind == "liaison":
        return actor.department_id is not None and case["department"] == actor.department_id
    if actor.kind == "complainant":
        return case["id"] == actor.case_id
    if actor.kind == "member" and actor.user_id is not None:
        rows = await db.fetch(_SEATED + " AND panel.\"case\" = {}", actor.user_id, case["id"])
        return bool(rows)
    return False


async def visible_case(actor: Actor, number: str) -> dict:
    """The case row (with its department's name) if `actor` may see it; the same 404 if missing or hidden."""
    rows = await db.fetch(_CASE, True, number)
    if not rows or not await may_see(actor, rows[0]):
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0]
