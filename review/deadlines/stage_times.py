"""What the office reads off the clocks of many cases (pure): which open stages are late or about to be
(逾期 / 即将到期), and the time each stage took, by the month it ended (median and 90th percentile).

The clocks come from `clocks.clocks()`; the calendar is the platform's. Nothing here reads or writes anything.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from review.core.clock import CHINA
from review.core.workdays import Calendar
from review.deadlines.clocks import ACTIONS, FINAL, Clock, Event
from review.deadlines.policy import STAGES, Policy

OVERDUE, SOON = "overdue", "soon"
STATES = {OVERDUE: "已逾期", SOON: "即将到期"}
SOON_WORKDAYS = 1  # an open stage due today or by the next working day is about to fall due

# Stages that are a window for a party rather than a task: nobody is late when it runs out (the complainant
# simply did not ask for reconsideration), so they are not listed as overdue.
WINDOWS = frozenset({"reconsideration_request"})


def beijing_day(at: dt.datetime) -> dt.date:
    return at.astimezone(CHINA).date()


def month_of(at: dt.datetime) -> str:
    """The Beijing month of an instant, as 2026-11."""
    day = beijing_day(at)
    return f"{day.year:04d}-{day.month:02d}"


def last_months(last: str, count: int = 12) -> list[str]:
    """`count` months ending with `last` (YYYY-MM), oldest first."""
    year, month = (int(p) for p in last.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def month_start(month: str) -> dt.datetime:
    """00:00 Beijing time on the first day of `month` (YYYY-MM)."""
    year, number = (int(p) for p in month.split("-"))
    return dt.datetime(year, number, 1, tzinfo=CHINA)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` (0–1) quantile of `values`, interpolated linearly between the two nearest ranks (the rank
    is share × (n − 1), counting from 0: the median of 1, 2, 3, 4 is 2.5, its 90th percentile 3.7); None for
    no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 2)


# action → the stages it starts (True) or ends (False); an ending action ends every stage
_MOVES: dict[str, list[tuple[str, bool]]] = {}
for _stage, (_starts, _ends) in ACTIONS.items():
    for _action in _starts:
        _MOVES.setdefault(_action, []).append((_stage, True))
    for _action in _ends:
        _MOVES.setdefault(_action, []).append((_stage, False))


def running_stages(events: Iterable[Event]) -> set[str]:
    """The stages still running after the events: those whose last start, end or ending action was a start.
    (What `clocks()` finds open, read without computing any clock.)"""
    last: dict[str, bool] = {}
    for event in sorted(events, key=lambda e: e.at):
        if event.action in FINAL:
            last = dict.fromkeys(ACTIONS, False)
            continue
        for stage, starts in _MOVES.get(event.action, ()):
            last[stage] = starts
    return {stage for stage, running in last.items() if running}


def only_stages(policy: Policy, stages: set[str]) -> Policy:
    """The policy timing only these stages: their clocks come out as under the whole policy (a stage's clock
    depends on its own rule and the case's events alone), the others are not computed."""
    return Policy(policy.name, {s: r for s, r in policy.stages.items() if s in stages})


# --- the overdue list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Who a late stage waits for: a panel member, a liaison, or the office (评议办)."""

    key: str  # member:<roster id>, account:<account id>, office
    name: str


OFFICE = Person("office", "评议办")


@dataclass(frozen=True)
class Lateness:
    state: str  # OVERDUE or SOON
    days_over: int  # working days past the due day (0 for a stage not yet late)


@dataclass(frozen=True)
class AsOf:
    """The instant a list is drawn up at, with its Beijing day and the last day that counts as due soon."""

    now: dt.datetime
    today: dt.date
    soon_by: dt.date
    calendar: Calendar


def as_of(calendar: Calendar, now: dt.datetime) -> AsOf:
    today = beijing_day(now)
    return AsOf(now, today, calendar.add_workdays(today, SOON_WORKDAYS).day, calendar)


def lateness(clock: Clock, when: AsOf) -> Lateness | None:
    """Whether an open clock is late or about to be, and by how many working days; None otherwise (ended,
    paused, a window stage, or not due soon)."""
    if not clock.open or clock.due is None or clock.stage in WINDOWS:
        return None
    due_day = clock.due_day or beijing_day(clock.due)
    if clock.overdue:
        days, day = 0, due_day
        while day < when.today:
            day += dt.timedelta(days=1)
            days += when.calendar.is_workday(day)
        return Lateness(OVERDUE, days)
    if due_day <= when.soon_by:
        return Lateness(SOON, 0)
    return None


@dataclass(frozen=True)
class CaseFacts:
    """What the list shows of a case besides its clocks: no complainant data, only the number and department."""

    case_id: int
    number: str
    department_id: int
    department_name: str


@dataclass(frozen=True)
class OverdueRow:
    case_id: int
    case_number: str
    stage: str
    stage_name: str
    occurrence: int
    department_id: int
    department_name: str
    persons: tuple[Person, ...]
    start: dt.datetime
    due: dt.datetime
    due_day: dt.date
    provisional: bool
    spent: float
    unit: str
    state: str
    days_over: int

    @property
    def state_name(self) -> str:
        return STATES[self.state]

    @property
    def person_names(self) -> str:
        return "、".join(p.name for p in self.persons)


def overdue_rows(case: CaseFacts, found: Iterable[Clock], persons: Sequence[Person], when: AsOf
                 ) -> list[OverdueRow]:
    """The case's open stages that are late or about to be; `persons` is who each stage waits for, by the
    stage's responsible party (the office when there is nobody else)."""
    rows = []
    for clock in found:
        late = lateness(clock, when)
        if late is None or clock.due is None:
            continue
        rows.append(OverdueRow(
            case.case_id, case.number, clock.stage, STAGES[clock.stage], clock.occurrence, case.department_id,
            case.department_name, tuple(persons) or (OFFICE,), clock.start, clock.due,
            clock.due_day or beijing_day(clock.due), clock.provisional, clock.spent, clock.unit, late.state,
            late.days_over))
    return rows


def most_overdue_first(rows: Iterable[OverdueRow]) -> list[OverdueRow]:
    """Late stages before those about to be, the longest late first, then by due time and case number."""
    return sorted(rows, key=lambda r: (r.state != OVERDUE, -r.days_over, r.due, r.case_number, r.stage))


@dataclass(frozen=True)
class Count:
    key: str
    name: str
    count: int


def counts(rows: Iterable[OverdueRow], key: str) -> list[Count]:
    """How many rows per stage (`key="stage"`, in the stages' order) or per department (most first)."""
    names: dict[str, str] = {}
    tally: dict[str, int] = {}
    for row in rows:
        k, name = (row.stage, row.stage_name) if key == "stage" else (str(row.department_id), row.department_name)
        names[k] = name
        tally[k] = tally.get(k, 0) + 1
    found = [Count(k, names[k], n) for k, n in tally.items()]
    if key == "stage":
        order = list(STAGES)
        return sorted(found, key=lambda c: order.index(c.key))
    return sorted(found, key=lambda c: (-c.count, c.name))


# --- time per stage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageMonth:
    month: str
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class StageTimes:
    """One stage's time spent, for each month, of the occurrences that ended in it."""

    stage: str
    name: str
    unit: str
    months: tuple[StageMonth, ...]

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)


MonthFigures = dict[str, tuple[str, StageMonth]]  # stage → (unit, that month's figures)


def month_figures(found: Iterable[Clock], months: Sequence[str]) -> dict[str, MonthFigures]:
    """For each of `months`, each stage's count, median and 90th percentile of the time spent, over the
    occurrences that ended in it (Beijing time); a month with none has no stage."""
    wanted = set(months)
    spent: dict[str, dict[str, list[float]]] = {m: {} for m in months}
    units: dict[str, str] = {}
    for clock in found:
        if clock.end is None:
            continue
        month = month_of(clock.end)
        if month in wanted:
            spent[month].setdefault(clock.stage, []).append(clock.spent)
            units[clock.stage] = clock.unit
    return {month: {stage: (units[stage], StageMonth(month, len(values), percentile(values, 0.5),
                                                     percentile(values, 0.9)))
                    for stage, values in per.items()}
            for month, per in spent.items()}


def assemble(figures: dict[str, MonthFigures], months: Sequence[str]) -> list[StageTimes]:
    """Month figures as one series per stage (in the stages' order) that ended at least once in `months`."""
    out = []
    for stage in STAGES:
        units = [figures[m][stage][0] for m in months if stage in figures.get(m, {})]
        if not units:
            continue
        out.append(StageTimes(stage, STAGES[stage], units[-1], tuple(
            figures[m][stage][1] if stage in figures.get(m, {}) else StageMonth(m, 0, None, None)
            for m in months)))
    return out


def by_month(found: Iterable[Clock], months: Sequence[str]) -> list[StageTimes]:
    """For each stage (in the stages' order) that ended at least once in `months`, the count, median and 90th
    percentile of the time spent, month by month (the month it ended, Beijing time)."""
    return assemble(month_figures(found, months), months)
