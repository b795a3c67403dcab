"""Roster members, composition templates, panels and their seats."""

from __future__ import annotations

from enum import Enum

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from review.tables import Case, Account


class MemberRole(str, Enum):
    lawyer = "lawyer"
    deputy = "deputy"
    resident = "resident"
    expert = "expert"
    township = "township"


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
    expertise = JSON(default="[]")
    active = Boolean(default=True)
    max_panels = Integer(default=3)


class CompositionTemplate(Table):
    """How a panel is composed for a case category: seats per role, who may chair."""

    id = Serial(primary_key=True)
    name = Varchar(length=64)
    category = Varchar(length=32, default="", help_text="Empty: the default for every category")
    version = Integer(default=1)
    seats = JSON(help_text='{"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}')
    chair_roles = JSON(default='["lawyer", "deputy"]')
    prefer_local_residents = Boolean(default=True)


class Panel(Table):
    """评议组: the panel convened for one case, with the record of its draw."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    template = ForeignKey(references=CompositionTemplate)
    template_version = Integer()
    seed_hash = Varchar(length=64, help_text="SHA-256 of the seed, recorded before the draw")
    seed = Varchar(length=64, help_text="Revealed after the draw")
    roster_hash = Varchar(length=64)
    exclusions = JSON(default="[]", help_text="Members excluded, each with the typed reason")
    status = Varchar(length=16, default="seated", help_text="seated / scoring_closed / dissolved")
    convened_at = Timestamptz()


class Seat(Table):
    """One member's place on a panel."""

    id = Serial(primary_key=True)
    panel = ForeignKey(references=Panel, index=True)
    member = ForeignKey(references=RosterMember, index=True)
    role = Varchar(length=16, choices=MemberRole)
    is_chair = Boolean(default=False)
    status = Varchar(length=16, default="accepted", help_text="invited / accepted / declined / recused")


TABLES: list[type[Table]] = [RosterMember, CompositionTemplate, Panel, Seat]
