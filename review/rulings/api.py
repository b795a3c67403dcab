"""JSON endpoints of the scoring area, mounted under /api/v1: criteria, score sheets, deliberation,
the ruling, reconsideration and rater quality. Each parses, calls one service, returns JSON."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from starlette.requests import Request

from review.cases.visibility import visible_case
from review.core.actors import CASE_PARTY, MEMBER, OFFICE, PUBLIC, STAFF, Policy
from review.core.api.contract import ID_MAX, UNSET, Reason, Reply, Status, Text, Unset, operation, sent
from review.core.errors import NotFound
from review.core.params import int_param
from review.core.web.guard import PolicyRoute, route
from review.rulings import deliberation, reconsideration
from review.rulings.page import criteria_for, scoring_json, scoring_view
from review.rulings.sheet_history import sheet_history
from review.rulings.sheets import save_sheet
from scoring.queries import rater_quality
from scoring.services import criteria as criteria_admin

PARTY = Policy("party", frozenset({"liaison", "complainant"}))
Row = dict[str, Any]
# What a client may put where a number or text is asked for; the criteria check names what is wrong with it.
Loose = int | float | Text | None


class CriterionDraft(msgspec.Struct):
    code: Loose | Unset = UNSET
    name: Loose | Unset = UNSET
    description: Loose | Unset = UNSET
    weight: Loose | Unset = UNSET
    scale_max: Loose | Unset = UNSET
    levels: list[Text] | Loose | Unset = UNSET


class CriteriaDraft(msgspec.Struct):
    """A draft of the criteria: its name, the criteria in order and the ruling rule."""

    name: Loose | Unset = UNSET
    criteria: list[CriterionDraft] | None | Unset = UNSET
    rule: dict[str, Any] | None | Unset = UNSET


class CriteriaVersion(msgspec.Struct):
    """One published version of the criteria: the content its hash covers, and when it was in force."""

    version: int | None
    status: str
    content_hash: str
    effective_from: str | None
    effective_until: str | None
    in_force: bool
    content: Row


class DraftPreview(msgspec.Struct):
    draft_id: int
    content: Row
    content_hash: str


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


class MemberQuality(msgspec.Struct):
    member: str
    role: str | None
    scores: int
    mean_deviation: float | None
    mean_abs_deviation: float | None
    tendency: str | None
    sheets: int
    revised_after_viewing_others: int
    revised_after_viewing_others_share: float | None


class Agreement(msgspec.Struct):
    criteria_version: int | None
    units: int
    krippendorff_alpha: float | None


class RaterQuality(msgspec.Struct):
    scores: int
    members: list[MemberQuality]
    agreement: list[Agreement]


class DraftState(msgspec.Struct):
    draft_id: int
    status: str


class Published(msgspec.Struct):
    version: int
    status: str


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


def _int(value: Any, field: str) -> int | None:
    """A version or draft number: 422 naming the field when not a whole number, 404 beyond any row."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()) and int(value) > ID_MAX:
        raise NotFound("not_found", "页面不存在")
    return int_param(value, field)


@operation(responses={200: list[CriteriaVersion]})
async def list_criteria(request: Request) -> list[Row]:
    """
    summary: 历次公布的评议标准（版本、生效日期、内容哈希与全文）
    """
    return [criteria_admin.version_json(row, await criteria_admin.load_content(row["id"]))
            for row in await criteria_admin.versions()]


@operation(responses={200: CriteriaVersion})
async def criteria_version(request: Request) -> Row:
    """
    summary: 某一版评议标准
    """
    version = _int(request.path_params["version"], "version")
    row = next((r for r in await criteria_admin.versions() if r["version"] == version), None)
    if row is None:
        raise NotFound("criteria_not_found", "没有这一版评议标准")
    return criteria_admin.version_json(row, await criteria_admin.load_content(row["id"]))


@operation(responses={201: DraftState})
async def create_draft(request: Request, body: CriteriaDraft) -> DraftState:
    """
    summary: 评议办起草新版评议标准（name, criteria, rule）
    """
    set_id = await criteria_admin.create_draft(actor=request.state.actor, content=sent(body))
    return DraftState(draft_id=set_id, status="draft")


@operation(responses={200: DraftPreview})
async def preview_draft(request: Request) -> Row:
    """
    summary: 预览草稿（含发布后将得到的内容哈希）
    """
    from scoring.domain.criteria import content_hash, content_json

    set_id = _int(request.path_params["draft_id"], "draft_id") or 0
    content = await criteria_admin.load_content(set_id)
    return {"draft_id": set_id, "content": content_json(content), "content_hash": content_hash(content)}


@operation(responses={200: DraftState})
async def update_draft(request: Request, body: CriteriaDraft) -> DraftState:
    """
    summary: 修改草稿；已发布的版本一律拒绝
    """
    set_id = _int(request.path_params["draft_id"], "draft_id") or 0
    await criteria_admin.update_draft(actor=request.state.actor, set_id=set_id, content=sent(body))
    return DraftState(draft_id=set_id, status="draft")


@operation(responses={200: Published})
async def publish_draft(request: Request) -> Published:
    """
    summary: 发布草稿为新版本，此后不可更改
    """
    set_id = _int(request.path_params["draft_id"], "draft_id") or 0
    version = await criteria_admin.publish_criteria(actor=request.state.actor, set_id=set_id)
    return Published(version=version, status="published")


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


@operation(responses={200: RaterQuality})
async def quality(request: Request) -> Row:
    """
    summary: 评议员评分质量：相对所在评议组的平均偏差（宽松/严格），各版标准的评分一致性（Krippendorff α）
    """
    report = await rater_quality()
    return {
        "scores": report.scores,
        "members": [{"member": m.name, "role": m.role, "scores": m.lean.scores,
                     "mean_deviation": m.lean.mean_deviation, "mean_abs_deviation": m.lean.mean_abs_deviation,
                     "tendency": m.lean.tendency, "sheets": m.sheets,
                     "revised_after_viewing_others": m.revised_after_viewing,
                     "revised_after_viewing_others_share": m.revised_share} for m in report.members],
        "agreement": [{"criteria_version": v, "units": a.units, "krippendorff_alpha": a.alpha}
                      for v, a in report.agreement],
    }


routes: list[PolicyRoute] = [
    route("/criteria", list_criteria, PUBLIC),
    route("/criteria/drafts", create_draft, OFFICE, methods=["POST"]),
    route("/criteria/drafts/{draft_id}", preview_draft, OFFICE),
    route("/criteria/drafts/{draft_id}", update_draft, OFFICE, methods=["POST"]),
    route("/criteria/drafts/{draft_id}/publish", publish_draft, OFFICE, methods=["POST"]),
    route("/criteria/{version}", criteria_version, PUBLIC),
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
    route("/scoring/quality", quality, OFFICE),
]
