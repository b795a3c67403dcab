"""What the case page and the API show of scoring, deliberation and reconsideration to one actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from review.core import db, kept
from review.core.actors import Actor
from review.core.kept import Kept
from review.core.labels import ROLE_LABELS
from review.rulings.services.reconsideration import window
from review.rulings.services.sheets import (
    SCORING_OPEN,
    note_others_viewed,
    panel_aggregate,
    published_criteria,
)
from scoring.domain.aggregate import Aggregate
from scoring.domain.sealing import SheetInfo, Viewer, saved_after_viewing, visible_sheets


@dataclass
class ScoringView:
    panel_id: int | None = None
    seated: bool = False
    is_chair: bool = False
    can_score: bool = False
    scoring_closed: bool = False
    my_sheet_id: int | None = None
    my_revision: int = 0
    my_revised_after_viewing: bool = False  # 「查看他人评分后修改」
    my_submitted: bool = False
    my_scores: dict[str, dict] = field(default_factory=dict)  # code → {value, reason}
    sheets: list[dict] = field(default_factory=list)  # visible sheets of others (and of all, for the office)
    submitted_count: int = 0
    submitted_by: list[str] = field(default_factory=list)  # who has submitted (never what)
    aggregate: Aggregate | None = None  # only once scoring has closed
    deliberation: dict | None = None
    messages: list[dict] = field(default_factory=list)
    dissents: list[dict] = field(default_factory=list)
    my_dissent: str = ""
    reconsideration: dict | None = None
    reconsideration_deadline: date | None = None
    reconsideration_deadline_provisional: bool = False
    may_request_reconsideration: bool = False


_SHEETS = (
    "SELECT sh.id, sh.member, sh.member_role, sh.submitted, sh.revision, sh.updated_at, sh.others_viewed_at,"
    " a.display_name,"
    " (SELECT r.scores FROM score_sheet_revision r WHERE r.score_sheet = sh.id ORDER BY r.revision DESC LIMIT 1)"
    " AS scores FROM score_sheet sh JOIN account a ON a.id = sh.member WHERE sh.panel_id = {} ORDER BY sh.id"
)


async def _panel(actor: Actor, case_id: int) -> tuple[int | None, str, dict | None]:
    """The panel shown: the one at work, else the last; its status; and the actor's seat on it."""
    rows = await db.fetch(
        "SELECT p.id, p.status, (SELECT s.is_chair FROM seat s JOIN roster_member m ON m.id = s.member"
        " WHERE s.panel = p.id AND s.status = 'accepted' AND m.\"user\" = {}) AS is_chair,"
        " (SELECT s.role FROM seat s JOIN roster_member m ON m.id = s.member"
        " WHERE s.panel = p.id AND s.status = 'accepted' AND m.\"user\" = {}) AS role"
        " FROM panel p WHERE p.\"case\" = {} AND p.status != 'dissolved' ORDER BY p.id DESC LIMIT 1",
        actor.user_id or 0, actor.user_id or 0, case_id)
    if not rows:
        return None, "", None
    seat = {"is_chair": bool(rows[0]["is_chair"]), "role": rows[0]["role"]} if rows[0]["role"] else None
    return rows[0]["id"], rows[0]["status"], seat


@dataclass(frozen=True)
class _PanelRecord:
    """What a panel's scoring holds, before any actor's view of it is taken."""

    deliberation: dict | None
    sheets: list[dict]
    aggregate: Aggregate | None = None
    messages: list[dict] = field(default_factory=list)
    dissents: list[dict] = field(default_factory=list)


# Once its ruling is issued a panel is concluded and its record no longer changes (a reconsideration convenes
# a new panel): each process keeps the records it has read, so that a ruled case's page reads them once.
_concluded: Kept[_PanelRecord] = Kept(2_000)


@kept.forgettable
def forget_concluded() -> None:
    """Drop the kept records (a database emptied under a running process, as between tests)."""
    _concluded.clear()


async def _panel_record(case: dict, panel_id: int, status: str) -> _PanelRecord:
    if status == "concluded" and (kept := _concluded.get(panel_id)) is not None:
        return kept
    found = await db.fetch("SELECT * FROM deliberation WHERE panel_id = {}", panel_id)
    deliberation = found[0] if found else None
    record = _PanelRecord(deliberation, await db.fetch(_SHEETS, panel_id))
    if deliberation is not None:  # scoring has closed
        aggregate, _, _ = await panel_aggregate(case, panel_id)
        messages = await db.fetch(
            "SELECT m.body, m.at, a.display_name AS author FROM deliberation_message m"
            " JOIN account a ON a.id = m.author WHERE m.deliberation = {} ORDER BY m.id", deliberation["id"])
        dissents = await db.fetch(
            "SELECT d.text, d.member, d.member_role, d.at, a.display_name FROM dissent d JOIN account a ON a.id = d.member"
            " WHERE d.deliberation = {} ORDER BY d.id", deliberation["id"])
        record = _PanelRecord(deliberation, record.sheets, aggregate, messages, dissents)
    if status == "concluded":
        _concluded.put(panel_id, record)
    return record


async def scoring_view(actor: Actor, case: dict) -> ScoringView:
    view = ScoringView()
    if actor.kind in ("liaison", "complainant") and case["status"] in ("ruled", "closed"):
        found = await window(case["id"])
        request = await db.fetch("SELECT status, requested_by, decision_reason FROM reconsideration"
                                 " WHERE \"case\" = {}", case["id"])
        view.reconsideration = request[0] if request else None
        if found:
            view.reconsideration_deadline = found.deadline
            view.reconsideration_deadline_provisional = found.provisional
            view.may_request_reconsideration = found.open and not request
    if actor.kind == "office":
        request = await db.fetch("SELECT * FROM reconsideration WHERE \"case\" = {}", case["id"])
        view.reconsideration = request[0] if request else None
    if actor.kind not in ("office", "member") or not case["criteria_set_id"]:
        return view
    panel_id, panel_status, seat = await _panel(actor, case["id"])
    if panel_id is None:
        return view
    view.panel_id, view.seated = panel_id, seat is not None
    view.is_chair = bool(seat and seat["is_chair"])
    record = await _panel_record(case, panel_id, panel_status)
    view.deliberation = record.deliberation
    view.scoring_closed = view.deliberation is not None
    view.can_score = view.seated and case["status"] in SCORING_OPEN
    rows = record.sheets
    view.submitted_count = sum(1 for r in rows if r["submitted"])
    view.submitted_by = [r["display_name"] for r in rows if r["submitted"]]
    mine = None
    for r in rows:
        if r["member"] == actor.user_id:
            mine = r
            view.my_sheet_id, view.my_revision, view.my_submitted = r["id"], r["revision"], bool(r["submitted"])
            view.my_scores = {s["criterion"]: s for s in db.json_value(r["scores"] or "[]")}
            view.my_revised_after_viewing = saved_after_viewing(r["updated_at"], r["others_viewed_at"])
    shown = {s.sheet_id for s in visible_sheets(
        Viewer(actor.kind, actor.user_id, view.seated),
        [SheetInfo(r["id"], r["member"], bool(r["submitted"])) for r in rows], scoring_closed=view.scoring_closed)}
    view.sheets = [db.Row(sheet_id=r["id"], member=r["display_name"],
                          role=ROLE_LABELS.get(r["member_role"], r["member_role"]),
                          scores={s["criterion"]: s for s in db.json_value(r["scores"] or "[]")},
                          revised_after_viewing=saved_after_viewing(r["updated_at"], r["others_viewed_at"]))
                   for r in rows if r["id"] in shown and r["member"] != actor.user_id]
    if view.sheets and mine and not view.scoring_closed and mine["others_viewed_at"] is None:
        await note_others_viewed(mine["id"])  # this view shows the member others' sheets for the first time
    if view.scoring_closed:
        view.aggregate, view.messages = record.aggregate, record.messages
        signed_at = view.deliberation["signed_at"]
        view.dissents = [db.Row(member=d["display_name"], role=ROLE_LABELS.get(d["member_role"], ""), text=d["text"],
                                mine=d["member"] == actor.user_id, at=d["at"],
                                after_signing=bool(signed_at and d["at"] > signed_at)) for d in record.dissents]
        view.my_dissent = next((d.text for d in view.dissents if d.mine), "")
    return view


def scoring_json(view: ScoringView, criteria: list[dict]) -> dict[str, Any]:
    """The API's rendering of the same view."""
    body: dict[str, Any] = {
        "scoring_closed": view.scoring_closed, "submitted_count": view.submitted_count,
        "submitted_by": view.submitted_by,
        "criteria": [{"code": c["code"], "name": c["name"], "weight": c["weight"], "scale_max": c["scale_max"],
                      "levels": c["levels"]} for c in criteria],
    }
    if view.seated:
        body["my_sheet"] = {"sheet_id": view.my_sheet_id, "revision": view.my_revision,
                            "submitted": view.my_submitted, "scores": list(view.my_scores.values()),
                            "revised_after_viewing_others": view.my_revised_after_viewing}
    body["sheets"] = [{"sheet_id": s["sheet_id"], "member": s["member"], "role": s["role"],
                       "scores": list(s["scores"].values()),
                       "revised_after_viewing_others": s["revised_after_viewing"]} for s in view.sheets]
    if view.aggregate:
        body["aggregate"] = {"per_criterion": view.aggregate.per_criterion, "total": view.aggregate.total,
                             "grade": view.aggregate.grade, "dispersed": view.aggregate.dispersed}
    if view.deliberation:
        body["deliberation"] = {
            "reasoning": view.deliberation["reasoning"], "signed": bool(view.deliberation["signed_at"]),
            "messages": [{"author": m["author"], "body": m["body"], "at": m["at"].isoformat()} for m in view.messages],
            "dissents": [{"member": d["member"], "role": d["role"], "text": d["text"], "at": d["at"].isoformat(),
                          "after_signing": d["after_signing"]} for d in view.dissents],
        }
    return body


async def criteria_for(case: dict) -> list[dict]:
    return await published_criteria(case["criteria_set_id"]) if case["criteria_set_id"] else []
