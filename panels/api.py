"""JSON endpoints of the panels area, mounted under /api/v1: the same services and checks as the pages
(rounds and draw records are review.convening.api's)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from panels import queries
from panels.services import challenges, invitations
from panels.services import roster as roster_service
from panels.services import roster_import as import_jobs
from panels.services import templates as composition
from review.core.actors import MEMBER, OFFICE, PARTY
from review.core.api.contract import (
    MULTIPART,
    UNSET,
    UPLOAD_SCHEMA,
    Reason,
    Reply,
    Status,
    Text,
    Unset,
    encode,
    operation,
    plain,
    sent,
)
from review.core.errors import NotFound
from review.core.web.forms import read_form
from review.core.web.guard import route
from review.core.web.uploads import saved_upload

Row = dict[str, Any]
Names = list[Text] | Text


class RosterQuery(msgspec.Struct):
    role: Text = ""
    district: Text = ""
    q: Text = ""
    page: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1


class RosterEntry(msgspec.Struct):
    id: int
    name: str
    role: str
    district: str
    community: str | None
    employer: str | None
    affiliations: list[str]
    expertise: list[str]
    active: bool
    max_panels: int
    has_account: bool
    load: int


class RosterPage(msgspec.Struct):
    members: list[RosterEntry]
    total: int
    page: int
    pages: int


class ImportRow(msgspec.Struct):
    row: int
    ok: bool
    message: str


class ImportReport(msgspec.Struct):
    imported: int
    rows: list[ImportRow]


class RefusedRow(msgspec.Struct):
    row: int
    message: str


class ImportProgress(msgspec.Struct):
    """An import run by a job: how far it has read, and once finished what it imported and refused."""

    id: int
    kind: str
    kind_label: str
    status: str
    finished: bool
    rows_read: int
    imported: int
    total: int | None
    refused: int
    rows: list[RefusedRow]
    error: Any
    created_at: str
    finished_at: str | None


class Member(msgspec.Struct):
    """A roster entry with the member's declarations (periods as [{"from", "to"}])."""

    id: int
    user: int | None
    name: str
    role: str
    district: str
    community: str | None
    employer: str | None
    affiliations: list[str]
    organisations: list[str]
    expertise: list[str]
    unavailable: list[dict[str, Any]]
    active: bool
    max_panels: int
    declared_at: str | None


class Template(msgspec.Struct):
    id: int
    name: str
    category: str
    version: int
    seats: dict[str, int]
    chair_roles: list[str]
    prefer_local_residents: bool
    reply_days: int
    current: bool
    created_at: str | None


class Invitation(msgspec.Struct):
    id: int
    status: str
    role: str
    is_chair: bool
    reply_by: str | None
    reply_by_provisional: bool
    invited_at: str | None
    number: str
    category: str | None
    district: str | None
    department_name: str | None


class EndedSeat(msgspec.Struct):
    id: int
    status: str
    role: str
    reason: str | None
    number: str
    category: str | None
    district: str | None
    case_status: str
    notice: str


class PendingChallenge(msgspec.Struct):
    id: int
    raised_by: str
    reason: str
    raised_at: str | None
    role: str
    member_name: str
    number: str


class MemberChange(msgspec.Struct):
    """The fields of a roster entry the office changes; those not sent keep their value."""

    name: Text | Unset = UNSET
    role: Text | Unset = UNSET
    district: Text | Unset = UNSET
    community: Text | None | Unset = UNSET
    employer: Text | None | Unset = UNSET
    affiliations: Names | None | Unset = UNSET
    organisations: Names | None | Unset = UNSET
    expertise: Names | None | Unset = UNSET
    max_panels: int | Text | Unset = UNSET
    active: bool | Text | Unset = UNSET


class Period(msgspec.Struct):
    start: Text = msgspec.field(name="from")
    end: Text = msgspec.field(name="to")


class Declaration(msgspec.Struct):
    """A member's own declarations; those not sent keep their value."""

    employer: Text | None | Unset = UNSET
    affiliations: Names | None | Unset = UNSET
    organisations: Names | None | Unset = UNSET
    expertise: Names | None | Unset = UNSET
    unavailable: list[Period] | Text | None | Unset = UNSET


class TemplateDraft(msgspec.Struct):
    name: Text | None = None
    category: Text | None = None
    seats: dict[str, int | Text | None] | None = None
    chair_roles: list[Text] | None = None
    prefer_local_residents: bool = False
    reply_days: int | Text | None = None


class Invitations(msgspec.Struct):
    invitations: list[Invitation]
    ended: list[EndedSeat]
    load: int
    max_panels: int


class Answer(msgspec.Struct):
    answer: Text = ""
    reason: Text | None = None
    kind: Text | None = None


class ChallengeRaised(msgspec.Struct):
    challenge_id: int
    status: str


class ChallengeDecision(msgspec.Struct):
    uphold: bool = False
    reason: Text | None = None


@operation(responses={200: RosterPage})
async def roster(request: Request, query: RosterQuery) -> Row:
    """
    summary: 评议员库（可按角色、区域、姓名或单位筛选，分页）
    """
    page = await queries.roster_page(role=query.role, district=query.district, search=query.q.strip(),
                                     page=query.page)
    return {**page, "members": [plain(m) for m in page["members"]]}


@operation(responses={201: ImportReport, 202: ImportProgress, 422: ImportReport}, uploads={MULTIPART: UPLOAD_SCHEMA})
async def roster_import(request: Request) -> Reply | Response:
    """
    summary: 导入评议员（multipart 字段 file，CSV 或 XLSX；任何一行有误则整批不导入；大文件由后台任务导入，答 202 及进度地址）
    """
    form = await read_form(request)
    path = await saved_upload(form.get("file"), (".csv", ".xlsx"))
    try:
        if import_jobs.is_large(path):
            job_id = await import_jobs.start(kind="roster", path=path, actor=request.state.actor)
            progress = await import_jobs.progress(job_id=job_id, actor=request.state.actor)
            accepted = encode(progress, ImportProgress, 202)
            accepted.headers["location"] = f"/api/v1/imports/{job_id}"
            return accepted
        report = await roster_service.import_roster(path=path, actor=request.state.actor)
    finally:
        path.unlink(missing_ok=True)
    body = ImportReport(imported=report.imported,
                        rows=[ImportRow(row=r.row, ok=r.ok, message=r.message) for r in report.rows])
    return Reply(201 if report.imported else 422, body)


async def _member(member_id: int) -> Row:
    found = await queries.member_detail(member_id)
    if found is None:
        raise NotFound("member_not_found", "评议员不存在")
    return plain(found)


@operation(responses={200: ImportProgress})
async def import_progress(request: Request) -> Row:
    """
    summary: 后台导入任务的进度（已读行数、状态，完成后附结果）
    """
    return await import_jobs.progress(job_id=request.path_params["job_id"], actor=request.state.actor)


@operation(responses={200: Member})
async def member(request: Request) -> Row:
    """
    summary: 一名评议员的信息
    """
    return await _member(request.path_params["member_id"])


@operation(responses={200: Member})
async def member_update(request: Request, body: MemberChange) -> Row:
    """
    summary: 修改评议员信息（评议办）
    """
    await roster_service.update_member(member_id=request.path_params["member_id"], actor=request.state.actor,
                                       fields=sent(body))
    return await _member(request.path_params["member_id"])


async def _declarations(request: Request) -> Row:
    own = await roster_service.own_member(request.state.actor)
    return plain(await queries.member_detail(own["id"]) or {})


@operation(responses={200: Member})
async def declarations(request: Request) -> Row:
    """
    summary: 本人申报（评议员）
    """
    return await _declarations(request)


@operation(responses={200: Member})
async def declare(request: Request, body: Declaration) -> Row:
    """
    summary: 更新本人申报：工作单位、关联部门与组织、专业领域、不能参加评议的时段
    """
    await roster_service.declare(actor=request.state.actor, fields=sent(body))
    return await _declarations(request)


@operation(responses={200: list[Template]})
async def templates(request: Request) -> list[Row]:
    """
    summary: 评议组组成模板的全部版本
    """
    return [plain(t) for t in await composition.all_templates()]


@operation(responses={201: Template})
async def template_save(request: Request, body: TemplateDraft) -> Row:
    """
    summary: 新建或修改组成模板（保存为新版本）
    """
    template_id = await composition.save_template(actor=request.state.actor, fields=sent(body))
    return plain(await composition.template_by_id(template_id))


@operation(responses={200: Invitations})
async def my_invitations(request: Request) -> Row:
    """
    summary: 本人收到的评议邀请与在评数量；ended 为因案件结束而撤回或解散的席位及通知
    """
    actor = request.state.actor
    return {"invitations": [plain(s) for s in await invitations.my_invitations(actor)],
            "ended": [plain(s) for s in await invitations.ended_invitations(actor)],
            **await invitations.member_load(actor)}


@operation(responses={200: Status})
async def answer(request: Request, body: Answer) -> Status:
    """
    summary: 答复邀请：answer 为 accept、decline（须说明理由）或 recuse（须选择原因类别 kind 并说明）
    """
    status = await invitations.answer_invitation(
        seat_id=request.path_params["seat_id"], actor=request.state.actor, answer=body.answer,
        reason=body.reason or "", kind=body.kind or "")
    return Status(status=status)


@operation(responses={201: ChallengeRaised})
async def challenge(request: Request, body: Reason) -> ChallengeRaised:
    """
    summary: 当事人（诉求人或承办部门）申请某位评议员回避
    """
    challenge_id = await challenges.raise_challenge(seat_id=request.path_params["seat_id"],
                                                    actor=request.state.actor, reason=body.reason or "")
    return ChallengeRaised(challenge_id=challenge_id, status="pending")


@operation(responses={200: list[PendingChallenge]})
async def pending(request: Request) -> list[Row]:
    """
    summary: 待决定的回避申请
    """
    return [plain(c) for c in await challenges.pending_challenges()]


@operation(responses={200: Status})
async def decide(request: Request, body: ChallengeDecision) -> Status:
    """
    summary: 决定回避申请：uphold 为 true 则回避并另行抽取
    """
    status = await challenges.decide_challenge(challenge_id=request.path_params["challenge_id"],
                                               actor=request.state.actor, uphold=body.uphold,
                                               reason=body.reason or "")
    return Status(status=status)


routes = [
    route("/roster", roster, OFFICE),
    route("/roster/import", roster_import, OFFICE, methods=["POST"]),
    route("/imports/{job_id:int}", import_progress, OFFICE),
    route("/roster/{member_id:int}", member, OFFICE),
    route("/roster/{member_id:int}", member_update, OFFICE, methods=["POST"]),
    route("/me/declarations", declarations, MEMBER),
    route("/me/declarations", declare, MEMBER, methods=["POST"]),
    route("/templates", templates, OFFICE),
    route("/templates", template_save, OFFICE, methods=["POST"]),
    route("/invitations", my_invitations, MEMBER),
    route("/invitations/{seat_id:int}", answer, MEMBER, methods=["POST"]),
    route("/seats/{seat_id:int}/challenges", challenge, PARTY, methods=["POST"]),
    route("/challenges", pending, OFFICE),
    route("/challenges/{challenge_id:int}/decision", decide, OFFICE, methods=["POST"]),
]
