"""The office's reads of the clocks across cases: the overdue list (逾期清单) and the time per stage by month.

Each reads the audit events of the cases it needs in one query, ordered by case then time, and computes the
clocks with the pure `clocks()` under the policy in force and the calendar as the holiday table stands. The
people a late stage waits for come from one query over the seated panels and one over the liaisons. Nothing
of the complainant is read: case numbers and department names only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from review.core import clock, db, kept
from review.core.calendar import calendar
from review.core.errors import Invalid
from review.core.workdays import Calendar
from review.deadlines import services
from review.deadlines.clocks import ACTIONS, FINAL, PAUSE_ACTIONS, Clock, Event, clocks
from review.deadlines.policy import STAGES, WORKDAYS, policy_hash
from review.deadlines.services import policy as versions
from review.deadlines.stage_times import (
    OFFICE,
    STATES,
    WINDOWS,
    CaseFacts,
    Count,
    MonthFigures,
    OverdueRow,
    Person,
    StageTimes,
    as_of,
    assemble,
    counts,
    last_months,
    month_figures,
    month_of,
    month_start,
    most_overdue_first,
    only_stages,
    overdue_rows,
    running_stages,
)

# Cases whose clocks may still run: an ended or closed case's last event closed every stage.
_OPEN = "c.status NOT IN ('closed', 'dismissed', 'withdrawn', 'settled')"

# The actions a clock moves on (a stage's start or end, a pause's, a case's end): the other events (messages,
# sheets saved, invitations answered, …) are not read.
_TIMED = ", ".join(sorted({f"'{a}'" for pair in (*ACTIONS.values(), *PAUSE_ACTIONS.values())
                           for actions in pair for a in actions} | {f"'{a}'" for a in FINAL}))

OPEN_EVENTS = (
    'SELECT e."case" AS case_id, c.number, c.department AS department_id, d.name AS department_name,'
    " e.at, e.action"
    ' FROM audit_event e JOIN review_case c ON c.id = e."case" JOIN department d ON d.id = c.department'
    f" WHERE {_OPEN} AND e.action IN ({_TIMED}) ORDER BY e.\"case\", e.at, e.id"
)

# The accepted seats of the panels at work on the cases named, each with whether its member has submitted a sheet.
SEATS_OF = (
    'SELECT p."case" AS case_id, m.id AS member_id, m.name, s.is_chair,'
    ' EXISTS (SELECT 1 FROM score_sheet ss WHERE ss."case" = p."case" AND ss.panel_id = p.id'
    ' AND ss.member = m."user" AND ss.submitted = {}) AS submitted'
    " FROM seat s JOIN panel p ON p.id = s.panel JOIN roster_member m ON m.id = s.member"
    " WHERE p.status = 'seated' AND s.status = 'accepted' AND p.\"case\" IN ({ids})"
    ' ORDER BY p."case", s.is_chair DESC, s.id'
)
SEATS_AT_ONCE = 500  # case ids per statement, well within either engine's limit on parameters

LIAISONS = (
    "SELECT id, department AS department_id, display_name FROM account"
    " WHERE role = 'liaison' AND active = {} AND department IS NOT NULL ORDER BY display_name, id"
)

# Every event of the cases that had an event since the window opened (a stage that ended in the window ended
# with one), whether the case is open or not.
WINDOW_EVENTS = (
    'SELECT e."case" AS case_id, e.at, e.action FROM audit_event e'
    ' WHERE e."case" IN (SELECT DISTINCT f."case" FROM audit_event f WHERE f.at >= {} AND f."case" IS NOT NULL)'
    f' AND e.action IN ({_TIMED}) ORDER BY e."case", e.at, e.id'
)

PER_PAGE = 50


def _event(row: dict[str, Any]) -> Event | None:
    at = clock.instant(row["at"])
    if at is None:
        return None
    return Event(at if at.tzinfo else at.replace(tzinfo=dt.UTC), str(row["action"]))


def _by_case(rows: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[Event]]]:
    """The rows (ordered by case) grouped per case: the case's first row and its events."""
    first: dict[str, Any] | None = None
    found: list[Event] = []
    for row in rows:
        if first is not None and row["case_id"] != first["case_id"]:
            yield first, found
            found = []
        if first is None or row["case_id"] != first["case_id"]:
            first = row
        if (event := _event(row)) is not None:
            found.append(event)
    if first is not None:
        yield first, found


@dataclass(frozen=True)
class Waiting:
    """Who each kind of stage waits for, per case (chair, members yet to submit) and per department."""

    chairs: dict[int, list[Person]]
    unsubmitted: dict[int, list[Person]]
    liaisons: dict[int, list[Person]]

    PANEL_STAGES: ClassVar[tuple[str, ...]] = ("reasoning", "scoring")

    def of(self, stage: str, case_id: int, department_id: int) -> list[Person]:
        if stage == "reasoning":
            return self.chairs.get(case_id, [])
        if stage == "scoring":
            return self.unsubmitted.get(case_id, [])
        if stage == "redo":
            return self.liaisons.get(department_id, [])
        return [OFFICE]


async def _waiting(case_ids: Sequence[int], *, liaisons_too: bool) -> Waiting:
    """The chairs and the members yet to submit on these cases' panels, and every department's liaisons."""
    chairs: dict[int, list[Person]] = {}
    unsubmitted: dict[int, list[Person]] = {}
    for start in range(0, len(case_ids), SEATS_AT_ONCE):
        chunk = case_ids[start:start + SEATS_AT_ONCE]
        for row in await db.fetch(SEATS_OF.replace("{ids}", ", ".join("{}" for _ in chunk)), True, *chunk):
            person = Person(f"member:{row['member_id']}", str(row["name"]))
            if row["is_chair"]:
                chairs.setdefault(row["case_id"], []).append(person)
            if not row["submitted"]:
                unsubmitted.setdefault(row["case_id"], []).append(person)
    liaisons: dict[int, list[Person]] = {}
    for row in await db.fetch(LIAISONS, True) if liaisons_too else []:
        liaisons.setdefault(row["department_id"], []).append(Person(f"account:{row['id']}", str(row["display_name"])))
    return Waiting(chairs, unsubmitted, liaisons)


@dataclass(frozen=True)
class OverdueFilters:
    stage: str = ""
    department: int | None = None
    person: str = ""
    state: str = ""  # overdue | soon | "" (both)

    def admits(self, row: OverdueRow, *, skip: str = "") -> bool:
        return ((skip == "stage" or not self.stage or row.stage == self.stage)
                and (skip == "department" or self.department is None or row.department_id == self.department)
                and (not self.person or any(p.key == self.person for p in row.persons))
                and (not self.state or row.state == self.state))


def checked_filters(*, stage: str | None, department: str | int | None, person: str | None,
                    state: str | None) -> OverdueFilters:
    """The filters as sent (query parameters), 422 naming the one that names nothing."""
    stage, person, state = (stage or "").strip(), (person or "").strip(), (state or "").strip()
    if stage and stage not in STAGES:
        raise Invalid("invalid_field", "stage 不是已知的环节", field="stage")
    if state and state not in STATES:
        raise Invalid("invalid_field", "state 应为 overdue 或 soon", field="state")
    number: int | None = None
    if department not in (None, ""):
        text = str(department).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            raise Invalid("invalid_field", "department 应为部门编号（整数）", field="department")
        number = int(text)
    return OverdueFilters(stage, number, person, state)


@dataclass(frozen=True)
class OverduePage:
    """One page of the overdue list under the filters, with the counts by stage and by department (each
    counted under the other filters) and the people that can be filtered on."""

    items: list[OverdueRow]
    total: int
    overdue: int
    soon: int
    page: int
    pages: int
    per_page: int
    by_stage: list[Count]
    by_department: list[Count]
    persons: list[Person]
    filters: OverdueFilters
    today: dt.date


# Each open case's late rows as last counted, under the case's events, the policy, the calendar and the day: a
# stage timed in working days is late by the same on the whole of a Beijing day (its due time is a midnight),
# so until one of those changes the list needs no clock of that case counted again. Cases with a stage timed in
# hours are counted every time.
_open_cases: kept.Kept[tuple[tuple[Any, ...], Calendar, list[OverdueRow]]] = kept.Kept(50_000)


@kept.forgettable
def forget_open_cases() -> None:
    _open_cases.clear()


async def open_late_rows(*, now: dt.datetime | None = None) -> list[OverdueRow]:
    """Every open stage of every open case that is late or falls due within a working day, most late first."""
    now = now or clock.now()
    policy, days = await services.policy_in_force(), await calendar()
    signature, counting = policy_hash(policy), days
    when = as_of(counting, now)
    rows = await db.fetch(OPEN_EVENTS)
    late: list[OverdueRow] = []
    for first, events in _by_case(rows):
        case = CaseFacts(first["case_id"], str(first["number"]), first["department_id"],
                         str(first["department_name"]))
        key = (case, tuple(events), signature, when.today)
        hit = _open_cases.get(case.case_id)
        if hit is not None and hit[0] == key and hit[1] is days:
            late += hit[2]
            continue
        running = running_stages(events)
        if not running:
            continue
        # Only the running stages' clocks are computed: the list needs no ended one.
        timed = only_stages(policy, running)
        found = overdue_rows(case, clocks(events, timed, counting, now), [OFFICE], when)
        if all(rule.unit == WORKDAYS for rule in timed.stages.values()):
            _open_cases.put(case.case_id, (key, days, found))
        late += found
    # Then who each late stage waits for: the panel's people only for the cases that wait on them.
    on_panel = sorted({r.case_id for r in late if r.stage in Waiting.PANEL_STAGES})
    waiting = await _waiting(on_panel, liaisons_too=any(r.stage == "redo" for r in late))
    return most_overdue_first(
        replace(r, persons=tuple(waiting.of(r.stage, r.case_id, r.department_id)) or (OFFICE,)) for r in late)


async def overdue(*, filters: OverdueFilters = OverdueFilters(), page: int = 1, per_page: int = PER_PAGE,
                  now: dt.datetime | None = None) -> OverduePage:
    """The overdue list: open stages past due (and those due within a working day), filtered, most late first,
    one page of it."""
    now = now or clock.now()
    rows = await open_late_rows(now=now)
    chosen = [r for r in rows if filters.admits(r)]
    persons: dict[str, Person] = {}
    for row in rows:
        for p in row.persons:
            persons.setdefault(p.key, p)
    pages = max(1, math.ceil(len(chosen) / per_page))
    start = (page - 1) * per_page
    return OverduePage(
        items=chosen[start:start + per_page], total=len(chosen),
        overdue=sum(r.state == "overdue" for r in chosen), soon=sum(r.state == "soon" for r in chosen),
        page=page, pages=pages, per_page=per_page,
        by_stage=counts((r for r in rows if filters.admits(r, skip="stage")), "stage"),
        by_department=counts((r for r in rows if filters.admits(r, skip="department")), "department"),
        persons=sorted(persons.values(), key=lambda p: (p.key != "office", p.name, p.key)),
        filters=filters, today=now.astimezone(clock.CHINA).date())


@dataclass(frozen=True)
class StageTimesReport:
    """The time per stage for each of `months` (oldest first), by the month each stage ended."""

    months: list[str]
    stages: list[StageTimes]


def checked_month(value: str | None, *, now: dt.datetime) -> str:
    """The last month of the chart (YYYY-MM), this month (Beijing) when none is given; 422 otherwise."""
    text = (value or "").strip()
    if not text:
        return month_of(now)
    parts = text.split("-")
    if (len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not all(p.isascii() and p.isdigit()
                                                                            for p in parts)
            or not 1 <= int(parts[1]) <= 12 or not 2000 <= int(parts[0]) <= 2100):
        raise Invalid("invalid_field", "to 应为年月，如 2026-11", field="to")
    return text


# A month's figures once it is over: its stages ended then, and nothing written later moves an ended clock.
# Kept per month under the policy versions' hashes, with the calendar they were counted on (a new holiday table
# is a new calendar object, and counts again).
_months: kept.Kept[tuple[Calendar, MonthFigures]] = kept.Kept(240)


@kept.forgettable
def forget_months() -> None:
    _months.clear()


async def stage_times(*, to: str | None = None, count: int = 12, now: dt.datetime | None = None
                      ) -> StageTimesReport:
    """For each stage and each of the `count` months up to `to` (this month by default), the median and 90th
    percentile of the working days spent in it, over the occurrences that ended that month, and their count.
    Each ended stage is timed by the policy version in force when it ended. Months already over are counted
    once per process; the events read are those of the cases with an event since the first month not yet
    counted."""
    now = now or clock.now()
    months = last_months(checked_month(to, now=now), count)
    current = month_of(now)
    history, days = await versions.history(), await calendar()
    signature = tuple(v.content_hash or policy_hash(v.policy) for v in history)
    figures: dict[str, MonthFigures] = {}
    for month in months:
        hit = _months.get((month, signature)) if month < current else None
        if hit is not None and hit[0] is days:
            figures[month] = hit[1]
    missing = [m for m in months if m not in figures]
    if missing:
        rows = await db.fetch(WINDOW_EVENTS, month_start(missing[0]).astimezone(dt.UTC))
        found: list[Clock] = []
        for _, events in _by_case(rows):
            # A stage that has ended is timed by the version in force when it ended.
            for version in history:
                found += [c for c in clocks(events, version.policy, days, now) if c.end is not None
                          and (len(history) == 1 or versions.in_force_at(history, c.end) is version)]
        counted = month_figures(found, missing)
        for month in missing:
            if month < current:
                _months.put((month, signature), (days, counted[month]))
        figures.update(counted)
    return StageTimesReport(months, assemble(figures, months))


def stage_names() -> Sequence[tuple[str, str]]:
    """The stages the list can show, in order, with their names: those timed by the case's events, less the
    windows nobody is late on."""
    return [(code, name) for code, name in STAGES.items() if code in ACTIONS and code not in WINDOWS]
