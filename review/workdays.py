"""Deadlines in working days on the Chinese calendar (holidays and 调休 make-up days)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package does not cover yet: fall back to Mon–Fri
        return day.weekday() < 5


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
