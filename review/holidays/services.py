"""The holiday table behind every working-day deadline: its seed, its years as the office reads them, and
provisional deadlines counted again.

Every deadline in the code base is counted by `review.core.calendar.add_workdays`, on the table as it stands.
A deadline counted across a year without an official table is stored with its provisional flag and
remembered in `provisional_deadline`; loading that year counts each open one again (`recount_provisional`)
and records what changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from panels.services.invitations import end_of_day
from panels.tables import Seat
from review.core import db
from review.core.audit import store as audit
from review.core.calendar import RULING_REDO, SEAT_REPLY, calendar
from review.core.tables import Holiday, ProvisionalDeadline
from review.core.workdays import Due, HolidayDay, YearStatus, package_rows
from review.deadlines import services as deadlines
from review.holidays import sql
from scoring.tables import Ruling

PACKAGE_SOURCE = "chinese_calendar"
SUBJECT_LABELS = {SEAT_REPLY: "评议邀请答复期限", RULING_REDO: "整改期限"}

# Writers of the holiday table take this lock (`db.lock_name`): a load replaces days another load may be writing.
TABLE_LOCK = "holiday"


# --- counting again ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    is_open: Callable[[int], Awaitable[bool]]
    write: Callable[[int, Due], Awaitable[None]]


async def _seat_open(seat_id: int) -> bool:
    rows = await db.fetch(sql.SEAT_STILL_INVITED, seat_id)
    return bool(rows)


async def _seat_write(seat_id: int, due: Due) -> None:
    await (
        Seat.update({Seat.reply_by: end_of_day(due.day), Seat.reply_by_provisional: due.provisional})
        .where(Seat.id == seat_id)
        .run()
    )


async def _ruling_open(ruling_id: int) -> bool:
    return bool(await db.fetch(sql.RULING_IN_FORCE, ruling_id))


async def _ruling_write(ruling_id: int, due: Due) -> None:
    await (
        Ruling.update({Ruling.redo_deadline: due.day, Ruling.redo_deadline_provisional: due.provisional})
        .where(Ruling.id == ruling_id)
        .run()
    )


SUBJECTS = {SEAT_REPLY: _Subject(_seat_open, _seat_write), RULING_REDO: _Subject(_ruling_open, _ruling_write)}


async def recount_provisional(*, actor_label: str) -> list[dict[str, Any]]:
    """Count every open provisional deadline again on the calendar as it now stands (inside the caller's
    transaction); each case's changes are audited on the case. Returns every change, old → new."""
    found = await calendar()
    now = datetime.now(UTC)
    rows = (
        await ProvisionalDeadline.select()
        .where(ProvisionalDeadline.settled_at.is_null())
        .order_by(ProvisionalDeadline.id)
        .run()
    )
    changes: list[dict[str, Any]] = []
    for row in rows:
        subject = SUBJECTS[row["subject"]]
        if not await subject.is_open(row["subject_id"]):
            await (
                ProvisionalDeadline.update({ProvisionalDeadline.settled_at: now})
                .where(ProvisionalDeadline.id == row["id"])
                .run()
            )
            continue
        due = found.add_workdays(row["start"], row["workdays"])
        await subject.write(row["subject_id"], due)
        await (
            ProvisionalDeadline.update(
                {
                    ProvisionalDeadline.due: due.day,
                    ProvisionalDeadline.settled_at: None if due.provisional else now,
                }
            )
            .where(ProvisionalDeadline.id == row["id"])
            .run()
        )
        changes.append(
            {
                "case_id": row["case"],
                "what": row["subject"],
                "id": row["subject_id"],
                "label": SUBJECT_LABELS[row["subject"]],
                "old": row["due"].isoformat(),
                "new": due.day.isoformat(),
                "provisional": due.provisional,
            }
        )
    by_case: dict[int, list[dict[str, Any]]] = {}
    for change in changes:
        if change["case_id"] is not None:
            by_case.setdefault(change["case_id"], []).append(
                {k: change[k] for k in ("what", "label", "old", "new", "provisional")}
            )
    for case_id, items in by_case.items():
        await audit.record(
            case_id=case_id, actor=actor_label, action="deadline_recounted", data={"changes": items}
        )
    return changes


# --- the seed ---------------------------------------------------------------------------------------


async def _package_years_missing() -> list[HolidayDay]:
    existing = {r["day"].year for r in await Holiday.select(Holiday.day).run()}
    return [r for r in package_rows() if r.day.year not in existing]


async def seed_from_package(*, actor_label: str = "system:migrate") -> list[int]:
    """Fill the table from `chinese_calendar` for each year it covers that has no rows yet (rows the office
    entered are never overwritten). Returns the years added; open provisional deadlines are counted again."""
    if not await _package_years_missing():
        return []
    async with db.transaction():
        await db.lock_name(TABLE_LOCK)  # and looked at again under the lock: another process may have seeded
        missing = await _package_years_missing()
        if not missing:
            return []
        standing = await calendar()  # the table before the seed: what open clocks are counted from
        now = datetime.now(UTC)
        years = sorted({r.day.year for r in missing})
        await Holiday.insert(
            *[
                Holiday(
                    day=r.day,
                    kind=r.kind,
                    name=r.name,
                    source=PACKAGE_SOURCE,
                    status=YearStatus.official.value,
                    updated_at=now,
                    updated_by=actor_label,
                )
                for r in missing
            ]
        ).run()
        span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
        changes: list[dict[str, Any]] = []
        if await ProvisionalDeadline.exists().where(ProvisionalDeadline.settled_at.is_null()).run():
            changes = await recount_provisional(actor_label=actor_label)
        await deadlines.holidays_changed(before=standing, cause_ref=span, actor_label=actor_label, recounted=changes)
        if changes:
            await audit.record(
                case_id=None,
                actor=actor_label,
                action="holidays_seeded",
                data={"years": years, "source": PACKAGE_SOURCE, "changes": changes},
            )
    return years


# --- what the office sees ----------------------------------------------------------------------------


@dataclass(frozen=True)
class YearTable:
    """One year of the holiday table as the office reads it."""

    year: int
    status: str  # official / provisional / missing
    days: tuple[dict[str, Any], ...]
    sources: tuple[str, ...]


async def year_table(year: int) -> YearTable:
    rows = (
        await Holiday.select(
            Holiday.day,
            Holiday.kind,
            Holiday.name,
            Holiday.source,
            Holiday.status,
            Holiday.updated_at,
            Holiday.updated_by,
        )
        .where((Holiday.day >= date(year, 1, 1)) & (Holiday.day <= date(year, 12, 31)))
        .order_by(Holiday.day)
        .run()
    )
    statuses = {r["status"] for r in rows}
    status = (
        "missing"
        if not rows
        else YearStatus.official.value
        if YearStatus.official.value in statuses
        else YearStatus.provisional.value
    )
    return YearTable(year, status, tuple(rows), tuple(sorted({r["source"] for r in rows})))
