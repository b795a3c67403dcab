"""JSON endpoints of the selection, mounted under /api/v1: the published policy's versions and every selection
record for anyone; the office's drafts, and bulk screening (propose, adjust, apply, progress); a complainant's
request for review of a case left 未入选. Each parses, calls one service, returns JSON."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request

from review.cases import services as cases
from review.core.actors import OFFICE, PUBLIC, Policy
from review.core.api.contract import UNSET, Reason, Reply, Status, Text, Unset, number_param, operation, sent
from review.core.errors import NotFound
from review.core.web.guard import PolicyRoute, route
from review.selection import policy as rules
from review.selection import queries
from review.selection.services import policies, screening
from review.selection.services.verification import public_record

Row = dict[str, Any]
Loose = bool | int | float | Text | None
OFFICE_OR_COMPLAINANT = Policy("office_or_complainant", frozenset({"office", "complainant"}))


class PolicyDraft(msgspec.Struct):
    """A draft of the policy: the published JSON's fields (the derived `strata` and `rules` may be left in)."""

    name: Loose | Unset = UNSET
    repeat_days: Loose | Unset = UNSET
    reopen_days: Loose | Unset = UNSET
    sample_rate: Loose | Unset = UNSET
    strata: list[Any] | Loose | Unset = UNSET
    rules: list[Any] | Loose | Unset = UNSET


class PolicyVersion(msgspec.Struct):
    version: int | None
    status: str
    content_hash: str
    in_force: bool
    published_at: str | None
    content: Row


class PolicyPreview(msgspec.Struct):
    draft_id: int
    status: str
    version: int | None
    content: Row
    content_hash: str


class DraftState(msgspec.Struct):
    draft_id: int
    status: str


class Published(msgspec.Struct):
    version: int
    status: str


class ProposalBody(msgspec.Struct):
    until: Text | None = None  # YYYY-MM-DD, the intake day screened up to (Beijing); today by default


class SelectionState(msgspec.Struct):
    id: int
    status: str
    until: str
    policy_version: int
    policy_hash: str
    seed_hash: str
    total: int
    proposed: int
    selected: int
    not_selected: int
    adjusted: int
    done: int
    error: str
    created_at: str
    finished_at: str | None
    discard_reason: str | None
    record: str


class DepartmentCount(msgspec.Struct):
    code: str
    name: str
    total: int
    proposed: int
    selected: int
    adjusted: int
    skipped: int


class DecisionOut(msgspec.Struct):
    id: int
    case_number: str
    department_code: str
    department_name: str
    category: str
    received_at: str
    proposed: bool
    selected: bool
    rule: str
    reason: str
    adjusted: bool | None
    adjust_reason: str | None
    outcome: str | None
    note: str | None


class ProposalQuery(msgspec.Struct):
    department: Text | None = None  # department code
    category: Text | None = None
    selected: bool | None = None  # as decided now (the draw, or the office's adjustment)
    rule: Text | None = None
    adjusted: bool = False  # only the cases the office adjusted
    after: Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)] = 0  # the last decision id of the previous page
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 100


class ProposalOut(msgspec.Struct):
    selection: SelectionState
    per_department: list[DepartmentCount]
    per_rule: dict[str, int]
    categories: list[str]
    decisions: list[DecisionOut]
    next_after: int | None


class Adjustment(msgspec.Struct):
    case_number: Text
    selected: bool
    reason: Text | None = None


class DrawCheck(msgspec.Struct):
    name: str
    ok: bool
    message: str


class DrawVerification(msgspec.Struct):
    ok: bool
    checks: list[DrawCheck]


class PublicDraw(msgspec.Struct):
    """A selection record as anyone may see it: the record to re-run (seed revealed), counts, and the outcome of
    verifying it just now."""

    id: int
    status: str
    record: Row
    counts: dict[str, int]
    verification: DrawVerification
    discard_reason: str | None


class DrawSummary(msgspec.Struct):
    id: int
    status: str
    until: str
    policy_version: int
    total: int
    selected: int
    created_at: str


@operation(responses={200: list[PolicyVersion]})
async def list_policies(request: Request) -> list[Row]:
    """
    summary: 历次公布的评议案件选取规则（版本、内容哈希与全文，最新一版现行）
    """
    return [policies.version_json(row) for row in await policies.versions()]


@operation(responses={200: PolicyVersion})
async def policy_version(request: Request) -> Row:
    """
    summary: 某一版评议案件选取规则
    """
    version = number_param(request.path_params["version"], "version") or 0
    row = next((r for r in await policies.versions() if r["version"] == version), None)
    if row is None:
        raise NotFound("selection_policy_not_found", "没有这一版选取规则")
    return policies.version_json(row)


@operation(responses={201: DraftState})
async def create_draft(request: Request, body: PolicyDraft) -> DraftState:
    """
    summary: 评议办起草新版选取规则（字段同公布的 JSON：name、repeat_days、reopen_days、sample_rate 0–1）
    """
    return DraftState(draft_id=await policies.create_draft(actor=request.state.actor, content=sent(body)),
                      status="draft")


@operation(responses={200: PolicyPreview})
async def preview_draft(request: Request) -> Row:
    """
    summary: 预览选取规则草稿（含发布后将得到的内容哈希）
    """
    row = await policies.draft(number_param(request.path_params["draft_id"], "draft_id") or 0)
    return {"draft_id": row["id"], "status": row["status"], "version": row["version"],
            "content": rules.policy_json(row["policy"]), "content_hash": rules.policy_hash(row["policy"])}


@operation(responses={200: DraftState})
async def update_draft(request: Request, body: PolicyDraft) -> DraftState:
    """
    summary: 修改选取规则草稿；已发布的版本一律拒绝
    """
    draft_id = number_param(request.path_params["draft_id"], "draft_id") or 0
    await policies.update_draft(actor=request.state.actor, draft_id=draft_id, content=sent(body))
    return DraftState(draft_id=draft_id, status="draft")


@operation(responses={200: Published})
async def publish_draft(request: Request) -> Published:
    """
    summary: 发布选取规则草稿为新版本，此后不可更改；此后生成的批量审查方案按此版选取
    """
    draft_id = number_param(request.path_params["draft_id"], "draft_id") or 0
    return Published(version=await policies.publish_policy(actor=request.state.actor, draft_id=draft_id),
                     status="published")


@operation(responses={201: SelectionState})
async def propose(request: Request, body: ProposalBody) -> Reply:
    """
    summary: 按现行选取规则为截至某日（缺省今天）的待审查案件生成批量审查方案（抽样种子先登记于审计链）
    """
    selection_id = await screening.propose(actor=request.state.actor, until=body.until)
    found = await screening.view(selection_id=selection_id, actor=request.state.actor)
    return Reply(201, found.as_json())


@operation(responses={200: list[SelectionState]})
async def list_proposals(request: Request) -> list[Row]:
    """
    summary: 最近的批量审查方案
    """
    return [s.as_json() for s in await screening.recent(limit=20)]


@operation(responses={200: ProposalOut})
async def proposal(request: Request, query: ProposalQuery) -> Row:
    """
    summary: 一份批量审查方案：各部门的件数、各规则的件数，以及按部门、类别、是否入选、规则、是否调整筛选的案件（按 after 翻页）
    """
    filters = queries.filters(department=query.department, category=query.category, selected=query.selected,
                              rule=query.rule, adjusted=query.adjusted)
    page = await queries.proposal_page(selection_id=request.path_params["selection_id"], actor=request.state.actor,
                                       filters=filters, after=query.after, limit=query.limit)
    return {"selection": page.selection.as_json(), "per_department": page.per_department,
            "per_rule": page.per_rule, "categories": page.categories,
            "decisions": [queries.decision_json(d) for d in page.decisions], "next_after": page.next_after}


@operation(responses={200: DecisionOut})
async def adjust(request: Request, body: Adjustment) -> Row:
    """
    summary: 调整方案中的单件案件（入选或不入选，须说明理由）；与抽样结果相同即撤回调整
    """
    found = await screening.adjust(selection_id=request.path_params["selection_id"], number=body.case_number,
                                   selected=body.selected, reason=body.reason or "", actor=request.state.actor)
    return queries.decision_json(found)


@operation(responses={202: SelectionState})
async def apply(request: Request) -> Reply:
    """
    summary: 应用批量审查方案：由后台任务逐件审查（每件案件一条审计事件），进度见 progress；已应用的方案不再应用
    """
    found = await screening.apply(selection_id=request.path_params["selection_id"], actor=request.state.actor)
    return Reply(202, found.as_json())


@operation(responses={200: SelectionState})
async def progress(request: Request) -> Row:
    """
    summary: 批量审查方案的进度（done / total）与状态
    """
    found = await screening.view(selection_id=request.path_params["selection_id"], actor=request.state.actor)
    return found.as_json()


@operation(responses={200: SelectionState})
async def discard(request: Request, body: Reason) -> Row:
    """
    summary: 放弃尚未应用的批量审查方案（须说明理由）；其选取记录仍然公开
    """
    found = await screening.discard(selection_id=request.path_params["selection_id"], reason=body.reason or "",
                                    actor=request.state.actor)
    return found.as_json()


@operation(responses={200: list[DrawSummary]})
async def list_draws(request: Request) -> list[Row]:
    """
    summary: 公开的选取记录（每份批量审查方案一份）
    """
    return [{"id": s.id, "status": s.status, "until": s.until, "policy_version": s.policy_version,
             "total": s.total, "selected": s.proposed, "created_at": s.created_at.isoformat()}
            for s in await screening.recent(limit=100)]


@operation(responses={200: PublicDraw})
async def draw_record(request: Request) -> Row:
    """
    summary: 公开选取记录：种子及其哈希、规则版本、候选案件、结果，以及刚才复算与核对的结果；record 可用 python -m review.selection.verify 复算
    """
    return await public_record(request.path_params["selection_id"])


@operation(responses={200: Status})
async def request_review(request: Request, body: Reason) -> Status:
    """
    summary: 诉求人对「未入选」的案件申请评议（可附理由）：案件回到评议办的审查队列，按规则一律入选
    """
    status = await cases.request_review(number=request.path_params["number"], actor=request.state.actor,
                                        reason=body.reason or "")
    return Status(status=status)


routes: list[PolicyRoute] = [
    route("/selection/policy", list_policies, PUBLIC),
    route("/selection/policy/drafts", create_draft, OFFICE, methods=["POST"]),
    route("/selection/policy/drafts/{draft_id}", preview_draft, OFFICE),
    route("/selection/policy/drafts/{draft_id}", update_draft, OFFICE, methods=["POST"]),
    route("/selection/policy/drafts/{draft_id}/publish", publish_draft, OFFICE, methods=["POST"]),
    route("/selection/policy/{version}", policy_version, PUBLIC),
    route("/selection/proposals", propose, OFFICE, methods=["POST"]),
    route("/selection/proposals", list_proposals, OFFICE),
    route("/selection/proposals/{selection_id}", proposal, OFFICE),
    route("/selection/proposals/{selection_id}/adjustments", adjust, OFFICE, methods=["POST"]),
    route("/selection/proposals/{selection_id}/apply", apply, OFFICE, methods=["POST"]),
    route("/selection/proposals/{selection_id}/progress", progress, OFFICE),
    route("/selection/proposals/{selection_id}/discard", discard, OFFICE, methods=["POST"]),
    route("/selection/draws", list_draws, PUBLIC),
    route("/selection/draws/{selection_id}", draw_record, PUBLIC),
    route("/cases/{number}/review-request", request_review, OFFICE_OR_COMPLAINANT, methods=["POST"]),
]
