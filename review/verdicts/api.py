"""JSON endpoints of the verdicts area, mounted under /api/v1."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from review.core import settings, verification
from review.core.actors import OFFICE, PUBLIC
from review.core.api.contract import UNSET, Reason, Status, Text, Unset, operation
from review.core.errors import Invalid, NotFound
from review.core.web.guard import route
from review.verdicts import archive
from review.verdicts import bulk as bulk_issuance
from review.verdicts import services as verdicts

PDF_UPLOAD = {"type": "string", "contentMediaType": "application/pdf"}


class Signature(msgspec.Struct):
    state: str
    label: str
    valid: bool
    signer: str | None
    signed_at: str | None


class VerdictRef(msgspec.Struct):
    number: str
    code: str


class PublicVerdict(msgspec.Struct):
    """What anyone holding the verification code may learn of a verdict (and of a file checked against it)."""

    number: str
    status: str
    status_label: str
    issued_on: str
    full_sha256: str | None
    public_sha256: str | None
    department: str | None
    category: str | None
    grade: str | None
    total: Any
    full_signature: Signature | None
    public_signature: Signature | None
    superseded_by: VerdictRef | None
    corrected_by: VerdictRef | None
    withdrawal_reason: str | None
    public_pdf: str | None
    matches: str | None | Unset = UNSET
    authentic: bool | Unset = UNSET
    signature: Signature | Unset = UNSET


class Fact(msgspec.Struct):
    label: str
    value: str


class VerifiedDocument(msgspec.Struct):
    """Any document the platform issues with a verification code, as /verify/{code} shows it: what it is, whether
    it stands, the facts the public may read (never personal data) and the stored file's SHA-256. For a verdict,
    its own answer (that of /api/v1/verdicts/{code}) is inside."""

    code: str
    kind: str  # verdict / mediation_agreement / …
    title: str
    status_label: str
    valid: bool
    facts: list[Fact]
    sha256: str | None  # the stored file (a verdict has two: see verdict.full_sha256 / public_sha256)
    verdict: PublicVerdict | None
    matches: str | None | Unset = UNSET  # an uploaded file: "full" / "public" (a verdict), "document", or None
    authentic: bool | Unset = UNSET


class DigestQuery(msgspec.Struct):
    sha256: Text | None = None


class Corrected(msgspec.Struct):
    number: str
    code: str
    status: str
    corrects: str | None


class BulkRequest(msgspec.Struct):
    cases: list[Text] | None = None
    all_ready: bool = False


class BulkFailure(msgspec.Struct):
    case_number: str
    reason: str


class BulkProgress(msgspec.Struct):
    id: int
    status: str
    total: int
    done: int
    issued: int
    rendered: int
    failed: list[BulkFailure]
    zip: str | None


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


def _code(request: Request) -> str:
    return str(request.path_params["code"]).strip().upper()


async def _verdict_or_none(code: str) -> dict | None:
    try:
        return await verdicts.verification(code)
    except NotFound:
        return None


async def _verdict(code: str) -> dict:
    """The verdict a code names; for another document's code (a mediation agreement, …), where to check it."""
    found = await _verdict_or_none(code)
    if found is not None:
        return found
    other = await verification.resolve(code)
    if other is None:
        raise NotFound("verdict_not_found", "未找到该核验码对应的评议意见书")
    raise NotFound("not_a_verdict", f"该核验码对应的是{other.title}，不是评议意见书，请通过 /api/v1/verify/{code} 核验")


def _verdict_document(found: dict, body: dict) -> dict:
    facts = [("文号", found["number"]), ("状态", found["status_label"]),
             ("签发日期", found["issued_on"].isoformat()), ("被评议部门", found["department_name"] or ""),
             ("诉求类别", found["category"] or ""), ("评议等级", found["grade_label"] or "")]
    return {"code": found["code"], "kind": "verdict", "title": "评议意见书", "status_label": found["status_label"],
            "valid": found["status"] == "valid", "facts": [{"label": k, "value": v} for k, v in facts],
            "sha256": found["full_sha256"], "verdict": body}


def _other_document(found: verification.Verified) -> dict:
    return {"code": found.code, "kind": found.kind or "document", "title": found.title,
            "status_label": found.status_label, "valid": found.valid,
            "facts": [{"label": k, "value": v} for k, v in found.facts], "sha256": found.sha256 or None,
            "verdict": None}


async def _document(code: str) -> tuple[dict | None, verification.Verified | None]:
    """(the verdict, None) or (None, the document another slice registered the code for); not found otherwise."""
    found = await _verdict_or_none(code)
    if found is not None:
        return found, None
    other = await verification.resolve(code)
    if other is None:
        raise NotFound("document_not_found", "未找到该核验码对应的文书")
    return None, other


@operation(responses={200: VerifiedDocument})
async def verify_document(request: Request) -> dict:
    """
    summary: 按核验码查询平台出具的任一文书（评议意见书、调解协议书等）：文书性质、状态、可公开的事实与文件 SHA-256，与 /verify/{code} 页面相同
    """
    found, other = await _document(_code(request))
    if found is not None:
        return _verdict_document(found, _public(found))
    assert other is not None
    return _other_document(other)


@operation(responses={200: VerifiedDocument}, uploads={"application/pdf": PDF_UPLOAD})
async def verify_document_file(request: Request) -> dict:
    """
    summary: 上传 PDF 文件（请求体即文件），核对是否与按核验码登记的文书一致（评议意见书另报告其电子签名状态）
    """
    found, other = await _document(_code(request))
    pdf = await request.body()
    if not pdf:
        raise Invalid("missing_field", "请求体应为要核验的 PDF 文件", field="file")
    if found is not None:
        matched, signature = await verdicts.check_upload(found, pdf)
        body = {**_public(found), "matches": matched, "authentic": matched is not None,
                "signature": signature.as_json()}
        return {**_verdict_document(found, body), "matches": matched, "authentic": matched is not None}
    assert other is not None
    same = bool(other.sha256) and hashlib.sha256(pdf).hexdigest() == other.sha256
    return {**_other_document(other), "matches": "document" if same else None, "authentic": same}


@operation(responses={200: PublicVerdict})
async def verdict(request: Request, query: DigestQuery) -> dict:
    """
    summary: 按核验码查询评议意见书的状态、两个文件的 SHA-256 与电子签名状态；带 sha256 参数时同时核对该文件
    """
    found = await _verdict(_code(request))
    body = _public(found)
    if query.sha256 is not None:
        digest = query.sha256.strip().lower()
        body["matches"] = "full" if digest == found["full_sha256"] else (
            "public" if digest == found["public_sha256"] else None)
    return body


@operation(responses={200: PublicVerdict}, uploads={"application/pdf": PDF_UPLOAD})
async def verify_file(request: Request) -> dict:
    """
    summary: 上传 PDF 文件（请求体即文件），核对是否与登记的评议意见书一致，并报告其电子签名状态
    """
    found = await _verdict(_code(request))
    pdf = await request.body()
    if not pdf:
        raise Invalid("missing_field", "请求体应为要核验的 PDF 文件", field="file")
    matched, signature = await verdicts.check_upload(found, pdf)
    return {**_public(found), "matches": matched, "authentic": matched is not None,
            "signature": signature.as_json()}


@operation(responses={200: Status})
async def withdraw(request: Request, body: Reason) -> Status:
    """
    summary: 评议办撤销本案的评议意见书（须说明理由）
    """
    status = await verdicts.withdraw(number=request.path_params["number"], actor=request.state.actor,
                                     reason=body.reason or "")
    return Status(status=status)


@operation(responses={201: Corrected})
async def correct(request: Request, body: Reason) -> dict:
    """
    summary: 评议办为已撤销的评议意见书签发更正后的意见书（同一评议结论、新文号，须说明更正内容）
    """
    return await verdicts.correct(number=request.path_params["number"], actor=request.state.actor,
                                  reason=body.reason or "")


@operation(responses={202: BulkProgress})
async def bulk_start(request: Request, body: BulkRequest) -> dict:
    """
    summary: 批量签发：{"cases": [受理编号…]} 或 {"all_ready": true}
    """
    bulk_id = await bulk_issuance.start(actor=request.state.actor, numbers=list(body.cases or []),
                                        all_ready=body.all_ready)
    progress = await bulk_issuance.progress(bulk_id=bulk_id, actor=request.state.actor)
    return progress.as_json()


@operation(responses={200: BulkProgress})
async def bulk_progress(request: Request) -> dict:
    """
    summary: 批量签发的进度（已完成/总数、失败原因）
    """
    progress = await bulk_issuance.progress(bulk_id=request.path_params["bulk_id"], actor=request.state.actor)
    return progress.as_json()


@operation(responses={}, files={200: "application/zip"})
async def bulk_zip(request: Request) -> Response:
    """
    summary: 下载批量签发的全部评议意见书（ZIP，按文号命名）
    """
    progress = await bulk_issuance.progress(bulk_id=request.path_params["bulk_id"], actor=request.state.actor)
    return archive.zip_response(progress)


routes = [
    route("/verdicts/bulk", bulk_start, OFFICE, methods=["POST"]),
    route("/verdicts/bulk/{bulk_id:int}", bulk_progress, OFFICE),
    route("/verdicts/bulk/{bulk_id:int}/verdicts.zip", bulk_zip, OFFICE),
    route("/verdicts/{code}", verdict, PUBLIC),
    route("/verdicts/{code}/verify", verify_file, PUBLIC, methods=["POST"], body_limit=settings.VERIFY_BODY_LIMIT),
    route("/verify/{code}", verify_document, PUBLIC),
    route("/verify/{code}", verify_document_file, PUBLIC, methods=["POST"], body_limit=settings.VERIFY_BODY_LIMIT),
    route("/cases/{number}/verdict/withdraw", withdraw, OFFICE, methods=["POST"]),
    route("/cases/{number}/verdict/correct", correct, OFFICE, methods=["POST"]),
]
