"""The office's figures read off many clocks: percentiles, months, the time per stage by month, and which open
stages are late or about to be (and by how many working days)."""

from __future__ import annotations

import datetime as dt

import pytest

from review.core.clock import CHINA
from review.core.workdays import Calendar, package_rows
from review.deadlines.clocks import Clock, Event, clocks
from review.deadlines.policy import DEFAULT
from review.deadlines.stage_times import (
    OFFICE,
    OVERDUE,
    SOON,
    CaseFacts,
    Person,
    as_of,
    by_month,
    counts,
    last_months,
    lateness,
    month_of,
    most_overdue_first,
    only_stages,
    overdue_rows,
    percentile,
    running_stages,
)

pytestmark = pytest.mark.unit

CALENDAR = Calendar(package_rows())


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=CHINA)


def ended(stage: str, spent: float, end: dt.datetime | None) -> Clock:
    return Clock(stage, 1, at(2026, 1, 5), end, "x" if end else None, (), None, None, False, spent, "workdays",
                 (), False)


def test_percentile_interpolates_between_the_nearest_ranks():
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([4, 1, 3, 2], 0.9) == 3.7  # rank 2.7: 3 + 0.7 × (4 − 3)
    assert percentile([1, 2, 2, 4, 5], 0.9) == 4.6  # rank 3.6
    assert percentile([7], 0.5) == percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


def test_last_months_cross_the_year_oldest_first():
    assert last_months("2026-02", 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert len(last_months("2026-11")) == 12 and last_months("2026-11")[0] == "2025-12"


def test_the_month_is_beijing_s():
    assert month_of(at(2026, 12, 1, 0, 30)) == "2026-12"  # 30 November 16:30 UTC
    assert month_of(dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC)) == "2026-11"


def test_by_month_takes_ended_stages_by_the_month_they_ended():
    found = [ended("screening", v, at(2026, 11, 10)) for v in (2, 1, 4, 5)]
    found += [ended("screening", 9, at(2026, 10, 20)), ended("screening", 30, None),  # still open: left out
              ended("screening", 50, at(2025, 6, 1)),  # before the window
              ended("convening", 2, at(2026, 11, 3)), ended("convening", 0, at(2026, 11, 4))]
    months = ["2026-09", "2026-10", "2026-11"]

    result = {s.stage: s for s in by_month(found, months)}

    assert list(result) == ["screening", "convening"]  # in the stages' order
    screening = {m.month: m for m in result["screening"].months}
    assert [m.month for m in result["screening"].months] == months
    assert (screening["2026-11"].count, screening["2026-11"].median, screening["2026-11"].p90) == (4, 3.0, 4.7)
    assert (screening["2026-10"].count, screening["2026-10"].median, screening["2026-10"].p90) == (1, 9, 9)
    assert (screening["2026-09"].count, screening["2026-09"].median) == (0, None)
    assert result["screening"].count == 5
    convening = {m.month: m for m in result["convening"].months}
    assert (convening["2026-11"].median, convening["2026-11"].p90) == (1.0, 1.8)


def _screening(intake: dt.datetime, now: dt.datetime) -> Clock:
    return next(c for c in clocks([Event(intake, "intake")], DEFAULT, CALENDAR, now) if c.stage == "screening")


def test_a_stage_past_its_due_day_is_late_by_the_working_days_since():
    clock = _screening(at(2026, 11, 9, 9), now=at(2026, 11, 20))  # due Wednesday 11 November
    assert clock.due_day == dt.date(2026, 11, 11)
    late = lateness(clock, as_of(CALENDAR, at(2026, 11, 20)))
    assert late is not None and late.state == OVERDUE
    assert late.days_over == 7  # 12, 13, 16, 17, 18, 19, 20 November


def test_a_stage_late_since_friday_is_late_by_no_working_day_on_saturday():
    clock = _screening(at(2026, 11, 18, 9), now=at(2026, 11, 21))  # due Friday 20 November
    late = lateness(clock, as_of(CALENDAR, at(2026, 11, 21)))
    assert late is not None and (late.state, late.days_over) == (OVERDUE, 0)


def test_due_today_or_on_the_next_working_day_is_about_to_fall_due():
    friday = at(2026, 11, 20)
    due_today = _screening(at(2026, 11, 18, 9), now=friday)  # due 20th
    due_monday = _screening(at(2026, 11, 19, 9), now=friday)  # due 23rd: the next working day
    due_tuesday = _screening(at(2026, 11, 20, 9), now=friday)  # due 24th
    assert lateness(due_today, as_of(CALENDAR, friday)).state == SOON
    assert lateness(due_monday, as_of(CALENDAR, friday)).state == SOON
    assert lateness(due_tuesday, as_of(CALENDAR, friday)) is None


def test_the_reconsideration_window_running_out_is_no_one_s_delay():
    events = [Event(at(2026, 9, 1), "issue_ruling"), Event(at(2026, 9, 2), "verdict_rendered")]
    found = clocks(events, DEFAULT, CALENDAR, at(2026, 11, 20))
    window = next(c for c in found if c.stage == "reconsideration_request")
    assert window.overdue and lateness(window, as_of(CALENDAR, at(2026, 11, 20))) is None


def test_rows_name_who_the_stage_waits_for_and_sort_most_late_first():
    now = at(2026, 11, 20)
    a, b = CaseFacts(1, "A1", 10, "甲局"), CaseFacts(2, "B2", 20, "乙局")
    chair = Person("member:7", "张律师")
    rows = (overdue_rows(a, [_screening(at(2026, 11, 16, 9), now)], [], as_of(CALENDAR, now))  # 2 days late
            + overdue_rows(b, [_screening(at(2026, 11, 9, 9), now)], [chair], as_of(CALENDAR, now))  # 7 days late
            + overdue_rows(b, [_screening(at(2026, 11, 19, 9), now)], [], as_of(CALENDAR, now)))  # soon

    ordered = most_overdue_first(rows)

    assert [(r.case_number, r.state, r.days_over) for r in ordered] == [
        ("B2", OVERDUE, 7), ("A1", OVERDUE, 2), ("B2", SOON, 0)]
    assert ordered[0].persons == (chair,) and ordered[1].persons == (OFFICE,)
    assert [(c.key, c.count) for c in counts(rows, "department")] == [("20", 2), ("10", 1)]
    assert [(c.name, c.count) for c in counts(rows, "stage")] == [("受理审查", 3)]


FLOWS = {
    "received": ["intake"],
    "dismissed": ["intake", "dismiss"],
    "scoring in mediation": ["intake", "accept", "convene", "start_scoring", "open_mediation"],
    "mediation over": ["intake", "accept", "convene", "start_scoring", "open_mediation", "end_mediation"],
    "settled": ["intake", "accept", "convene", "start_scoring", "open_mediation", "settle"],
    "ruled": ["intake", "accept", "convene", "start_scoring", "close_scoring", "reasoning_signed",
              "issue_ruling"],
    "redo returned": ["intake", "accept", "convene", "start_scoring", "close_scoring", "reasoning_signed",
                      "issue_ruling", "verdict_rendered", "redo_order_opened", "redo_reported", "redo_returned"],
    "reconsidered": ["intake", "accept", "convene", "start_scoring", "close_scoring", "reasoning_signed",
                     "issue_ruling", "reconsideration_requested", "reconsider", "convene", "start_scoring"],
    "closed": ["intake", "accept", "convene", "start_scoring", "close_scoring", "reasoning_signed",
               "issue_ruling", "verdict_rendered", "close"],
}


@pytest.mark.parametrize("flow", list(FLOWS))
def test_the_running_stages_are_those_clocks_find_open_and_computed_alone_come_out_the_same(flow: str):
    events = [Event(at(2026, 11, 2) + dt.timedelta(hours=5 * i), a) for i, a in enumerate(FLOWS[flow])]
    now = at(2026, 12, 4)
    every = clocks(events, DEFAULT, CALENDAR, now)
    running = running_stages(events)

    assert running == {c.stage for c in every if c.open}
    alone = clocks(events, only_stages(DEFAULT, running), CALENDAR, now)
    assert alone == [c for c in every if c.stage in running]


