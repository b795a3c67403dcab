"""The API tokens of the person presenting one: list them, revoke the one presented, revoke any of theirs."""

from __future__ import annotations

import msgspec
from starlette.requests import Request

from review.accounts.services import auth
from review.accounts.services import tokens as accounts
from review.core.actors import STAFF, TOKEN_HOLDER
from review.core.api.contract import Status, operation
from review.core.web.guard import bearer_token, route


class TokenShown(msgspec.Struct):
    """One live token of its holder: never the token itself."""

    id: int
    created_at: str
    last_used_at: str | None
    expires_at: str
    client: str | None
    current: bool


@operation(responses={200: Status})
async def revoke_presented(request: Request) -> Status:
    """
    summary: 注销本次请求所出示的令牌
    """
    await auth.revoke_token(bearer_token(request) or "")
    return Status(status="revoked")


@operation(responses={200: list[TokenShown]})
async def list_tokens(request: Request) -> list[dict[str, object]]:
    """
    summary: 本人的有效令牌：签发时间、最近使用时间、到期时间与客户端（不含令牌本身）
    """
    tokens = await accounts.tokens_of(actor=request.state.actor, presented=bearer_token(request))
    return [t.as_json() for t in tokens]


@operation(responses={200: Status})
async def revoke_one(request: Request) -> Status:
    """
    summary: 注销本人的一个令牌（按编号）
    """
    await accounts.revoke_token(actor=request.state.actor, token_id=request.path_params["token_id"])
    return Status(status="revoked")


routes = [
    route("/auth/token", revoke_presented, TOKEN_HOLDER, methods=["DELETE"]),
    route("/auth/tokens", list_tokens, STAFF),
    route("/auth/tokens/{token_id:int}", revoke_one, STAFF, methods=["DELETE"]),
]
