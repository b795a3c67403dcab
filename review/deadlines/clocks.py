"""Each stage's clock computed from a case's audit events, never stored twice (pure).

`clocks(events, policy, calendar, now)` reads the case's events in order: an action that starts a stage opens its
clock, one that ends it closes it, the pause actions stop and restart it, and an action that ends the case closes
whatever is still open. For every occurrence of a stage it gives the start, the pauses, the due time (working
days on the calendar, or hours), the end, whether it ran over, the working days spent, and the times of its
reminder and escalation steps. `due_alerts` names the reminders and steps whose time has come; each has a key
that says which occurrence and which step it is, so that whoever sends it can send it once.

Days are Beijing days. A working-day deadline falls at the end of its day (the next day's 00:00, Beijing time);
reminders and escalation steps fire at 09:00 on their working day. A stage paused at `now` has no due time until
the pause ends. A deadline counted over a year without an official holiday table is provisional (暂定).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from review.core.clock import CHINA
from review.core.workdays import Calendar
from review.deadlines.policy import HOURS, PAUSE_KINDS, STAGES, UNITS, Policy, StageRule

# stage → (actions that start it, actions that end it)
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 未入选 ends screening; the complainant's request to review it anyway starts it again.
    "screening": (("intake", "request_review"), ("accept", "dismiss", "not_select")),
    "convening": (("accept",), ("convene",)),
    "scoring": (("start_scoring",), ("close_scoring",)),
    "reasoning": (("close_scoring",), ("reasoning_signed",)),
    "issuing": (("reasoning_signed",), ("issue_ruling",)),
    "delivery": (("issue_ruling",), ("verdict_rendered",)),
    "reconsideration_request": (("issue_ruling",), ("reconsideration_requested",)),
    "reconsideration_decision": (("reconsideration_requested",), ("reconsider", "reconsideration_refused")),
    "mediation_start": (("open_mediation",), ("mediation_session_scheduled", "settle", "end_mediation")),
    "mediation_end": (("open_mediation",), ("settle", "end_mediation")),
    "redo": (("redo_order_opened", "redo_returned"), ("redo_reported", "redo_order_voided")),
}
# The invitation stage runs per invitation, on the invitation's own reply deadline, not on the case's events.

# pause kind → (actions that begin it, actions that end it)
PAUSE_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "waiting_complainant": (("supplement_requested",), ("supplement_received",)),
    "mediation_open": (("open_mediation",), ("end_mediation", "settle")),
    "challenge_pending": (("challenge_raised",), ("challenge_upheld", "challenge_rejected")),
}

# Actions after which the case has no open stage: whatever is running stops there.
FINAL = ("close", "withdraw", "dismiss", "settle")

ALERT_HOUR = 9


class Event(NamedTuple):
    """One audit event as the clocks read it (a tuple: a sweep makes hundreds of thousands)."""

    at: dt.datetime  # aware
    action: str


@dataclass(frozen=True)
class Pause:
    kind: str
    start: dt.datetime
    end: dt.datetime | None  # None: still paused


@dataclass(frozen=True)
class Alert:
    """A reminder (step 0) or an escalation step (1, 2, …) of one occurrence of a stage, due at `at`."""

    stage: str
    occurrence: int
    kind: str  # "remind" or "escalate"
    step: int
    to: str
    at: dt.datetime

    @property
    def key(self) -> str:
        return f"{self.stage}:{self.occurrence}:{self.kind}:{self.step}"


@dataclass(frozen=True)
class Clock:
    stage: str
    occurrence: int  # 1 for the stage's first run in the case, 2 for the next, …
    start: dt.datetime
    end: dt.datetime | None
    ended_by: str | None
    pauses: tuple[Pause, ...]
    due: dt.datetime | None  # None while paused
    due_day: dt.date | None  # the last day to finish it, for working-day limits
    provisional: bool
    spent: float  # working days (or hours) counted so far, pauses left out
    unit: str
    alerts: tuple[Alert, ...]
    overdue: bool

    @property
    def open(self) -> bool:
        return self.end is None

    @property
    def paused(self) -> bool:
        return any(p.end is None for p in self.pauses)

    @property
    def words(self) -> str:
        return summary(self)

    @property
    def next_words(self) -> str:
        return next_step(self)


@dataclass
class _Run:
    stage: str
    occurrence: int
    start: dt.datetime
    end: dt.datetime | None = None
    ended_by: str | None = None
    pauses: list[Pause] = field(default_factory=list)


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(CHINA).date()


def _at(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


def _paused_days(pauses: Sequence[Pause], now: dt.datetime) -> set[dt.date]:
    """The days a pause covers: after the day it began, up to and including the day it ended (or today)."""
    days: set[dt.date] = set()
    for pause in pauses:
        day, last = _day(pause.start), _day(pause.end or now)
        while day < last:
            day += dt.timedelta(days=1)
            days.add(day)
    return days


def _shift_workdays(calendar: Calendar, day: dt.date, count: int, skip: set[dt.date] | None = None) -> dt.date:
    """The working day `count` working days after `day` (before it for a negative count), skipping `skip`."""
    if not skip:
        return calendar.shift(day, count)
    step = dt.timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if calendar.is_workday(day) and not (skip and day in skip):
            remaining -= 1
    return day


def _workday_clock(run: _Run, rule: StageRule, calendar: Calendar, now: dt.datetime) -> Clock:
    pauses = tuple(run.pauses)
    skip = _paused_days(pauses, run.end or now) if pauses else None
    first = _day(run.start)
    last_counted = _day(run.end or now)
    spent = calendar.workdays_between(first, last_counted)
    if skip:
        spent -= sum(1 for day in skip if first < day <= last_counted and calendar.is_workday(day))
    paused_now = run.end is None and any(p.end is None for p in pauses)
    due = due_day = None
    provisional = False
    alerts: list[Alert] = []
    if not paused_now:
        due_day = _shift_workdays(calendar, first, rule.limit, skip)
        official = calendar.official_years
        provisional = first.year not in official or due_day.year not in official or any(
            y not in official for y in range(first.year + 1, due_day.year))
        due = _at(due_day + dt.timedelta(days=1))
        if rule.remind_before:
            remind_day = _shift_workdays(calendar, due_day, -rule.remind_before)
            alerts.append(Alert(run.stage, run.occurrence, "remind", 0, rule.remind,
                                max(_at(remind_day, ALERT_HOUR), run.start)))
        for index, step in enumerate(rule.escalations, 1):
            at = due if step.after == 0 else _at(_shift_workdays(calendar, due_day, step.after), ALERT_HOUR)
            alerts.append(Alert(run.stage, run.occurrence, "escalate", index, step.to, at))
    return Clock(run.stage, run.occurrence, run.start, run.end, run.ended_by, pauses, due, due_day, provisional,
                 float(spent), rule.unit, tuple(alerts), _over(due, run.end, now))


def _hour_clock(run: _Run, rule: StageRule, now: dt.datetime) -> Clock:
    pauses = tuple(run.pauses)
    stop = run.end or now
    held = sum(((min(p.end or stop, stop) - p.start) for p in pauses), dt.timedelta())
    spent = max((stop - run.start - held).total_seconds() / 3600, 0.0)
    paused_now = run.end is None and any(p.end is None for p in pauses)
    due = None
    alerts: list[Alert] = []
    if not paused_now:
        due = run.start + dt.timedelta(hours=rule.limit) + held
        if rule.remind_before:
            alerts.append(Alert(run.stage, run.occurrence, "remind", 0, rule.remind,
                                due - dt.timedelta(hours=rule.remind_before)))
        alerts += [Alert(run.stage, run.occurrence, "escalate", index, step.to, due + dt.timedelta(hours=step.after))
                   for index, step in enumerate(rule.escalations, 1)]
    return Clock(run.stage, run.occurrence, run.start, run.end, run.ended_by, pauses, due, None, False,
                 round(spent, 2), rule.unit, tuple(alerts), _over(due, run.end, now))


def _over(due: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> bool:
    return due is not None and (end or now) >= due


@dataclass(frozen=True)
class _Meaning:
    """What one action does to the clocks, looked up once per event rather than searched for."""

    pause_ends: tuple[str, ...] = ()  # pause kinds it ends
    stage_ends: tuple[str, ...] = ()  # stages it ends
    stage_starts: tuple[str, ...] = ()  # stages it starts
    pause_begins: tuple[str, ...] = ()  # pause kinds it begins
    final: bool = False


def _meanings() -> dict[str, _Meaning]:
    actions = {a for pair in (*ACTIONS.values(), *PAUSE_ACTIONS.values()) for group in pair for a in group}
    return {action: _Meaning(
        pause_ends=tuple(kind for kind, (_, ends) in PAUSE_ACTIONS.items() if action in ends),
        stage_ends=tuple(stage for stage, (_, ends) in ACTIONS.items() if action in ends or action in FINAL),
        stage_starts=tuple(stage for stage, (starts, _) in ACTIONS.items() if action in starts),
        pause_begins=tuple(kind for kind, (begins, _) in PAUSE_ACTIONS.items() if action in begins),
        final=action in FINAL,
    ) for action in actions | set(FINAL)}


_MEANINGS = _meanings()
_NOTHING = _Meaning()


def _runs(events: Iterable[Event], policy: Policy) -> list[_Run]:
    runs: list[_Run] = []
    running: dict[str, _Run] = {}
    counts: dict[str, int] = {}
    pausing: dict[str, dt.datetime] = {}  # pause kind → since
    for event in sorted(events, key=_when):
        meaning = _MEANINGS.get(event.action, _NOTHING)
        if meaning is _NOTHING:
            continue
        at = event.at
        for kind in meaning.pause_ends:
            if kind in pausing:
                del pausing[kind]
                for run in running.values():
                    _end_pause(run, kind, at)
        for stage in meaning.stage_ends:
            if stage in running:
                run = running.pop(stage)
                run.end, run.ended_by = at, event.action
                if run.pauses:
                    run.pauses = [Pause(p.kind, p.start, p.end or at) for p in run.pauses]
        if meaning.final:
            pausing.clear()
            continue
        for stage in meaning.stage_starts:
            if stage not in running and policy.rule(stage) is not None:
                counts[stage] = counts.get(stage, 0) + 1
                run = _Run(stage, counts[stage], at)
                for kind, since in pausing.items():  # a pause already under way holds a stage that starts in it
                    _start_pause(run, kind, max(since, at), policy)
                running[stage] = run
                runs.append(run)
        for kind in meaning.pause_begins:
            if kind not in pausing:
                pausing[kind] = at
                for run in running.values():
                    _start_pause(run, kind, at, policy)
    return runs


def _when(event: Event) -> dt.datetime:
    return event.at


def _start_pause(run: _Run, kind: str, at: dt.datetime, policy: Policy) -> None:
    rule = policy.rule(run.stage)
    if rule is not None and kind in rule.pauses and not any(p.kind == kind and p.end is None for p in run.pauses):
        run.pauses.append(Pause(kind, at, None))


def _end_pause(run: _Run, kind: str, at: dt.datetime) -> None:
    run.pauses = [Pause(p.kind, p.start, at) if p.kind == kind and p.end is None else p for p in run.pauses]


def clocks(events: Iterable[Event], policy: Policy, calendar: Calendar, now: dt.datetime) -> list[Clock]:
    """Every occurrence of every stage the policy times, in the order they started."""
    out = []
    for run in _runs(events, policy):
        rule = policy.rule(run.stage)
        assert rule is not None
        out.append(_hour_clock(run, rule, now) if rule.unit == HOURS else _workday_clock(run, rule, calendar, now))
    return out


def invitation_clock(seat_id: int, invited_at: dt.datetime, reply_by: dt.datetime, provisional: bool,
                     rule: StageRule, calendar: Calendar, now: dt.datetime) -> Clock:
    """An unanswered invitation's clock: it runs on its own reply deadline (the one the member was told, from the
    panel's template), not on the case's events; its reminder and escalation steps are the policy's, counted
    from that deadline. Its occurrence is the seat's id, so that each invitation's steps have keys of their own."""
    alerts: list[Alert] = []
    last_day = None
    if rule.unit == HOURS:
        if rule.remind_before:
            alerts.append(Alert("invitation", seat_id, "remind", 0, rule.remind,
                                reply_by - dt.timedelta(hours=rule.remind_before)))
        alerts += [Alert("invitation", seat_id, "escalate", index, step.to, reply_by + dt.timedelta(hours=step.after))
                   for index, step in enumerate(rule.escalations, 1)]
    else:
        last_day = _day(reply_by)
        if rule.remind_before:
            alerts.append(Alert("invitation", seat_id, "remind", 0, rule.remind,
                                max(_at(calendar.shift(last_day, -rule.remind_before), ALERT_HOUR), invited_at)))
        alerts += [Alert("invitation", seat_id, "escalate", index, step.to,
                         reply_by if step.after == 0 else _at(calendar.shift(last_day, step.after), ALERT_HOUR))
                   for index, step in enumerate(rule.escalations, 1)]
    spent = (calendar.workdays_between(_day(invited_at), _day(now)) if rule.unit != HOURS
             else round(max((now - invited_at).total_seconds() / 3600, 0.0), 2))
    return Clock("invitation", seat_id, invited_at, None, None, (), reply_by, last_day, provisional, float(spent),
                 rule.unit, tuple(alerts), now >= reply_by)


def due_invitation_alerts(alerts: Sequence[Alert], reply_by: dt.datetime, waiting: bool,
                          now: dt.datetime) -> list[Alert]:
    """The steps of an unanswered invitation whose time has come: the reminder while it still waits for an answer
    (`waiting`) before its deadline; every escalation step reached, also once it has expired unanswered."""
    return [a for a in alerts if a.at <= now and (a.kind == "escalate" or (waiting and now < reply_by))]


def due_alerts(clock: Clock, now: dt.datetime) -> list[Alert]:
    """The alerts of an open clock whose time has come: the reminder while the stage is not yet late, and every
    escalation step reached."""
    if not clock.open or clock.due is None:
        return []
    return [a for a in clock.alerts if a.at <= now and (a.kind == "escalate" or now < clock.due)]


def summary(clock: Clock) -> str:
    """One line for a page: '评分：已用 3 个工作日，应于 12月10日 前完成'."""
    spent = f"{clock.spent:g} {UNITS[clock.unit]}"
    if clock.end is not None:
        late = "，超期" if clock.overdue else ""
        return f"{STAGES[clock.stage]}：用时 {spent}{late}"
    if clock.due is None:
        return f"{STAGES[clock.stage]}：已用 {spent}，暂停计时中"
    due = clock.due_day or _day(clock.due)
    when = f"{due.month}月{due.day}日"
    if clock.overdue:
        return f"{STAGES[clock.stage]}：已用 {spent}，已超过 {when} 的期限"
    note = "（暂定）" if clock.provisional else ""
    return f"{STAGES[clock.stage]}：已用 {spent}，应于 {when}{note} 前完成"


def next_step(clock: Clock) -> str:
    """One plain sentence for the complainant: what happens now and by when."""
    name = STAGES[clock.stage]
    if clock.due is None:
        held = "、".join(PAUSE_KINDS[p.kind] for p in clock.pauses if p.end is None)
        return f"您的案件正处于「{name}」环节，{held}，期间暂停计时。"
    due = clock.due_day or _day(clock.due)
    when = f"{due.month}月{due.day}日"
    if clock.overdue:
        return f"您的案件正处于「{name}」环节，已超过 {when} 的期限，平台已督促办理。"
    return f"您的案件正处于「{name}」环节，应于 {when} 前完成。"
