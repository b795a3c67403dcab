"""JSON endpoints: each parses input, calls one service, returns JSON."""

from __future__ import annotations

import json
from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from review.accounts.services import auth
from review.cases import access_notice, tracking
from review.cases import services as cases
from review.cases.lifecycle import Action
from review.cases.queries import lists as queries
from review.cases.queries.file import case_file
from review.cases.queries.page import panel_groups
from review.cases.queries.visibility import visible_case
from review.convening.services import convene_panel
from review.core.actors import CASE_PARTY, HOTLINE, OFFICE, PUBLIC, STAFF, STAFF_OR_HOTLINE
from review.core.api import openapi as openapi_document
from review.core.api.contract import UNSET, Reason, Reply, Status, Text, Unset, encode, operation
from review.core.errors import Invalid
from review.core.web.client_address import client_address
from review.core.web.guard import bearer_token, route
from review.rulings.queries import pull as ruling_pull
from review.verdicts import services as verdicts


class TrackLogin(msgspec.Struct):
    case_number: Text = ""
    access_code: Text = ""


class Token(msgspec.Struct):
    token: str


class Person(msgspec.Struct):
    name: Text | None = None
    phone: Text | None = None
    id_number: Text | None = None
    address: Text | None = None


class IntakeBody(msgspec.Struct):
    """一件推送的诉求 (DESIGN §10); the intake check names the field that fails its rules."""

    source_ref: Text
    channel: Literal["hotline", "mailbox", "app", "wechat", "weibo", "web"]
    received_at: Text
    category: Text
    district: Text
    department_code: Text
    complainant: Person
    content: Text
    reply: Text
    replied_at: Text
    rating: Literal["satisfied", "basic", "unsatisfied"]
    rated_at: Text
    community: Text | None = None
    review_requested: bool = False  # the complainant asked for third-party review: always selected


class Intake(msgspec.Struct):
    case_number: str
    status: str
    access_code: str | Unset = UNSET


class CaseListQuery(msgspec.Struct):
    """The case list's filters (as on the office's page); a value naming nothing known is refused, naming it."""

    status: Text | None = None
    department: Text | None = None  # the department's code
    district: Text | None = None
    category: Text | None = None
    channel: Text | None = None
    received_from: Text | None = None  # YYYY-MM-DD, Beijing time
    received_to: Text | None = None
    overdue: Text | None = None  # 1: only cases with a stage past due
    member: Text | None = None  # a roster member's id: the cases on whose panel they sit
    sort: Text | None = None  # received (newest first) | due
    q: Text | None = None  # a case number, a source reference, or a keyword (2 characters or more)
    cursor: Text | None = None  # the X-Next-Cursor of the page before
    limit: int = 100


class CaseRow(msgspec.Struct):
    case_number: str
    status: str
    category: str | None
    district: str | None
    department_code: str | None
    channel: str | None = None
    received_at: str | None = None
    due: str | None = None


class TimelineStep(msgspec.Struct):
    at: str
    step: str
    by: str | None
    status: str | None
    reason: str | None


class CaseVerdict(msgspec.Struct):
    number: str
    status: str
    code: str
    corrects: str | None
    download: str


class PanelSeat(msgspec.Struct):
    seat_id: int
    name: str
    role: str
    is_chair: bool


class PanelGroup(msgspec.Struct):
    label: str
    seated: bool
    awaiting: int
    seats: list[PanelSeat]


class Complainant(msgspec.Struct):
    name: str | None
    phone: str | None


class FileConsent(msgspec.Struct):
    party: Literal["complainant", "liaison"]
    at: str


class CaseFileEntry(msgspec.Struct):
    """An entry of the case file beyond the complaint and the reply (today: mediation content both parties
    consented to put in the file, source「调解中经双方同意入卷的内容」)."""

    id: int
    source: str
    source_label: str
    title: str
    body: str
    sha256: str
    added_at: str
    consents: list[FileConsent]


class CaseDetail(msgspec.Struct):
    case_number: str
    status: str
    category: str | None
    district: str | None
    channel: str | None
    received_at: str
    content: str | None
    reply: str | None
    status_reason: str | None
    timeline: list[TimelineStep]
    panels: list[PanelGroup]
    complainant: Complainant | Unset = UNSET
    redo_deadline: str | Unset = UNSET
    redo_deadline_provisional: bool | Unset = UNSET
    verdict: CaseVerdict | Unset = UNSET
    case_file: list[CaseFileEntry] = []


class Screening(msgspec.Struct):
    decision: Literal["accept", "dismiss"]
    reason: Text | None = None


class Convened(msgspec.Struct):
    panel_id: int
    status: str


class PulledRuling(msgspec.Struct):
    grade: str
    grade_label: str
    ruling_text: str
    total: Any
    reasoning: str | None
    redo_deadline: str | None
    redo_deadline_provisional: bool
    issued_at: str | None


class PulledVerdict(msgspec.Struct):
    number: str
    status: str
    code: str
    verify_url: str
    public_pdf: str | None


class PushedCase(msgspec.Struct):
    case_number: str
    source_ref: str | None
    status: str
    status_label: str
    status_reason: str | None
    ruling: PulledRuling | None
    verdict: PulledVerdict | None


class Department(msgspec.Struct):
    code: str
    name: str
    level: str | None


@operation(responses={200: Token})
async def track(request: Request, body: TrackLogin) -> Token:
    """
    summary: 诉求人以受理编号和提取码换取仅限本案的令牌
    """
    actor = await tracking.open_case(case_number=body.case_number, access_code=body.access_code,
                                     client=client_address(request))
    return Token(token=await auth.issue_token(actor))


@operation(responses={201: Intake, 200: Intake})
async def intake(request: Request, body: IntakeBody) -> Reply:
    """
    summary: 热线平台推送一件不满意诉求（按 source_ref 幂等）
    """
    # The body as sent (not as decoded): the same payload is recognised by the hash of what the client sent.
    payload = msgspec.json.decode(await request.body())
    result = await cases.intake_case(payload=payload, actor=request.state.actor)
    reply = Intake(case_number=result.case_number, status=result.status, access_code=result.access_code or UNSET)
    return Reply(201 if result.created else 200, reply)


@operation(responses={200: list[CaseRow]})
async def list_cases(request: Request, query: CaseListQuery) -> Response:
    """
    summary: 当前用户可见的案件（游标分页：下一页的游标在 X-Next-Cursor 头中，最后一页没有；limit 最多 200）
    """
    if not 1 <= query.limit <= queries.MAX_PER_PAGE:
        raise Invalid("invalid_field", f"limit 应为 1 至 {queries.MAX_PER_PAGE}", field="limit")
    filters = await queries.checked_filters({
        "status": query.status, "department": query.department, "district": query.district,
        "category": query.category, "channel": query.channel, "from": query.received_from, "to": query.received_to,
        "overdue": query.overdue, "member": query.member, "sort": query.sort, "q": query.q})
    page = await queries.case_page(request.state.actor, filters, cursor=query.cursor or None, limit=query.limit,
                                   counts=False)
    rows = [CaseRow(case_number=r.number, status=r.status, category=r.category, district=r.district,
                    department_code=r.department_code, channel=r.channel, received_at=r.received_at.isoformat(),
                    due=r.due.isoformat() if r.due else None) for r in page.items]
    response = encode(rows, list[CaseRow])
    if page.next_cursor:
        response.headers["X-Next-Cursor"] = page.next_cursor
        response.headers["Link"] = f'<?{filters.query_string(cursor=page.next_cursor, limit=str(query.limit))}>; rel="next"'
    return response


@operation(responses={200: CaseDetail})
async def case_detail(request: Request) -> dict[str, Any]:
    """
    summary: 案件详情与全部办理环节
    """
    actor = request.state.actor
    case = await visible_case(actor, request.path_params["number"])
    body = queries.case_summary(case, with_personal_data=actor.kind in {"office", "complainant"})
    # The timeline from the row `visible_case` read: its reasons are masked for those who may not see them.
    body["timeline"] = [{"at": s.at.isoformat(), "step": s.what, "by": s.by, "status": s.status, "reason": s.reason}
                        for s in tracking.steps(json.loads(case["events_json"]))]
    if case["ruling_redo_deadline"]:
        body["redo_deadline"] = case["ruling_redo_deadline"].isoformat()
        body["redo_deadline_provisional"] = bool(case["ruling_redo_deadline_provisional"])
    verdict = await verdicts.for_case(case["id"])
    if verdict:
        body["verdict"] = {"number": verdict["number"], "status": verdict["status"], "code": verdict["code"],
                           "corrects": case["verdict_corrects"], "download": f"/api/v1/cases/{case['number']}/verdict.pdf"}
    # The panels as the case page shows them to this actor (parties: accepted members only).
    body["panels"] = [{"label": g.label, "seated": g.seated, "awaiting": g.awaiting,
                       "seats": [{"seat_id": s.id, "name": s.name, "role": s.role, "is_chair": s.is_chair}
                                 for s in g.seats]}
                      for g in panel_groups(actor, json.loads(case["seats_json"]))]
    body["case_file"] = [{"id": f.id, "source": f.source, "source_label": f.source_label, "title": f.title,
                          "body": f.body, "sha256": f.sha256, "added_at": f.added_at.isoformat(),
                          "consents": [{"party": c["party"], "at": c["at"].isoformat()} for c in f.consents]}
                         for f in await case_file(actor, case["id"])]
    return body


@operation(responses={200: Status})
async def screen(request: Request, body: Screening) -> Status:
    """
    summary: 评议办审查：accept 立案评议，dismiss 不予评议（须说明理由）
    """
    status = await cases.screen_case(number=request.path_params["number"], actor=request.state.actor,
                                     accept=body.decision == "accept", reason=body.reason or "")
    return Status(status=status)


@operation(responses={201: Convened})
async def convene(request: Request) -> Convened:
    """
    summary: 按组成模板随机抽取评议组
    """
    panel_id = await convene_panel(number=request.path_params["number"], actor=request.state.actor)
    return Convened(panel_id=panel_id, status="panel_ready")


@operation(responses={200: Status})
async def close(request: Request) -> Status:
    """办结：已作出评议结论的案件办结"""
    return Status(status=await cases.close_case(number=request.path_params["number"], actor=request.state.actor))


async def _end(request: Request, action: Action, reason: str | None) -> Status:
    return Status(status=await cases.end_case(number=request.path_params["number"], actor=request.state.actor,
                                                  action=action, reason=reason or ""))


@operation(responses={200: Status})
async def withdraw(request: Request, body: Reason) -> Status:
    """撤回：案件在作出评议结论前撤回（须说明理由）"""
    return await _end(request, Action.withdraw, body.reason)


@operation(responses={200: Status})
async def settle(request: Request, body: Reason) -> Status:
    """调解结案：调解达成协议后结案（须说明理由）"""
    return await _end(request, Action.settle, body.reason)


@operation(responses={}, files={200: "application/pdf"})
async def verdict_pdf(request: Request) -> Response:
    """下载本案评议意见书（完整版 PDF），限本案当事人与评议办"""
    path, code = await verdicts.full_pdf(actor=request.state.actor, number=request.path_params["number"])
    return FileResponse(path, media_type="application/pdf", filename=f"verdict-{code}.pdf")


@operation(responses={200: PushedCase})
async def pushed_ruling(request: Request) -> dict[str, Any]:
    """热线平台取回本平台推送案件的状态、评议结论与评议意见书（按 source_ref 或受理编号）"""
    return await ruling_pull.ruling_for_client(ref=request.path_params["number"], actor=request.state.actor)


@operation(responses={}, files={200: "application/pdf"})
async def reissue_access_code(request: Request) -> Response:
    """评议办重新生成提取码（原提取码立即失效），返回给诉求人的提取码通知单 PDF（仅此一次）"""
    number = request.path_params["number"]
    return access_notice.download(await tracking.reissue_access_code(number=number, actor=request.state.actor),
                                  number)


@operation(responses={200: Status})
async def revoke_token(request: Request) -> Status:
    """注销所出示的令牌（与网页退出登录相同）"""
    token = bearer_token(request)
    if token:
        await auth.revoke_token(token)
    return Status(status="revoked")


@operation(responses={200: list[Department]})
async def list_departments(request: Request) -> list[dict[str, Any]]:
    """
    summary: 部门列表
    """
    return await queries.departments()


@operation(responses={200: dict[str, Any]})
async def openapi(request: Request) -> dict[str, Any]:
    """本 API 的 OpenAPI 3.1 文档（由路由表与各操作声明的类型生成）"""
    return openapi_document.document(request.app.routes)


routes = [
    route("/auth/logout", revoke_token, PUBLIC, methods=["POST"]),
    route("/track", track, PUBLIC, methods=["POST"]),
    route("/cases", intake, HOTLINE, methods=["POST"]),
    route("/cases", list_cases, STAFF, name="api_cases"),
    route("/cases/{number}", case_detail, CASE_PARTY),
    route("/cases/{number}/screen", screen, OFFICE, methods=["POST"]),
    route("/cases/{number}/panel", convene, OFFICE, methods=["POST"]),
    route("/cases/{number}/close", close, OFFICE, methods=["POST"]),
    route("/cases/{number}/withdraw", withdraw, OFFICE, methods=["POST"]),
    route("/cases/{number}/settle", settle, OFFICE, methods=["POST"]),
    route("/cases/{number}/access-code", reissue_access_code, OFFICE, methods=["POST"]),
    route("/cases/{number}/verdict.pdf", verdict_pdf, CASE_PARTY),
    route("/cases/{number}/ruling", pushed_ruling, HOTLINE),
    route("/departments", list_departments, STAFF_OR_HOTLINE),
    route("/openapi.json", openapi, PUBLIC, name="openapi"),
]
