"""The case file (案卷) as the panel reads it: besides the complaint and the department's reply, the entries put
in it from elsewhere (today: what both parties of a mediation agreed may go in). One query each.

This is the one read of the file for the case page, the API and the panel's scoring pages, so scoring and the
rulings read mediation's consented content without ever importing mediation (the wall)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from review.cases.queries.visibility import text_masker
from review.core import db
from review.core.actors import Actor

_ENTRIES = (
    "SELECT f.id, f.source, f.source_label, f.source_ref, f.title, f.body, f.sha256, f.consents, f.added_at,"
    " c.complainant_name, c.complainant_phone, c.complainant_id_number, c.complainant_address"
    " FROM case_file_entry f JOIN review_case c ON c.id = f.\"case\" WHERE f.\"case\" = {} ORDER BY f.id"
)
_REFS = 'SELECT id, source_ref, added_at FROM case_file_entry WHERE "case" = {} AND source_ref LIKE {} ORDER BY id'


@dataclass(frozen=True)
class FileEntry:
    id: int
    source: str
    source_label: str  # 调解中经双方同意入卷的内容
    title: str
    body: str
    sha256: str
    added_at: datetime
    consents: list[dict[str, Any]] = field(default_factory=list)  # [{party, party_label, at (datetime)}]


async def case_file(actor: Actor, case_id: int) -> list[FileEntry]:
    """The case file's entries, oldest first, for an actor who may see the case (the caller checked): masked, as
    the complaint is, for all but the office and the complainant."""
    rows = await db.fetch(_ENTRIES, case_id)
    if not rows:
        return []
    mask = text_masker(actor, rows[0])
    return [FileEntry(id=r["id"], source=r["source"], source_label=r["source_label"], title=mask(r["title"]),
                      body=mask(r["body"]), sha256=r["sha256"], added_at=r["added_at"],
                      consents=[{"party": c["party"], "party_label": c.get("party_label", c["party"]),
                                 "at": datetime.fromisoformat(c["at"])} for c in db.json_list(r["consents"])])
            for r in rows]


async def file_refs(case_id: int, prefix: str) -> dict[str, dict[str, Any]]:
    """The case's entries whose source_ref starts with `prefix`: source_ref → {id, added_at} (what a source shows
    as already in the file)."""
    # Source refs are made of a source's name, ids and colons: nothing LIKE reads as a wildcard.
    rows = await db.fetch(_REFS, case_id, prefix + "%")
    return {r["source_ref"]: {"id": r["id"], "added_at": r["added_at"]} for r in rows}
