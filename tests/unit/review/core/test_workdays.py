"""Deadlines in working days on the Chinese calendar: holidays skipped, 调休 make-up days counted, and a year
with no official table counted by the provisional rule and marked 暂定."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.core.workdays import Calendar, HolidayDay, package_rows, package_years

pytestmark = pytest.mark.unit

D = dt.date
CALENDAR = Calendar(package_rows())


def _day(start: dt.date, n: int) -> dt.date:
    return CALENDAR.add_workdays(start, n).day


def test_package_rows_cover_2004_to_2026_only() -> None:
    # The package's data, not an assumption: 2027 is the first year it does not cover.
    assert {2024, 2025, 2026} <= package_years()
    assert 2027 not in package_years()
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


@pytest.mark.parametrize("day", [D(2026, 10, n) for n in range(1, 8)])
def test_is_workday_national_day_2026_is_holiday(day: dt.date) -> None:
    assert not CALENDAR.is_workday(day)


@pytest.mark.parametrize("day", [D(2026, 9, 20), D(2026, 10, 10)])
def test_is_workday_national_day_2026_make_up_weekend_is_workday(day: dt.date) -> None:
    assert day.weekday() >= 5
    assert CALENDAR.is_workday(day)


def test_is_workday_national_day_2026_ends_on_the_seventh() -> None:
    # chinese_calendar records 1–7 Oct 2026 off; Thu 8 Oct is an ordinary working day.
    assert CALENDAR.is_workday(D(2026, 10, 8))


def test_add_workdays_across_national_day_2026() -> None:
    # Wed 30 Sep, then 1–7 Oct off; Thu 8, Fri 9 and the make-up Sat 10 are working days.
    assert _day(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert _day(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert _day(D(2026, 9, 30), 4) == D(2026, 10, 12)
    assert not CALENDAR.add_workdays(D(2026, 9, 30), 4).provisional


def test_add_workdays_from_inside_the_holiday() -> None:
    assert _day(D(2026, 10, 3), 1) == D(2026, 10, 8)


def test_add_workdays_ten_days_across_mid_autumn_and_national_day_2026() -> None:
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

    assert [_day(D(2026, 9, 20), n) for n in range(1, 11)] == expected


@pytest.mark.parametrize("day", [D(2026, 2, n) for n in range(15, 24)])
def test_is_workday_spring_festival_2026_is_holiday(day: dt.date) -> None:
    assert not CALENDAR.is_workday(day)


def test_add_workdays_across_spring_festival_2026() -> None:
    # Fri 13 Feb; Sat 14 Feb a make-up day; 15–23 Feb off; Tue 24 Feb on; Sat 28 Feb a make-up day.
    assert _day(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert _day(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert _day(D(2026, 2, 13), 6) == D(2026, 2, 28)
    assert _day(D(2026, 2, 13), 7) == D(2026, 3, 2)


def test_add_workdays_across_spring_festival_2025() -> None:
    # Sun 26 Jan a make-up day; 28 Jan – 4 Feb off; Sat 8 Feb a make-up day.
    assert _day(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert _day(D(2025, 1, 24), 3) == D(2025, 2, 5)
    assert _day(D(2025, 2, 7), 1) == D(2025, 2, 8)


def test_add_workdays_across_national_day_2024() -> None:
    # Sun 29 Sep a make-up day; 1–7 Oct off; Sat 12 Oct a make-up day.
    assert _day(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert _day(D(2024, 9, 29), 1) == D(2024, 9, 30)
    assert _day(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert _day(D(2024, 10, 11), 1) == D(2024, 10, 12)


def test_add_workdays_ordinary_weekend_and_zero() -> None:
    assert _day(D(2026, 11, 12), 5) == D(2026, 11, 19)
    assert _day(D(2026, 11, 13), 1) == D(2026, 11, 16)
    assert _day(D(2026, 11, 14), 1) == D(2026, 11, 16)
    assert _day(D(2026, 10, 3), 0) == D(2026, 10, 3)


def test_add_workdays_records_its_start_and_count() -> None:
    due = CALENDAR.add_workdays(D(2026, 11, 12), 5)

    assert (due.start, due.workdays, due.provisional) == (D(2026, 11, 12), 5, False)


def test_add_workdays_redo_from_11_december_2026_is_provisional_and_skips_new_year_2027() -> None:
    # Fri 11 Dec: 14–18, 21–25 and 28–31 Dec are 14 working days; Fri 1 Jan 2027 is 元旦 by the
    # provisional rule, so the 15th is Mon 4 Jan 2027, marked provisional.
    due = CALENDAR.add_workdays(D(2026, 12, 11), 15)

    assert due.day == D(2027, 1, 4)
    assert due.provisional


def test_add_workdays_within_an_official_year_is_not_provisional_up_to_31_december() -> None:
    due = CALENDAR.add_workdays(D(2026, 12, 11), 14)

    assert due.day == D(2026, 12, 31)
    assert not due.provisional


def test_provisional_year_keeps_only_the_fixed_date_holidays() -> None:
    off = [
        d
        for d in (D(2027, 1, 1) + dt.timedelta(days=n) for n in range(365))
        if d.weekday() < 5 and not CALENDAR.is_workday(d)
    ]

    # 2027: 1 Jan and 1 Oct are Fridays; 1–2 May and 2–3 Oct fall on a weekend anyway.
    assert off == [D(2027, 1, 1), D(2027, 10, 1)]
    assert not CALENDAR.is_official(2027)
    assert CALENDAR.is_official(2026)


def test_provisional_rows_apply_but_stay_provisional() -> None:
    rows = [
        *package_rows(),
        HolidayDay(D(2027, 2, 8), "holiday", "春节", "provisional"),
        HolidayDay(D(2027, 2, 20), "workday", "春节", "provisional"),
    ]
    calendar = Calendar(rows)

    assert not calendar.is_workday(D(2027, 2, 8))
    assert calendar.is_workday(D(2027, 2, 20))
    assert calendar.add_workdays(D(2027, 2, 5), 1).day == D(2027, 2, 9)
    assert calendar.add_workdays(D(2027, 2, 5), 1).provisional


def test_official_2027_table_replaces_the_provisional_rule() -> None:
    # An example notice (not the real one): 1–3 Jan off, Sat 9 Jan a make-up day.
    notice = [HolidayDay(D(2027, 1, n), "holiday", "元旦") for n in (1, 2, 3)]
    notice.append(HolidayDay(D(2027, 1, 9), "workday", "元旦"))
    calendar = Calendar([*package_rows(), *notice])

    due = calendar.add_workdays(D(2026, 12, 11), 15)
    assert (due.day, due.provisional) == (D(2027, 1, 4), False)
    assert calendar.add_workdays(D(2027, 1, 8), 1).day == D(2027, 1, 9)
    # 1 Oct 2027 follows the table now, which does not list it.
    assert calendar.is_workday(D(2027, 10, 1))


@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 11, 30)),
    days=st.integers(min_value=0, max_value=20),
)
def test_add_workdays_counts_exactly_the_working_days_after_start(start: dt.date, days: int) -> None:
    due = CALENDAR.add_workdays(start, days)

    span = [start + dt.timedelta(days=n) for n in range(1, (due.day - start).days + 1)]
    assert sum(map(CALENDAR.is_workday, span)) == days
    assert days == 0 or CALENDAR.is_workday(due.day)
    assert all(chinese_calendar.is_workday(d) == CALENDAR.is_workday(d) for d in span)
    assert not due.provisional


@given(
    day=st.dates(min_value=D(2010, 1, 1), max_value=D(2030, 12, 31)),
    count=st.integers(min_value=-60, max_value=60),
    span=st.integers(min_value=-30, max_value=400),
)
def test_the_working_day_index_counts_and_shifts_as_walking_the_days_does(day: dt.date, count: int,
                                                                          span: int) -> None:
    calendar = Calendar(package_rows())  # a fresh index each time, grown from wherever it is first asked
    through = day + dt.timedelta(days=span)
    walked = [day + dt.timedelta(days=n) for n in range(1, span + 1)]

    assert calendar.workdays_between(day, through) == sum(map(calendar.is_workday, walked))
    shifted = calendar.shift(day, count)
    between = (range(1, (shifted - day).days + 1) if count >= 0 else range((shifted - day).days, 0))
    assert sum(calendar.is_workday(day + dt.timedelta(days=n)) for n in between) == abs(count)
    assert count == 0 and shifted == day or calendar.is_workday(shifted)


def test_the_index_is_right_across_national_day_and_its_make_up_day_in_either_direction() -> None:
    # 2026: 1–7 October off, the 8th and 9th working days, Saturday the 10th a make-up working day.
    assert CALENDAR.shift(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert CALENDAR.shift(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert CALENDAR.shift(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert CALENDAR.workdays_between(D(2026, 9, 30), D(2026, 10, 11)) == 3
