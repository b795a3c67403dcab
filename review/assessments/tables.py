"""The assessments' records (the `review` Piccolo app)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
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




class Scheme(Table, tablename="assessment_scheme"):
    """考核方案: one draft or published version of the assessment scheme; a published version never changes."""

    id = Serial(primary_key=True)
    version = Integer(null=True, default=None, help_text="Set when published: 1, 2, … in the order published")
    status = Varchar(length=16, default="draft", help_text="draft | published")
    effective_from = Varchar(length=7, help_text="YYYY-MM: the first month the version governs")
    content = Text(help_text="The scheme's canonical JSON (review.assessments.scheme.canonical)")
    content_hash = Varchar(length=64, default="", help_text="SHA-256 of content, set when published")
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [AssessmentEntry, Scheme]
