"""The selection's records (the `review` Piccolo app): the policy's versions, each proposal with its draw and its
application, each case's decision, and the complainants' keyed hashes. None of them holds a phone number."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Case


class SelectionPolicy(Table, tablename="selection_policy"):
    """评议案件选取规则: one draft or published version; a published version never changes."""

    id = Serial(primary_key=True)
    version = Integer(null=True, default=None, help_text="Set when published: 1, 2, … in the order published")
    status = Varchar(length=16, default="draft", help_text="draft | published")
    content = Text(help_text="The policy's canonical JSON (review.selection.policy.canonical)")
    content_hash = Varchar(length=64, default="", help_text="SHA-256 of content, set when published")
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)


class Selection(Table, tablename="selection"):
    """批量审查: one proposal over the cases waiting for screening — its draw under a published policy, the
    office's adjustments, and its application by a job that counts its progress here."""

    id = Serial(primary_key=True)
    status = Varchar(length=16, default="proposed", index=True,
                     help_text="proposed / applying / applied / discarded")
    until = Varchar(length=10, help_text="The intake day it screens up to (Beijing), YYYY-MM-DD")
    policy_version = Integer()
    policy_hash = Varchar(length=64)
    seed_hash = Varchar(length=64, help_text="SHA-256 of the seed, committed to the audit chain before the draw")
    seed = Varchar(length=64, help_text="Revealed with the record once drawn")
    candidates_hash = Varchar(length=64, help_text="SHA-256 of the candidates, committed with the seed's hash")
    record = Text(help_text="The draw record's canonical JSON (review.selection.draw.record_json)")
    record_hash = Varchar(length=64, help_text="SHA-256 of record, in the audit event of the draw")
    total = Integer(default=0)
    selected = Integer(default=0, help_text="Selected by the draw (before the office's adjustments)")
    done = Integer(default=0, help_text="Cases applied so far")
    created_at = Timestamptz()
    created_by = Integer(null=True, default=None, help_text="The office account that proposed it")
    applied_by = Integer(null=True, default=None, help_text="The office account that applied it")
    applied_by_name = Varchar(length=64, default="", help_text="Its username: the actor the job screens as")
    apply_requested_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    error = Text(default="", help_text="Why applying stopped (Chinese), shown to the office")
    discard_reason = Text(default="")


class SelectionDecision(Table, tablename="selection_decision"):
    """One case of a proposal: what the draw decided and why, the office's adjustment, what applying did."""

    id = Serial(primary_key=True)
    selection = ForeignKey(references=Selection)  # led by the unique (selection, case) index
    case = ForeignKey(references=Case, index=True)
    proposed = Boolean(help_text="Selected by the draw")
    rule = Varchar(length=20, help_text="review_requested / reopened / repeat / sampled / not_sampled")
    reason = Text(help_text="The draw's reason, as the case records it unless adjusted")
    adjusted = Boolean(null=True, default=None, help_text="The office's decision when it differs from the draw")
    adjust_reason = Text(default="")
    adjusted_by = Varchar(length=80, default="")
    adjusted_at = Timestamptz(null=True, default=None)
    outcome = Varchar(length=16, default="", help_text="Once applied: accepted / not_selected / skipped")
    note = Text(default="", help_text="Why a case was skipped (it had left the screening queue)")
    applied_at = Timestamptz(null=True, default=None)


class ComplainantKey(Table, tablename="selection_complainant_key"):
    """A case's complainant as the selection matches them: a keyed hash of the normalised phone number."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, unique=True)
    key = Varchar(length=64, index=True, help_text="HMAC-SHA256 under the server key; empty without a phone")
    key_id = Varchar(length=16, help_text="Which server key made it: a key changed makes every hash anew")


TABLES: list[type[Table]] = [SelectionPolicy, Selection, SelectionDecision, ComplainantKey]

INDEXES: list[str] = [
    "CREATE UNIQUE INDEX IF NOT EXISTS selection_decision_once ON selection_decision (selection, \"case\")",
]
