"""Reading a period's assessment figures: the current base figures, the review outcomes counted for the
period's months, the redo orders that deduct for lateness, under the scheme version in force for the period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from review.assessments import periods, redo
from review.assessments.figures import OUTCOMES, Base, Department, DepartmentFigures, League, league
from review.assessments.services import schemes
from review.assessments.sql import FINGERPRINT
from review.assessments.tables import AssessmentEntry, BaseFigures, RedoOrder
from review.core import db, kept, settings
from review.core.clock import CHINA, today_in_china
from review.core.errors import Invalid, NotFound
from review.core.tables import Department as DepartmentRow

_COUNTS = (BaseFigures.handled, BaseFigures.replied, BaseFigures.resolved, BaseFigures.rated,
           BaseFigures.satisfied, BaseFigures.basic, BaseFigures.unsatisfied, BaseFigures.overdue)
_OUTCOME_COLUMNS = {"proper": "ruled_proper", "basic": "ruled_basic", "improper": "ruled_improper",
                    "settled": "settled_in_mediation"}


def checked(period: str) -> str:
    """The period as given, or Invalid naming the forms a period takes."""
    text = (period or "").strip()
    if not periods.is_period(text):
        raise Invalid("invalid_period", "期间应写作 2026-11（月）、2026-Q4（季度）或 2026（年度）", field="period")
    return text


async def _departments(department_id: int | None) -> list[Department]:
    query = DepartmentRow.select(DepartmentRow.id, DepartmentRow.code, DepartmentRow.name).order_by(
        DepartmentRow.code)
    if department_id is not None:
        query = query.where(DepartmentRow.id == department_id)
    rows = await query.run()
    if department_id is not None and not rows:
        raise NotFound("department_not_found", "没有这个部门")
    return [Department(id=r["id"], code=r["code"], name=r["name"]) for r in rows]


async def _base_rows(keys: list[str], department_id: int | None) -> dict[int, dict[str, Base]]:
    query = BaseFigures.select(BaseFigures.department, BaseFigures.period, *_COUNTS,
                               BaseFigures.avg_reply_days).where(BaseFigures.period.is_in(keys)
                                                                 & (BaseFigures.current == True))
    if department_id is not None:
        query = query.where(BaseFigures.department == department_id)
    out: dict[int, dict[str, Base]] = defaultdict(dict)
    for row in await query.run():
        out[row["department"]][row["period"]] = Base(
            counts={c._meta.name: int(row[c._meta.name]) for c in _COUNTS}, avg_reply_days=row["avg_reply_days"])
    return out


async def _outcomes(months: list[str], department_id: int | None, now: datetime) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    query = AssessmentEntry.select(AssessmentEntry.department, AssessmentEntry.ruled_proper,
                                   AssessmentEntry.ruled_basic, AssessmentEntry.ruled_improper,
                                   AssessmentEntry.settled_in_mediation).where(AssessmentEntry.period.is_in(months))
    if department_id is not None:
        query = query.where(AssessmentEntry.department == department_id)
    for row in await query.run():
        counts = out[row["department"]]
        for outcome, column in _OUTCOME_COLUMNS.items():
            counts[outcome] += int(row[column] or 0)
    for department, late in (await _late_orders(months, department_id, now)).items():
        out[department]["redo_overdue"] += late
    return out


def _month_start(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=CHINA)


async def _late_orders(months: list[str], department_id: int | None, now: datetime) -> dict[int, int]:
    """Per department, the redo orders opened in the months (the month of the ruling that opened them) that
    deduct for lateness (review.assessments.redo.counts_late)."""
    start = _month_start(months[0]).astimezone(UTC)
    end = (_month_start(months[-1]) + timedelta(days=32)).replace(day=1).astimezone(UTC)
    today = now.astimezone(CHINA).date()
    query = RedoOrder.select(RedoOrder.department, RedoOrder.state, RedoOrder.deadline, RedoOrder.reported_at).where(
        (RedoOrder.opened_at >= start) & (RedoOrder.opened_at < end) & (RedoOrder.deadline < today)
        & RedoOrder.state.is_in([*redo.PENDING, redo.ACCEPTED])
    )
    if department_id is not None:
        query = query.where(RedoOrder.department == department_id)
    late: dict[int, int] = defaultdict(int)
    for row in await query.run():
        if redo.counts_late(row["state"], row["deadline"], row["reported_at"], now):
            late[row["department"]] += 1
    return late


async def _league(period: str, department_id: int | None, now: datetime | None) -> League:
    period = checked(period)
    now = now or datetime.now(CHINA)
    months = periods.months(period)
    scheme, version, digest = await schemes.in_force_version(period)
    departments = await _departments(department_id)
    rows = await _base_rows(sorted({period, *months}), department_id)
    outcomes = await _outcomes(months, department_id, now)
    return league(period, departments, rows, outcomes, scheme, scheme_version=version, scheme_hash=digest,
                  min_count=settings.ASSESSMENT_MIN_HANDLED)


_leagues: kept.Kept[League] = kept.Kept(64)


@kept.forgettable
def forget_leagues() -> None:
    """Drop the kept leagues (a database emptied under a running process, as between tests)."""
    _leagues.clear()


async def fingerprint() -> tuple[object, ...]:
    """A row that changes whenever anything a league is computed from changes (and with the day in China, on
    which a redo order falls late)."""
    row = (await db.fetch(FINGERPRINT))[0]
    return (today_in_china(), *(str(value) for value in row.values()))


async def period_league(period: str, *, now: datetime | None = None) -> League:
    """The period's figures for every department, ranked, with the city-wide figures. Kept per process while
    nothing it is computed from changes (a given `now` computes afresh)."""
    if now is not None:
        return await _league(period, None, now)
    key = (checked(period), await fingerprint())
    found = _leagues.get(key)
    if found is None:
        found = await _league(period, None, None)
        _leagues.put(key, found)
    return found


async def department_period(period: str, department_id: int, *, now: datetime | None = None) -> DepartmentFigures:
    """One department's figures for the period, with its rank in the period's league."""
    table = await period_league(period, now=now)
    found = next((f for f in table.departments if f.department_id == department_id), None)
    if found is None:
        raise NotFound("department_not_found", "没有这个部门")
    return found


async def department_history(department_id: int, period_list: list[str], *,
                             now: datetime | None = None) -> list[DepartmentFigures]:
    """One department's figures over the periods given, in the order given, each under its own scheme version;
    without ranks (a rank belongs to a whole league: department_period)."""
    out = []
    for period in period_list:
        table = await _league(period, department_id, now)
        out.append(replace(table.departments[0], rank=None, ranked=False))
    return out


async def known_periods() -> list[str]:
    """The periods there is something to read for: every month with base figures or review outcomes, every
    period imported whole, and the quarters and years that hold them; newest first (a year before its last
    quarter, a quarter before its last month)."""
    found = {r["period"] for r in await BaseFigures.select(BaseFigures.period).where(
        BaseFigures.current == True).distinct().run()}
    found |= {r["period"] for r in await AssessmentEntry.select(AssessmentEntry.period).distinct().run()}
    return periods.newest_first(periods.with_enclosing(p for p in found if periods.is_period(p)))


async def default_period() -> str:
    """The latest month with base figures, else this month."""
    latest = await BaseFigures.select(BaseFigures.period).where(
        (BaseFigures.current == True) & BaseFigures.period.like("____-__")).order_by(
        BaseFigures.period, ascending=False).first().run()
    if latest and periods.is_period(latest["period"]) and periods.kind(latest["period"]) == "month":
        return str(latest["period"])
    return schemes.this_month()
