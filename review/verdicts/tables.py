"""The verdicts' records: issued verdicts and bulk issuances (the `review` Piccolo app)."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Account, Case


class Verdict(Table):
    """评议意见书: the rendered PDF of an issued ruling, content-addressed."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    ruling_id = Integer(index=True, help_text="One ruling may have a withdrawn verdict and its correction")
    number = Varchar(length=40, unique=True, help_text="e.g. 评〔2026〕41号")
    year = Integer()
    sequence = Integer()
    code = Varchar(length=32, unique=True, help_text="Public verification code")
    status = Varchar(length=16, default="pending",
                     help_text="pending / valid / superseded / withdrawn / corrected (withdrawn, then corrected)")
    full_sha256 = Varchar(length=64, default="")
    public_sha256 = Varchar(length=64, default="")
    issued_on = Date()
    rendered_at = Timestamptz(null=True, default=None)
    superseded_by_ruling = Integer(null=True, default=None,
                                   help_text="The reconsideration ruling that replaced this one")
    status_reason = Text(default="", help_text="Why the verdict was withdrawn")
    status_changed_at = Timestamptz(null=True, default=None)
    corrects = Integer(null=True, default=None, unique=True,
                       help_text="The withdrawn verdict of the same ruling that this one corrects")


class BulkIssuance(Table):
    """批量签发: the office issues the verdicts of many ruled cases at the end of a review round."""

    id = Serial(primary_key=True)
    requested_by = ForeignKey(references=Account)
    case_ids = JSON(default="[]", help_text="The selected cases, in order")
    total = Integer(default=0)
    issued = JSON(default="[]", help_text="[{case, verdict}] for each case issued so far")
    failed = JSON(default="[]", help_text="[{case, case_number, reason}] for cases that could not be issued")
    status = Varchar(length=16, default="queued", help_text="queued / issuing / issued")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [Verdict, BulkIssuance]
