"""Criteria sets, score sheets, scores and rulings."""

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

from review.tables import Case, Account


class CriteriaSet(Table):
    """评议标准: a versioned set of criteria and the rule that turns scores into a ruling."""

    id = Serial(primary_key=True)
    name = Varchar(length=100)
    version = Integer(unique=True)
    rule = JSON(help_text="Aggregation, quorum, grade thresholds, dispersion limit")
    content_hash = Varchar(length=64)
    published_at = Timestamptz(null=True, default=None)
    effective_from = Date(null=True, default=None)


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
    """评分表: one member's scores for one case."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    member = ForeignKey(references=Account)
    member_role = Varchar(length=16)
    criteria_set = ForeignKey(references=CriteriaSet)
    submitted = Boolean(default=False)
    revision = Integer(default=0)
    submitted_at = Timestamptz(null=True, default=None)


class Score(Table):
    """One criterion's score on a sheet, with the written reason."""

    id = Serial(primary_key=True)
    score_sheet = ForeignKey(references=ScoreSheet, index=True)
    criterion = ForeignKey(references=Criterion)
    value = Integer()
    reason = Text()


class Ruling(Table):
    """评议结论: the ruling computed from the scores by the published rule."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, unique=True)
    criteria_set = ForeignKey(references=CriteriaSet)
    total = Float()
    grade = Varchar(length=16, help_text="proper / basic / improper")
    per_criterion = JSON(default="{}")
    sheet_count = Integer()
    dispersion_flag = Boolean(default=False)
    reasoning = Text(default="")
    redo_deadline = Date(null=True, default=None)
    issued_by = ForeignKey(references=Account, null=True)
    issued_at = Timestamptz()


TABLES: list[type[Table]] = [CriteriaSet, Criterion, ScoreSheet, Score, Ruling]
