"""What the hotline platform pulls back (DESIGN §1): the state and ruling of a case it pushed itself."""

from __future__ import annotations

from typing import Any

from review.cases.lifecycle import STATUS_LABELS
from review.core import db, settings
from review.core.actors import Actor
from review.core.errors import Forbidden, NotFound
from review.core.privacy import masker
from review.verdicts import services as verdicts
from scoring.domain.aggregate import GRADE_LABELS, RULING_TEXT

# A case is the client's when its intake event names that client (`hotline:<key name>`).
_PUSHED_CASE = (
    "SELECT c.* FROM review_case c WHERE (c.source_ref = {} OR c.number = {}) AND EXISTS ("
    " SELECT 1 FROM audit_event e WHERE e.\"case\" = c.id AND e.action = 'intake' AND e.actor = {})"
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value else None)


async def ruling_for_client(*, ref: str, actor: Actor) -> dict[str, Any]:
    """评议结论回传: a pushed case (by the platform's source_ref or our case number) with its ruling in force and
    its verdict; text masked as for anyone but the office. Another client's case answers as an unknown one."""
    if actor.kind != "hotline":
        raise Forbidden("forbidden", "您无权执行此操作")
    ref = ref.strip()
    rows = await db.fetch(_PUSHED_CASE, ref, ref.upper(), actor.label)
    if not rows:
        raise NotFound("case_not_found", "未找到该案件")
    case = rows[0]
    mask = masker(case)
    body: dict[str, Any] = {
        "case_number": case["number"],
        "source_ref": case["source_ref"],
        "status": case["status"],
        "status_label": STATUS_LABELS.get(case["status"], ""),
        "status_reason": mask(case["status_reason"]),
        "ruling": None,
        "verdict": None,
    }
    rulings = await db.fetch(
        "SELECT * FROM ruling WHERE \"case\" = {} AND status = 'in_force' ORDER BY id DESC", case["id"]
    )
    if rulings:
        ruling = rulings[0]
        body["ruling"] = {
            "grade": ruling["grade"],
            "grade_label": GRADE_LABELS.get(ruling["grade"], ""),
            "ruling_text": RULING_TEXT.get(ruling["grade"], ""),
            "total": ruling["total"],
            "reasoning": mask(ruling["reasoning"]),
            "redo_deadline": _iso(ruling["redo_deadline"]),
            "redo_deadline_provisional": bool(ruling["redo_deadline_provisional"]),
            "issued_at": _iso(ruling["issued_at"]),
        }
    verdict = await verdicts.for_case(case["id"])
    if verdict:
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        published = verdict["status"] not in ("withdrawn", "corrected") and bool(verdict["public_sha256"])
        body["verdict"] = {
            "number": verdict["number"],
            "status": verdict["status"],
            "code": verdict["code"],
            "verify_url": f"{base}/verify/{verdict['code']}",
            "public_pdf": f"{base}/verify/{verdict['code']}/public.pdf" if published else None,
        }
    return body
