"""Roster members, composition templates, panels, seats, recusals, challenges and convening rounds."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from review.core.tables import Account, Case


class MemberRole(str, Enum):
    lawyer = "lawyer"
    deputy = "deputy"
    resident = "resident"
    expert = "expert"
    township = "township"


class SeatStatus(str, Enum):
    invited = "invited"
    accepted = "accepted"
    declined = "declined"
    recused = "recused"
    expired = "expired"
    removed = "removed"  # a challenge the office upheld
    withdrawn = "withdrawn"  # an open invitation withdrawn because the case ended


class RosterMember(Table):
    """评议员库: a person who may be drawn onto a panel."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=Account, null=True, help_text="Login, once the member has one")
    name = Varchar(length=64)
    role = Varchar(length=16, choices=MemberRole)
    district = Varchar(length=20)
    community = Varchar(length=64, default="")
    employer = Varchar(length=100, default="")
    affiliations = JSON(default="[]", help_text="Department codes the member works for or with")
    organisations = JSON(default="[]", help_text="Other organisations the member declared ties to")
    expertise = JSON(default="[]", help_text="Case categories the member knows well")
    unavailable = JSON(default="[]", help_text='Declared periods the member cannot serve: [{"from", "to"}]')
    active = Boolean(default=True)
    max_panels = Integer(default=3, help_text="Most panels at work at once")
    declared_at = Timestamptz(null=True, default=None, help_text="When the member last confirmed declarations")


class CompositionTemplate(Table):
    """How a panel is composed for a case category. Editing one adds a new version; old ones stay."""

    id = Serial(primary_key=True)
    name = Varchar(length=64)
    category = Varchar(length=32, default="", help_text="Empty: the default for every category")
    version = Integer(default=1)
    seats = JSON(help_text='{"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}')
    chair_roles = JSON(default='["lawyer", "deputy"]')
    prefer_local_residents = Boolean(default=True)
    reply_days = Integer(default=2, help_text="Working days a member has to answer an invitation")
    current = Boolean(default=True, help_text="False once a newer version replaces it")
    created_at = Timestamptz(default=TimestamptzNow())


class ConveningRound(Table):
    """A batch of accepted cases convened together against the whole roster."""

    id = Serial(primary_key=True)
    requested_by = ForeignKey(references=Account, null=True)
    seed_hash = Varchar(length=64, help_text="SHA-256 of the seed, recorded when the round is requested")
    seed = Varchar(length=64, default="", help_text="Revealed once the round is done")
    case_ids = JSON(default="[]")
    status = Varchar(length=16, default="queued", help_text="queued / running / done / failed")
    done = Integer(default=0)
    total = Integer(default=0)
    report = JSON(default="{}", help_text="Cases that could not be filled and why; load figures")
    roster_hash = Varchar(length=64, default="")
    snapshot = JSON(default="{}", help_text="The roster and case facts the round saw (private; verification)")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class Panel(Table):
    """评议组: the panel convened for one case, with the record of its draw."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    template = ForeignKey(references=CompositionTemplate)
    template_version = Integer()
    round = ForeignKey(references=ConveningRound, null=True, help_text="Set when convened in a round")
    seed_hash = Varchar(length=64, help_text="SHA-256 of the seed, recorded before the draw")
    seed = Varchar(length=64, help_text="Revealed after the draw")
    roster_hash = Varchar(length=64)
    case_hash = Varchar(length=64, default="")
    record = JSON(default="{}", help_text="The draw record with its refills (panels.domain.draw_record.record_json)")
    snapshot = JSON(default="{}", help_text="The roster and case facts the draw saw (private; verification)")
    refill_snapshots = JSON(default="{}", help_text="Snapshots of refills whose roster differed, by refill index")
    exclusions = JSON(default="[]", help_text="Members excluded, each with the typed reason")
    status = Varchar(length=16, default="seated", help_text="seated / concluded / dissolved")
    convened_at = Timestamptz()


class Seat(Table):
    """One member's place on a panel, from invitation to answer."""

    id = Serial(primary_key=True)
    panel = ForeignKey(references=Panel, index=True)
    member = ForeignKey(references=RosterMember, index=True)
    role = Varchar(length=16, choices=MemberRole)
    is_chair = Boolean(default=False)
    status = Varchar(length=16, default="invited", choices=SeatStatus)
    invited_at = Timestamptz(null=True, default=None)
    reply_by = Timestamptz(null=True, default=None)
    reply_by_provisional = Boolean(default=False, help_text="暂定: counted across a year with no official holidays")
    answered_at = Timestamptz(null=True, default=None)
    reason_kind = Varchar(length=24, default="", help_text="A ConflictKind for recusals and removals")
    reason = Text(default="", help_text="Why the member declined or recused, or why they were removed")


class Challenge(Table):
    """申请回避: a party asks that a seated member step down; the office decides."""

    id = Serial(primary_key=True)
    seat = ForeignKey(references=Seat, index=True)
    raised_by = Varchar(length=16, help_text="complainant / department")
    reason = Text()
    status = Varchar(length=16, default="pending",
                     help_text="pending / upheld / rejected / withdrawn (the case ended first)")
    decided_by = ForeignKey(references=Account, null=True)
    decision_reason = Text(default="")
    raised_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [RosterMember, CompositionTemplate, ConveningRound, Panel, Seat, Challenge]

# Uniqueness the table definitions cannot state (see scoring.tables.INDEXES): the database itself keeps these
# true however many writers race.
INDEXES: list[str] = [
    # One version number per category's template, and one version in force.
    "CREATE UNIQUE INDEX IF NOT EXISTS composition_template_version ON composition_template (category, version)",
    'CREATE UNIQUE INDEX IF NOT EXISTS composition_template_one_current ON composition_template (category) WHERE "current"',
    # One pending challenge per party and seat.
    "CREATE UNIQUE INDEX IF NOT EXISTS challenge_one_pending ON challenge (seat, raised_by) WHERE status = 'pending'",
]
