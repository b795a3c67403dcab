"""The assessments' records (the `review` Piccolo app)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Department


class AssessmentEntry(Table):
    """部门绩效考核: one department's review outcomes in one month."""

    id = Serial(primary_key=True)
    department = ForeignKey(references=Department)
    period = Varchar(length=7, help_text="YYYY-MM")
    ruled_proper = Integer(default=0)
    ruled_basic = Integer(default=0)
    ruled_improper = Integer(default=0)
    points_deducted = Integer(default=0)
    settled_in_mediation = Integer(default=0, help_text="Cases settled by a sealed mediation agreement (调解结案)")
    updated_at = Timestamptz()


TABLES: list[type[Table]] = [AssessmentEntry]
