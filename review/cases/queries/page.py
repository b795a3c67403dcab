"""The case page's read model: what each kind of actor sees of one case."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from panels.services.challenges import CHALLENGE_STATUSES, challenges_of_case
from review.casefile import queries as casefile
from review.cases import tracking
from review.cases.lifecycle import Action, allowed_actions
from review.cases.queries.file import FileEntry, case_file
from review.cases.queries.visibility import visible_case
from review.cases.tracking import Step
from review.core import db
from review.core.actors import Actor
from review.core.errors import NotFound
from review.core.labels import ROLE_LABELS
from review.deadlines import services as deadlines
from review.rulings.queries.page import ScoringView, scoring_view
from review.rulings.services.sheets import published_criteria

_SCORING_ACTIONS = (Action.start_scoring, Action.close_scoring, Action.issue_ruling, Action.reconsider)


@dataclass
class PanelGroup:
    """One panel of the case as its page lists it: the first review's, then a reconsideration's."""

    label: str  # 评议组 / 初次评议组 / 复议评议组
    seats: list[dict]
    seated: bool  # the panel at work, whose seats may be challenged
    awaiting: int = 0  # invitations still out: parties see how many, not who


@dataclass
class CaseView:
    case: dict[str, Any]
    complainant: str
    department_name: str
    timeline: list[Step]
    actions: list[str]
    panels: list[PanelGroup] = field(default_factory=list)
    may_challenge: bool = False
    challengeable: list[dict] = field(default_factory=list)
    challenges: list[dict] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)
    sheets_submitted: int = 0
    scoring: ScoringView = field(default_factory=ScoringView)
    ruling: dict | None = None
    verdict: dict | None = None
    file_entries: list[FileEntry] = field(default_factory=list)  # the case file beyond complaint and reply
    additions: list[casefile.AdditionView] = field(default_factory=list)  # the parties' statements and files
    may_add: bool = False  # the viewer may add a statement or files to the file
    add_limits: dict[str, Any] = field(default_factory=lambda: dict(casefile.LIMITS))  # stated beside the form
    clocks: list[deadlines.Clock] = field(default_factory=list)  # each stage's time spent and due date

    @property
    def running(self) -> list[deadlines.Clock]:
        """The stages on the clock now, the soonest due first."""
        open_ = [c for c in self.clocks if c.open]
        return sorted(open_, key=lambda c: (c.due is None, c.due or c.start))


async def visible_case_row(actor: Actor, number: str | None) -> dict:
    """The case row the page is built from, if `actor` may see it (complainants pass no number: their one case)."""
    if number is None:
        rows = await db.fetch("SELECT number FROM review_case WHERE id = {}", actor.case_id or 0)
        if not rows:
            raise NotFound("case_not_found", "未找到该案件")
        number = rows[0]["number"]
    return await visible_case(actor, number)


async def case_view(actor: Actor, number: str | None) -> CaseView:
    """Everything the case page shows `actor` (complainants pass no number: their one case)."""
    return await view_of(actor, await visible_case_row(actor, number))


async def view_of(actor: Actor, case: dict) -> CaseView:
    """The case page's view of a case row that `actor` may see."""
    view = CaseView(
        case=case,
        complainant=case["complainant_name"],  # masked by `visible_case` for those who may not see it
        department_name=case["department_name"],
        timeline=tracking.steps(json.loads(case["events_json"]), plain=actor.kind == "complainant"),
        # Scoring opens by itself with the first sheet; closing it, issuing and reconsideration have their
        # forms in the scoring part of the page.
        actions=[a.value for a in allowed_actions(case["status"], actor.kind) if a not in _SCORING_ACTIONS]
        if actor.kind == "office"
        else [],
    )
    if case["ruling_id"]:
        view.ruling = db.Row(total=case["ruling_total"], grade=case["ruling_grade"],
                             reasoning=case["ruling_reasoning"], redo_deadline=case["ruling_redo_deadline"],
                             redo_deadline_provisional=bool(case["ruling_redo_deadline_provisional"]))
        if case["verdict_number"]:
            view.verdict = db.Row(number=case["verdict_number"], status=case["verdict_status"],
                                  code=case["verdict_code"], corrects=case["verdict_corrects"])
    view.panels = panel_groups(actor, json.loads(case["seats_json"]))
    # Parties may ask a member to step down from the moment the member accepts until scoring closes.
    if actor.kind in ("complainant", "liaison") and case["status"] in CHALLENGE_STATUSES:
        view.challengeable = [s for g in view.panels if g.seated for s in g.seats if s.status == "accepted"]
        view.may_challenge = bool(view.challengeable)
    if actor.kind in ("office", "complainant", "liaison") and view.panels:
        view.challenges = await challenges_of_case(case["id"])
    if case["criteria_set_id"]:
        view.criteria = await published_criteria(case["criteria_set_id"])
        view.sheets_submitted = case["sheets_submitted"]
    view.scoring = await scoring_view(actor, case)
    view.file_entries = await case_file(actor, case["id"])
    view.additions = await casefile.additions(actor, case["id"])
    view.may_add = actor.kind in casefile.MAY_ADD and case["status"] not in casefile.CLOSED_TO_ADDITIONS
    view.clocks = await deadlines.case_clocks(json.loads(case["events_json"]))
    return view


def panel_groups(actor: Actor, seats: list[dict]) -> list[PanelGroup]:
    """The case's panels, oldest first, each with the seats `actor` may see: the office every seat, members
    the invited and the accepted, parties only the accepted (who is invited is not theirs to know)."""
    shown = {"office": None, "member": ("invited", "accepted")}.get(actor.kind, ("accepted",))
    by_panel: dict[int, list[dict]] = {}
    for s in seats:
        by_panel.setdefault(s["panel"], []).append(s)
    groups = []
    for index, (_, rows) in enumerate(sorted(by_panel.items())):
        label = "评议组" if len(by_panel) == 1 else ("初次评议组" if index == 0 else "复议评议组")
        visible = [db.Row(id=s["id"], name=s["name"], role=ROLE_LABELS.get(s["role"], s["role"]),
                          is_chair=bool(s["is_chair"]), status=s["status"])
                   for s in rows if shown is None or s["status"] in shown]
        awaiting = sum(1 for s in rows if s["status"] == "invited") if actor.kind in ("complainant", "liaison") else 0
        if visible or awaiting:
            groups.append(PanelGroup(label, visible, rows[0]["panel_status"] == "seated", awaiting))
    return groups
