"""The assessments' records (the `review` Piccolo app)."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Bytea,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
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


class RedoFile(Table, tablename="redo_file"):
    """整改附件: one file the liaison's report of a redo order came with.

    The bytes are kept in the row (Bytea: BYTEA on PostgreSQL, a BLOB on SQLite), not under the data
    directory: the statement and its files are then written in one transaction on both databases, so a report
    refused or rolled back leaves no file behind and no row points to a file that is not there; the database's
    backup holds them; and every web process reads them without a shared volume. A report carries at most
    5 files of 10 MB (review.assessments.redo), which a row holds well on both. Pages and lists select every
    column but `content`."""

    id = Serial(primary_key=True)
    redo_order = ForeignKey(references=RedoOrder, index=True)
    report_round = Integer(default=1, help_text="The report it came with: 1, then 2 after the first return, …")
    filename = Varchar(length=255, help_text="As shown and sent back (review.core.file_kinds.clean_name)")
    content_type = Varchar(length=128, help_text="The kind found in the content, not the type the client declared")
    size = Integer(help_text="Bytes")
    sha256 = Varchar(length=64)
    content = Bytea()
    uploaded_at = Timestamptz()
    uploaded_by = Integer(null=True, default=None, help_text="The liaison's account")


class BaseFigures(Table, tablename="assessment_base_figures"):
    """The hotline's figures for one department and period (a month, a quarter or a year), as imported. A
    re-import of the same department and period adds a row and marks the earlier one not current: kept, never
    overwritten."""

    id = Serial(primary_key=True)
    department = ForeignKey(references=Department)
    period = Varchar(length=7, help_text="2026-11, 2026-Q4 or 2026")
    handled = Integer(default=0, help_text="受理量")
    replied = Integer(default=0, help_text="回复量")
    resolved = Integer(default=0, help_text="解决量")
    rated = Integer(default=0, help_text="评价量")
    satisfied = Integer(default=0, help_text="满意")
    basic = Integer(default=0, help_text="基本满意")
    unsatisfied = Integer(default=0, help_text="不满意")
    overdue = Integer(default=0, help_text="超期")
    avg_reply_days = DoublePrecision(null=True, default=None, help_text="平均回复工作日")
    current = Boolean(default=True, help_text="False once a later import replaced the row")
    imported_at = Timestamptz()
    imported_by = Integer(null=True, default=None, help_text="The account that imported; None for the hotline's key")
    source = Varchar(length=16, default="", help_text="api / upload / cli")


class AssessmentExport(Table, tablename="assessment_export"):
    """年度导出: one year's workbook (its league tables and redo orders), written by a job that counts its
    progress here; the finished XLSX is kept in the row (as RedoFile keeps its bytes) until downloaded or
    replaced by a later export. It holds figures and case numbers only, no personal data."""

    id = Serial(primary_key=True)
    period = Varchar(length=7, help_text="The year: 2026")
    status = Varchar(length=16, default="queued", help_text="queued / running / done / failed / replaced")
    done = Integer(default=0, help_text="Parts read so far")
    total = Integer(default=0, help_text="Parts to read (the year, its months, the redo orders)")
    content = Bytea(null=True, default=None, help_text="The XLSX, once done")
    size = Integer(default=0)
    error = Text(default="", help_text="Why it failed (Chinese), shown to the office")
    created_at = Timestamptz()
    created_by = Integer(null=True, default=None, help_text="The office account that asked for it")
    finished_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [AssessmentEntry, Scheme, RedoOrder, RedoFile, BaseFigures, AssessmentExport]

# Read by review.core.db on SQLite; a migration creates it on PostgreSQL.
INDEXES: list[str] = [
    "CREATE INDEX IF NOT EXISTS assessment_base_figures_period ON assessment_base_figures (period, current, department)",
]
