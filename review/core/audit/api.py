"""JSON twin of /public/audit and /office/audit: the published heads of the audit chain, and publishing one."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from review.core.actors import OFFICE, PUBLIC
from review.core.api.contract import Reply, operation
from review.core.audit import heads as audit_heads
from review.core.audit.chain import GENESIS
from review.core.web.guard import route


class Head(msgspec.Struct):
    """A published head: the chain held `seq` events, the last one's hash was `hash`."""

    seq: int
    hash: str
    published_at: str
    day: str | None


class Heads(msgspec.Struct):
    algorithm: str
    genesis: str
    heads: list[Head]


@operation(responses={200: Heads})
async def list_heads(request: Request) -> dict[str, Any]:
    """
    summary: 审计链每日公布的链头（事件数 seq、第 seq 条事件的哈希、公布时间），可下载留存，供 review verify-audit --heads 核对
    """
    heads = [audit_heads.as_json(r) for r in await audit_heads.published()]
    return {"algorithm": "sha256", "genesis": GENESIS, "heads": heads}


@operation(responses={201: Head})
async def publish_head(request: Request) -> Reply:
    """
    summary: 立即公布审计链的当前链头
    """
    await audit_heads.publish()
    return Reply(201, audit_heads.as_json((await audit_heads.published())[-1]))


routes = [
    route("/audit/heads", list_heads, PUBLIC),
    route("/audit/heads", publish_head, OFFICE, methods=["POST"]),
]
