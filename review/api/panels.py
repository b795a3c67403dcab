"""JSON endpoints of the panels area, mounted under /api/v1: the same services and checks as the pages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from panels import challenges, composition, invitations, queries, roster_service
from review import draws, import_jobs, rounds
from review.actors import MEMBER, OFFICE, PARTY, PUBLIC
from review.api.common import json_object
from review.errors import NotFound
from review.uploads import saved_upload
from review.web.guard import route


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _iso(value) for key, value in row.items()}


async def roster(request: Request) -> Response:
    """
    summary: 评议员库（可按角色、区域、姓名或单位筛选，分页）
    """
    params = request.query_params
    page = await queries.roster_page(role=params.get("role", ""), district=params.get("district", ""),
                                     search=params.get("q", "").strip(), page=int(params.get("page", "1") or 1))
    return JSONResponse({**page, "members": [_plain(m) for m in page["members"]]})


async def roster_import(request: Request) -> Response:
    """
    summary: 导入评议员（multipart 字段 file，CSV 或 XLSX；任何一行有误则整批不导入；大文件由后台任务导入，答 202 及进度地址）
    """
    form = await request.form()
    path = await saved_upload(form.get("file"), (".csv", ".xlsx"))
    try:
        if import_jobs.is_large(path):
            job_id = await import_jobs.start(kind="roster", path=path, actor=request.state.actor)
            progress = await import_jobs.progress(job_id=job_id, actor=request.state.actor)
            return JSONResponse(progress, status_code=202, headers={"location": f"/api/v1/imports/{job_id}"})
        report = await roster_service.import_roster(path=path, actor=request.state.actor)
    finally:
        path.unlink(missing_ok=True)
    body = {"imported": report.imported,
            "rows": [{"row": r.row, "ok": r.ok, "message": r.message} for r in report.rows]}
    return JSONResponse(body, status_code=201 if report.imported else 422)


async def import_progress(request: Request) -> Response:
    """
    summary: 后台导入任务的进度（已读行数、状态，完成后附结果）
    """
    return JSONResponse(await import_jobs.progress(job_id=request.path_params["job_id"], actor=request.state.actor))


async def member(request: Request) -> Response:
    """
    summary: 一名评议员的信息
    """
    found = await queries.member_detail(request.path_params["member_id"])
    if found is None:
        raise NotFound("member_not_found", "评议员不存在")
    return JSONResponse(_plain(found))


async def member_update(request: Request) -> Response:
    """
    summary: 修改评议员信息（评议办）
    """
    await roster_service.update_member(member_id=request.path_params["member_id"], actor=request.state.actor,
                                       fields=await json_object(request))
    return await member(request)


async def declarations(request: Request) -> Response:
    """
    summary: 本人申报（评议员）
    """
    own = await roster_service.own_member(request.state.actor)
    return JSONResponse(_plain(await queries.member_detail(own["id"]) or {}))


async def declare(request: Request) -> Response:
    """
    summary: 更新本人申报：工作单位、关联部门与组织、专业领域、不能参加评议的时段
    """
    await roster_service.declare(actor=request.state.actor, fields=await json_object(request))
    return await declarations(request)


async def templates(request: Request) -> Response:
    """
    summary: 评议组组成模板的全部版本
    """
    return JSONResponse([_plain(t) for t in await composition.all_templates()])


async def template_save(request: Request) -> Response:
    """
    summary: 新建或修改组成模板（保存为新版本）
    """
    template_id = await composition.save_template(actor=request.state.actor, fields=await json_object(request))
    return JSONResponse(_plain(await composition.template_by_id(template_id)), status_code=201)


async def my_invitations(request: Request) -> Response:
    """
    summary: 本人收到的评议邀请与在评数量；ended 为因案件结束而撤回或解散的席位及通知
    """
    actor = request.state.actor
    return JSONResponse({"invitations": [_plain(s) for s in await invitations.my_invitations(actor)],
                         "ended": [_plain(s) for s in await invitations.ended_invitations(actor)],
                         **await invitations.member_load(actor)})


async def answer(request: Request) -> Response:
    """
    summary: 答复邀请：answer 为 accept、decline（须说明理由）或 recuse（须选择原因类别 kind 并说明）
    """
    body = await json_object(request)
    status = await invitations.answer_invitation(
        seat_id=request.path_params["seat_id"], actor=request.state.actor, answer=str(body.get("answer", "")),
        reason=str(body.get("reason") or ""), kind=str(body.get("kind") or ""))
    return JSONResponse({"status": status})


async def challenge(request: Request) -> Response:
    """
    summary: 当事人（诉求人或承办部门）申请某位评议员回避
    """
    body = await json_object(request)
    challenge_id = await challenges.raise_challenge(seat_id=request.path_params["seat_id"],
                                                    actor=request.state.actor, reason=str(body.get("reason") or ""))
    return JSONResponse({"challenge_id": challenge_id, "status": "pending"}, status_code=201)


async def pending(request: Request) -> Response:
    """
    summary: 待决定的回避申请
    """
    return JSONResponse([_plain(c) for c in await challenges.pending_challenges()])


async def decide(request: Request) -> Response:
    """
    summary: 决定回避申请：uphold 为 true 则回避并另行抽取
    """
    body = await json_object(request)
    status = await challenges.decide_challenge(challenge_id=request.path_params["challenge_id"],
                                               actor=request.state.actor, uphold=body.get("uphold") is True,
                                               reason=str(body.get("reason") or ""))
    return JSONResponse({"status": status})


async def round_request(request: Request) -> Response:
    """
    summary: 批量组成评议组：所有已立案、尚未组成评议组的案件
    """
    round_id = await rounds.request_round(actor=request.state.actor)
    return JSONResponse(_plain(await rounds.round_status(round_id)), status_code=202)


async def round_status(request: Request) -> Response:
    """
    summary: 批量组成的进度与结果
    """
    return JSONResponse(_plain(await rounds.round_status(request.path_params["round_id"])))


async def draw(request: Request) -> Response:
    """
    summary: 公开的抽取记录与重新运行的复核结果（不含评议员姓名和编号）；replay 为可离线复算的记录（评议员以本记录内的假名出现）
    """
    record = await draws.public_record(request.path_params["panel_id"])
    return JSONResponse({
        "panel_id": record.panel_id, "convened_at": _iso(record.convened_at), "round": record.round_id,
        **record.view,
        # The view's own template (seats, chair roles) named and versioned as the panel recorded it.
        "template": {**record.view["template"], "name": record.template_name, "version": record.template_version},
        "verification": {"ok": record.verification.ok,
                         "checks": [{"name": c.name, "ok": c.ok, "message": c.message}
                                    for c in record.verification.checks]},
        "replay": record.replay,
    })


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
    route("/rounds", round_request, OFFICE, methods=["POST"]),
    route("/rounds/{round_id:int}", round_status, OFFICE),
    route("/draws/{panel_id:int}", draw, PUBLIC),
]
