"""Reads of the scoring area: rater-quality figures for the office, over panels whose scoring has closed
(sealed ones stay sealed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from review.core import db
from review.core.labels import ROLE_LABELS
from scoring.domain.quality import Agreement, MemberLean, agreement, member_leans

# Only sheets of panels the office has closed: the office never sees open scoring, not even in aggregate.
_SCORES_IN_ARRAYS = (
    "SELECT array_agg(sh.member) AS member, array_agg(sh.panel_id) AS panel_id, array_agg(sc.criterion) AS criterion,"
    " array_agg(sc.value) AS value, array_agg(sh.criteria_set) AS criteria_set"
    " FROM score sc JOIN score_sheet sh ON sh.id = sc.score_sheet"
    " JOIN deliberation d ON d.panel_id = sh.panel_id WHERE sh.submitted"
)
_SCORES_IN_ROWS = (
    "SELECT sh.member, sh.panel_id, sc.criterion, sc.value, sh.criteria_set"
    " FROM score sc JOIN score_sheet sh ON sh.id = sc.score_sheet"
    " JOIN deliberation d ON d.panel_id = sh.panel_id WHERE sh.submitted = 1"
)
COLUMNS = ("member", "panel_id", "criterion", "value", "criteria_set")
# Per member, their sheets on closed panels and how many were saved after the member was first shown another
# member's sheet: scoring.domain.sealing.saved_after_viewing, counted in the database (a year holds many sheets).
_REVISED_AFTER_VIEWING = (
    "SELECT sh.member, COUNT(*) AS sheets, SUM(CASE WHEN sh.others_viewed_at IS NOT NULL"
    " AND sh.updated_at > sh.others_viewed_at THEN 1 ELSE 0 END) AS revised"
    " FROM score_sheet sh JOIN deliberation d ON d.panel_id = sh.panel_id WHERE sh.submitted = {}"
    " GROUP BY sh.member"
)


@dataclass(frozen=True)
class MemberRow:
    lean: MemberLean
    name: str
    role: str
    sheets: int = 0  # submitted sheets on closed panels
    revised_after_viewing: int = 0  # of them, saved again after the member had seen others' sheets

    @property
    def revised_share(self) -> float:
        return round(self.revised_after_viewing / self.sheets, 4) if self.sheets else 0.0


@dataclass(frozen=True)
class QualityReport:
    scores: int
    members: list[MemberRow]
    agreement: list[tuple[int, Agreement]]  # (criteria version, figures)


async def score_arrays() -> dict[str, np.ndarray]:
    """Every closed panel's scores as columns (one round trip on PostgreSQL)."""
    if db.aggregates_into_arrays():
        row = (await db.fetch(_SCORES_IN_ARRAYS))[0]
        return {c: np.array(row[c] or [], dtype=np.int64) for c in COLUMNS}
    rows = await db.fetch(_SCORES_IN_ROWS)
    return {c: np.array([r[c] for r in rows], dtype=np.int64) for c in COLUMNS}


async def rater_quality() -> QualityReport:
    """Per member: lean against their panels; per criteria version: Krippendorff's alpha."""
    data = await score_arrays()
    leans = member_leans(data["member"], data["panel_id"], data["criterion"], data["value"])
    agreements = agreement(data["criteria_set"], data["panel_id"], data["criterion"], data["value"])
    people = {r["id"]: r for r in await db.fetch(
        "SELECT a.id, a.display_name, (SELECT sh.member_role FROM score_sheet sh WHERE sh.member = a.id"
        " ORDER BY sh.id DESC LIMIT 1) AS role FROM account a WHERE a.role = 'member'")}
    versions = {r["id"]: r["version"] for r in await db.fetch("SELECT id, version FROM criteria_set")}
    revised = {r["member"]: r for r in await db.fetch(_REVISED_AFTER_VIEWING, True)}
    members = [MemberRow(lean, people.get(lean.member_id, {}).get("display_name", "?"),
                         ROLE_LABELS.get(people.get(lean.member_id, {}).get("role") or "", ""),
                         int(revised.get(lean.member_id, {}).get("sheets") or 0),
                         int(revised.get(lean.member_id, {}).get("revised") or 0))
               for lean in leans]
    return QualityReport(len(data["value"]), members,
                         [(versions.get(a.criteria_set_id, 0), a) for a in agreements])
