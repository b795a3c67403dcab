"""Deadlines in working days on the Chinese calendar: holidays skipped, 调休 make-up days counted."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.workdays import add_workdays, is_workday

pytestmark = pytest.mark.unit

D = dt.date


def _first_uncovered_year() -> int:
    year = D.today().year
    while True:
        try:
            chinese_calendar.is_workday(D(year, 6, 1))
        except NotImplementedError:
            return year
        year += 1


@pytest.mark.parametrize("day", [D(2026, 10, n) for n in range(1, 8)])
def test_is_workday_national_day_2026_is_holiday(day: dt.date) -> None:
    assert not is_workday(day)


@pytest.mark.parametrize("day", [D(2026, 9, 20), D(2026, 10, 10)])
def test_is_workday_national_day_make_up_weekend_is_workday(day: dt.date) -> None:
    assert day.weekday() >= 5
    assert is_workday(day)


def test_add_workdays_across_national_day_2026() -> None:
    # Wed 30 Sep, then 1–7 Oct off; Thu 8, Fri 9 and the make-up Sat 10 are working days.
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert add_workdays(D(2026, 9, 30), 4) == D(2026, 10, 12)


def test_add_workdays_from_inside_the_holiday() -> None:
    assert add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)


def test_add_workdays_counts_make_up_sunday_before_national_day() -> None:
    # Sat 19 Sep off, Sun 20 Sep a make-up working day.
    assert add_workdays(D(2026, 9, 18), 1) == D(2026, 9, 20)


def test_add_workdays_five_days_over_ordinary_weekend() -> None:
    # Thu 12 Nov 2026 → Fri 13, Mon 16, Tue 17, Wed 18, Thu 19.
    assert add_workdays(D(2026, 11, 12), 5) == D(2026, 11, 19)


def test_add_workdays_from_friday_lands_on_monday() -> None:
    assert add_workdays(D(2026, 11, 13), 1) == D(2026, 11, 16)


def test_add_workdays_from_saturday_counts_from_monday() -> None:
    assert add_workdays(D(2026, 11, 14), 1) == D(2026, 11, 16)


def test_add_workdays_zero_is_start_itself() -> None:
    assert add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 3)


def test_add_workdays_ten_days_across_mid_autumn_and_national_day() -> None:
    # 25–27 Sep (中秋) and 1–7 Oct off; 20 Sep and 10 Oct worked.
    expected = [
        D(2026, 9, 21),
        D(2026, 9, 22),
        D(2026, 9, 23),
        D(2026, 9, 24),
        D(2026, 9, 28),
        D(2026, 9, 29),
        D(2026, 9, 30),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),
    ]

    assert [add_workdays(D(2026, 9, 20), n) for n in range(1, 11)] == expected


def test_is_workday_uncovered_year_falls_back_to_monday_to_friday() -> None:
    year = _first_uncovered_year()
    monday = D(year, 3, 1) + dt.timedelta(days=-D(year, 3, 1).weekday() + 7)

    assert [is_workday(monday + dt.timedelta(days=n)) for n in range(7)] == [True] * 5 + [False] * 2


def test_add_workdays_uncovered_year_skips_weekends_only() -> None:
    year = _first_uncovered_year()
    friday = D(year, 10, 1) + dt.timedelta(days=(4 - D(year, 10, 1).weekday()) % 7)

    assert add_workdays(friday, 1) == friday + dt.timedelta(days=3)
    assert add_workdays(friday, 5) == friday + dt.timedelta(days=7)


def test_add_workdays_crosses_into_uncovered_year() -> None:
    last_covered = D(_first_uncovered_year() - 1, 12, 31)

    result = add_workdays(last_covered, 10)

    assert result.year == last_covered.year + 1
    assert is_workday(result)


@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 11, 30)),
    days=st.integers(min_value=0, max_value=20),
)
def test_add_workdays_counts_exactly_the_working_days_after_start(start: dt.date, days: int) -> None:
    result = add_workdays(start, days)

    span = [start + dt.timedelta(days=n) for n in range(1, (result - start).days + 1)]
    assert sum(map(is_workday, span)) == days
    assert days == 0 or is_workday(result)
    assert all(chinese_calendar.is_workday(d) == is_workday(d) for d in span)
