"""JSON endpoints of the scoring area that wire a case's panel to scoring, mounted under /api/v1: score sheets,
deliberation, the ruling and reconsideration (the criteria and rater quality are scoring.api's). Each parses,
calls one service, returns JSON."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from review.cases.queries.visibility import visible_case
from review.core.actors import CASE_PARTY, MEMBER, OFFICE, STAFF, Policy
from review.core.api.contract import UNSET, Reason, Reply, Status, Text, Unset, operation, sent
from review.core.web.guard import PolicyRoute, route
from review.rulings.queries.page import criteria_for, scoring_json, scoring_view
from review.rulings.queries.sheet_history import sheet_history
from review.rulings.services import deliberation, reconsideration
from review.rulings.services.sheets import save_sheet

PARTY = Policy("party", frozenset({"liaison", "complainant"}))
Row = dict[str, Any]


class CriterionShown(msgspec.Struct):
    code: str
    name: str
    weight: float
    scale_max: int
    levels: list[str]


class MySheet(msgspec.Struct):
    sheet_id: int | None
    revision: int
    submitted: bool
    scores: list[Any]
    revised_after_viewing_others: bool


class SheetShown(msgspec.Struct):
    sheet_id: int
    member: Any
    role: str | None
    scores: list[Any]
    revised_after_viewing_others: bool


class AggregateShown(msgspec.Struct):
    per_criterion: Any
    total: float | None
    grade: str | None
    dispersed: Any


class Message(msgspec.Struct):
    author: str
    body: str
    at: str


class Dissent(msgspec.Struct):
    member: str
    role: str | None
    text: str
    at: str
    after_signing: bool


class DeliberationShown(msgspec.Struct):
    reasoning: str | None
    signed: bool
    messages: list[Message]
    dissents: list[Dissent]


class CaseScores(msgspec.Struct):
    """A case's scoring as this actor may see it (sealed: others' scores only after one's own, or after closing);
    the parties see the status and the reconsideration deadline only."""

    status: str
    scoring_closed: bool | Unset = UNSET
    submitted_count: int | Unset = UNSET
    submitted_by: list[Any] | Unset = UNSET
    criteria: list[CriterionShown] | Unset = UNSET
    my_sheet: MySheet | Unset = UNSET
    sheets: list[SheetShown] | Unset = UNSET
    aggregate: AggregateShown | Unset = UNSET
    deliberation: DeliberationShown | Unset = UNSET
    reconsideration_deadline: str | Unset = UNSET
    reconsideration_deadline_provisional: bool | Unset = UNSET


class SheetRevision(msgspec.Struct):
    revision: int
    submitted: bool
    saved_at: str
    revised_after_viewing_others: bool
    scores: Any


class SheetHistory(msgspec.Struct):
    case_number: str
    sheet_id: int
    member: str
    role: str | None
    others_viewed_at: str | None
    revisions: list[SheetRevision]


class ScoreEntry(msgspec.Struct):
    criterion: Text | None = None
    # Any JSON value is read; only an integer on the criterion's scale counts, and the check says why not.
    value: Any = None
    reason: Text | None = None


class ScoreSheetBody(msgspec.Struct):
    scores: list[ScoreEntry] | None = None
    revision: int | None = None
    draft: bool = False


class SavedSheet(msgspec.Struct):
    sheet_id: int
    revision: int
    submitted: bool


class MessageBody(msgspec.Struct):
    body: Text | None = None


class MessagePosted(msgspec.Struct):
    message_id: int


class ReasoningBody(msgspec.Struct):
    reasoning: Text | None = None


class DissentBody(msgspec.Struct):
    text: Text | None = None


class Saved(msgspec.Struct):
    saved: bool


class Signed(msgspec.Struct):
    signed: bool


class RulingIssued(msgspec.Struct):
    ruling_id: int
    status: str


class ReconsiderationRequested(msgspec.Struct):
    reconsideration_id: int
    status: str


class ReconsiderationDecision(msgspec.Struct):
    accept: bool = False
    reason: Text | None = None


@operation(responses={200: CaseScores})
async def case_scores(request: Request) -> Row:
    """
    summary: 本案评分情况（按封存规则：评议员提交本人评分后、评议办在评分结束后才能看到他人评分）
    """
    actor = request.state.actor
    case = await visible_case(actor, request.path_params["number"])
    view = await scoring_view(actor, case)
    body = scoring_json(view, await criteria_for(case)) if actor.kind in ("office", "member") else {}
    body["status"] = case["status"]
    if view.reconsideration_deadline:
        body["reconsideration_deadline"] = view.reconsideration_deadline.isoformat()
        body["reconsideration_deadline_provisional"] = view.reconsideration_deadline_provisional
    return body


@operation(responses={201: SavedSheet, 200: SavedSheet})
async def save_scores(request: Request, body: ScoreSheetBody) -> Reply:
    """
    summary: 评议员保存草稿（draft=true）或提交/修改评分表；revision 为所依据的保存次数，不符时返回 409
    """
    scores = None if body.scores is None else [sent(entry) for entry in body.scores]
    saved = await save_sheet(number=request.path_params["number"], actor=request.state.actor, scores=scores,
                             revision=body.revision, submit=not body.draft)
    sheet = SavedSheet(sheet_id=saved.sheet_id, revision=saved.revision, submitted=saved.submitted)
    return Reply(201 if saved.revision == 1 else 200, sheet)


@operation(responses={200: SheetHistory})
async def sheet_revisions(request: Request) -> Row:
    """
    summary: 评分表的修改记录（评议员本人随时可看；评议办在评分结束后可看已提交的各次修改），标出查看他人评分后所作的修改
    """
    history = await sheet_history(number=request.path_params["number"], sheet_id=request.path_params["sheet_id"],
                                  actor=request.state.actor)
    return history.as_json()


@operation(responses={200: Status})
async def close_scoring(request: Request) -> Status:
    """
    summary: 评议办结束评分，评议组进入合议
    """
    await deliberation.close_scoring(number=request.path_params["number"], actor=request.state.actor)
    return Status(status="deliberation")


@operation(responses={201: MessagePosted})
async def post_message(request: Request, body: MessageBody) -> MessagePosted:
    """
    summary: 评议员在合议区发言
    """
    message_id = await deliberation.post_message(number=request.path_params["number"], actor=request.state.actor,
                                                 body=body.body or "")
    return MessagePosted(message_id=message_id)


@operation(responses={200: Saved})
async def save_reasoning(request: Request, body: ReasoningBody) -> Saved:
    """
    summary: 评议组组长起草评议理由
    """
    await deliberation.save_reasoning(number=request.path_params["number"], actor=request.state.actor,
                                      reasoning=body.reasoning or "")
    return Saved(saved=True)


@operation(responses={200: Saved})
async def dissent(request: Request, body: DissentBody) -> Saved:
    """
    summary: 评议员提出、修改（text 为空则撤回）异议，评议办签发评议结论前均可
    """
    await deliberation.add_dissent(number=request.path_params["number"], actor=request.state.actor,
                                   text=body.text or "")
    return Saved(saved=True)


@operation(responses={200: Signed})
async def sign(request: Request, body: ReasoningBody) -> Signed:
    """
    summary: 评议组组长签署评议理由（可同时提交 reasoning，先保存再签署）
    """
    await deliberation.sign_reasoning(number=request.path_params["number"], actor=request.state.actor,
                                      reasoning=body.reasoning)
    return Signed(signed=True)


@operation(responses={201: RulingIssued})
async def ruling(request: Request) -> RulingIssued:
    """
    summary: 评议办按公布的规则签发评议结论（须组长已签署）
    """
    ruling_id = await deliberation.issue_ruling(number=request.path_params["number"], actor=request.state.actor)
    return RulingIssued(ruling_id=ruling_id, status="ruled")


@operation(responses={201: ReconsiderationRequested})
async def request_reconsideration(request: Request, body: Reason) -> ReconsiderationRequested:
    """
    summary: 承办部门或诉求人在公布的期限内申请复议（每案一次，须说明理由）
    """
    request_id = await reconsideration.request_reconsideration(
        number=request.path_params["number"], actor=request.state.actor, reason=body.reason or "")
    return ReconsiderationRequested(reconsideration_id=request_id, status="pending")


@operation(responses={200: Status})
async def decide_reconsideration(request: Request, body: ReconsiderationDecision) -> Status:
    """
    summary: 评议办受理（accept=true）或不予受理（须说明理由）复议申请
    """
    status = await reconsideration.decide_reconsideration(
        number=request.path_params["number"], actor=request.state.actor, accept=body.accept,
        reason=body.reason or "")
    return Status(status=status)


routes: list[PolicyRoute] = [
    route("/cases/{number}/scores", case_scores, CASE_PARTY),
    route("/cases/{number}/scores", save_scores, MEMBER, methods=["POST"]),
    route("/cases/{number}/sheets/{sheet_id:int}/revisions", sheet_revisions, STAFF),
    route("/cases/{number}/scoring/close", close_scoring, OFFICE, methods=["POST"]),
    route("/cases/{number}/deliberation/messages", post_message, MEMBER, methods=["POST"]),
    route("/cases/{number}/deliberation/reasoning", save_reasoning, MEMBER, methods=["POST"]),
    route("/cases/{number}/deliberation/dissent", dissent, MEMBER, methods=["POST"]),
    route("/cases/{number}/deliberation/sign", sign, MEMBER, methods=["POST"]),
    route("/cases/{number}/ruling", ruling, OFFICE, methods=["POST"]),
    route("/cases/{number}/reconsideration", request_reconsideration, PARTY, methods=["POST"]),
    route("/cases/{number}/reconsideration/decision", decide_reconsideration, OFFICE, methods=["POST"]),
]
