"""JSON endpoints of the verdicts area, mounted under /api/v1."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from review import bulk_issuance, settings, verdicts
from review.actors import OFFICE, PUBLIC
from review.api.common import json_object
from review.errors import Invalid
from review.web.guard import route


def _signature(state) -> dict | None:
    return state.as_json() if state is not None else None


def _public(found: dict) -> dict:
    replaced, corrected = found["replaced_by"], found["corrected_by"]
    withdrawn = found["status"] in verdicts.WITHDRAWN
    return {"number": found["number"], "status": found["status"], "status_label": found["status_label"],
            "issued_on": found["issued_on"].isoformat(),
            "full_sha256": found["full_sha256"], "public_sha256": found["public_sha256"],
            "department": found["department_name"], "category": found["category"],
            "grade": found["grade_label"], "total": found["total"],
            "full_signature": _signature(found["signatures"]["full"]),
            "public_signature": _signature(found["signatures"]["public"]),
            "superseded_by": {"number": replaced["number"], "code": replaced["code"]} if replaced else None,
            "corrected_by": {"number": corrected["number"], "code": corrected["code"]} if corrected else None,
            "withdrawal_reason": found["status_reason"] if withdrawn else None,
            "public_pdf": None if withdrawn or not found["public_sha256"]
            else f"/verify/{found['code']}/public.pdf"}


async def verdict(request: Request) -> Response:
    """
    summary: 按核验码查询评议意见书的状态、两个文件的 SHA-256 与电子签名状态；带 sha256 参数时同时核对该文件
    """
    found = await verdicts.verification(request.path_params["code"])
    body = _public(found)
    digest = request.query_params.get("sha256")
    if digest is not None:
        digest = digest.strip().lower()
        body["matches"] = "full" if digest == found["full_sha256"] else (
            "public" if digest == found["public_sha256"] else None)
    return JSONResponse(body)


async def verify_file(request: Request) -> Response:
    """
    summary: 上传 PDF 文件（请求体即文件），核对是否与登记的评议意见书一致，并报告其电子签名状态
    """
    found = await verdicts.verification(request.path_params["code"])
    pdf = await request.body()
    if not pdf:
        raise Invalid("missing_field", "请求体应为要核验的 PDF 文件", field="file")
    matched, signature = await verdicts.check_upload(found, pdf)
    return JSONResponse({**_public(found), "matches": matched, "authentic": matched is not None,
                         "signature": signature.as_json()})


async def withdraw(request: Request) -> Response:
    """
    summary: 评议办撤销本案的评议意见书（须说明理由）
    """
    body = await json_object(request)
    status = await verdicts.withdraw(number=request.path_params["number"], actor=request.state.actor,
                                     reason=str(body.get("reason") or ""))
    return JSONResponse({"status": status})


async def correct(request: Request) -> Response:
    """
    summary: 评议办为已撤销的评议意见书签发更正后的意见书（同一评议结论、新文号，须说明更正内容）
    """
    body = await json_object(request)
    created = await verdicts.correct(number=request.path_params["number"], actor=request.state.actor,
                                     reason=str(body.get("reason") or ""))
    return JSONResponse({"number": created["number"], "code": created["code"], "status": created["status"],
                         "corrects": created["corrects"]}, status_code=201)


async def bulk_start(request: Request) -> Response:
    """
    summary: 批量签发：{"cases": [受理编号…]} 或 {"all_ready": true}
    """
    body = await json_object(request)
    cases = body.get("cases") or []
    if not isinstance(cases, list):
        raise Invalid("invalid_field", "cases 应为受理编号列表", field="cases")
    bulk_id = await bulk_issuance.start(actor=request.state.actor, numbers=[str(n) for n in cases],
                                        all_ready=body.get("all_ready") is True)
    progress = await bulk_issuance.progress(bulk_id=bulk_id, actor=request.state.actor)
    return JSONResponse(progress.as_json(), status_code=202)


async def bulk_progress(request: Request) -> Response:
    """
    summary: 批量签发的进度（已完成/总数、失败原因）
    """
    progress = await bulk_issuance.progress(bulk_id=request.path_params["bulk_id"], actor=request.state.actor)
    return JSONResponse(progress.as_json())


async def bulk_zip(request: Request) -> Response:
    """
    summary: 下载批量签发的全部评议意见书（ZIP，按文号命名）
    """
    progress = await bulk_issuance.progress(bulk_id=request.path_params["bulk_id"], actor=request.state.actor)
    return StreamingResponse(bulk_issuance.zip_stream(progress), media_type="application/zip",
                             headers={"content-disposition": f'attachment; filename="verdicts-{progress.id}.zip"'})


routes = [
    route("/verdicts/bulk", bulk_start, OFFICE, methods=["POST"]),
    route("/verdicts/bulk/{bulk_id}", bulk_progress, OFFICE),
    route("/verdicts/bulk/{bulk_id}/verdicts.zip", bulk_zip, OFFICE),
    route("/verdicts/{code}", verdict, PUBLIC),
    route("/verdicts/{code}/verify", verify_file, PUBLIC, methods=["POST"], body_limit=settings.VERIFY_BODY_LIMIT),
    route("/cases/{number}/verdict/withdraw", withdraw, OFFICE, methods=["POST"]),
    route("/cases/{number}/verdict/correct", correct, OFFICE, methods=["POST"]),
]
