"""The office's view of scoring at work: sheets in per case, and dispersion once scoring has closed."""

from __future__ import annotations

from review.core import db
from review.rulings.services.sheets import published_criteria, ruling_rule
from scoring.domain.aggregate import CriterionSpec, Sheet, aggregate_scores

_CASES = (
    "SELECT c.id, c.number, c.status, c.category, c.criteria_set_id, p.id AS panel_id,"
    " (SELECT COUNT(*) FROM seat s WHERE s.panel = p.id AND s.status = 'accepted') AS seats,"
    " (SELECT COUNT(*) FROM score_sheet sh WHERE sh.panel_id = p.id AND sh.submitted = {}) AS sheets,"
    " d.id AS deliberation_id, d.signed_at"
    " FROM review_case c JOIN panel p ON p.\"case\" = c.id AND p.status = 'seated'"
    " LEFT JOIN deliberation d ON d.panel_id = p.id"
    " WHERE c.status IN ('panel_ready', 'under_review', 'deliberation') ORDER BY c.id LIMIT 500"
)
# Scores of closed panels only: the office sees nothing of a panel still scoring.
_SCORES = (
    "SELECT sh.panel_id, sh.id AS sheet, sh.member_role, sc.criterion, sc.value FROM score sc"
    " JOIN score_sheet sh ON sh.id = sc.score_sheet JOIN deliberation d ON d.panel_id = sh.panel_id"
    " JOIN panel p ON p.id = sh.panel_id WHERE p.status = 'seated' AND sh.submitted = {}"
)


async def progress() -> list[dict]:
    """Cases with a panel at work: seats, sheets in, and for closed scoring the dispersed criteria."""
    rows = await db.fetch(_CASES, True)
    scores: dict[int, dict[int, Sheet]] = {}
    if any(r["deliberation_id"] for r in rows):
        for s in await db.fetch(_SCORES, True):
            sheets = scores.setdefault(s["panel_id"], {})
            sheets.setdefault(s["sheet"], Sheet(s["member_role"], {})).scores[s["criterion"]] = s["value"]
    out = []
    for r in rows:
        row = db.Row(r, dispersed=[], total=None, grade=None)
        if r["deliberation_id"]:
            criteria = await published_criteria(r["criteria_set_id"])  # cached after the first read
            specs = [CriterionSpec(c["id"], c["weight"], c["scale_max"]) for c in criteria]
            result = aggregate_scores(specs, list(scores.get(r["panel_id"], {}).values()),
                                      await ruling_rule(r["criteria_set_id"]))
            codes = {c["id"]: c["code"] for c in criteria}
            row.update(dispersed=[codes[i] for i in result.dispersed], total=result.total, grade=result.grade)
        out.append(row)
    return out
