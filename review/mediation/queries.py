"""Mediation's reads: the office's list with each clock, a participant's sessions to come, a case's mediation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from review.core import clock, db
from review.core.actors import OFFICE, Actor
from review.mediation import sql
from review.mediation.domain import clock as clock_rules

OVERDUE_LABELS = clock_rules.OVERDUE_LABELS


def overdue(mediation: dict, *, sessions: int, today: date) -> str:
    """'' or what is overdue of a mediation row: its first session (start_by) or its end (end_by)."""
    return clock_rules.overdue(status=mediation["status"], start_by=mediation["start_by"],
                               end_by=mediation["end_by"], sessions=sessions, today=today)


async def office_list(*, actor: Actor, today: date | None = None) -> list[db.Row]:
    """Every mediation, newest first, with its case, state and clock, and what is overdue."""
    OFFICE.check(actor)
    day = today or clock.today_in_china()
    rows = await db.fetch(sql.OFFICE_LIST)
    for r in rows:
        r["overdue"] = overdue(r, sessions=int(r["sessions"]), today=day)
    return [db.Row(r) for r in rows]


async def upcoming_sessions(*, actor: Actor) -> list[db.Row]:
    """The sessions still to come that `actor` is invited to (the complainant: of their one case)."""
    now = clock.now()
    if actor.kind == "complainant":
        rows = await db.fetch(sql.UPCOMING_OF_COMPLAINANT, now, actor.case_id or 0)
    elif actor.kind in ("liaison", "member") and actor.user_id:
        rows = await db.fetch(sql.UPCOMING_OF_ACCOUNT, now, actor.user_id)
    else:
        rows = []
    return [db.Row(r) for r in rows]


@dataclass
class CaseMediation:
    """A case's latest mediation with its sessions, each with who is invited and how they answered."""

    mediation: db.Row
    overdue: str
    sessions: list[db.Row] = field(default_factory=list)
    earlier: int = 0  # mediations of the case before this one


async def of_case(number: str, *, today: date | None = None) -> CaseMediation | None:
    """The case's latest mediation, or None; callers check that the reader may see the case."""
    found = await db.fetch(sql.OF_CASE, number)
    if not found:
        return None
    mediation = db.Row(found[0])
    sessions = [db.Row(s, participants=[]) for s in await db.fetch(sql.SESSIONS_OF, mediation["id"])]
    by_id: dict[int, Any] = {s["id"]: s for s in sessions}
    for p in await db.fetch(sql.PARTICIPANTS_OF_MEDIATION, mediation["id"]):
        by_id[p["session"]]["participants"].append(db.Row(p))
    live = sum(1 for s in sessions if s["status"] != "cancelled")
    return CaseMediation(mediation, overdue(mediation, sessions=live, today=today or clock.today_in_china()),
                         sessions, earlier=len(found) - 1)
