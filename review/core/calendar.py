"""The holiday calendar as the office's table stands: every working-day deadline is counted here.

The table is kept in each process and read again whenever its version — the number of rows and the newest
`updated_at` — differs from the one kept, so a notice loaded through one web process is used by every other
process from its next deadline on (one small query per deadline, no cross-process signal to lose). A deadline
counted across a year without an official table is stored with its provisional flag and remembered in
`provisional_deadline` under its subject's key; loading that year counts each open one again
(`review.holidays.services.recount_provisional`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from review.core import clock, db, sql
from review.core.tables import Holiday, ProvisionalDeadline
from review.core.workdays import Calendar, Due, HolidayDay

# The subjects a provisional deadline is remembered under: a seat's reply deadline, a ruling's redo deadline.
SEAT_REPLY = "seat.reply_by"
RULING_REDO = "ruling.redo_deadline"

_kept: tuple[tuple[Any, ...], Calendar] | None = None


async def _version() -> tuple[Any, ...]:
    rows = await db.fetch(sql.HOLIDAY_TABLE_VERSION)
    return (rows[0]["n"], str(rows[0]["at"]))


async def calendar() -> Calendar:
    """The working-day calendar as the holiday table stands now."""
    global _kept
    version = await _version()
    if _kept is not None and _kept[0] == version:
        return _kept[1]
    rows = await Holiday.select(Holiday.day, Holiday.kind, Holiday.name, Holiday.status).run()
    found = Calendar(HolidayDay(r["day"], r["kind"], r["name"], r["status"]) for r in rows)
    _kept = (version, found)
    return found


async def add_workdays(start: date, days: int) -> Due:
    """The day `days` working days after `start`, and whether it is provisional (暂定)."""
    return (await calendar()).add_workdays(start, days)


async def remember(due: Due, *, subject: str, ids: list[int], case_id: int | None) -> None:
    """Keep a provisional deadline's start and count, to count it again once its years are official."""
    if not due.provisional or not ids:
        return
    now = clock.now()
    await ProvisionalDeadline.insert(
        *[
            ProvisionalDeadline(
                subject=subject,
                subject_id=i,
                case=case_id,
                start=due.start,
                workdays=due.workdays,
                due=due.day,
                created_at=now,
            )
            for i in ids
        ]
    ).run()


async def notice_wanted(today: date) -> int | None:
    """The year whose State Council notice the office should load now: this year if it has no official table,
    or from 1 November next year if that has none; None when both are loaded."""
    found = await calendar()
    for year in (today.year, today.year + 1 if today.month >= 11 else None):
        if year is not None and not found.is_official(year):
            return year
    return None
