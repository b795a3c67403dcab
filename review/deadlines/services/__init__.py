"""The clocks as the rest of the platform reads them: the policy in force and a case's clocks from its events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from review.core import clock
from review.core.calendar import calendar
from review.deadlines import policy as rules
from review.deadlines.clocks import Clock, Event, clocks

__all__ = ["Clock", "as_json", "case_clocks", "policy_in_force"]


async def policy_in_force() -> rules.Policy:
    """The clock policy cases are timed by."""
    return rules.DEFAULT


def _events(rows: Iterable[Mapping[str, Any]]) -> list[Event]:
    found = []
    for row in rows:
        at = clock.instant(row["at"])
        if at is not None:
            found.append(Event(at if at.tzinfo else at.replace(tzinfo=UTC), str(row["action"])))
    return found


async def case_clocks(events: Iterable[Mapping[str, Any]], *, now: datetime | None = None) -> list[Clock]:
    """The case's clocks from its audit events (each with `at` and `action`), as the holiday table stands."""
    return clocks(_events(events), await policy_in_force(), await calendar(), now or clock.now())


def as_json(item: Clock) -> dict[str, Any]:
    """One clock as the API gives it."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None
    return {"stage": item.stage, "name": rules.STAGES[item.stage], "occurrence": item.occurrence,
            "start": iso(item.start), "end": iso(item.end), "due": iso(item.due),
            "due_day": item.due_day.isoformat() if item.due_day else None, "provisional": item.provisional,
            "spent": item.spent, "unit": item.unit, "overdue": item.overdue, "paused": item.paused,
            "pauses": [{"kind": p.kind, "name": rules.PAUSE_KINDS[p.kind], "start": iso(p.start), "end": iso(p.end)}
                       for p in item.pauses]}
