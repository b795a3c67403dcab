"""Criteria sets, score sheets and their revisions, deliberation, rulings and reconsideration."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from review.core.tables import Account, Case


class CriteriaSet(Table):
    """评议标准: a versioned set of criteria and the rule that turns scores into a ruling.

    A draft has no version; publishing gives it the next version and freezes it for good.
    """

    id = Serial(primary_key=True)
    name = Varchar(length=100)
    version = Integer(unique=True, null=True, default=None, help_text="Given at publication; drafts have none")
    status = Varchar(length=16, default="published", help_text="draft / published")
    rule = JSON(help_text="Aggregation, quorum, grade thresholds, dispersion limit, reconsideration days")
    content_hash = Varchar(length=64, default="", help_text="SHA-256 of the canonical content, set at publication")
    published_at = Timestamptz(null=True, default=None)
    effective_from = Date(null=True, default=None)
    created_at = Timestamptz(null=True, default=None)


class Criterion(Table):
    """One criterion of a set: weight, scale and a descriptor per level."""

    id = Serial(primary_key=True)
    criteria_set = ForeignKey(references=CriteriaSet, index=True)
    position = Integer()
    code = Varchar(length=16)
    name = Varchar(length=64)
    description = Text()
    weight = Float()
    scale_max = Integer(default=5)
    levels = JSON(default="[]", help_text="Descriptor for each level, lowest first")


class ScoreSheet(Table):
    """评分表: one member's scores for one case on one panel (a draft until submitted)."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    panel_id = Integer(default=0, index=True, help_text="The panel the member sat on (a review round)")
    member = ForeignKey(references=Account)
    member_role = Varchar(length=16)
    criteria_set = ForeignKey(references=CriteriaSet)
    submitted = Boolean(default=False)
    revision = Integer(default=0, help_text="Counts every save; a save must name the revision it edits")
    submitted_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(null=True, default=None)
    others_viewed_at = Timestamptz(
        null=True, default=None,
        help_text="When the member was first shown another member's sheet; saves after it are marked as such")


class Score(Table):
    """One criterion's score on a sheet, with the written reason (the sheet's current content)."""

    id = Serial(primary_key=True)
    score_sheet = ForeignKey(references=ScoreSheet, index=True)
    criterion = ForeignKey(references=Criterion)
    value = Integer()
    reason = Text()


class ScoreSheetRevision(Table):
    """Every save of a sheet, kept as it was: drafts and each submitted revision."""

    id = Serial(primary_key=True)
    score_sheet = ForeignKey(references=ScoreSheet, index=True)
    revision = Integer()
    submitted = Boolean(default=False)
    scores = JSON(default="[]", help_text='[{"criterion": code, "value": n, "reason": text}]')
    saved_at = Timestamptz()


class Deliberation(Table):
    """合议: opened when the office closes scoring on a panel; the chair drafts and signs the reasoning."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    panel_id = Integer(unique=True)
    closed_at = Timestamptz()
    closed_by = ForeignKey(references=Account, null=True)
    reasoning = Text(default="")
    signed_by = ForeignKey(references=Account, null=True, help_text="The chair")
    signed_at = Timestamptz(null=True, default=None)


class DeliberationMessage(Table):
    """One message in the panel's deliberation thread."""

    id = Serial(primary_key=True)
    deliberation = ForeignKey(references=Deliberation, index=True)
    author = ForeignKey(references=Account)
    body = Text()
    at = Timestamptz()


class Dissent(Table):
    """异议: a member's dissenting opinion, recorded with the ruling."""

    id = Serial(primary_key=True)
    deliberation = ForeignKey(references=Deliberation, index=True)
    member = ForeignKey(references=Account)
    member_role = Varchar(length=16)
    text = Text()
    at = Timestamptz()


class Ruling(Table):
    """评议结论: the ruling computed from one panel's scores by the published rule."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    panel_id = Integer(unique=True, help_text="One ruling per panel (per review round)")
    criteria_set = ForeignKey(references=CriteriaSet)
    total = Float()
    grade = Varchar(length=16, help_text="proper / basic / improper")
    per_criterion = JSON(default="{}")
    sheet_count = Integer()
    dispersion_flag = Boolean(default=False)
    reasoning = Text(default="")
    dissent = Text(default="", help_text="The members' dissents as printed, one paragraph each")
    status = Varchar(length=16, default="in_force", help_text="in_force / superseded")
    supersedes = Integer(null=True, default=None, help_text="The earlier ruling this one replaces")
    redo_deadline = Date(null=True, default=None)
    redo_deadline_provisional = Boolean(default=False,
                                        help_text="暂定: counted across a year with no official holidays")
    signed_by = ForeignKey(references=Account, null=True, help_text="The chair who signed")
    issued_by = ForeignKey(references=Account, null=True)
    issued_at = Timestamptz()


class Reconsideration(Table):
    """复议申请: the department or the complainant asks once, within the published working days."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, unique=True, help_text="Once per case")
    ruling = ForeignKey(references=Ruling)
    requested_by = Varchar(length=16, help_text="liaison / complainant")
    reason = Text()
    requested_at = Timestamptz()
    status = Varchar(length=16, default="pending", help_text="pending / accepted / refused")
    decided_by = ForeignKey(references=Account, null=True)
    decided_at = Timestamptz(null=True, default=None)
    decision_reason = Text(default="")


TABLES: list[type[Table]] = [CriteriaSet, Criterion, ScoreSheet, Score, ScoreSheetRevision, Deliberation,
                             DeliberationMessage, Dissent, Ruling, Reconsideration]

# Uniqueness over several columns, which Piccolo's table definitions cannot state: `review.core.db.migrate` creates
# these with the tables on SQLite, a migration on PostgreSQL, and the schema test holds the two to the same.
INDEXES: list[str] = [
    # One sheet per member per panel of a case, however two of the member's saves race.
    "CREATE UNIQUE INDEX IF NOT EXISTS score_sheet_one_per_member ON score_sheet (\"case\", panel_id, member)",
]
