"""Loading a year of holidays from the State Council's notice: a file (CSV/XLSX), the page's form or the API.

Every row is checked first and nothing is written unless all are good. A load replaces the year's rows
(a notice may also name days at the end of the year before or the start of the year after: those replace
only their own dates), is audited with the rows before and after, and counts every open provisional
deadline again.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from review.core import calendar, db
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Invalid
from review.core.spreadsheets import ImportReport, RowReport, table_rows
from review.core.tables import Holiday
from review.core.workdays import KIND_LABELS, DayKind, HolidayDay, YearStatus
from review.deadlines import services as deadlines
from review.holidays import services as holidays

DEFAULT_SOURCE = "国务院办公厅通知"
COLUMNS = {"date": ("日期", "date"), "kind": ("类型", "kind"), "name": ("名称", "name")}
KINDS = {
    "放假": DayKind.holiday.value,
    "休": DayKind.holiday.value,
    "holiday": DayKind.holiday.value,
    "调休上班": DayKind.workday.value,
    "上班": DayKind.workday.value,
    "班": DayKind.workday.value,
    "workday": DayKind.workday.value,
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class HolidayLoad(ImportReport):
    """Row by row; `imported` (the days loaded) is 0 whenever any row failed (nothing is half-loaded)."""

    year: int | None = None
    changes: tuple[dict[str, Any], ...] = ()

    @property
    def loaded(self) -> int:
        """The days loaded (载入天数)."""
        return self.imported


class RowError(ValueError):
    pass


def _cell(row: dict[str, Any], column: str) -> Any:
    for header in COLUMNS[column]:
        for key, value in row.items():
            if key.strip().lower() == header:
                return value
    return None


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value or "").strip())
    if not match:
        raise RowError("日期应写作 2027-01-01")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise RowError(f"没有这一天：{str(value).strip()}") from None


def parse_row(row: dict[str, Any]) -> HolidayDay:
    """One row as a holiday day; RowError says in Chinese what is wrong."""
    day = _day(_cell(row, "date"))
    kind = KINDS.get(str(_cell(row, "kind") or "").strip().lower())
    if kind is None:
        raise RowError("类型应为「放假」或「调休上班」")
    if kind == DayKind.workday.value and day.weekday() < 5:
        raise RowError(f"{day.isoformat()} 是工作日，调休上班日应为周六或周日")
    name = str(_cell(row, "name") or "").strip()
    if len(name) > 60:
        raise RowError("名称不超过 60 个字")
    return HolidayDay(day, kind, name)


def text_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    """The page's text box: one day a line, `日期 类型 名称` separated by commas, tabs or spaces."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        parts = [p for p in re.split(r"[,，\t ]+", line.strip()) if p]
        if parts:
            rows.append(
                (number, dict(zip(("date", "kind", "name"), [*parts[:2], " ".join(parts[2:])], strict=False)))
            )
    return rows


# A notice names at most a year's days (and the make-up workdays among them).
NOTICE_MAX_ROWS = 1_000


def year_param(value: Any, default: int | None = None) -> int | None:
    """A year from a form or query string; 422 naming the field when it is not one."""
    text = str(value or "").strip()
    if not text:
        return default
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise Invalid("invalid_field", "年份应为 2000 至 2100 之间的四位数", field="year")
    return int(text)


def _notice_year(days: list[HolidayDay], year: int | None) -> int:
    if year is not None:
        return year
    return Counter(d.day.year for d in days).most_common(1)[0][0]


def _belongs(day: date, year: int) -> bool:
    """A notice for `year` names its own year's days, or December before it and January after it."""
    return (
        day.year == year
        or (day.year == year - 1 and day.month == 12)
        or (day.year == year + 1 and day.month == 1)
    )


def check_rows(
    raw: Iterable[tuple[int, dict[str, Any]]], year: int | None
) -> tuple[int | None, list[RowReport], list[HolidayDay]]:
    """Every row checked: (the notice's year, a report per row, the good days)."""
    parsed: list[tuple[int, HolidayDay | RowError]] = []
    for number, row in raw:
        try:
            parsed.append((number, parse_row(row)))
        except RowError as error:
            parsed.append((number, error))
    good = [d for _, d in parsed if isinstance(d, HolidayDay)]
    notice = _notice_year(good, year) if good else year
    reports: list[RowReport] = []
    seen: set[date] = set()
    for number, item in parsed:
        if isinstance(item, HolidayDay):
            if notice is not None and not _belongs(item.day, notice):
                item = RowError(f"{item.day.isoformat()} 不属于 {notice} 年的放假安排")
            elif item.day in seen:
                item = RowError(f"{item.day.isoformat()} 在表中重复")
            else:
                seen.add(item.day)
        if isinstance(item, RowError):
            reports.append(RowReport(number, False, str(item)))
        else:
            label = KIND_LABELS[item.kind]
            reports.append(RowReport(number, True, f"{item.day.isoformat()} {label} {item.name}".strip()))
    return notice, reports, [d for _, d in parsed if isinstance(d, HolidayDay)]


async def load_year(
    *,
    raw: Iterable[tuple[int, dict[str, Any]]],
    actor: Actor,
    source: str,
    year: int | None = None,
    status: str = YearStatus.official.value,
) -> HolidayLoad:
    """载入放假安排: replace a year's holidays and make-up days; open provisional deadlines are counted again."""
    OFFICE.check(actor, "只有评议办可以载入节假日安排")
    source = source.strip()
    if not source:
        raise Invalid("source_required", "请填写来源，如国务院办公厅通知及其文号", field="source")
    if len(source) > 120:
        raise Invalid("invalid_field", "来源不超过 120 个字", field="source")
    if status not in (YearStatus.official.value, YearStatus.provisional.value):
        raise Invalid("invalid_field", "状态应为 official（正式）或 provisional（暂定）", field="status")
    if year is not None and not 2000 <= year <= 2100:
        raise Invalid("invalid_field", "年份应在 2000 至 2100 之间", field="year")
    notice, reports, days = check_rows(raw, year)
    if not reports:
        raise Invalid("empty_file", "没有节假日数据：每行应有日期、类型和名称")
    if notice is None or len(days) < len(reports):
        return HolidayLoad(tuple(reports), 0, year=notice)
    now = datetime.now(UTC)
    async with db.transaction():
        await db.lock_name(holidays.TABLE_LOCK)  # loads replace days one after another, never side by side
        before = await holidays.year_table(notice)
        standing = await calendar.calendar()  # the table before this load: what open clocks are counted from
        official = standing.official_years
        await (
            Holiday.delete()
            .where(
                ((Holiday.day >= date(notice, 1, 1)) & (Holiday.day <= date(notice, 12, 31)))
                | Holiday.day.is_in([d.day for d in days])
            )
            .run()
        )

        def status_of(day: date) -> str:
            # A day named from the neighbouring year keeps that year's standing.
            if day.year == notice:
                return status
            return YearStatus.official.value if day.year in official else YearStatus.provisional.value

        await Holiday.insert(
            *[
                Holiday(
                    day=d.day,
                    kind=d.kind,
                    name=d.name,
                    source=source,
                    status=status_of(d.day),
                    updated_at=now,
                    updated_by=actor.label,
                )
                for d in days
            ]
        ).run()
        changes = await holidays.recount_provisional(actor_label=actor.label)
        await deadlines.holidays_changed(before=standing, cause_ref=str(notice), actor_label=actor.label,
                                         recounted=changes)
        await audit.record(
            case_id=None,
            actor=actor.label,
            action="holidays_loaded",
            data={
                "year": notice,
                "status": status,
                "source": source,
                "before": {
                    "status": before.status,
                    "days": len(before.days),
                    "sources": list(before.sources),
                },
                "days": [{"date": d.day.isoformat(), "kind": d.kind, "name": d.name} for d in days],
                "changes": changes,
            },
        )
    return HolidayLoad(tuple(reports), len(days), year=notice, changes=tuple(changes))


async def load_file(
    *, path: Path, actor: Actor, source: str, year: int | None = None, status: str = YearStatus.official.value
) -> HolidayLoad:
    """`review holidays import FILE` and the page's upload: a CSV or XLSX with 日期, 类型, 名称."""
    return await load_year(raw=await table_rows(path, max_rows=NOTICE_MAX_ROWS), actor=actor, source=source, year=year, status=status)
