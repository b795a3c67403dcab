"""The signed-in person's own credentials: their API tokens, each of which they may revoke."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from review.accounts.services import tokens as accounts
from review.core.actors import STAFF
from review.core.web.guard import route
from review.core.web.templating import render


async def my_tokens(request: Request) -> Response:
    tokens = await accounts.tokens_of(actor=request.state.actor)
    return render(request, "account_tokens.html", {"tokens": tokens,
                                                   "revoked": request.query_params.get("revoked")})


async def revoke_token(request: Request) -> Response:
    await accounts.revoke_token(actor=request.state.actor, token_id=request.path_params["token_id"])
    return RedirectResponse("/account/tokens?revoked=1", status_code=303)


routes = [
    route("/account/tokens", my_tokens, STAFF, name="account_tokens"),
    route("/account/tokens/{token_id:int}/revoke", revoke_token, STAFF, methods=["POST"]),
]
