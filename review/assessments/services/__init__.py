"""部门绩效考核: review outcomes per department and month, fed by each issued ruling."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from review.assessments.services import imports, schemes
from review.assessments.tables import AssessmentEntry
from review.core.actors import Actor

_COLUMN = {"proper": AssessmentEntry.ruled_proper, "basic": AssessmentEntry.ruled_basic,
           "improper": AssessmentEntry.ruled_improper}


async def _entry_id(department_id: int, period: str) -> int:
    """The department's entry for the period, made if it has none yet."""
    entry = await AssessmentEntry.select(AssessmentEntry.id).where(
        (AssessmentEntry.department == department_id) & (AssessmentEntry.period == period)
    ).first().run()
    if entry is None:
        await AssessmentEntry.insert(AssessmentEntry(department=department_id, period=period,
                                                     updated_at=datetime.now(UTC))).run()
        entry = await AssessmentEntry.select(AssessmentEntry.id).where(
            (AssessmentEntry.department == department_id) & (AssessmentEntry.period == period)
        ).first().run()
    return int(entry["id"])


async def record_outcome(*, department_id: int, grade: str, period: str, count: int = 1) -> None:
    """Count one ruling in its department's period (inside the issuing transaction); `count=-1` takes back a
    ruling that a reconsideration superseded, in the period where it was counted. The points deducted are the
    scheme's in force for the period (a published version never changes, so a take-back undoes exactly them)."""
    points = (await schemes.in_force(period)).deductions[grade]
    entry_id = await _entry_id(department_id, period)
    now = datetime.now(UTC)
    column = _COLUMN[grade]
    await AssessmentEntry.update({
        column: column + count,
        AssessmentEntry.points_deducted: AssessmentEntry.points_deducted + count * points,
        AssessmentEntry.updated_at: now,
    }).where(AssessmentEntry.id == entry_id).run()


async def record_settlement(*, department_id: int, period: str) -> None:
    """Count one case settled by a mediation agreement (调解结案) in its department's period, inside the settling
    transaction. A settlement deducts nothing: the scheme deducts for mishandled cases only."""
    entry_id = await _entry_id(department_id, period)
    await AssessmentEntry.update({
        AssessmentEntry.settled_in_mediation: AssessmentEntry.settled_in_mediation + 1,
        AssessmentEntry.updated_at: datetime.now(UTC),
    }).where(AssessmentEntry.id == entry_id).run()


async def assessments(*, period: str | None = None) -> list[dict]:
    """Every department's outcomes, for one period or all."""
    query = AssessmentEntry.select(
        AssessmentEntry.department.code.as_alias("department_code"),
        AssessmentEntry.department.name.as_alias("department_name"),
        AssessmentEntry.period, AssessmentEntry.ruled_proper, AssessmentEntry.ruled_basic,
        AssessmentEntry.ruled_improper, AssessmentEntry.settled_in_mediation, AssessmentEntry.points_deducted,
    ).order_by(AssessmentEntry.period).order_by(AssessmentEntry.department.code)
    if period:
        query = query.where(AssessmentEntry.period == period)
    return await query.run()





async def redo_working_days(period: str) -> int:
    """A redo order's deadline in working days (整改期限), by the scheme in force for the period."""
    return (await schemes.in_force(period)).redo_working_days


async def load_figures(rows: Iterable[tuple[int, Mapping[str, Any]]], *, actor: Actor,
                       source: str) -> imports.FiguresImport:
    """导入基础数据: every row stored, or none (review.assessments.services.imports)."""
    return await imports.load_rows(rows, actor=actor, source=source)


async def seed_scheme() -> None:
    """The default scheme as version 1 (reference data), where no scheme exists yet."""
    await schemes.seed_default()
