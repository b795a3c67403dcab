"""The office's home (工作台): what came in today, what waits at each step, what is overdue, and the last weeks'
intake and rulings by week and by department. Aggregate queries over indexed ranges only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from review.core import charts, clock, db
from review.deadlines import queries as deadlines

WEEKS = 12
TOP_DEPARTMENTS = 10
# The steps the office moves a case on from, and the statuses waiting there.
WAITING = (("screening", "待审查", ("received",)), ("convening", "待组成评议组", ("accepted",)),
           ("scoring", "评分中", ("panel_ready", "under_review")), ("issue", "待出具评议结论", ("deliberation",)))


@dataclass(frozen=True)
class Week:
    start: dt.date
    intake: int
    rulings: int


@dataclass(frozen=True)
class DepartmentWeeks:
    name: str
    intake: int
    rulings: int


@dataclass(frozen=True)
class OfficeHome:
    today: dt.date
    intake_today: int
    waiting: list[tuple[str, str, int, str]]  # (key, label, count, list link)
    overdue: int
    due_soon: int
    most_overdue: list[deadlines.OverdueRow]
    weeks: list[Week]
    departments: list[DepartmentWeeks]
    intake_chart: str
    department_chart: str


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CHINA).astimezone(dt.UTC)


def _weekly(column: str, table: str, starts: list[dt.date]) -> tuple[str, list[dt.datetime]]:
    """One row of counts, one per week from `starts` (the last one runs to now), over an indexed range."""
    sums = ", ".join(f"SUM(CASE WHEN {column} >= {{}} AND {column} < {{}} THEN 1 ELSE 0 END) AS w{i}"
                     for i in range(len(starts)))
    bounds = [*starts[1:], starts[-1] + dt.timedelta(days=7)]
    args = [a for start, end in zip(starts, bounds, strict=True) for a in (_at(start), _at(end))]
    return f"SELECT {sums} FROM {table} WHERE {column} >= {{}}", [*args, _at(starts[0])]


async def office_home(*, now: dt.datetime | None = None) -> OfficeHome:
    now = now or clock.now()
    today = now.astimezone(clock.CHINA).date()
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    since = _at(starts[0])
    intake_today = (await db.fetch("SELECT COUNT(*) AS n FROM review_case WHERE received_at >= {}", _at(today)))[0]["n"]
    statuses = {s for _, _, group in WAITING for s in group}
    marks = ", ".join("{}" for _ in statuses)
    found = {r["status"]: int(r["n"]) for r in await db.fetch(
        f"SELECT status, COUNT(*) AS n FROM review_case WHERE status IN ({marks}) GROUP BY status", *sorted(statuses))}
    waiting = [(key, label, sum(found.get(s, 0) for s in group),
                f"/office/cases?status={group[0]}") for key, label, group in WAITING]
    sql, args = _weekly("received_at", "review_case", starts)
    intake = (await db.fetch(sql, *args))[0]
    sql, args = _weekly("issued_at", "ruling", starts)
    ruled = (await db.fetch(sql, *args))[0]
    weeks = [Week(start, int(intake[f"w{i}"] or 0), int(ruled[f"w{i}"] or 0)) for i, start in enumerate(starts)]
    rows = await db.fetch(
        "SELECT d.name AS name, n.intake AS intake, COALESCE(r.rulings, 0) AS rulings FROM"
        " (SELECT department, COUNT(*) AS intake FROM review_case WHERE received_at >= {} GROUP BY department) n"
        " JOIN department d ON d.id = n.department"
        ' LEFT JOIN (SELECT c.department AS department, COUNT(*) AS rulings FROM ruling r'
        ' JOIN review_case c ON c.id = r."case" WHERE r.issued_at >= {} GROUP BY c.department) r'
        " ON r.department = n.department ORDER BY n.intake DESC, d.name LIMIT {}", since, since, TOP_DEPARTMENTS)
    departments = [DepartmentWeeks(str(r["name"]), int(r["intake"]), int(r["rulings"])) for r in rows]
    late = await deadlines.open_late_rows(now=now)
    overdue_rows = [r for r in late if r.state == "overdue"]
    labels = [f"{w.start.month}/{w.start.day}" for w in weeks]
    high = max([w.intake for w in weeks] + [w.rulings for w in weeks] + [1])
    intake_chart = charts.trend_lines(f"近 {WEEKS} 周受理与评议结论（按周）", labels, [
        ("受理", "#0969da", [float(w.intake) for w in weeks]),
        ("评议结论", "#1a7f37", [float(w.rulings) for w in weeks])], low=0.0, high=float(high))
    top = max([d.intake for d in departments] + [1])
    department_chart = charts.ranked_bars(f"近 {WEEKS} 周受理最多的部门", [
        (d.name, float(d.intake), "受理") for d in departments], bands=[("受理", "#0969da")], top_value=float(top))
    return OfficeHome(today, int(intake_today), waiting, len({r.case_id for r in overdue_rows}),
                      len({r.case_id for r in late if r.state == "soon"}), overdue_rows[:10], weeks, departments,
                      intake_chart, department_chart)
