"""JSON twins of publication's pages, mounted under /api/v1: the published rulings (anyone), the complainant's
answer with their case's token, the office's hold-back. Every public answer passes the leak gate before it
leaves."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from starlette.requests import Request

from review.cases.queries.visibility import visible_case
from review.core.actors import COMPLAINANT, OFFICE, PUBLIC
from review.core.api.contract import Reason, Status, Text, number_param, operation
from review.core.errors import NotFound
from review.core.web.guard import route
from review.publication import queries, rules
from review.publication import services as publication


class ScoreRow(msgspec.Struct):
    code: str
    name: str
    weight: float
    mean: float
    scale_max: int


class PublicRuling(msgspec.Struct):
    """One published ruling: masked summary and reasoning, the score table, the criteria version, the verdict's
    public PDF and its verification."""

    id: int
    verdict_number: str
    department: str
    category: str
    district: str
    grade: str
    grade_label: str
    total: float
    summary: str
    reply: str
    reasoning: str
    scores: list[ScoreRow]
    criteria_name: str
    criteria_version: int
    criteria_hash: str
    issued_on: date | None
    published_at: datetime | None
    public_pdf: str
    verification: str


class RulingList(msgspec.Struct):
    rulings: list[PublicRuling]
    next_cursor: str | None
    held_back: int  # rulings the office holds back, published as a count


class RulingQuery(msgspec.Struct):
    department: Text | None = None  # department code
    category: Text | None = None
    district: Text | None = None
    grade: Text | None = None  # proper / basic / improper
    since: Text | None = None  # YYYY-MM-DD, the verdict's date
    until: Text | None = None
    q: Text | None = None  # keyword in the summary or the reasoning
    cursor: Text | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = queries.PAGE_SIZE


class ConsentAnswer(msgspec.Struct):
    answer: str  # granted / refused


class ConsentEntry(msgspec.Struct):
    answer: str
    answer_label: str
    channel: str
    answered_at: datetime


class Preview(msgspec.Struct):
    """What will be published, exactly as it would appear (the summary alone before the ruling)."""

    summary: str
    ruling: PublicRuling | None


class ConsentState(msgspec.Struct):
    case_number: str
    answer: str | None
    answer_label: str
    may_change: bool
    closed_because: str | None
    published: bool
    not_published_because: str | None
    history: list[ConsentEntry]
    preview: Preview


def _ruling(ruling_id: int, content: queries.PublicContent, published_at: datetime | None) -> PublicRuling:
    return PublicRuling(
        id=ruling_id, verdict_number=content.verdict_number, department=content.department_name,
        category=content.category, district=content.district, grade=content.grade, grade_label=content.grade_label,
        total=content.total, summary=content.summary, reply=content.reply, reasoning=content.reasoning,
        scores=[ScoreRow(s.code, s.name, s.weight, s.mean, s.scale_max) for s in content.scores],
        criteria_name=content.criteria_name, criteria_version=content.criteria_version,
        criteria_hash=content.criteria_hash, issued_on=content.issued_on, published_at=published_at,
        public_pdf=f"/verify/{content.verdict_code}/public.pdf", verification=f"/verify/{content.verdict_code}")


@operation(responses={200: RulingList})
async def list_rulings(request: Request, query: RulingQuery) -> RulingList:
    """
    summary: 公开的评议结论（任何人），最新的在前，可按承办部门代码、类别、区域、评议结论、时间段（意见书日期）和关键词筛选，按 cursor 翻页
    """
    filters = queries.parse_filters({"department": query.department, "category": query.category,
                                     "district": query.district, "grade": query.grade, "since": query.since,
                                     "until": query.until, "q": query.q})
    page = await queries.search(filters, cursor=query.cursor, limit=query.limit)
    return RulingList(rulings=[_ruling(p.id, p.content, p.published_at) for p in await publication.passing_gate(page.items)],
                      next_cursor=page.next_cursor, held_back=page.held)


@operation(responses={200: PublicRuling})
async def one_ruling(request: Request) -> PublicRuling:
    """
    summary: 一件公开的评议结论（任何人）；未公开或已撤销的同样答复 404
    """
    found = await queries.one(number_param(request.path_params["ruling_id"], "ruling_id") or 0)
    if not await publication.passing_gate([found]):
        raise NotFound("ruling_not_found", "未找到该公开的评议结论")
    return _ruling(found.id, found.content, found.published_at)


def _state(number: str, view: queries.ConsentView) -> ConsentState:
    ruling = _ruling(0, view.preview, None) if view.preview else None
    return ConsentState(
        case_number=number, answer=view.answer, answer_label=view.answer_label,
        may_change=view.closed_because is None, closed_because=view.closed_because, published=view.published,
        not_published_because=view.why_not,
        history=[ConsentEntry(h["answer"], rules.ANSWERS.get(h["answer"], h["answer"]), h["channel"],
                              h["answered_at"]) for h in view.history],
        preview=Preview(summary=view.summary_preview, ruling=ruling))


async def _complainant_case(request: Request) -> dict[str, Any]:
    return await visible_case(request.state.actor, request.path_params["number"])


@operation(responses={200: ConsentState})
async def consent_state(request: Request) -> ConsentState:
    """
    summary: 诉求人对公开的意见及将公开内容的预览（持本案令牌的诉求人）
    description: 公开须经诉求人单独同意；未答复的不公开。评议结论公开前可随时更改。
    """
    case = await _complainant_case(request)
    return _state(case["number"], await queries.consent_view(actor=request.state.actor))


@operation(responses={200: ConsentState})
async def give_consent(request: Request, body: ConsentAnswer) -> ConsentState:
    """
    summary: 诉求人同意（granted）或不同意（refused）公开本案评议结论；公开前可以更改
    """
    case = await _complainant_case(request)
    await publication.record_consent(actor=request.state.actor, answer=body.answer, channel="api")
    return _state(case["number"], await queries.consent_view(actor=request.state.actor))


@operation(responses={200: Status})
async def hold_back(request: Request, body: Reason) -> Status:
    """
    summary: 评议办暂不公开本案评议结论（须说明理由；已公开的随即撤下）；公开页面只显示暂不公开的件数
    """
    status = await publication.hold_back(number=request.path_params["number"], actor=request.state.actor,
                                         reason=body.reason or "")
    return Status(status=status)


@operation(responses={200: Status})
async def release_hold(request: Request) -> Status:
    """
    summary: 评议办恢复公开本案评议结论（诉求人同意的即公开）
    """
    status = await publication.release_hold(number=request.path_params["number"], actor=request.state.actor)
    return Status(status=status)


@operation(responses={200: Status})
async def recheck(request: Request) -> Status:
    """
    summary: 评议办核查公开前检查的拦截记录后重新检查本案（拦截记录随之结清，再经检查后公开）
    """
    status = await publication.recheck(number=request.path_params["number"], actor=request.state.actor)
    return Status(status=status)


routes = [
    route("/public/rulings", list_rulings, PUBLIC),
    route("/public/rulings/{ruling_id}", one_ruling, PUBLIC),
    route("/cases/{number}/publication", consent_state, COMPLAINANT),
    route("/cases/{number}/publication/consent", give_consent, COMPLAINANT, methods=["POST"]),
    route("/cases/{number}/publication/hold", hold_back, OFFICE, methods=["POST"]),
    route("/cases/{number}/publication/release", release_hold, OFFICE, methods=["POST"]),
    route("/cases/{number}/publication/recheck", recheck, OFFICE, methods=["POST"]),
]
