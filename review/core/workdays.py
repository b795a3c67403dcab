"""Deadlines in working days on the Chinese calendar (holidays and 调休 make-up days).

Pure: a `Calendar` is built from the holiday table's rows and answers without I/O. The rows for the
years `chinese_calendar` covers come from `package_rows()`; the office loads later years from the State
Council's notice. A year without an official table is never guessed silently: it is counted Monday to
Friday less the statutory days fixed on the solar calendar (`FIXED_HOLIDAYS`), and any deadline that
counts a day of it is marked provisional (暂定).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class DayKind(str, Enum):
    holiday = "holiday"  # 放假: a day off, whatever the weekday
    workday = "workday"  # 调休上班: a make-up working day, usually a Saturday or Sunday


class YearStatus(str, Enum):
    official = "official"  # the State Council's notice (or `chinese_calendar`, which transcribes it)
    provisional = "provisional"  # entered ahead of the notice; deadlines counted over it are 暂定


KIND_LABELS = {DayKind.holiday.value: "放假", DayKind.workday.value: "调休上班"}
STATUS_LABELS = {YearStatus.official.value: "正式", YearStatus.provisional.value: "暂定"}

# 《全国年节及纪念日放假办法》(2024 revision): the statutory days that fall on a fixed solar date —
# 元旦 1 Jan, 劳动节 1–2 May, 国庆节 1–3 Oct. The lunar festivals and 清明 are not guessed.
FIXED_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}


# Days added on each side when the working-day index grows.
_MARGIN_DAYS = 120


@dataclass(frozen=True)
class HolidayDay:
    """One row of the holiday table: a date the calendar treats differently from Monday–Friday."""

    day: dt.date
    kind: str
    name: str = ""
    status: str = YearStatus.official.value


@dataclass(frozen=True)
class Due:
    """A deadline: the day, whether it is provisional, and what it was counted from (to count it again)."""

    day: dt.date
    provisional: bool
    start: dt.date
    workdays: int


class Calendar:
    """Working days from the holiday table; years with no official rows follow the provisional rule."""

    def __init__(self, rows: Iterable[HolidayDay]) -> None:
        self._kinds: dict[dt.date, str] = {}
        self.official_years: frozenset[int]
        official: set[int] = set()
        for row in rows:
            self._kinds[row.day] = row.kind
            if row.status == YearStatus.official.value:
                official.add(row.day.year)
        self.official_years = frozenset(official)
        # The index behind `workdays_between` and `shift`, over a span of days grown as it is asked about:
        # `_counts[i]` is how many working days lie in (origin, origin + i], `_workdays` those days in order.
        self._origin: dt.date | None = None
        self._counts: list[int] = []
        self._workdays: list[dt.date] = []

    def is_official(self, year: int) -> bool:
        return year in self.official_years

    def is_workday(self, day: dt.date) -> bool:
        kind = self._kinds.get(day)
        if kind is not None:
            return kind == DayKind.workday.value
        if not self.is_official(day.year) and (day.month, day.day) in FIXED_HOLIDAYS:
            return False
        return day.weekday() < 5

    def workdays_between(self, after: dt.date, through: dt.date) -> int:
        """How many working days lie after `after`, up to and including `through` (0 if it is not later)."""
        if through <= after:
            return 0
        if self._origin is None or after < self._origin or through > self._last():
            self._cover(after, through)  # both ends counted from one origin
        return self._number(through) - self._number(after)

    def shift(self, day: dt.date, count: int) -> dt.date:
        """The working day `count` working days after `day` (`day` itself not counted), or before it for a
        negative count; `day` for 0."""
        if count > 0:
            position = self._number(day) + count - 1
            while position >= len(self._workdays):
                self._cover(self._origin_or(day), self._last() + dt.timedelta(days=2 * count + _MARGIN_DAYS))
            return self._workdays[position]
        if count < 0:
            before = day - dt.timedelta(days=1)
            while self._number(before) + count < 0:
                self._cover(self._origin_or(day) - dt.timedelta(days=2 * -count + _MARGIN_DAYS), before)
            return self._workdays[self._number(before) + count]
        return day

    def _origin_or(self, day: dt.date) -> dt.date:
        return self._origin if self._origin is not None else day

    def _last(self) -> dt.date:
        assert self._origin is not None
        return self._origin + dt.timedelta(days=len(self._counts) - 1)

    def _number(self, day: dt.date) -> int:
        """Working days in (origin, day]."""
        if self._origin is not None:
            index = (day - self._origin).days
            if 0 <= index < len(self._counts):
                return self._counts[index]
        self._cover(day, day)
        assert self._origin is not None
        return self._counts[(day - self._origin).days]

    def _cover(self, first: dt.date, last: dt.date) -> None:
        """Grow the index to span `first` to `last` at least, with a margin each side."""
        if self._origin is not None and self._origin <= first:
            origin = self._origin
        else:
            origin = first - dt.timedelta(days=_MARGIN_DAYS)
        end = max(last, self._last() if self._origin is not None else last) + dt.timedelta(days=_MARGIN_DAYS)
        if origin != self._origin:
            self._origin, self._counts, self._workdays = origin, [0], []
        day, count = self._last(), self._counts[-1]
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
                self._workdays.append(day)
            self._counts.append(count)

    def add_workdays(self, start: dt.date, days: int) -> Due:
        """The date `days` working days after `start` (start itself not counted), provisional if any day
        counted lies in a year without an official table."""
        day = start
        remaining = days
        provisional = False
        while remaining > 0:
            day += dt.timedelta(days=1)
            provisional = provisional or not self.is_official(day.year)
            if self.is_workday(day):
                remaining -= 1
        return Due(day=day, provisional=provisional, start=start, workdays=days)


def package_rows() -> list[HolidayDay]:
    """Every holiday and make-up day `chinese_calendar` records, as official rows."""
    # lazy: the package's tables are read only when the holiday table is seeded, not by every process
    from chinese_calendar.constants import Holiday, holidays, workdays

    chinese = {h.value: h.chinese for h in Holiday}
    rows = [HolidayDay(day, DayKind.holiday.value, chinese.get(name, name)) for day, name in holidays.items()]
    rows += [
        HolidayDay(day, DayKind.workday.value, chinese.get(name, name)) for day, name in workdays.items()
    ]
    return sorted(rows, key=lambda r: r.day)


def package_years() -> frozenset[int]:
    """The years `chinese_calendar` covers."""
    return frozenset(r.day.year for r in package_rows())
