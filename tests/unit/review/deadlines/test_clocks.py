"""Stage clocks computed from a case's events over the real Chinese calendar: National Day and Spring Festival
with their make-up days, pauses, a provisional year, a holiday table change, stages by the hour, reminders and
escalation steps."""

from __future__ import annotations

import datetime as dt

import pytest

from review.core.clock import CHINA
from review.core.workdays import Calendar, DayKind, HolidayDay, package_rows
from review.deadlines.clocks import Event, clocks, due_alerts, summary
from review.deadlines.policy import DEFAULT, HOURS, Policy, StageRule, as_data, parse_policy

pytestmark = pytest.mark.unit

CALENDAR = Calendar(package_rows())


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=CHINA)


def only(stage: str, events: list[Event], now: dt.datetime, policy: Policy = DEFAULT,
         calendar: Calendar = CALENDAR):
    found = [c for c in clocks(events, policy, calendar, now) if c.stage == stage]
    assert len(found) == 1, found
    return found[0]


def test_screening_across_the_2026_national_day_week_and_its_make_up_saturday():
    # Tuesday 29 September; 2 working days: the 30th, then 8 October (1–7 October off)
    clock = only("screening", [Event(at(2026, 9, 29), "intake")], now=at(2026, 9, 29, 11))
    assert clock.due_day == dt.date(2026, 10, 8)
    assert clock.due == at(2026, 10, 9, 0)
    assert not clock.provisional and not clock.overdue and clock.open
    steps = {(a.kind, a.step): (a.at, a.to) for a in clock.alerts}
    assert steps[("remind", 0)] == (at(2026, 9, 30, 9), "office")
    assert steps[("escalate", 1)] == (at(2026, 10, 9, 9), "office")
    # office head 3 more working days on: 10 October is a make-up Saturday, then 12 and 13 October
    assert steps[("escalate", 2)] == (at(2026, 10, 13, 9), "office_head")


def test_scoring_across_spring_festival_2026_counts_the_make_up_saturday():
    events = [Event(at(2026, 2, 12), "start_scoring")]  # Thursday; 13 Feb, Sat 14 Feb (调休), then 24–26 Feb
    clock = only("scoring", events, now=at(2026, 2, 20))
    assert clock.due_day == dt.date(2026, 2, 26)
    assert clock.spent == 2  # 13 and 14 February; 15–20 are off


def test_a_pause_holds_the_clock_and_moves_the_deadline():
    start = [Event(at(2026, 11, 2), "start_scoring")]  # Monday 2 November, 5 working days: Friday 6 November
    assert only("scoring", start, now=at(2026, 11, 2, 12)).due_day == dt.date(2026, 11, 9)
    paused = [*start, Event(at(2026, 11, 3, 15), "open_mediation")]
    during = only("scoring", paused, now=at(2026, 11, 4, 12))
    assert during.paused and during.due is None
    assert summary(during) == "评分：已用 1 个工作日，暂停计时中"
    assert due_alerts(during, at(2026, 11, 20)) == []
    resumed = [*paused, Event(at(2026, 11, 5, 10), "end_mediation")]
    after = only("scoring", resumed, now=at(2026, 11, 6, 12))
    # 4 and 5 November paused: 3, 6, 9, 10, 11 November counted
    assert after.due_day == dt.date(2026, 11, 11)
    assert [(p.kind, p.start, p.end) for p in after.pauses] == [
        ("mediation_open", at(2026, 11, 3, 15), at(2026, 11, 5, 10))]
    assert after.spent == 2


def test_a_stage_that_starts_during_a_pause_is_held_from_its_start():
    events = [Event(at(2026, 11, 2), "challenge_raised"), Event(at(2026, 11, 3), "start_scoring"),
              Event(at(2026, 11, 5), "challenge_rejected")]
    clock = only("scoring", events, now=at(2026, 11, 5, 12))
    assert clock.pauses[0].start == at(2026, 11, 3)
    assert clock.due_day == dt.date(2026, 11, 12)  # 4 and 5 November paused: 6, 9, 10, 11, 12 counted


def test_a_deadline_in_a_year_without_an_official_table_is_provisional_and_skips_new_year():
    clock = only("scoring", [Event(at(2026, 12, 28), "start_scoring")], now=at(2026, 12, 28, 12))
    # 29, 30, 31 December; 1 January (元旦, fixed) and the weekend skipped; 4 and 5 January 2027
    assert clock.due_day == dt.date(2027, 1, 5)
    assert clock.provisional
    assert "（暂定）" in summary(clock)


def test_a_holiday_table_change_moves_an_open_deadline():
    events = [Event(at(2026, 12, 28), "start_scoring")]
    before = only("scoring", events, now=at(2026, 12, 29))
    # the State Council's table for 2027 arrives: 1 January off, and (say) Monday 4 January too
    loaded = Calendar([*package_rows(), *(HolidayDay(day, DayKind.holiday.value, "元旦", "official")
                                          for day in (dt.date(2027, 1, 1), dt.date(2027, 1, 4)))])
    after = only("scoring", events, now=at(2026, 12, 29), calendar=loaded)
    assert (before.due_day, after.due_day) == (dt.date(2027, 1, 5), dt.date(2027, 1, 6))
    assert not after.provisional


def test_a_stage_by_the_hour():
    policy = Policy("时限", {"convening": StageRule("convening", 48, unit=HOURS, remind_before=12)})
    start = at(2026, 10, 1, 8)  # holidays do not stop an hour clock
    events = [Event(start, "accept")]
    clock = only("convening", events, now=start + dt.timedelta(hours=40), policy=policy)
    assert clock.due == start + dt.timedelta(hours=48)
    assert clock.spent == 40
    assert [a.kind for a in due_alerts(clock, start + dt.timedelta(hours=40))] == ["remind"]
    done = only("convening", [*events, Event(start + dt.timedelta(hours=50), "convene")], now=at(2026, 10, 9),
                policy=policy)
    assert done.overdue and not done.open and done.spent == 50
    assert summary(done) == "组成评议组：用时 50 小时，超期"


def test_reminders_before_and_escalation_steps_after_each_once_by_key():
    clock_at = [Event(at(2026, 11, 2), "start_scoring")]  # due at the end of Monday 9 November
    def fired(now: dt.datetime) -> list[str]:
        return [a.key for a in due_alerts(only("scoring", clock_at, now=now), now)]
    assert fired(at(2026, 11, 6, 8)) == []
    assert fired(at(2026, 11, 6, 9)) == ["scoring:1:remind:0"]  # one working day before
    assert fired(at(2026, 11, 10, 8)) == []  # late: no reminder now, the first step is at 09:00
    assert fired(at(2026, 11, 10, 9)) == ["scoring:1:escalate:1"]
    assert fired(at(2026, 11, 13, 9)) == ["scoring:1:escalate:1", "scoring:1:escalate:2"]
    assert only("scoring", clock_at, now=at(2026, 11, 10)).overdue


def test_a_stage_that_ran_again_is_a_second_occurrence_and_a_final_action_stops_the_rest():
    events = [Event(at(2026, 11, 2), "redo_order_opened"), Event(at(2026, 11, 5), "redo_reported"),
              Event(at(2026, 11, 6), "redo_returned"), Event(at(2026, 11, 9), "start_scoring"),
              Event(at(2026, 11, 10), "withdraw")]
    found = clocks(events, DEFAULT, CALENDAR, at(2026, 11, 20))
    redo = [c for c in found if c.stage == "redo"]
    assert [(c.occurrence, c.ended_by) for c in redo] == [(1, "redo_reported"), (2, "withdraw")]
    scoring = next(c for c in found if c.stage == "scoring")
    assert scoring.ended_by == "withdraw" and due_alerts(scoring, at(2026, 12, 30)) == []


def test_a_finished_stage_reads_its_time_and_whether_it_ran_over():
    events = [Event(at(2026, 11, 2), "start_scoring"), Event(at(2026, 11, 5), "close_scoring")]
    clock = only("scoring", events, now=at(2026, 12, 1))
    assert (clock.spent, clock.overdue) == (3, False)
    assert summary(clock) == "评分：用时 3 个工作日"
    running = only("reasoning", events, now=at(2026, 11, 6, 12))
    assert summary(running) == "组长撰写评议理由：已用 1 个工作日，应于 11月10日 前完成"


def test_a_stage_the_policy_leaves_out_has_no_clock():
    raw = as_data(DEFAULT)
    del raw["stages"]["scoring"]
    policy = parse_policy(raw)
    assert not [c for c in clocks([Event(at(2026, 11, 2), "start_scoring")], policy, CALENDAR, at(2026, 11, 3))
                if c.stage == "scoring"]


def test_the_complainant_reads_one_sentence_on_what_happens_next():
    events = [Event(at(2026, 11, 2), "start_scoring")]
    assert only("scoring", events, now=at(2026, 11, 3)).next_words == "您的案件正处于「评分」环节，应于 11月9日 前完成。"
    paused = only("scoring", [*events, Event(at(2026, 11, 3), "open_mediation")], now=at(2026, 11, 4))
    assert paused.next_words == "您的案件正处于「评分」环节，调解进行中，期间暂停计时。"
    late = only("scoring", events, now=at(2026, 11, 12))
    assert "已超过 11月9日 的期限" in late.next_words
