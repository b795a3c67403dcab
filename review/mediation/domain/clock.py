"""Mediation's clock (pure): when it must end, and what of an open mediation is overdue on a given day.

The start is counted in working days on the holiday table by the kernel (`review.core.calendar.add_workdays`)."""

from __future__ import annotations

from datetime import date, timedelta

OVERDUE_LABELS = {"start": "逾期未开调解会", "end": "调解逾期未结束"}


def end_by(opened: date, days: int) -> date:
    """The day mediation opened on `opened` must end by: `days` calendar days later."""
    return opened + timedelta(days=days)


def extended_end(current: date, today: date, days: int) -> date:
    """The end after an extension by `days`: counted from the current end, or from today if that has passed."""
    return max(current, today) + timedelta(days=days)


def overdue(*, status: str, start_by: date, end_by: date, sessions: int, today: date) -> str:
    """'' or what is overdue of a mediation on `today`: 'end' past its end, 'start' past its start with no
    session held or scheduled; nothing once it has ended."""
    if status != "open":
        return ""
    if today > end_by:
        return "end"
    if sessions == 0 and today > start_by:
        return "start"
    return ""
