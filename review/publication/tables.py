"""Publication's records (the `review` Piccolo app): each complainant's answer on publication, kept with its
history; the published rulings, as the public reads them; the office's hold-backs; outputs the leak gate
stopped."""

from __future__ import annotations

from piccolo.columns import JSON, Date, Float, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Case, Department


class PublicationConsent(Table, tablename="publication_consent"):
    """诉求人对公开的意见: one answer given; the case's latest answer stands, the earlier ones are its history."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    answer = Varchar(length=16, help_text="granted | refused")
    channel = Varchar(length=8, default="web", help_text="web | api: where the complainant answered")
    answered_at = Timestamptz()


class PublishedRuling(Table, tablename="published_ruling"):
    """公开的评议结论: what /public/rulings shows of one case's ruling, masked and checked by the leak gate
    before it was written; unpublished when its verdict is withdrawn, replaced when it is corrected."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, unique=True)
    verdict_id = Integer(help_text="The verdict published (its public PDF and verification)")
    verdict_number = Varchar(length=40)
    verdict_code = Varchar(length=32, index=True, help_text="/verify/{code}, /verify/{code}/public.pdf")
    department = ForeignKey(references=Department)
    department_name = Varchar(length=100)
    category = Varchar(length=50)
    district = Varchar(length=50)
    grade = Varchar(length=16, help_text="proper | basic | improper")
    total = Float()
    summary = Text(help_text="The complaint, masked")
    reply = Text(help_text="The department's reply, masked")
    reasoning = Text(help_text="The panel's reasoning, masked")
    scores = JSON(default="[]", help_text="[{code, name, weight, mean, scale_max}]: the score table")
    criteria_name = Varchar(length=100)
    criteria_version = Integer()
    criteria_hash = Varchar(length=64)
    issued_on = Date()
    status = Varchar(length=16, default="published", help_text="published | unpublished")
    published_at = Timestamptz()
    unpublished_at = Timestamptz(null=True, default=None)
    unpublished_why = Varchar(length=16, default="", help_text="withdrawn | held | refused")


class PublicationHold(Table, tablename="publication_hold"):
    """暂不公开: the office holds one ruling back, with its reason (the public sees how many are held)."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, unique=True)
    reason = Text()
    held_by = Varchar(length=64, help_text="The office actor's label")
    held_at = Timestamptz()


class LeakStop(Table, tablename="leak_stop"):
    """An output the leak gate stopped: what it was and where each identifier stood (kinds only, no values)."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, null=True, default=None, index=True)
    output = Varchar(length=32, help_text="public_pdf | published_ruling | export | public_api")
    subject = Varchar(length=100, help_text="e.g. the verdict number or the export's name")
    hits = JSON(default="[]", help_text="[{kind, where}]")
    stopped_at = Timestamptz()
    cleared_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [PublicationConsent, PublishedRuling, PublicationHold, LeakStop]

# The public list reads published rulings newest first, narrowed by any of its filters.
INDEXES: list[str] = [
    "CREATE INDEX IF NOT EXISTS published_ruling_listed ON published_ruling (status, id)",
    "CREATE INDEX IF NOT EXISTS published_ruling_by_department ON published_ruling (department, status, id)",
    "CREATE INDEX IF NOT EXISTS published_ruling_by_grade ON published_ruling (grade, status, id)",
    "CREATE INDEX IF NOT EXISTS published_ruling_by_issue ON published_ruling (issued_on, id)",
    "CREATE INDEX IF NOT EXISTS publication_consent_latest ON publication_consent (\"case\", id)",
]
