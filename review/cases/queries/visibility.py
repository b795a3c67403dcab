"""Which cases an actor may see: the one check every case read goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from review.core import db
from review.core.actors import Actor
from review.core.errors import NotFound
from review.core.privacy import mask_case_row, masker

_SEATED = (
    'SELECT panel."case" AS case_id FROM seat JOIN panel ON panel.id = seat.panel'
    " JOIN roster_member m ON m.id = seat.member"
    " WHERE m.\"user\" = {} AND seat.status = 'accepted' AND panel.status != 'dissolved'"
)


_EVENTS = ({"at": "e.at", "action": "e.action", "actor": "e.actor", "to_status": "e.to_status", "reason": "e.reason"},
           "FROM audit_event e WHERE e.\"case\" = c.id", "e.id")
_SEATS = ({"id": "s.id", "name": "m.name", "role": "s.role", "is_chair": "s.is_chair", "status": "s.status",
           "panel": "p.id", "panel_status": "p.status"},
          ("FROM seat s JOIN panel p ON p.id = s.panel JOIN roster_member m ON m.id = s.member"
          " WHERE p.\"case\" = c.id AND p.status != 'dissolved'"), "p.id, s.is_chair DESC, s.id")


@functools.cache
def _case_sql(dialect: str) -> str:
    """The case with everything its page shows, in one row: department, sheets in and when a sheet was last
    saved, ruling, verdict, the timeline and the panel (as JSON arrays)."""
    return (
        "SELECT c.*, d.name AS department_name, d.code AS department_code,"
        ' (SELECT COUNT(*) FROM score_sheet s WHERE s."case" = c.id AND s.submitted = {}) AS sheets_submitted,'
        ' (SELECT MAX(s.updated_at) FROM score_sheet s WHERE s."case" = c.id) AS sheets_saved_at,'
        " r.id AS ruling_id, r.total AS ruling_total, r.grade AS ruling_grade, r.reasoning AS ruling_reasoning,"
        " r.redo_deadline AS ruling_redo_deadline, r.redo_deadline_provisional AS ruling_redo_deadline_provisional,"
        " v.number AS verdict_number, v.status AS verdict_status, v.code AS verdict_code,"
        " (SELECT o.number FROM verdict o WHERE o.id = v.corrects) AS verdict_corrects,"
        f" {db.json_rows(*_EVENTS)} AS events_json, {db.json_rows(*_SEATS)} AS seats_json"
        " FROM review_case c JOIN department d ON d.id = c.department"
        " LEFT JOIN ruling r ON r.\"case\" = c.id AND r.status = 'in_force' LEFT JOIN verdict v ON v.ruling_id = r.id"
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
        rows = await db.fetch(_SEATED + ' AND panel."case" = {}', actor.user_id, case["id"])
        return bool(rows)
    return False


# Who sees a case as it was taken in. Everyone else (members, liaisons) sees the complainant's name, since the
# panel judges how the department handled this person's complaint, but none of their phone, ID number or address
# (nor any identifier's shape): none of them needs those to judge the handling.
SEES_PERSONAL_DATA = frozenset({"office", "complainant"})


def text_masker(actor: Actor, case: dict[str, Any]) -> Callable[[str], str]:
    """How any text about this case reads for `actor`: as written for the office and the complainant; for the
    others with the complainant's phone, ID number and address removed and the name kept."""
    if actor.kind in SEES_PERSONAL_DATA:
        return lambda text: text
    return masker(case, keep_name=True)


async def visible_case(actor: Actor, number: str) -> dict:
    """The case row (see `_case_sql`) if `actor` may see it, masked unless they handle the complainant's data;
    the same 404 if it is missing or hidden."""
    rows = await db.fetch(_case_sql(db.dialect.name()), True, number)
    if not rows or not await may_see(actor, rows[0]):
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0] if actor.kind in SEES_PERSONAL_DATA else mask_case_row(rows[0], keep_name=True)
