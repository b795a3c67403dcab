"""The clocks as the rest of the platform reads them: the policy in force and a case's clocks from its events;
what a holiday table change moved (`holidays_changed`, called by the holiday table's writers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from review.core import clock
from review.core.calendar import calendar
from review.core.workdays import Calendar
from review.deadlines import policy as rules
from review.deadlines.clocks import Clock, clocks
from review.deadlines.services import policy as versions
from review.deadlines.services.shifts import events_of

__all__ = ["Clock", "as_json", "case_clocks", "holidays_changed", "policy_in_force"]


async def policy_in_force() -> rules.Policy:
    """The clock policy cases are timed by: the latest published version (one small query per call)."""
    return (await versions.in_force()).policy


async def holidays_changed(*, before: Calendar, cause_ref: str, actor_label: str,
                           recounted: Iterable[Mapping[str, Any]] = ()) -> int:
    """After a change of the holiday table is written (inside its transaction): every open clock counted again
    against `before`, the calendar as it stood, and each move recorded, with the invitations' reply deadlines
    the change counted again (`recounted`: `review.holidays.services.recount_provisional`'s changes). Returns the
    number of moves."""
    return await versions.holidays_changed(before=before, cause_ref=cause_ref, actor_label=actor_label,
                                           recounted=recounted)


async def case_clocks(events: Iterable[Mapping[str, Any]], *, now: datetime | None = None) -> list[Clock]:
    """The case's clocks from its audit events (each with `at` and `action`), as the holiday table stands. An
    open stage runs on the version in force now; a stage that has ended keeps the version in force when it ended
    (a new version counts open clocks again, never finished ones)."""
    found, days, now = events_of(events), await calendar(), now or clock.now()
    history = await versions.history()
    if len(history) == 1:
        return clocks(found, history[0].policy, days, now)
    by_version = {v.version: clocks(found, v.policy, days, now) for v in history}
    current = history[-1].version
    kept = [c for c in by_version[current] if c.open]
    for version, computed in by_version.items():
        kept += [c for c in computed
                 if c.end is not None and versions.in_force_at(history, c.end).version == version]
    order = list(rules.STAGES)
    return sorted(kept, key=lambda c: (c.start, order.index(c.stage), c.occurrence))


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
