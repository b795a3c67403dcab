"""Mediation's clock: the end in calendar days, extensions, and what is overdue on a day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.mediation.domain.clock import end_by, extended_end, overdue

pytestmark = pytest.mark.unit

START, END = date(2026, 12, 17), date(2027, 1, 2)


def test_the_end_is_counted_in_calendar_days() -> None:
    assert end_by(date(2026, 12, 3), 30) == date(2027, 1, 2)


def test_an_extension_counts_from_the_end_or_from_today_once_it_has_passed() -> None:
    assert extended_end(END, date(2026, 12, 20), 10) == END + timedelta(days=10)
    assert extended_end(END, date(2027, 1, 5), 10) == date(2027, 1, 15)


@pytest.mark.parametrize(("sessions", "today", "expected"), [
    (0, START, ""),
    (0, START + timedelta(days=1), "start"),
    (1, START + timedelta(days=1), ""),
    (1, END, ""),
    (1, END + timedelta(days=1), "end"),
    (0, END + timedelta(days=1), "end"),
])
def test_overdue_on_a_day(sessions: int, today: date, expected: str) -> None:
    assert overdue(status="open", start_by=START, end_by=END, sessions=sessions, today=today) == expected


@given(status=st.sampled_from(["ended", "settled"]), sessions=st.integers(0, 5),
       today=st.dates(date(2026, 1, 1), date(2028, 1, 1)))
def test_an_ended_mediation_is_never_overdue(status: str, sessions: int, today: date) -> None:
    assert overdue(status=status, start_by=START, end_by=END, sessions=sessions, today=today) == ""
