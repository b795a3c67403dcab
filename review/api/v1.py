"""JSON endpoints: each parses input, calls one service, returns JSON."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from review import access_notice, auth, cases, queries, ruling_pull, tracking, verdicts
from review.actors import CASE_PARTY, HOTLINE, OFFICE, PUBLIC, STAFF, STAFF_OR_HOTLINE
from review.api import openapi as openapi_document
from review.api.common import json_body, json_object
from review.assessments import assessments
from review.case_view import panel_groups
from review.convening import convene_panel
from review.errors import Invalid
from review.lifecycle import Action
from review.visibility import visible_case
from review.web.client_address import client_address
from review.web.guard import bearer_token, route


async def create_token(request: Request) -> Response:
    """
    summary: 以用户名和密码换取 API 令牌
    """
    body = await json_object(request)
    actor = await auth.log_in(username=str(body.get("username", "")), password=str(body.get("password", "")),
                              client=client_address(request))
    # Named on the token list: the label the client gave, else its User-Agent.
    client = str(body.get("label") or request.headers.get("user-agent", ""))
    return JSONResponse({"token": await auth.issue_token(actor, client=client)})


async def track(request: Request) -> Response:
    """
    summary: 诉求人以受理编号和提取码换取仅限本案的令牌
    """
    body = await json_object(request)
    actor = await tracking.open_case(case_number=str(body.get("case_number", "")),
                                     access_code=str(body.get("access_code", "")), client=client_address(request))
    return JSONResponse({"token": await auth.issue_token(actor)})


async def intake(request: Request) -> Response:
    """
    summary: 热线平台推送一件不满意诉求（按 source_ref 幂等）
    """
    result = await cases.intake_case(payload=await json_body(request), actor=request.state.actor)
    body: dict[str, Any] = {"case_number": result.case_number, "status": result.status}
    if result.access_code:
        body["access_code"] = result.access_code
    return JSONResponse(body, status_code=201 if result.created else 200)


async def list_cases(request: Request) -> Response:
    """
    summary: 当前用户可见的案件
    """
    rows = await queries.case_list(request.state.actor, status=request.query_params.get("status"))
    return JSONResponse([{"case_number": r["number"], "status": r["status"], "category": r["category"],
                          "district": r["district"], "department_code": r["department_code"]} for r in rows])


async def case_detail(request: Request) -> Response:
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
    return JSONResponse(body)


async def screen(request: Request) -> Response:
    """
    summary: 评议办审查：accept 立案评议，dismiss 不予评议（须说明理由）
    """
    body = await json_object(request)
    decision = body.get("decision")
    if decision not in ("accept", "dismiss"):
        raise Invalid("invalid_field", "decision 应为 accept 或 dismiss", field="decision")
    status = await cases.screen_case(number=request.path_params["number"], actor=request.state.actor,
                                     accept=decision == "accept", reason=str(body.get("reason") or ""))
    return JSONResponse({"status": status})


async def convene(request: Request) -> Response:
    """
    summary: 按组成模板随机抽取评议组
    """
    panel_id = await convene_panel(number=request.path_params["number"], actor=request.state.actor)
    return JSONResponse({"panel_id": panel_id, "status": "panel_ready"}, status_code=201)


async def close(request: Request) -> Response:
    """办结：已作出评议结论的案件办结"""
    status = await cases.close_case(number=request.path_params["number"], actor=request.state.actor)
    return JSONResponse({"status": status})


async def _end(request: Request, action: Action) -> Response:
    body = await json_object(request)
    status = await cases.end_case(number=request.path_params["number"], actor=request.state.actor, action=action,
                                  reason=str(body.get("reason") or ""))
    return JSONResponse({"status": status})


async def withdraw(request: Request) -> Response:
    """撤回：案件在作出评议结论前撤回（须说明理由）"""
    return await _end(request, Action.withdraw)


async def settle(request: Request) -> Response:
    """调解结案：调解达成协议后结案（须说明理由）"""
    return await _end(request, Action.settle)


async def verdict_pdf(request: Request) -> Response:
    """下载本案评议意见书（完整版 PDF），限本案当事人与评议办"""
    path, code = await verdicts.full_pdf(actor=request.state.actor, number=request.path_params["number"])
    return FileResponse(path, media_type="application/pdf", filename=f"verdict-{code}.pdf")


async def pushed_ruling(request: Request) -> Response:
    """热线平台取回本平台推送案件的状态、评议结论与评议意见书（按 source_ref 或受理编号）"""
    return JSONResponse(await ruling_pull.ruling_for_client(ref=request.path_params["number"],
                                                           actor=request.state.actor))


async def reissue_access_code(request: Request) -> Response:
    """评议办重新生成提取码（原提取码立即失效），返回给诉求人的提取码通知单 PDF（仅此一次）"""
    number = request.path_params["number"]
    return access_notice.download(await tracking.reissue_access_code(number=number, actor=request.state.actor),
                                  number)


async def revoke_token(request: Request) -> Response:
    """注销所出示的令牌（与网页退出登录相同）"""
    token = bearer_token(request)
    if token:
        await auth.revoke_token(token)
    return JSONResponse({"status": "revoked"})


async def list_assessments(request: Request) -> Response:
    """
    summary: 各部门各期的评议结果与扣分
    """
    return JSONResponse(await assessments(period=request.query_params.get("period")))


async def list_departments(request: Request) -> Response:
    """
    summary: 部门列表
    """
    return JSONResponse(await queries.departments())


async def openapi(request: Request) -> Response:
    """本 API 的 OpenAPI 3 文档（由路由表生成）"""
    return JSONResponse(openapi_document.document(request.app.routes))


routes = [
    route("/auth/token", create_token, PUBLIC, methods=["POST"]),
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
    route("/assessments", list_assessments, STAFF_OR_HOTLINE),
    route("/departments", list_departments, STAFF_OR_HOTLINE),
    route("/openapi.json", openapi, PUBLIC, name="openapi"),
]
