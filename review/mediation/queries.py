"""Mediation's reads: the office's list with each clock, a participant's sessions to come, a case's mediation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from review.cases.lifecycle import MEDIATION_FROM
from review.core import clock, db, settings
from review.core.actors import OFFICE, Actor
from review.mediation import sql
from review.mediation.domain import clock as clock_rules
from review.mediation.domain.reminders import offset_label, reminder_text

OVERDUE_LABELS = clock_rules.OVERDUE_LABELS
MEDIATION_FROM_VALUES = frozenset(s.value for s in MEDIATION_FROM)


def overdue(mediation: dict, *, sessions: int, today: date) -> str:
    """'' or what is overdue of a mediation row: its first session (start_by) or its end (end_by)."""
    return clock_rules.overdue(status=mediation["status"], start_by=mediation["start_by"],
                               end_by=mediation["end_by"], sessions=sessions, today=today)


async def office_list(*, actor: Actor, today: date | None = None) -> list[db.Row]:
    """Every mediation, newest first, with its case, state and clock, and what is overdue."""
    OFFICE.check(actor)
    day = today or clock.today_in_china()
    rows = await db.fetch(sql.OFFICE_LIST)
    next_of: dict[int, dict] = {}
    for s in await db.fetch(sql.NEXT_SESSIONS, clock.now()):
        next_of.setdefault(s["mediation"], s)  # the earliest to come
    for r in rows:
        r["overdue"] = overdue(r, sessions=int(r["sessions"]), today=day)
        following = next_of.get(r["id"])
        # 已确认 n/m: of the next session's invitees, how many have accepted.
        r["next_starts_at"] = following["starts_at"] if following else None
        r["confirmed"] = int(following["accepted"] or 0) if following else 0
        r["invited"] = int(following["invited"]) if following else 0
    return [db.Row(r) for r in rows]


async def upcoming_sessions(*, actor: Actor) -> list[db.Row]:
    """The sessions still to come that `actor` is invited to (the complainant: of their one case), each with
    its room's address and the reminders recorded for the invitee (newest first)."""
    now = clock.now()
    if actor.kind == "complainant":
        rows = await db.fetch(sql.UPCOMING_OF_COMPLAINANT, now, actor.case_id or 0)
        sent = await db.fetch(sql.REMINDERS_OF_COMPLAINANT, now, actor.case_id or 0) if rows else []
    elif actor.kind in ("liaison", "member") and actor.user_id:
        rows = await db.fetch(sql.UPCOMING_OF_ACCOUNT, now, actor.user_id)
        sent = await db.fetch(sql.REMINDERS_OF_ACCOUNT, now, actor.user_id) if rows else []
    else:
        rows, sent = [], []
    by_participant: dict[int, list[db.Row]] = {}
    for r in sent:
        by_participant.setdefault(r["participant"], []).append(
            db.Row(r, text=reminder_text(r["offset_minutes"]), offset=offset_label(r["offset_minutes"])))
    return [db.Row(r, room=f"/mediation/{r['mediation_id']}", reminders=by_participant.get(r["participant_id"], []))
            for r in rows]


@dataclass
class ViewerPart:
    """What the case page's mediation part shows its viewer of their own: their sessions to come on this case
    (with their invitation and reminders) and whether they, as the panel's chair, may open mediation."""

    upcoming: list[db.Row] = field(default_factory=list)
    may_open: bool = False

    @property
    def next(self) -> db.Row | None:
        return self.upcoming[0] if self.upcoming else None


async def viewer_part(*, actor: Actor, case: dict) -> ViewerPart:
    """The viewer's own part of a case's mediation (`case`: the case row the page is built from)."""
    upcoming = [u for u in await upcoming_sessions(actor=actor) if u["number"] == case["number"]]
    may_open = False
    if actor.kind == "member" and settings.MEDIATION_CHAIR_MAY_OPEN and case["status"] in MEDIATION_FROM_VALUES:
        chairs = {r["account"] for r in await db.fetch(sql.CHAIR_OF_CASE, case["id"])}
        may_open = actor.user_id is not None and actor.user_id in chairs
    return ViewerPart(upcoming=upcoming, may_open=may_open)


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
