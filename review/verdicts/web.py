"""Pages of the verdict area: downloads, public verification, withdrawal and correction, bulk issuance."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from review.core import settings, verification
from review.core.actors import CASE_PARTY, OFFICE, PUBLIC
from review.core.errors import Invalid, NotFound
from review.core.verification import Verified
from review.core.web.forms import see_other
from review.core.web.guard import route
from review.core.web.templating import render
from review.verdicts import archive
from review.verdicts import bulk as bulk_issuance
from review.verdicts import services as verdicts


async def verdict_pdf(request: Request) -> Response:
    """The full verdict for the parties and the office."""
    path, code = await verdicts.full_pdf(actor=request.state.actor, number=request.path_params["number"])
    return FileResponse(path, media_type="application/pdf", filename=f"verdict-{code}.pdf")


async def verify_form(request: Request) -> Response:
    code = request.query_params.get("code", "").strip()
    if code:
        return see_other(f"/verify/{code}")
    return render(request, "verify.html", {"verdict": None})


async def _other_document(code: str, missing: NotFound) -> Verified:
    """A code that names no verdict: the document another slice registered it for (a mediation agreement, …)."""
    found = await verification.resolve(code.strip().upper())
    if found is None:
        raise missing
    return found


async def _uploaded_pdf(request: Request) -> bytes:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise Invalid("missing_field", "请选择要核验的 PDF 文件", field="file")
    return await upload.read()


async def verify_page(request: Request) -> Response:
    code = request.path_params["code"]
    try:
        verdict = await verdicts.verification(code)
    except NotFound as missing:
        return render(request, "verify_document.html", {"document": await _other_document(code, missing)})
    return render(request, "verify.html", {"verdict": verdict})


async def verify_upload(request: Request) -> Response:
    code = request.path_params["code"]
    try:
        verdict = await verdicts.verification(code)
    except NotFound as missing:
        document = await _other_document(code, missing)
        pdf = await _uploaded_pdf(request)
        return render(request, "verify_document.html", {
            "document": document, "checked": True,
            "matched": bool(document.sha256) and hashlib.sha256(pdf).hexdigest() == document.sha256})
    pdf = await _uploaded_pdf(request)
    matched, signature = await verdicts.check_upload(verdict, pdf)
    return render(request, "verify.html", {"verdict": verdict, "checked": True, "matched": matched,
                                           "signature": signature})


async def public_pdf(request: Request) -> Response:
    """The public version: anyone holding the code may read it, unless the verdict was withdrawn."""
    verdict = await verdicts.by_code(request.path_params["code"])
    if verdict["status"] in verdicts.WITHDRAWN:
        raise NotFound("verdict_withdrawn", "该评议意见书已撤销，不再公开")
    if not verdict["public_sha256"]:
        raise NotFound("verdict_not_ready", "评议意见书尚在生成")
    return FileResponse(verdicts.stored_path(verdict["public_sha256"]), media_type="application/pdf",
                        filename=f"verdict-{verdict['code']}-public.pdf")


async def withdraw(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    await verdicts.withdraw(number=number, actor=request.state.actor, reason=str(form.get("reason", "")))
    return see_other(f"/office/cases/{number}")


async def correct(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    await verdicts.correct(number=number, actor=request.state.actor, reason=str(form.get("reason", "")))
    return see_other(f"/office/cases/{number}")


async def bulk_form(request: Request) -> Response:
    return render(request, "verdicts/bulk_new.html", {"ready": await bulk_issuance.ready_cases(),
                                                      "recent": await bulk_issuance.recent()})


async def bulk_start(request: Request) -> Response:
    form = await request.form()
    numbers = [str(n) for n in form.getlist("case")]
    bulk_id = await bulk_issuance.start(actor=request.state.actor, numbers=numbers,
                                        all_ready=form.get("all_ready") == "1")
    return see_other(f"/office/verdicts/bulk/{bulk_id}")


async def bulk_page(request: Request) -> Response:
    progress = await bulk_issuance.progress(bulk_id=request.path_params["bulk_id"], actor=request.state.actor)
    return render(request, "verdicts/bulk_progress.html", {"p": progress})


async def bulk_zip(request: Request) -> Response:
    progress = await bulk_issuance.progress(bulk_id=request.path_params["bulk_id"], actor=request.state.actor)
    return archive.zip_response(progress)


routes = [
    route("/cases/{number}/verdict.pdf", verdict_pdf, CASE_PARTY),
    route("/verify", verify_form, PUBLIC, name="verify"),
    route("/verify/{code}", verify_page, PUBLIC),
    route("/verify/{code}", verify_upload, PUBLIC, methods=["POST"], body_limit=settings.VERIFY_BODY_LIMIT),
    route("/verify/{code}/public.pdf", public_pdf, PUBLIC),
    route("/office/cases/{number}/verdict/withdraw", withdraw, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/verdict/correct", correct, OFFICE, methods=["POST"]),
    route("/office/verdicts/bulk", bulk_form, OFFICE, name="bulk_issuance"),
    route("/office/verdicts/bulk", bulk_start, OFFICE, methods=["POST"]),
    route("/office/verdicts/bulk/{bulk_id}", bulk_page, OFFICE),
    route("/office/verdicts/bulk/{bulk_id}/verdicts.zip", bulk_zip, OFFICE),
]
