"""JSON twin of /public/audit and /office/audit: the published heads of the audit chain, and publishing one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from review import audit_heads
from review.actors import OFFICE, PUBLIC
from review.audit_chain import GENESIS
from review.web.guard import route


async def list_heads(request: Request) -> Response:
    """
    summary: 审计链每日公布的链头（事件数 seq、第 seq 条事件的哈希、公布时间），可下载留存，供 review verify-audit --heads 核对
    """
    heads = [audit_heads.as_json(r) for r in await audit_heads.published()]
    return JSONResponse({"algorithm": "sha256", "genesis": GENESIS, "heads": heads})


async def publish_head(request: Request) -> Response:
    """
    summary: 立即公布审计链的当前链头
    """
    await audit_heads.publish()
    return JSONResponse(audit_heads.as_json((await audit_heads.published())[-1]), status_code=201)


routes = [
    route("/audit/heads", list_heads, PUBLIC),
    route("/audit/heads", publish_head, OFFICE, methods=["POST"]),
]
