"""The clocks' records (the `review` Piccolo app). The clocks themselves are computed from the audit events
and never stored; what is stored is the published policy, what a change of policy or holidays moved, and each
reminder or escalation step fired."""

from __future__ import annotations

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class ClockPolicyVersion(Table, tablename="clock_policy"):
    """时限规则: one draft or published version of the clock policy; a published version never changes."""

    id = Serial(primary_key=True)
    version = Integer(null=True, default=None, help_text="Set when published: 1, 2, … in the order published")
    status = Varchar(length=16, default="draft", help_text="draft | published")
    content = Text(help_text="The policy's canonical JSON (review.deadlines.policy.canonical)")
    content_hash = Varchar(length=64, default="", help_text="SHA-256 of content, set when published")
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)


class ClockShift(Table):
    """What a change of the clock policy or of the holiday table moved: one open stage's due time, before and
    after."""

    id = Serial(primary_key=True)
    cause = Varchar(length=16, help_text="policy | holidays")
    cause_ref = Varchar(length=64, default="", help_text="The policy version or the holiday year that changed")
    case_number = Varchar(length=32, index=True)
    stage = Varchar(length=32)
    occurrence = Integer(default=1)
    due_before = Timestamptz(null=True, default=None)
    due_after = Timestamptz(null=True, default=None)
    recorded_at = Timestamptz()


class ClockAlert(Table):
    """催办 / 通报: one reminder or escalation step that fired, once, under its key (case, stage, occurrence, step).
    The row is also the step's outbox: recorded by the sweep, it is told to people by `services.telling`."""

    id = Serial(primary_key=True)
    key = Varchar(length=160, unique=True,
                  help_text="The case number and clocks.Alert.key: fires once however many sweeps run")
    case_number = Varchar(length=32, index=True)
    stage = Varchar(length=32)
    occurrence = Integer(default=1)
    kind = Varchar(length=16, help_text="remind | escalate")
    step = Integer(default=0, help_text="0 for the reminder, 1, 2, … for the escalation steps")
    recipient = Varchar(length=32, help_text="Who it went to (a policy recipient: office, office_head, …)")
    due = Timestamptz(null=True, default=None)
    fired_at = Timestamptz()
    context = JSON(default={}, help_text="What its notification says (the stage, its due day, …), as recorded")
    notified_at = Timestamptz(null=True, default=None, index=True,
                              help_text="When its notifications were stored; none yet: still to be told")


TABLES = [ClockPolicyVersion, ClockShift, ClockAlert]
