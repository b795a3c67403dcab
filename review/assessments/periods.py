"""Assessment periods: a month `2026-11`, a quarter `2026-Q4` or a year `2026`. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable

PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2])|-Q(?P<quarter>[1-4]))?$")


def is_period(text: str) -> bool:
    found = PATTERN.fullmatch(text.strip())
    return bool(found) and 2000 <= int(found["year"]) <= 2100  # type: ignore[index]


def months(period: str) -> list[str]:
    """The months a period holds, in order; ValueError for text that is not a period."""
    found = PATTERN.fullmatch(period.strip())
    if not found:
        raise ValueError(f"not a period: {period!r}")
    year = found["year"]
    if found["month"]:
        return [f"{year}-{found['month']}"]
    if found["quarter"]:
        first = (int(found["quarter"]) - 1) * 3 + 1
        return [f"{year}-{m:02d}" for m in range(first, first + 3)]
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def first_month(period: str) -> str:
    """The first month of a period."""
    return months(period)[0]


def kind(period: str) -> str:
    """month, quarter or year."""
    return {1: "month", 3: "quarter", 12: "year"}[len(months(period))]


def enclosing(period: str) -> list[str]:
    """The period and those that hold it: a month's quarter and year, a quarter's year."""
    year = period[:4]
    if kind(period) == "month":
        return [period, f"{year}-Q{(int(period[5:7]) - 1) // 3 + 1}", year]
    return [period, year] if kind(period) == "quarter" else [period]


def with_enclosing(found: Iterable[str]) -> set[str]:
    return {p for period in found for p in enclosing(period)}


def _sort_key(period: str) -> tuple[str, int]:
    """Each period keyed by its last month and then its length: newest first puts a year before its last quarter."""
    return months(period)[-1], len(months(period))


def newest_first(found: Iterable[str]) -> list[str]:
    return sorted(found, key=_sort_key, reverse=True)
