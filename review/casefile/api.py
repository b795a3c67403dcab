"""JSON twins of the case file's forms, mounted under /api/v1: a case's additions (statements and files), a
party's statement or files added (the complainant with the case's token, the liaison, the office), and a file's
download. Each parses, calls one service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from review.casefile import queries
from review.casefile import services as casefile
from review.casefile.domain import files as rules
from review.cases.queries.visibility import visible_case
from review.core.actors import CASE_PARTY, Policy
from review.core.api.contract import MULTIPART, Reply, Text, operation
from review.core.web.downloads import attachment
from review.core.web.forms import read_form
from review.core.web.guard import PolicyRoute, route
from review.core.web.uploads import received_files

# The two parties and the office add; members read.
ADDER = Policy("case_file_adder", frozenset(queries.MAY_ADD))


class FileShown(msgspec.Struct):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    re_encoded: bool  # an image drawn again from its pixels: no EXIF, no GPS
    download: str


class AdditionShown(msgspec.Struct):
    id: int
    party: str  # complainant / department / office
    party_label: str
    statement: str
    statement_sha256: str
    after_scoring: bool  # 评分开始后提交
    added_at: datetime
    files: list[FileShown]


class Limits(msgspec.Struct):
    files_per_addition: int
    file_max_bytes: int
    case_files_most: int
    case_max_bytes: int
    statement_max_chars: int
    file_types: list[str]


class CaseFileShown(msgspec.Struct):
    case_number: str
    may_add: bool
    limits: Limits
    additions: list[AdditionShown]


class Added(msgspec.Struct):
    id: int
    case_number: str


class StatementBody(msgspec.Struct):
    statement: Text | None = None


def _upload(required: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "statement": {"type": "string", "maxLength": rules.STATEMENT_MAX},
            "files": {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": rules.FILES_MOST},
        },
        "required": list(required),
    }


LIMITS = Limits(files_per_addition=rules.FILES_MOST, file_max_bytes=rules.FILE_MAX_BYTES,
                case_files_most=rules.CASE_FILES_MOST, case_max_bytes=rules.CASE_MAX_BYTES,
                statement_max_chars=rules.STATEMENT_MAX, file_types=list(rules.FILE_MEDIA_TYPES))


@operation(responses={200: CaseFileShown})
async def list_additions(request: Request) -> CaseFileShown:
    """
    summary: 本案当事人补充的材料（诉求人的陈述与材料、承办部门的陈述与证据、评议办补充的材料），先提交的在前
    description: 可见本案者均可查看（评议办、本案评议组成员、承办部门联络员、持本案令牌的诉求人）；评议组开始评分后提交的
      标为 after_scoring。
    """
    actor = request.state.actor
    case = await visible_case(actor, request.path_params["number"])
    number = case["number"]
    views = await queries.additions(actor, case["id"])
    return CaseFileShown(
        case_number=number, limits=LIMITS,
        may_add=actor.kind in queries.MAY_ADD and case["status"] not in queries.CLOSED_TO_ADDITIONS,
        additions=[AdditionShown(
            id=a.id, party=a.party, party_label=a.party_label, statement=a.statement,
            statement_sha256=a.statement_sha256, after_scoring=a.after_scoring, added_at=a.added_at,
            files=[FileShown(id=f.id, filename=f.filename, content_type=f.content_type, size=f.size, sha256=f.sha256,
                             re_encoded=f.re_encoded, download=f"/api/v1/cases/{number}/file/files/{f.id}")
                   for f in a.files]) for a in views])


@operation(responses={201: Added}, uploads={MULTIPART: _upload(("statement",))})
async def add_statement(request: Request, body: StatementBody | None) -> Reply:
    """
    summary: 提交陈述（诉求人、承办部门联络员或评议办；须填写 statement，可附文件）
    description: JSON（只有 statement），或 multipart（statement 字段与至多 5 个 files 文件：JPEG、PNG 或 PDF，每个不超过
      10 MB，每案合计至多 30 个、50 MB；类型以文件内容核对，照片重新生成、不保留 EXIF 与拍摄位置）。任一文件不被接受则整次
      提交不保存。
    """
    if body is None:
        form = await read_form(request)
        statement = str(form.get("statement", ""))
        files = await received_files(form, "files", max_bytes=rules.FILE_MAX_BYTES)
    else:
        statement, files = body.statement or "", []
    number = request.path_params["number"]
    added = await casefile.add_to_file(number=number, actor=request.state.actor, statement=statement, files=files,
                                       statement_required=True)
    return Reply(201, Added(id=added, case_number=number))


@operation(responses={201: Added}, uploads={MULTIPART: _upload(("files",))})
async def add_files(request: Request) -> Reply:
    """
    summary: 上传文件（诉求人、承办部门联络员或评议办；multipart，files 至少一个，可附 statement 说明）
    description: 至多 5 个 files 文件：JPEG、PNG 或 PDF，每个不超过 10 MB，每案合计至多 30 个、50 MB；类型以文件内容核对，
      照片重新生成、不保留 EXIF 与拍摄位置。任一文件不被接受则整次提交不保存。
    """
    form = await read_form(request)
    number = request.path_params["number"]
    added = await casefile.add_to_file(
        number=number, actor=request.state.actor, statement=str(form.get("statement", "")),
        files=await received_files(form, "files", max_bytes=rules.FILE_MAX_BYTES), files_required=True)
    return Reply(201, Added(id=added, case_number=number))


@operation(responses={}, files={200: rules.FILE_MEDIA_TYPES})
async def download(request: Request) -> Response:
    """
    summary: 下载案卷附件（可见本案者），以附件形式发送
    """
    found = await queries.stored_file(number=request.path_params["number"], file_id=request.path_params["file_id"],
                                      actor=request.state.actor)
    return attachment(found.content, media_type=found.content_type, filename=found.filename,
                      fallback=found.fallback_name)


routes: list[PolicyRoute] = [
    route("/cases/{number}/file", list_additions, CASE_PARTY),
    route("/cases/{number}/file/statements", add_statement, ADDER, methods=["POST"], body_limit=rules.BODY_LIMIT),
    route("/cases/{number}/file/files", add_files, ADDER, methods=["POST"], body_limit=rules.BODY_LIMIT),
    route("/cases/{number}/file/files/{file_id:int}", download, CASE_PARTY),
]
