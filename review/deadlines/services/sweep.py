"""The reminder sweep (催办 / 通报): every reminder and escalation step of an open stage that has come due is
fired once — recorded under its key and audited on the case, then told to people — however many sweeps run, at
once or after a worker was killed half-way.

What is due is decided by the pure `clocks()` alone. The database only narrows the cases handed to it
(`sql.sweep_candidates`): an open case whose every open stage started too recently for the next step not yet
recorded to be due is left out, by lower bounds on each step's time that hold on any calendar.

A batch of steps is fired in one transaction: the alert rows (INSERT … ON CONFLICT (key) DO NOTHING: a second
sweep at the same moment records nothing), each with what its notification says, and for the rows this sweep
recorded their audit events (`audit.record_many`). A sweep stopped half-way leaves each batch whole or absent:
the next one fires what is missing, once. The alert rows are the outbox of their notifications: the job
`tell_clock_alerts` (`telling.tell`), queued at the end of every sweep, stores them for whoever plays each
step's recipient and marks the step told.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from review.core import clock, db
from review.core import jobs as queue
from review.core.audit import store as audit
from review.core.calendar import calendar
from review.core.enums import ENDED
from review.deadlines import policy as rules
from review.deadlines import sql
from review.deadlines.clocks import (
    ACTIONS,
    ALERT_HOUR,
    FINAL,
    PAUSE_ACTIONS,
    Alert,
    Clock,
    Event,
    clocks,
    due_alerts,
    due_invitation_alerts,
    invitation_clock,
)
from review.deadlines.services import policy_in_force
from review.webhooks import services as webhooks

ACTOR = "system:clock_sweep"
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False), one encoder
INVITATIONS_LINK = "/panel/invitations"
ACTIONS_OF_KIND = {"remind": "clock_reminded", "escalate": "clock_escalated"}

CASES_PER_READ = 5000  # cases whose events are read in one query
ALERTS_PER_WRITE = 5000  # alerts recorded in one transaction (one statement per table on PostgreSQL)
YIELD_EVERY = 250  # cases computed between two turns of the event loop
# Closed cases: looked at for the reconsideration period (at least this many working days) after closing, plus the
# longest clock, plus CATCH_UP for sweeps that did not run.
CLOSED_WINDOW_DAYS = 15
CATCH_UP = timedelta(days=31)
# Taken off every lower bound: a step is never missed for a bound a little too tight.
MARGIN = timedelta(hours=1)
# Every action the clocks read: the rest of a case's events cannot change them.
_READ = sorted({a for starts, ends in (*ACTIONS.values(), *PAUSE_ACTIONS.values()) for a in (*starts, *ends)}
               | set(FINAL))


@dataclass
class SweepReport:
    """What one sweep did: cases computed, open clocks among them, steps found due and not yet recorded, steps
    this sweep recorded, and the seconds spent finding and recording (on PostgreSQL they overlap: their sum is
    more than the sweep's time)."""

    candidates: int = 0
    clocks: int = 0
    found: int = 0
    fired: int = 0
    find_s: float = 0.0
    fire_s: float = 0.0


@dataclass(frozen=True)
class _Due:
    case_id: int
    number: str
    department_id: int | None
    clock: Clock
    alert: Alert
    member: int | None = None  # an invitation's: the invited member's account, whom the reminder goes to

    @functools.cached_property
    def key(self) -> str:
        return f"{self.number}:{self.alert.key}"


# --- which cases to compute ---------------------------------------------------------------------------------


def _leads(rule: rules.StageRule) -> list[timedelta]:
    """The least time from a stage's start to each of its steps, reminder (if any) first, on any calendar and
    whatever pauses: a working day is at least a calendar day, and steps fall at ALERT_HOUR of their day."""
    day, hour = timedelta(days=1), timedelta(hours=1)
    if rule.unit == rules.HOURS:
        steps = ([(rule.limit - rule.remind_before) * hour] if rule.remind_before else [])
        steps += [(rule.limit + step.after) * hour for step in rule.escalations]
    else:
        # Started at the very end of its day D; the reminder on day D + (limit - remind_before) at the earliest;
        # an escalation `after` days past the due day at ALERT_HOUR, or at the due time itself (00:00 the day after
        # the due day) when `after` is 0.
        steps = ([(rule.limit - rule.remind_before - 1) * day + ALERT_HOUR * hour] if rule.remind_before else [])
        steps += [rule.limit * day if step.after == 0 else (rule.limit + step.after - 1) * day + ALERT_HOUR * hour
                  for step in rule.escalations]
    return [max(lead - MARGIN, timedelta()) for lead in steps]


def _due_lead(rule: rules.StageRule) -> timedelta:
    """The least time from a stage's start to its due time, on any calendar and whatever pauses (a working day is
    at least a calendar day)."""
    return timedelta(hours=rule.limit) if rule.unit == rules.HOURS else timedelta(days=rule.limit)


def _steps_if_started(stage: str, at: datetime, policy: rules.Policy, days: Any, now: datetime) -> list[datetime]:
    """The times of a stage's steps (reminder first) had it started at `at` and never paused: the pure clock's
    own reckoning. A pause only puts the steps later. Empty when the stage would stand paused from its start."""
    for item in clocks([Event(at, ACTIONS[stage][0][0])], policy, days, now):
        if item.stage == stage:
            return [alert.at for alert in item.alerts] + [item.due] if item.due is not None else []
    return []


def _latest_starts(stage: str, rule: rules.StageRule, policy: rules.Policy, days: Any,
                   now: datetime) -> tuple[list[datetime], datetime | None]:
    """For each step (reminder first), the latest start at which it can be due at `now`; and the latest start at
    which the stage is certainly past its due time at `now` had it never paused (None when not searched).

    On a working-day clock a step's time depends only on the day the stage started, and later for a later day:
    the latest such day is searched for with the pure clock, over the calendar in force (weekends and holidays
    make it much tighter than a calendar-day bound). An hour clock's steps are fixed offsets from its start."""
    fallback = [now - lead for lead in _leads(rule)]
    count = len(fallback) + 1  # the steps and the due time
    if rule.unit == rules.HOURS:
        probe = now - timedelta(days=1)
        steps = _steps_if_started(stage, probe, policy, days, now)
        if len(steps) != count:
            return fallback, None
        found = [now - (at - probe) for at in steps]
        return found[:-1], found[-1]
    today = now.astimezone(clock.CHINA).date()

    def day_end(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=clock.CHINA) + timedelta(days=1, microseconds=-1)

    found = []
    bounds = [*fallback, now - _due_lead(rule)]
    for index, bound in enumerate(bounds):
        # Due by now for a start on `low`, not for one on `high` (a day after the calendar-day bound's day).
        high = min(bound.astimezone(clock.CHINA).date() + timedelta(days=1), today + timedelta(days=1))
        low = high - timedelta(days=14)
        while True:
            steps = _steps_if_started(stage, day_end(low), policy, days, now)
            if len(steps) != count:
                return fallback, None
            if steps[index] <= now:
                break
            high, low = low, low - (high - low) * 2
            if (today - low).days > 3 * 366:
                return fallback, None
        while (high - low).days > 1:
            middle = low + timedelta(days=(high - low).days // 2)
            steps = _steps_if_started(stage, day_end(middle), policy, days, now)
            if len(steps) != count:
                return fallback, None
            low, high = (middle, high) if steps[index] <= now else (low, middle)
        found.append(day_end(low))
    return found[:-1], found[-1]


def _span(rule: rules.StageRule) -> timedelta:
    """More than the calendar time from a stage's start to its last step on any calendar (a working day counted
    as two calendar days, and a fortnight of holidays on top)."""
    last = rule.limit + max((step.after for step in rule.escalations), default=0)
    return timedelta(hours=last) if rule.unit == rules.HOURS else timedelta(days=2 * last + 14)


def _timed(policy: rules.Policy) -> list[tuple[str, rules.StageRule]]:
    """The stages the sweep looks at: timed on the case's events, with a reminder or an escalation step."""
    return [(stage, rule) for stage, rule in policy.stages.items()
            if stage in ACTIONS and (rule.remind_before or rule.escalations)]


@dataclass(frozen=True)
class _Plan:
    """What the pre-filter is asked: the stages timed with a step to look for, each step's latest start."""

    policy: rules.Policy
    stages: list[tuple[str, rules.StageRule]]
    shape: list[sql.SweptStage]
    closed_since: datetime


def _plan(policy: rules.Policy, days: Any, now: datetime) -> _Plan | None:
    stages = _timed(policy)
    if not stages:
        return None
    # Per stage, the latest start at which step `next` (the one after the last recorded) could be due now; with
    # no reminder, `next` 0 is the first escalation. And, for a stage with a reminder, the latest start at which
    # an unpaused stage is past due (its reminder never sent, `clocks.due_alerts`).
    shape = []
    for stage, rule in stages:
        latest, past_due = _latest_starts(stage, rule, policy, days, now)
        steps = latest if rule.remind_before else [latest[0], *latest]
        shape.append(sql.SweptStage(
            stage=stage, starts=ACTIONS[stage][0], ends=(*ACTIONS[stage][1], *FINAL),
            pauses=tuple((PAUSE_ACTIONS[kind][0], (*PAUSE_ACTIONS[kind][1], *FINAL))
                         for kind in rule.pauses if kind in PAUSE_ACTIONS),
            thresholds=tuple(steps),
            past_due=past_due if rule.remind_before and len(latest) > 1 else None))
    # A closed case's clocks stop at its closing; one starts again only when a reconsideration is asked for,
    # within the reconsideration period after the ruling: a closed case is looked at for that period and the
    # longest clock after its closing (and a month more, for sweeps that did not run).
    period = policy.stages.get("reconsideration_request")
    window = timedelta(days=2 * max(period.limit if period else 0, CLOSED_WINDOW_DAYS) + 14)
    closed_since = now - window - max(_span(rule) for _, rule in stages) - CATCH_UP
    return _Plan(policy, stages, shape, closed_since)


async def _candidates(plan: _Plan) -> list[dict[str, Any]]:
    statement, args = sql.sweep_candidates(plan.shape, ended=sorted(status.value for status in ENDED),
                                           closed_since=plan.closed_since)
    async with _planned():
        rows = await db.fetch(statement, *args)
    # Each case's clocks are computed for the stages that may have a step due only: a stage's clocks do not
    # depend on the other stages the policy times (its runs, occurrences and pauses are its own).
    narrowed: dict[int, rules.Policy] = {}
    for row in rows:
        bits = int(row["near"])
        if bits not in narrowed:
            named = [stage for i, (stage, _) in enumerate(plan.stages) if bits & (1 << i)]
            narrowed[bits] = rules.Policy(plan.policy.name, {stage: plan.policy.stages[stage] for stage in named})
        row["policy"] = narrowed[bits]
    return rows


@contextlib.asynccontextmanager
async def _planned() -> AsyncIterator[None]:
    """Where the candidates are read: on PostgreSQL in a transaction of their own, with the planner's settings
    for one large read (no JIT compilation, which costs more than the query; room to group in memory); on
    SQLite as it is (a write transaction there would hold other writers off)."""
    if not db.pick(postgres=True, sqlite=False):
        yield
        return
    async with db.transaction():
        for statement in sql.ONE_LARGE_READ:
            await db.fetch(statement)
        yield


# --- what is due --------------------------------------------------------------------------------------------


def _events(rows: Sequence[dict[str, Any]]) -> dict[int, list[Event]]:
    found: dict[int, list[Event]] = {}
    if rows and "actions" in rows[0]:  # one row per case, its events as arrays (`sql.events_of_cases`)
        for row in rows:
            found[row["case_id"]] = [Event(at, action) for action, at in zip(row["actions"], row["ats"], strict=True)
                                     if at is not None]
        return found
    for row in rows:
        at = clock.instant(row["at"])
        if at is not None:
            found.setdefault(row["case_id"], []).append(Event(at, str(row["action"])))
    return found


async def _due(chunk: list[dict[str, Any]], days: Any, now: datetime, report: SweepReport) -> list[_Due]:
    statement = sql.events_of_cases(_READ, as_arrays=db.aggregates_into_arrays())
    events = _events(await db.fetch_among(statement, [c["case_id"] for c in chunk], "int"))
    numbers = [c["number"] for c in chunk]
    recorded = {r["key"] for r in await db.fetch_among(sql.RECORDED_ALERT_KEYS_OF, numbers, "text")}
    due: list[_Due] = []
    for index, case in enumerate(chunk):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # the chunk being fired meanwhile (on PostgreSQL) goes on with its statements
        for item in clocks(events.get(case["case_id"], []), case["policy"], days, now):
            if not item.open:
                continue
            report.clocks += 1
            for alert in due_alerts(item, now):
                found = _Due(case["case_id"], case["number"], case["department_id"], item, alert)
                if found.key not in recorded:
                    due.append(found)
    return due


async def _invitations_due(policy: rules.Policy, days: Any, now: datetime, report: SweepReport) -> list[_Due]:
    """The steps due of the invitations left unanswered: each runs on its own reply deadline (`invitation_clock`),
    read for the invitations whose deadline lies near enough to now for a step to be due."""
    rule = policy.stages.get("invitation")
    if rule is None or not (rule.remind_before or rule.escalations):
        return []
    day, hour = timedelta(days=1), timedelta(hours=1)
    if rule.unit == rules.HOURS:
        ahead, behind = rule.remind_before * hour, max((s.after for s in rule.escalations), default=0) * hour
    else:
        ahead = (2 * rule.remind_before + 14) * day
        behind = (2 * max((s.after for s in rule.escalations), default=0) + 14) * day
    rows = await db.fetch(sql.UNANSWERED_INVITATIONS, now - behind - CATCH_UP, now + ahead + MARGIN)
    recorded = {r["key"] for r in await db.fetch_among(sql.RECORDED_ALERT_KEYS_OF,
                                                       sorted({r["number"] for r in rows}), "text")}
    due: list[_Due] = []
    for row in rows:
        invited_at, reply_by = clock.instant(row["invited_at"]), clock.instant(row["reply_by"])
        if invited_at is None or reply_by is None:
            continue
        item = invitation_clock(row["seat_id"], invited_at, reply_by, bool(row["reply_by_provisional"]), rule, days,
                                now)
        report.clocks += 1
        for alert in due_invitation_alerts(item.alerts, reply_by, row["status"] == "invited", now):
            found = _Due(row["case_id"], row["number"], row["department_id"], item, alert, member=row["account_id"])
            if found.key not in recorded:
                due.append(found)
    return due


# --- firing -------------------------------------------------------------------------------------------------


def _day_words(item: Clock) -> str:
    day = item.due_day or (item.due.astimezone(clock.CHINA).date() if item.due else None)
    return f"{day.month}月{day.day}日" if day else ""


def _context(found: _Due) -> dict[str, Any]:
    alert, item = found.alert, found.clock
    context = {
        # the templates' words: the stage's name and its due day (`stage`, `due`); the codes beside them
        "case_number": found.number, "stage": rules.STAGES[alert.stage], "stage_code": alert.stage,
        "kind": alert.kind, "step": alert.step, "occurrence": alert.occurrence,
        "recipient": alert.to, "recipient_name": rules.RECIPIENTS[alert.to],
        "due": _day_words(item), "due_at": clock.local_time(item.due), "provisional": item.provisional,
        "link": f"/office/cases/{found.number}",
    }
    if found.member is not None and alert.to == "assignee":  # the invited member, where members answer
        return {**context, "account_id": found.member, "link": INVITATIONS_LINK}
    return context


def _reason(found: _Due) -> str:
    alert = found.alert
    name, to, day = rules.STAGES[alert.stage], rules.RECIPIENTS[alert.to], _day_words(found.clock)
    if alert.kind == "remind":
        return f"「{name}」应于 {day} 前完成，到期前提醒{to}"
    return f"「{name}」已超过 {day} 的期限，第 {alert.step} 次通报{to}"


def _overdue(found: _Due) -> dict[str, Any]:
    """A redo order past its deadline, as its webhook names it (the first escalation only)."""
    day = found.clock.due_day or (found.clock.due.astimezone(clock.CHINA).date() if found.clock.due else None)
    return {"case_number": found.number, "due_on": day.isoformat() if day else None,
            "link": f"/api/v1/cases/{found.number}"}


async def _fire_batch(batch: list[_Due], now: datetime) -> int:
    """One batch of steps in one transaction: the alert rows (INSERT … ON CONFLICT (key) DO NOTHING: a second
    sweep at the same moment records nothing, and waits for the first rather than deadlock, the keys being
    written in one order), each with what its notification will say, and the audit events of the rows this call
    recorded. Returns the steps recorded; `telling` tells them after the commit."""
    rows = sorted(batch, key=lambda f: f.key)
    values = [(found.key, found.number, found.alert.stage, found.alert.occurrence, found.alert.kind,
               found.alert.step, found.alert.to, found.alert.at, now, _encode(_context(found)))
              for found in rows]
    async with db.transaction():
        recorded = {r["key"] for r in await db.insert_many(sql.ALERTS, values)}
        fired = [found for found in rows if found.key in recorded]  # the rest: recorded by another sweep just now
        await audit.record_many([audit.event_values(
            case_id=found.case_id, actor=ACTOR, action=ACTIONS_OF_KIND[found.alert.kind], reason=_reason(found),
            data={"key": found.key, "stage": found.alert.stage, "occurrence": found.alert.occurrence,
                  "kind": found.alert.kind, "step": found.alert.step, "to": found.alert.to,
                  "due": found.alert.at.isoformat()}) for found in fired])
        await webhooks.emit_many("redo.overdue", [_overdue(found) for found in fired if found.alert.stage == "redo"
                                                  and found.alert.kind == "escalate" and found.alert.step == 1])
    return len(fired)


async def _fire(due: list[_Due], now: datetime, report: SweepReport) -> None:
    began = time.perf_counter()
    # A case's steps in order, so that a sweep stopped between two batches never leaves a later step recorded
    # without an earlier one (the pre-filter reads the last step recorded).
    due.sort(key=lambda f: (f.case_id, f.alert.stage, f.alert.occurrence, f.alert.step))
    for start in range(0, len(due), ALERTS_PER_WRITE):
        report.fired += await _fire_batch(due[start:start + ALERTS_PER_WRITE], now)
    report.fire_s += time.perf_counter() - began


async def sweep(*, now: datetime | None = None) -> SweepReport:
    """Fire every reminder and escalation step due at `now` and not yet fired, once each.

    The candidates are computed a chunk at a time; on PostgreSQL a chunk's steps are fired (on a connection of
    their own) while the next chunk is computed, one chunk firing at a time and in order, so that the database
    writes while Python computes clocks. On SQLite, one writer on one connection, each chunk is fired before the
    next is computed."""
    now = now or clock.now()
    report = SweepReport()
    days = await calendar()
    started = time.perf_counter()
    plan = _plan(await policy_in_force(), days, now)
    candidates = await _candidates(plan) if plan else []
    report.candidates = len(candidates)
    finding = time.perf_counter() - started
    beside = db.pick(postgres=True, sqlite=False)
    firing: asyncio.Task[None] | None = None
    try:
        for start in range(0, len(candidates), CASES_PER_READ):
            began = time.perf_counter()
            due = await _due(candidates[start:start + CASES_PER_READ], days, now, report)
            finding += time.perf_counter() - began
            report.found += len(due)
            if firing is not None:
                await firing  # the previous chunk recorded (or its failure raised) before the next one starts
                firing = None
            if beside:
                firing = asyncio.create_task(_fire(due, now, report))
            else:
                await _fire(due, now, report)
        if firing is not None:
            await firing
            firing = None
        invited = await _invitations_due(plan.policy if plan else await policy_in_force(), days, now, report)
        report.found += len(invited)
        await _fire(invited, now, report)
    finally:
        if firing is not None:  # computing failed: the chunk being fired ends whole (committed or rolled back)
            with contextlib.suppress(Exception):
                await firing
        # The steps recorded are told by a job of their own, whether this sweep ended or failed half-way (it tells
        # what an earlier sweep recorded and left untold, too).
        await queue.enqueue("tell_clock_alerts")
    report.find_s = round(finding, 3)
    report.fire_s = round(report.fire_s, 3)
    return report
