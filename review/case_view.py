"""The case page's read model: what each kind of actor sees of one case."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from panels.tables import Panel, Seat
from review import tracking, verdicts
from review.actors import Actor
from review.convening import ROLE_LABELS
from review.errors import NotFound
from review.lifecycle import allowed_actions
from review.masking import mask_name
from review.scoring_flow import criteria_of, seat_of
from review.tables import Case
from review.tracking import Step
from review.visibility import visible_case
from scoring.tables import Ruling, Score, ScoreSheet


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
        row = await Case.select(Case.number).where(Case.id == (actor.case_id or 0)).first().run()
        if not row:
            raise NotFound("case_not_found", "未找到该案件")
        number = row["number"]
    case = await visible_case(actor, number)
    department = await Case.select(Case.department.name).where(Case.id == case["id"]).first().run()
    personal = actor.kind in ("office", "complainant")
    view = CaseView(
        case=case,
        complainant=case["complainant_name"] if personal else mask_name(case["complainant_name"]),
        department_name=department["department.name"],
        timeline=await tracking.timeline(case["id"]),
        actions=[a.value for a in allowed_actions(case["status"], actor.kind)] if actor.kind == "office" else [],
    )
    ruling = await Ruling.select().where(Ruling.case == case["id"]).first().run()
    if ruling:
        ruling["per_criterion"] = _json(ruling["per_criterion"])
        view.ruling = ruling
        view.verdict = await verdicts.for_case(case["id"])
    if ruling or actor.kind in ("office", "member"):
        view.panel = await _panel(case["id"])
    if case["criteria_set_id"]:
        view.criteria = await criteria_of(case["criteria_set_id"])
        for c in view.criteria:
            c["levels"] = _json(c["levels"])
        view.sheets_submitted = await ScoreSheet.count().where(
            (ScoreSheet.case == case["id"]) & (ScoreSheet.submitted == True)  # noqa: E712
        ).run()
    if actor.kind == "member":
        await _member_scores(actor, case, view)
    return view


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def _panel(case_id: int) -> list[dict]:
    panel = await Panel.select(Panel.id).where((Panel.case == case_id) & (Panel.status != "dissolved")).first().run()
    if not panel:
        return []
    seats = await Seat.select(Seat.member.name, Seat.role, Seat.is_chair, Seat.status).where(
        Seat.panel == panel["id"]).order_by(Seat.is_chair, ascending=False).order_by(Seat.id).run()
    return [{"name": s["member.name"], "role": ROLE_LABELS.get(s["role"], s["role"]), "is_chair": s["is_chair"],
             "status": s["status"]} for s in seats]


async def _member_scores(actor: Actor, case: dict, view: CaseView) -> None:
    """Sealed scoring: a member sees others' sheets only once their own is in."""
    seat = await seat_of(actor, case["id"])
    view.can_score = bool(seat) and case["status"] in ("panel_ready", "under_review")
    rows = await Score.select(
        Score.value, Score.reason, Score.criterion.code, Score.score_sheet.member,
        Score.score_sheet.member.display_name, Score.score_sheet.member_role,
    ).where(Score.score_sheet.case == case["id"]).run()
    mine = [r for r in rows if r["score_sheet.member"] == actor.user_id]
    view.my_sheet = {r["criterion.code"]: {"value": r["value"], "reason": r["reason"]} for r in mine}
    if mine:
        others: dict[int, dict] = {}
        for r in rows:
            if r["score_sheet.member"] == actor.user_id:
                continue
            sheet = others.setdefault(r["score_sheet.member"], {
                "member": r["score_sheet.member.display_name"],
                "role": ROLE_LABELS.get(r["score_sheet.member_role"], ""), "scores": {}})
            sheet["scores"][r["criterion.code"]] = {"value": r["value"], "reason": r["reason"]}
        view.other_sheets = list(others.values())
