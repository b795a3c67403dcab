"""JSON endpoints of the scoring area, mounted under /api/v1: criteria, score sheets, deliberation,
the ruling, reconsideration and rater quality. Each parses, calls one service, returns JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from review import criteria_admin, deliberation, reconsideration
from review.actors import CASE_PARTY, MEMBER, OFFICE, PUBLIC, STAFF, Policy
from review.api.common import json_object
from review.errors import Invalid, NotFound
from review.params import int_param
from review.rater_quality import rater_quality
from review.scoring_flow import save_sheet
from review.scoring_view import criteria_for, scoring_json, scoring_view
from review.sheet_history import sheet_history
from review.visibility import visible_case
from review.web.guard import PolicyRoute, route

PARTY = Policy("party", frozenset({"liaison", "complainant"}))


async def list_criteria(request: Request) -> Response:
    """
    summary: 历次公布的评议标准（版本、生效日期、内容哈希与全文）
    """
    out = []
    for row in await criteria_admin.versions():
        out.append(criteria_admin.version_json(row, await criteria_admin.load_content(row["id"])))
    return JSONResponse(out)


async def criteria_version(request: Request) -> Response:
    """
    summary: 某一版评议标准
    """
    version = int_param(request.path_params["version"], "version")
    row = next((r for r in await criteria_admin.versions() if r["version"] == version), None)
    if row is None:
        raise NotFound("criteria_not_found", "没有这一版评议标准")
    return JSONResponse(criteria_admin.version_json(row, await criteria_admin.load_content(row["id"])))


async def create_draft(request: Request) -> Response:
    """
    summary: 评议办起草新版评议标准（name, criteria, rule）
    """
    set_id = await criteria_admin.create_draft(actor=request.state.actor, content=await json_object(request))
    return JSONResponse({"draft_id": set_id, "status": "draft"}, status_code=201)


async def preview_draft(request: Request) -> Response:
    """
    summary: 预览草稿（含发布后将得到的内容哈希）
    """
    from scoring.criteria import content_hash, content_json

    set_id = int_param(request.path_params["draft_id"], "draft_id") or 0
    content = await criteria_admin.load_content(set_id)
    return JSONResponse({"draft_id": set_id, "content": content_json(content), "content_hash": content_hash(content)})


async def update_draft(request: Request) -> Response:
    """
    summary: 修改草稿；已发布的版本一律拒绝
    """
    set_id = int_param(request.path_params["draft_id"], "draft_id") or 0
    await criteria_admin.update_draft(actor=request.state.actor, set_id=set_id, content=await json_object(request))
    return JSONResponse({"draft_id": set_id, "status": "draft"})


async def publish_draft(request: Request) -> Response:
    """
    summary: 发布草稿为新版本，此后不可更改
    """
    set_id = int_param(request.path_params["draft_id"], "draft_id") or 0
    version = await criteria_admin.publish_criteria(actor=request.state.actor, set_id=set_id)
    return JSONResponse({"version": version, "status": "published"})


async def case_scores(request: Request) -> Response:
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
    return JSONResponse(body)


async def save_scores(request: Request) -> Response:
    """
    summary: 评议员保存草稿（draft=true）或提交/修改评分表；revision 为所依据的保存次数，不符时返回 409
    """
    body = await json_object(request)
    saved = await save_sheet(number=request.path_params["number"], actor=request.state.actor,
                             scores=body.get("scores"), revision=int_param(body.get("revision"), "revision"),
                             submit=not body.get("draft"))
    return JSONResponse({"sheet_id": saved.sheet_id, "revision": saved.revision, "submitted": saved.submitted},
                        status_code=201 if saved.revision == 1 else 200)


async def sheet_revisions(request: Request) -> Response:
    """
    summary: 评分表的修改记录（评议员本人随时可看；评议办在评分结束后可看已提交的各次修改），标出查看他人评分后所作的修改
    """
    history = await sheet_history(number=request.path_params["number"], sheet_id=request.path_params["sheet_id"],
                                  actor=request.state.actor)
    return JSONResponse(history.as_json())


async def close_scoring(request: Request) -> Response:
    """
    summary: 评议办结束评分，评议组进入合议
    """
    await deliberation.close_scoring(number=request.path_params["number"], actor=request.state.actor)
    return JSONResponse({"status": "deliberation"})


async def post_message(request: Request) -> Response:
    """
    summary: 评议员在合议区发言
    """
    body = await json_object(request)
    message_id = await deliberation.post_message(number=request.path_params["number"], actor=request.state.actor,
                                                 body=str(body.get("body") or ""))
    return JSONResponse({"message_id": message_id}, status_code=201)


async def save_reasoning(request: Request) -> Response:
    """
    summary: 评议组组长起草评议理由
    """
    body = await json_object(request)
    await deliberation.save_reasoning(number=request.path_params["number"], actor=request.state.actor,
                                      reasoning=str(body.get("reasoning") or ""))
    return JSONResponse({"saved": True})


async def dissent(request: Request) -> Response:
    """
    summary: 评议员提出、修改（text 为空则撤回）异议，评议办签发评议结论前均可
    """
    body = await json_object(request)
    await deliberation.add_dissent(number=request.path_params["number"], actor=request.state.actor,
                                   text=str(body.get("text") or ""))
    return JSONResponse({"saved": True})


async def sign(request: Request) -> Response:
    """
    summary: 评议组组长签署评议理由（可同时提交 reasoning，先保存再签署）
    """
    body = await json_object(request)
    reasoning = body.get("reasoning")
    if reasoning is not None and not isinstance(reasoning, str):
        raise Invalid("invalid_field", "reasoning 应为文本", field="reasoning")
    await deliberation.sign_reasoning(number=request.path_params["number"], actor=request.state.actor,
                                      reasoning=reasoning)
    return JSONResponse({"signed": True})


async def ruling(request: Request) -> Response:
    """
    summary: 评议办按公布的规则签发评议结论（须组长已签署）
    """
    ruling_id = await deliberation.issue_ruling(number=request.path_params["number"], actor=request.state.actor)
    return JSONResponse({"ruling_id": ruling_id, "status": "ruled"}, status_code=201)


async def request_reconsideration(request: Request) -> Response:
    """
    summary: 承办部门或诉求人在公布的期限内申请复议（每案一次，须说明理由）
    """
    body = await json_object(request)
    request_id = await reconsideration.request_reconsideration(
        number=request.path_params["number"], actor=request.state.actor, reason=str(body.get("reason") or ""))
    return JSONResponse({"reconsideration_id": request_id, "status": "pending"}, status_code=201)


async def decide_reconsideration(request: Request) -> Response:
    """
    summary: 评议办受理（accept=true）或不予受理（须说明理由）复议申请
    """
    body = await json_object(request)
    status = await reconsideration.decide_reconsideration(
        number=request.path_params["number"], actor=request.state.actor, accept=bool(body.get("accept")),
        reason=str(body.get("reason") or ""))
    return JSONResponse({"status": status})


async def quality(request: Request) -> Response:
    """
    summary: 评议员评分质量：相对所在评议组的平均偏差（宽松/严格），各版标准的评分一致性（Krippendorff α）
    """
    report = await rater_quality()
    return JSONResponse({
        "scores": report.scores,
        "members": [{"member": m.name, "role": m.role, "scores": m.lean.scores,
                     "mean_deviation": m.lean.mean_deviation, "mean_abs_deviation": m.lean.mean_abs_deviation,
                     "tendency": m.lean.tendency, "sheets": m.sheets,
                     "revised_after_viewing_others": m.revised_after_viewing,
                     "revised_after_viewing_others_share": m.revised_share} for m in report.members],
        "agreement": [{"criteria_version": v, "units": a.units, "krippendorff_alpha": a.alpha}
                      for v, a in report.agreement],
    })


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
