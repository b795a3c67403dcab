"""What a change of the clock policy or of the holiday table moves (期限变动): every open case's open clocks
counted before and after the change, one `ClockShift` per open stage whose due time moved, and one audit event
summing them up. Runs inside the changing transaction, so the moves are recorded with the change or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from panels.services.invitations import end_of_day
from review.core import clock, db
from review.core.audit import store as audit
from review.core.calendar import SEAT_REPLY
from review.core.workdays import Calendar
from review.deadlines import policy as rules
from review.deadlines import sql
from review.deadlines.clocks import ACTIONS, FINAL, PAUSE_ACTIONS, Clock, Event, clocks
from review.deadlines.tables import ClockShift

POLICY, HOLIDAYS = "policy", "holidays"
CAUSES = {POLICY: "时限规则变更", HOLIDAYS: "节假日安排变更"}

# Rows per INSERT: well under SQLite's limit on bound values (9 columns a row).
_BATCH = 500

# The actions the clocks read: the rest of a case's events change no clock.
_READ = sorted({a for pair in (*ACTIONS.values(), *PAUSE_ACTIONS.values()) for group in pair for a in group}
               | set(FINAL))
_OPEN_CASE_EVENTS = sql.open_case_events(_READ)


def events_of(rows: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Audit rows (each with `at` and `action`) as the clock computation's events."""
    found = []
    for row in rows:
        at = clock.instant(row["at"])
        if at is not None:
            found.append(Event(at if at.tzinfo else at.replace(tzinfo=UTC), str(row["action"])))
    return found


@dataclass(frozen=True)
class Move:
    case_number: str
    stage: str
    occurrence: int
    due_before: datetime | None
    due_after: datetime | None


def _open(found: list[Clock]) -> dict[tuple[str, int], Clock]:
    return {(c.stage, c.occurrence): c for c in found if c.open}


def moves(number: str, events: list[Event], before: tuple[rules.Policy, Calendar],
          after: tuple[rules.Policy, Calendar], now: datetime) -> list[Move]:
    """The open stages of one case whose due time differs between the two (policy, calendar) pairs. A stage
    the new policy starts timing has no due before; one it stops timing has none after."""
    old = _open(clocks(events, before[0], before[1], now))
    new = _open(clocks(events, after[0], after[1], now))
    found = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (list(rules.STAGES).index(k[0]), k[1])):
        due_before = old[key].due if key in old else None
        due_after = new[key].due if key in new else None
        if due_before != due_after:
            found.append(Move(number, key[0], key[1], due_before, due_after))
    return found


async def _open_cases() -> dict[str, list[Event]]:
    by_case: dict[str, list[dict[str, Any]]] = {}
    for row in await db.fetch(_OPEN_CASE_EVENTS):
        by_case.setdefault(str(row["number"]), []).append(row)
    return {number: events_of(rows) for number, rows in by_case.items()}


async def invitation_moves(recounted: Iterable[Mapping[str, Any]]) -> list[Move]:
    """The invitations' reply deadlines a holiday change counted again (each change as
    `review.holidays.services.recount_provisional` reports it), as moves of their invitation clocks."""
    changes = [c for c in recounted if c.get("what") == SEAT_REPLY and c.get("case_id") is not None
               and c.get("old") != c.get("new")]
    if not changes:
        return []
    numbers = {r["id"]: r["number"] for r in await db.fetch_among(
        sql.CASE_NUMBERS_OF, sorted({int(c["case_id"]) for c in changes}), "int")}
    return [Move(numbers[int(c["case_id"])], "invitation", int(c["id"]),
                 end_of_day(date.fromisoformat(str(c["old"]))), end_of_day(date.fromisoformat(str(c["new"]))))
            for c in changes if int(c["case_id"]) in numbers]


async def record(*, cause: str, cause_ref: str, before: tuple[rules.Policy, Calendar],
                 after: tuple[rules.Policy, Calendar], actor_label: str, also: Iterable[Move] = ()) -> int:
    """Count every open case's open clocks under both, write a ClockShift for each that moved (and for each of
    `also`, moves counted elsewhere) and one audit event with the count (inside the caller's transaction).
    Returns the number of moves."""
    now = clock.now()
    found: list[Move] = list(also)
    for number, events in (await _open_cases()).items():
        found += moves(number, events, before, after, now)
    rows = [ClockShift(cause=cause, cause_ref=cause_ref, case_number=m.case_number, stage=m.stage,
                       occurrence=m.occurrence, due_before=m.due_before, due_after=m.due_after, recorded_at=now)
            for m in found]
    for start in range(0, len(rows), _BATCH):
        await ClockShift.insert(*rows[start:start + _BATCH]).run()
    if found:
        await audit.record(case_id=None, actor=actor_label, action="clock_shifts_recorded",
                           data={"cause": cause, "cause_ref": cause_ref, "shifts": len(found),
                                 "cases": len({m.case_number for m in found})})
    return len(found)


async def latest(limit: int = 50) -> list[dict[str, Any]]:
    """The latest moves, newest first, for the office's page and the API."""
    rows = await ClockShift.select().order_by(ClockShift.id, ascending=False).limit(limit).run()
    return [db.Row({**row, "stage_name": rules.STAGES.get(row["stage"], row["stage"]),
                    "cause_name": CAUSES.get(row["cause"], row["cause"]),
                    "due_before": clock.instant(row["due_before"]), "due_after": clock.instant(row["due_after"]),
                    "recorded_at": clock.instant(row["recorded_at"])})
            for row in rows]
