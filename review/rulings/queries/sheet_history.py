"""A score sheet's revision history (修改记录): every save as it was, for whom the sealing rule allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from review.cases.queries.visibility import visible_case
from review.core import db
from review.core.actors import Actor
from review.core.errors import Forbidden, NotFound
from review.core.labels import ROLE_LABELS
from review.rulings.services.sheets import published_criteria
from scoring.domain.sealing import SheetInfo, Viewer, history_access, saved_after_viewing


@dataclass(frozen=True)
class Revision:
    revision: int
    submitted: bool
    saved_at: datetime
    after_viewing_others: bool  # 「查看他人评分后修改」
    scores: list[dict]  # [{criterion, value, reason}]

    @property
    def by_criterion(self) -> dict[str, dict]:
        return {s["criterion"]: s for s in self.scores}


@dataclass(frozen=True)
class SheetHistory:
    case_number: str
    sheet_id: int
    member: str
    role: str
    others_viewed_at: datetime | None
    criteria: list[dict]
    revisions: list[Revision]

    def as_json(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "sheet_id": self.sheet_id,
            "member": self.member,
            "role": self.role,
            "others_viewed_at": self.others_viewed_at.isoformat() if self.others_viewed_at else None,
            "revisions": [
                {
                    "revision": r.revision,
                    "submitted": r.submitted,
                    "saved_at": r.saved_at.isoformat(),
                    "revised_after_viewing_others": r.after_viewing_others,
                    "scores": r.scores,
                }
                for r in self.revisions
            ],
        }


_SHEET = (
    "SELECT sh.id, sh.member, sh.member_role, sh.submitted, sh.others_viewed_at, a.display_name,"
    " (SELECT COUNT(*) FROM deliberation d WHERE d.panel_id = sh.panel_id) AS closed"
    ' FROM score_sheet sh JOIN account a ON a.id = sh.member WHERE sh.id = {} AND sh."case" = {}'
)


async def sheet_history(*, number: str, sheet_id: int, actor: Actor) -> SheetHistory:
    """The sheet's saves, oldest first: its member reads all of them, the office the submitted ones once
    scoring has closed (scoring.domain.sealing.history_access); anyone else is told there is no such sheet."""
    case = await visible_case(actor, number)
    rows = await db.fetch(_SHEET, sheet_id, case["id"])
    if not rows:
        raise NotFound("sheet_not_found", "未找到该评分表")
    sheet = rows[0]
    access = history_access(
        Viewer(actor.kind, actor.user_id),
        SheetInfo(sheet["id"], sheet["member"], bool(sheet["submitted"])),
        scoring_closed=bool(sheet["closed"]),
    )
    if access is None:
        if actor.kind == "office" and sheet["submitted"]:
            raise Forbidden("sealed", "评分结束前，评分表对评议办保密")
        raise NotFound("sheet_not_found", "未找到该评分表")
    saves = await db.fetch(
        "SELECT revision, submitted, scores, saved_at FROM score_sheet_revision"
        " WHERE score_sheet = {} ORDER BY revision",
        sheet_id,
    )
    revisions = [
        Revision(
            r["revision"],
            bool(r["submitted"]),
            r["saved_at"],
            saved_after_viewing(r["saved_at"], sheet["others_viewed_at"]),
            db.json_list(r["scores"]),
        )
        for r in saves
        if access == "all" or r["submitted"]
    ]
    return SheetHistory(
        case["number"],
        sheet["id"],
        sheet["display_name"],
        ROLE_LABELS.get(sheet["member_role"], sheet["member_role"]),
        sheet["others_viewed_at"],
        await published_criteria(case["criteria_set_id"]),
        revisions,
    )
