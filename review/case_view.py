"""The case page's read model: what each kind of actor sees of one case."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from review import db, tracking
from review.actors import Actor
from review.convening import ROLE_LABELS
from review.errors import NotFound
from review.lifecycle import Action, allowed_actions
from review.masking import mask_name
from review.scoring_flow import criteria_of, seat_of
from review.tracking import Step
from review.visibility import visible_case


@dataclass
class CaseView:
    case: dict[str, Any]
    complainant: str
    department_name: str
    timeline: list[Step]
    actions: list[str]
    panel: list[dict] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)
    my_sheet: dict[str, dict] = field(default_factory=dict)  # criterion code → {value, reason}
    other_sheets: list[dict] = field(default_factory=list)
    sheets_submitted: int = 0
    can_score: bool = False
    ruling: dict | None = None
    verdict: dict | None = None


async def case_view(actor: Actor, number: str | None) -> CaseView:
    """Everything the case page shows `actor` (complainants pass no number: their one case)."""
    if number is None:
        rows = await db.fetch("SELECT number FROM review_case WHERE id = {}", actor.case_id or 0)
        if not rows:
            raise NotFound("case_not_found", "未找到该案件")
        number = rows[0]["number"]
    case = await visible_case(actor, number)
    personal = actor.kind in ("office", "complainant")
    view = CaseView(
        case=case,
        complainant=case["complainant_name"] if personal else mask_name(case["complainant_name"]),
        department_name=case["department_name"],
        timeline=tracking.steps(json.loads(case["events_json"])),
        # Scoring opens by itself with the first sheet, so the office is never offered that button.
        actions=[a.value for a in allowed_actions(case["status"], actor.kind) if a is not Action.start_scoring]
        if actor.kind == "office" else [],
    )
    if case["ruling_id"]:
        view.ruling = db.Row(total=case["ruling_total"], grade=case["ruling_grade"],
                             reasoning=case["ruling_reasoning"], redo_deadline=case["ruling_redo_deadline"])
        if case["verdict_number"]:
            view.verdict = db.Row(number=case["verdict_number"], status=case["verdict_status"],
                                  code=case["verdict_code"])
    if view.ruling or actor.kind in ("office", "member"):
        view.panel = [db.Row(name=s["name"], role=ROLE_LABELS.get(s["role"], s["role"]), is_chair=bool(s["is_chair"]),
                             status=s["status"]) for s in json.loads(case["seats_json"])]
    if case["criteria_set_id"]:
        view.criteria = await published_criteria(case["criteria_set_id"])
        view.sheets_submitted = case["sheets_submitted"]
    if actor.kind == "member":
        await _member_scores(actor, case, view)
    return view


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# A published criteria version never changes, so each process keeps what it has read.
_criteria: dict[int, list[dict]] = {}


async def published_criteria(criteria_set_id: int) -> list[dict]:
    if criteria_set_id not in _criteria:
        rows = await criteria_of(criteria_set_id)
        for c in rows:
            c["levels"] = _json(c["levels"])
        _criteria[criteria_set_id] = rows
    return _criteria[criteria_set_id]


async def _member_scores(actor: Actor, case: dict, view: CaseView) -> None:
    """Sealed scoring: a member sees others' sheets only once their own is in."""
    seat = await seat_of(actor, case["id"])
    view.can_score = bool(seat) and case["status"] in ("panel_ready", "under_review")
    rows = await db.fetch(
        "SELECT score.value, score.reason, c.code, sheet.member, sheet.member_role, a.display_name"
        " FROM score JOIN score_sheet sheet ON sheet.id = score.score_sheet"
        " JOIN criterion c ON c.id = score.criterion JOIN account a ON a.id = sheet.member"
        " WHERE sheet.\"case\" = {}", case["id"],
    )
    mine = [r for r in rows if r["member"] == actor.user_id]
    view.my_sheet = {r["code"]: {"value": r["value"], "reason": r["reason"]} for r in mine}
    if mine:
        others: dict[int, dict] = {}
        for r in rows:
            if r["member"] == actor.user_id:
                continue
            sheet = others.setdefault(r["member"], {
                "member": r["display_name"], "role": ROLE_LABELS.get(r["member_role"], ""), "scores": {}})
            sheet["scores"][r["code"]] = {"value": r["value"], "reason": r["reason"]}
        view.other_sheets = list(others.values())
