"""Mediation's records (the `review` Piccolo app)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Case


class MediationSession(Table):
    """调解 / 真情面对面: a meeting of the complainant, the department and the panel."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    starts_at = Timestamptz()
    mode = Varchar(length=16, default="online", help_text="online / in_person / both")
    location = Varchar(length=200, default="")
    status = Varchar(length=16, default="scheduled", help_text="scheduled / held / cancelled")
    outcome = Varchar(length=16, default="", help_text="agreement / no_agreement")
    minutes = Text(default="")


TABLES: list[type[Table]] = [MediationSession]
