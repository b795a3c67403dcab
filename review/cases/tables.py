"""The case file's records (the `review` Piccolo app): what the panel reads of a case besides the complaint and
the department's reply."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Case


class CaseFileEntry(Table):
    """入卷材料: one entry of the case file, which the panel's pages show beside the complaint and the reply.

    Entries come from elsewhere on the platform by one service each (today: content of mediation that both parties
    consented to put in the file, moved by `review.mediation.services.wall`); the entry keeps its own copy of the
    text, so nothing the panel reads is looked up in the place it came from."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    source = Varchar(length=32, help_text="Where the entry comes from: mediation")
    source_label = Varchar(length=100, help_text="The source as the file names it: 调解中经双方同意入卷的内容")
    source_ref = Varchar(length=100, help_text="The item at its source, e.g. mediation:3:message:17; once a case")
    title = Varchar(length=200, help_text="What the item is: 调解室发言（诉求人，2026年12月3日 10:05）")
    body = Text()
    sha256 = Varchar(length=64, help_text="SHA-256 of the body (UTF-8)")
    consents = JSON(default=[], help_text="Who consented and when: [{party, by, at}]")
    added_by = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    added_at = Timestamptz()


TABLES: list[type[Table]] = [CaseFileEntry]

INDEXES: list[str] = [
    'CREATE UNIQUE INDEX IF NOT EXISTS case_file_entry_once ON case_file_entry ("case", source_ref)',
]
