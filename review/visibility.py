"""Which cases an actor may see: the one check every case read goes through."""

from __future__ import annotations

from review.actors import Actor
from review.errors import NotFound
from review.tables import Case

_SEATED = (
    "SELECT panel.\"case\" AS case_id FROM seat JOIN panel ON panel.id = seat.panel"
    " JOIN roster_member m ON m.id = seat.member"
    " WHERE m.\"user\" = {} AND seat.status = 'accepted' AND panel.status != 'dissolved'"
)


async def seated_case_ids(user_id: int) -> list[int]:
    """Cases on whose panel this member holds an accepted seat."""
    rows = await Case.raw(_SEATED, user_id).run()
    return [r["case_id"] for r in rows]


async def may_see(actor: Actor, case: dict) -> bool:
    if actor.kind == "office":
        return True
    if actor.kind == "liaison":
        return actor.department_id is not None and case["department"] == actor.department_id
    if actor.kind == "complainant":
        return case["id"] == actor.case_id
    if actor.kind == "member" and actor.user_id is not None:
        rows = await Case.raw(_SEATED + " AND panel.\"case\" = {}", actor.user_id, case["id"]).run()
        return bool(rows)
    return False


async def visible_case(actor: Actor, number: str) -> dict:
    """The case row (with its department's name) if `actor` may see it; the same 404 if missing or hidden."""
    rows = await Case.raw(
        "SELECT c.*, d.name AS department_name, d.code AS department_code FROM review_case c"
        " JOIN department d ON d.id = c.department WHERE c.number = {}", number,
    ).run()
    if not rows or not await may_see(actor, rows[0]):
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0]
