"""Logging in and out, and the signed-in person's own credentials: their API tokens, each of which they may
revoke."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from review.accounts.services import auth
from review.accounts.services import tokens as accounts
from review.core.actors import PUBLIC, STAFF
from review.core.errors import ServiceError
from review.core.web.client_address import client_address
from review.core.web.forms import local_path, see_other
from review.core.web.guard import CSRF_COOKIE, SESSION_COOKIE, TRACK_COOKIE, route, set_cookie
from review.core.web.templating import render

HOME_BY_ROLE = {"office": "/office/cases", "member": "/panel", "liaison": "/liaison", "complainant": "/track/case"}


async def login_form(request: Request) -> Response:
    return render(request, "login.html", {"next": request.query_params.get("next", "")})


def _safe_next(target: str, fallback: str) -> str:
    return local_path(target, fallback)


async def login(request: Request) -> Response:
    form = await request.form()
    try:
        actor = await auth.log_in(username=str(form.get("username", "")), password=str(form.get("password", "")),
                                  client=client_address(request))
    except ServiceError as error:  # shown on the form rather than as a bare error page
        return render(request, "login.html", {"error": error.message, "next": form.get("next", "")},
                      status_code=error.status, headers=error.headers)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # this browser's earlier session ends with the new login, not at its expiry
        await auth.end_session(previous)
    token, _ = await auth.start_session(actor)
    response = see_other(_safe_next(str(form.get("next", "")), HOME_BY_ROLE[actor.kind]))
    set_cookie(response, SESSION_COOKIE, token, max_age=int(auth.SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(CSRF_COOKIE, path="/")  # a fresh CSRF token after login
    return response


async def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await auth.end_session(token)
    track = request.cookies.get(TRACK_COOKIE)
    if track:
        await auth.revoke_token(track)
    response = see_other("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(TRACK_COOKIE, path="/")
    return response


async def my_tokens(request: Request) -> Response:
    tokens = await accounts.tokens_of(actor=request.state.actor)
    return render(request, "account_tokens.html", {"tokens": tokens,
                                                   "revoked": request.query_params.get("revoked")})


async def revoke_token(request: Request) -> Response:
    await accounts.revoke_token(actor=request.state.actor, token_id=request.path_params["token_id"])
    return RedirectResponse("/account/tokens?revoked=1", status_code=303)


routes = [
    route("/login", login_form, PUBLIC, name="login"),
    route("/login", login, PUBLIC, methods=["POST"]),
    route("/logout", logout, PUBLIC, methods=["POST"], name="logout"),
    route("/account/tokens", my_tokens, STAFF, name="account_tokens"),
    route("/account/tokens/{token_id:int}/revoke", revoke_token, STAFF, methods=["POST"]),
]
