"""JSON twins of the redo order (整改) pages, mounted under /api/v1: the office's and a liaison's list, a case's
order with its files, a file's download, and the order's moves (report, with files when sent as multipart;
accept, return, the complainant's feedback). Each parses, calls one service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from review.assessments import redo
from review.assessments.services import redo as orders
from review.core.actors import CASE_PARTY, COMPLAINANT, LIAISON, Policy
from review.core.api.contract import MULTIPART, Reason, Status, Text, operation
from review.core.web.downloads import attachment
from review.core.web.forms import read_form
from review.core.web.guard import PolicyRoute, route
from review.core.web.uploads import received_files

OFFICE_OR_LIAISON = Policy("office_or_liaison", frozenset({"office", "liaison"}))
DECIDER = Policy("office_or_chair", frozenset({"office", "member"}))  # the service admits only the panel's chair


class RedoFileShown(msgspec.Struct):
    id: int
    report_round: int  # the report it came with: 1, then 2 after the first return, …
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    download: str


class RedoOrderShown(msgspec.Struct):
    case_number: str
    department_name: str
    state: str
    state_label: str
    actions: list[str]
    deadline: date
    deadline_provisional: bool
    overdue: bool
    days_over: int
    opened_at: datetime
    statement: str
    reported_at: datetime | None
    return_reason: str
    returned_count: int
    decided_at: datetime | None
    feedback: str
    feedback_label: str
    void_reason: str
    files: list[RedoFileShown]


class RedoOrderList(msgspec.Struct):
    items: list[RedoOrderShown]


class ListQuery(msgspec.Struct):
    state: Text | None = None
    overdue: bool | None = None


class ReportBody(msgspec.Struct):
    statement: Text | None = None


REPORT_UPLOAD: dict[str, Any] = {
    "type": "object",
    "properties": {
        "statement": {"type": "string"},
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": redo.FILES_MOST},
    },
    "required": ["statement"],
}


class FeedbackBody(msgspec.Struct):
    answer: Text | None = None  # solved / unsolved
    note: Text | None = None


def shown(view: orders.OrderView) -> RedoOrderShown:
    return RedoOrderShown(
        case_number=view.case_number, department_name=view.department_name, state=view.state,
        state_label=view.state_label, actions=list(view.actions), deadline=view.deadline,
        deadline_provisional=view.deadline_provisional, overdue=view.overdue, days_over=view.days_over,
        opened_at=view.opened_at, statement=view.statement, reported_at=view.reported_at,
        return_reason=view.return_reason, returned_count=view.returned_count, decided_at=view.decided_at,
        feedback=view.feedback, feedback_label=view.feedback_label, void_reason=view.void_reason,
        files=[RedoFileShown(id=f.id, report_round=f.report_round, filename=f.filename, content_type=f.content_type,
                             size=f.size, sha256=f.sha256, uploaded_at=f.uploaded_at,
                             download=f"/api/v1/cases/{view.case_number}/redo-order/files/{f.id}")
               for f in view.files])


@operation(responses={200: RedoOrderList})
async def list_orders(request: Request, query: ListQuery) -> RedoOrderList:
    """
    summary: 整改单列表（评议办看全部，联络员只看本部门），逾期在前；可按 state（open / reported / accepted / void）与
      overdue 筛选
    """
    views = await orders.listing(actor=request.state.actor, state=query.state, overdue=query.overdue)
    return RedoOrderList(items=[shown(v) for v in views])


@operation(responses={200: RedoOrderShown})
async def case_order(request: Request) -> RedoOrderShown:
    """
    summary: 本案的整改单（评议办、承办部门联络员、评议组组长、诉求人可见），含期限与逾期工作日数
    """
    return shown(await orders.for_case(number=request.path_params["number"], actor=request.state.actor))


@operation(responses={200: Status}, uploads={MULTIPART: REPORT_UPLOAD})
async def report(request: Request, body: ReportBody | None) -> Status:
    """
    summary: 承办部门联络员报告整改完成（须填写整改情况说明 statement；可附文件）
    description: JSON（只有 statement），或 multipart（statement 字段与至多 5 个 files 文件：PDF、JPEG、PNG、DOCX 或
      XLSX，每个不超过 10 MB，类型以文件内容核对）。任一文件不被接受则整份报告不保存。
    """
    if body is None:
        form = await read_form(request)
        statement = str(form.get("statement", ""))
        files = await received_files(form, "files", max_bytes=redo.FILE_MAX_BYTES)
    else:
        statement, files = body.statement or "", []
    state = await orders.report_done(number=request.path_params["number"], actor=request.state.actor,
                                     statement=statement, files=files)
    return Status(status=state)


@operation(responses={}, files={200: redo.FILE_MEDIA_TYPES})
async def download_file(request: Request) -> Response:
    """
    summary: 下载整改附件（可见本整改单者：评议办、承办部门联络员、评议组组长、诉求人），以附件形式发送
    """
    found = await orders.file_for(number=request.path_params["number"], file_id=request.path_params["file_id"],
                                  actor=request.state.actor)
    return attachment(found.content, media_type=found.content_type, filename=found.filename,
                      fallback=orders.fallback_name(found))


@operation(responses={200: Status})
async def accept(request: Request) -> Status:
    """
    summary: 评议办或评议组组长验收已报告完成的整改
    """
    return Status(status=await orders.accept(number=request.path_params["number"], actor=request.state.actor))


@operation(responses={200: Status})
async def send_back(request: Request, body: Reason) -> Status:
    """
    summary: 评议办或评议组组长退回整改（须说明理由；回到待整改，期限不变）
    """
    state = await orders.send_back(number=request.path_params["number"], actor=request.state.actor,
                                   reason=body.reason or "")
    return Status(status=state)


@operation(responses={200: Status})
async def feedback(request: Request, body: FeedbackBody) -> Status:
    """
    summary: 诉求人评价整改结果（answer 为 solved 或 unsolved，可附 note；每案一次，须在部门报告完成后）
    """
    answer = await orders.give_feedback(number=request.path_params["number"], actor=request.state.actor,
                                        answer=body.answer or "", note=body.note or "")
    return Status(status=answer)


routes: list[PolicyRoute] = [
    route("/redo-orders", list_orders, OFFICE_OR_LIAISON),
    route("/cases/{number}/redo-order", case_order, CASE_PARTY),
    route("/cases/{number}/redo-order/report", report, LIAISON, methods=["POST"], body_limit=redo.REPORT_BODY_LIMIT),
    route("/cases/{number}/redo-order/files/{file_id:int}", download_file, CASE_PARTY),
    route("/cases/{number}/redo-order/accept", accept, DECIDER, methods=["POST"]),
    route("/cases/{number}/redo-order/return", send_back, DECIDER, methods=["POST"]),
    route("/cases/{number}/redo-order/feedback", feedback, COMPLAINANT, methods=["POST"]),
]
