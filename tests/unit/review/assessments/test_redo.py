"""The redo order's rules: which move may be made from which state, the complainant's one word, and when an
order is overdue, counted in working days on the real calendar (National Day 2026 and its make-up Saturday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from review.assessments import redo
from review.core.clock import CHINA
from review.core.errors import Conflict, Invalid
from review.core.workdays import Calendar, package_rows

CALENDAR = Calendar(package_rows())
DEADLINE = date(2026, 9, 30)  # a Wednesday; 1–7 October are the National Day holiday, 10 October is worked


@pytest.mark.parametrize(("state", "move", "after"), [
    ("open", "report", "reported"),
    ("reported", "accept", "accepted"),
    ("reported", "return", "open"),
    ("open", "void", "void"),
    ("reported", "void", "void"),
])
def test_allowed_moves(state: str, move: str, after: str) -> None:
    assert redo.next_state(state, move) == after


@pytest.mark.parametrize(("state", "move"), [
    ("open", "accept"), ("open", "return"), ("reported", "report"), ("accepted", "report"),
    ("accepted", "return"), ("accepted", "void"), ("void", "report"), ("void", "accept"), ("void", "void"),
])
def test_refused_moves(state: str, move: str) -> None:
    with pytest.raises(Conflict) as refused:
        redo.next_state(state, move)
    assert not refused.value.message.isascii()


def test_every_state_and_answer_has_a_chinese_label() -> None:
    assert set(redo.STATE_LABELS) == set(redo.STATES)
    assert all(not label.isascii() for label in [*redo.STATE_LABELS.values(), *redo.FEEDBACK.values()])


def test_the_complainant_answers_once_after_the_report() -> None:
    redo.check_feedback("reported", "", "solved")
    redo.check_feedback("accepted", "", "unsolved")
    with pytest.raises(Conflict):
        redo.check_feedback("open", "", "solved")
    with pytest.raises(Conflict):
        redo.check_feedback("void", "", "solved")
    with pytest.raises(Conflict):
        redo.check_feedback("accepted", "solved", "unsolved")
    with pytest.raises(Invalid):
        redo.check_feedback("accepted", "", "perhaps")


def _at(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=CHINA)


def test_overdue_from_the_end_of_the_deadline_day_in_china() -> None:
    assert not redo.is_overdue("open", DEADLINE, _at(DEADLINE, 23, 59, 59))
    assert redo.is_overdue("open", DEADLINE, _at(DEADLINE + timedelta(days=1)))
    # 16:00 UTC on the deadline day is already the next day in China
    assert redo.is_overdue("reported", DEADLINE, _at(DEADLINE + timedelta(days=1)).astimezone(CHINA))
    assert not redo.is_overdue("accepted", DEADLINE, _at(date(2026, 12, 1)))
    assert not redo.is_overdue("void", DEADLINE, _at(date(2026, 12, 1)))


@pytest.mark.parametrize(("today", "days"), [
    (date(2026, 9, 30), 0),
    (date(2026, 10, 1), 0),  # overdue, but a holiday: no working day over yet
    (date(2026, 10, 7), 0),
    (date(2026, 10, 8), 1),
    (date(2026, 10, 9), 2),
    (date(2026, 10, 10), 3),  # the make-up Saturday counts
    (date(2026, 10, 11), 3),
    (date(2026, 10, 12), 4),
])
def test_days_over_are_working_days_across_the_holiday(today: date, days: int) -> None:
    assert redo.days_over(DEADLINE, today, CALENDAR.is_workday) == days
    late = redo.lateness("open", DEADLINE, _at(today, 12), CALENDAR.is_workday)
    assert late.overdue == (today > DEADLINE) and late.days_over == days
    assert redo.lateness("accepted", DEADLINE, _at(today, 12), CALENDAR.is_workday) == redo.Lateness(False, 0)


def test_an_order_counts_late_while_owed_past_its_deadline_or_when_accepted_on_a_late_report() -> None:
    deadline = date(2026, 12, 1)
    after = datetime(2026, 12, 2, 1, tzinfo=UTC)  # 09:00 in China, the day after the deadline
    assert redo.counts_late("open", deadline, None, after)
    assert redo.counts_late("reported", deadline, None, after)
    assert not redo.counts_late("open", deadline, None, datetime(2026, 12, 1, 15, tzinfo=UTC))  # 23:00 on the day
    assert not redo.counts_late("accepted", deadline, datetime(2026, 12, 1, 10, tzinfo=UTC), after)
    assert redo.counts_late("accepted", deadline, datetime(2026, 12, 2, 0, tzinfo=UTC), after)
    assert not redo.counts_late("void", deadline, None, after)
