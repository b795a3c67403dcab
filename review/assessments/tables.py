"""The assessments' records (the `review` Piccolo app)."""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Case, Department


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


class RedoOrder(Table):
    """整改: what a 办理不到位 ruling asks of the department, and each step until the office accepts it."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case)
    ruling_id = Integer(index=True, help_text="The ruling that opened the order")
    department = ForeignKey(references=Department)
    actions = Text(default="", help_text="整改要求, one line each, as the verdict prints them")
    deadline = Date(help_text="The ruling's redo deadline when the order opened")
    deadline_provisional = Boolean(default=False)
    state = Varchar(length=16, default="open", help_text="open / reported / accepted / void")
    opened_at = Timestamptz()
    statement = Text(default="", help_text="The liaison's report of what was done")
    reported_at = Timestamptz(null=True, default=None)
    reported_by = Integer(null=True, default=None)
    return_reason = Text(default="", help_text="Why the office or the chair sent the report back, the latest")
    returned_count = Integer(default=0)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Integer(null=True, default=None)
    feedback = Varchar(length=16, default="", help_text="The complainant's word: solved / unsolved")
    feedback_note = Text(default="")
    feedback_at = Timestamptz(null=True, default=None)
    void_reason = Varchar(length=32, default="", help_text="superseded / withdrawn")


TABLES.append(RedoOrder)
