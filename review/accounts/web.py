"""Logging in and out (the password, then the second factor where one is due), the signed-in person's own
credentials (API tokens, TOTP), the set-password link, and the office's accounts pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from review.accounts import queries
from review.accounts.services import auth, invitations, totp
from review.accounts.services import login as signin
from review.accounts.services import tokens as accounts
from review.core import settings
from review.core.actors import OFFICE, PUBLIC, STAFF, Actor
from review.core.errors import ServiceError, Unauthorized
from review.core.web.client_address import client_address
from review.core.web.forms import int_or, local_path, read_form, see_other
from review.core.web.guard import CSRF_COOKIE, SESSION_COOKIE, TRACK_COOKIE, route, set_cookie
from review.core.web.templating import render

HOME_BY_ROLE = {"office": "/office/cases", "member": "/panel", "liaison": "/liaison", "complainant": "/track/case"}
# The login's half-way cookie: only the second step's pages read it; it is no session.
CHALLENGE_COOKIE = "rv_challenge"
_STEP_PAGE = {"code": "/login/code", "setup": "/login/setup"}
# The set-password pages carry a secret in their path: no page they link to is told it.
_NO_REFERRER = {"referrer-policy": "no-referrer"}


async def login_form(request: Request) -> Response:
    return render(request, "login.html", {"next": request.query_params.get("next", "")})


def _safe_next(target: str, fallback: str) -> str:
    return local_path(target, fallback)


async def _signed_in(request: Request, actor: Actor, next_path: str) -> Response:
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # this browser's earlier session ends with the new login, not at its expiry
        await auth.end_session(previous)
    token, _ = await auth.start_session(actor)
    response = see_other(_safe_next(next_path, HOME_BY_ROLE[actor.kind]))
    _start_session_cookie(response, token)
    return response


def _start_session_cookie(response: Response, token: str) -> None:
    set_cookie(response, SESSION_COOKIE, token, max_age=int(auth.SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(CSRF_COOKIE, path="/")  # a fresh CSRF token after login
    response.delete_cookie(CHALLENGE_COOKIE, path="/login")


async def login(request: Request) -> Response:
    form = await request.form()
    next_path = str(form.get("next", ""))
    try:
        step = await signin.web_log_in(username=str(form.get("username", "")),
                                       password=str(form.get("password", "")),
                                       client=client_address(request), next_path=next_path)
    except ServiceError as error:  # shown on the form rather than as a bare error page
        return render(request, "login.html", {"error": error.message, "next": next_path},
                      status_code=error.status, headers=error.headers)
    if isinstance(step, signin.Challenge):
        response = see_other(_STEP_PAGE[step.purpose])
        response.set_cookie(CHALLENGE_COOKIE, step.token, max_age=int(signin.CHALLENGE_LIFETIME.total_seconds()),
                            httponly=True, secure=settings.COOKIE_SECURE, samesite="strict", path="/login")
        return response
    return await _signed_in(request, step, next_path)


async def _challenge(request: Request, purpose: str) -> signin.Pending | Response:
    try:
        found = await signin.pending(request.cookies.get(CHALLENGE_COOKIE, ""))
    except Unauthorized as error:
        return render(request, "login.html", {"error": error.message, "next": ""}, status_code=401)
    if found.purpose != purpose:
        return see_other(_STEP_PAGE[found.purpose])
    return found


async def code_form(request: Request) -> Response:
    found = await _challenge(request, "code")
    if isinstance(found, Response):
        return found
    return render(request, "accounts/login_code.html", {"username": found.username})


async def give_code(request: Request) -> Response:
    form = await read_form(request)
    try:
        actor, next_path = await signin.give_code(token=request.cookies.get(CHALLENGE_COOKIE, ""),
                                                  code=str(form.get("totp", "")), client=client_address(request))
    except ServiceError as error:
        if error.code == "login_again":
            return render(request, "login.html", {"error": error.message, "next": ""}, status_code=401)
        return render(request, "accounts/login_code.html", {"error": error.message}, status_code=error.status,
                      headers=error.headers)
    return await _signed_in(request, actor, next_path)


async def setup_form(request: Request) -> Response:
    found = await _challenge(request, "setup")
    if isinstance(found, Response):
        return found
    setup = await totp.pending_setup(user_id=found.account_id)
    return render(request, "accounts/login_setup.html", {"setup": setup})


async def finish_setup(request: Request) -> Response:
    form = await read_form(request)
    token = request.cookies.get(CHALLENGE_COOKIE, "")
    try:
        actor, codes, next_path = await signin.finish_setup(token=token, code=str(form.get("totp", "")),
                                                            client=client_address(request))
    except ServiceError as error:
        if error.code == "login_again":
            return render(request, "login.html", {"error": error.message, "next": ""}, status_code=401)
        found = await signin.pending(token)
        return render(request, "accounts/login_setup.html",
                      {"setup": await totp.pending_setup(user_id=found.account_id), "error": error.message},
                      status_code=error.status, headers=error.headers)
    token, _ = await auth.start_session(actor)
    response = render(request, "accounts/recovery_codes.html",
                      {"codes": codes, "next": _safe_next(next_path, HOME_BY_ROLE[actor.kind])})
    _start_session_cookie(response, token)
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


# -- the second factor, on the signed-in person's security page

async def _security(request: Request, status_code: int = 200, **extra: object) -> Response:
    actor = request.state.actor
    status = await totp.status(actor=actor)
    setup = await totp.pending_setup(user_id=actor.user_id) if status.pending else None
    return render(request, "accounts/security.html", {"status": status, "setup": setup, **extra},
                  status_code=status_code)


async def security(request: Request) -> Response:
    return await _security(request, done=request.query_params.get("done", ""))


async def begin_totp(request: Request) -> Response:
    await totp.begin(user_id=request.state.actor.user_id)
    return see_other("/account/security")


async def confirm_totp(request: Request) -> Response:
    form = await read_form(request)
    actor = request.state.actor
    try:
        codes = await totp.confirm(actor=actor, user_id=actor.user_id, code=str(form.get("totp", "")),
                                   client=client_address(request))
    except ServiceError as error:
        return await _security(request, error=error.message, status_code=error.status)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/account/security"})


async def disable_totp(request: Request) -> Response:
    form = await read_form(request)
    try:
        await totp.disable(actor=request.state.actor, code=str(form.get("totp", "")),
                           client=client_address(request))
    except ServiceError as error:
        return await _security(request, error=error.message, status_code=error.status)
    return see_other("/account/security?done=off")


# -- the set-password link (public: the token in the path is the one secret)

async def setup_page(request: Request) -> Response:
    try:
        found = await invitations.link(token=request.path_params["token"])
    except ServiceError as error:
        return render(request, "accounts/setup.html", {"error": error.message, "dead": True},
                      status_code=error.status, headers=_NO_REFERRER)
    return render(request, "accounts/setup.html", {"link": found}, headers=_NO_REFERRER)


async def set_password(request: Request) -> Response:
    form = await read_form(request)
    token = request.path_params["token"]
    try:
        username = await invitations.set_password(token=token, password=str(form.get("password", "")),
                                                  confirm=str(form.get("confirm", "")))
    except ServiceError as error:
        try:
            found = await invitations.link(token=token)
        except ServiceError:
            return render(request, "accounts/setup.html", {"error": error.message, "dead": True},
                          status_code=error.status, headers=_NO_REFERRER)
        return render(request, "accounts/setup.html", {"link": found, "error": error.message},
                      status_code=error.status, headers=_NO_REFERRER)
    return render(request, "accounts/setup.html", {"done": username}, headers=_NO_REFERRER)


# -- the office's accounts

async def office_accounts(request: Request) -> Response:
    params = request.query_params
    role, active = params.get("role", ""), params.get("active", "")
    page = await queries.accounts(role=role, active=active, page=max(1, int_or(params.get("page"), 1)))
    return render(request, "accounts/list.html", {"page": page, "role": role, "active": active,
                                                  "ROLES": invitations.ROLES})


async def new_account_form(request: Request) -> Response:
    return render(request, "accounts/new.html", {"ROLES": invitations.ROLES, "form": {}})


async def create_account(request: Request) -> Response:
    form = await read_form(request)
    fields = {k: str(form.get(k, "")) for k in ("username", "display_name", "role", "department")}
    try:
        invited = await invitations.create_account(actor=request.state.actor, **fields)
    except ServiceError as error:
        return render(request, "accounts/new.html", {"ROLES": invitations.ROLES, "form": fields,
                                                     "error": error.message}, status_code=error.status)
    return render(request, "accounts/link.html", {"invited": invited, "purpose": "setup"}, status_code=201)


async def account_page(request: Request) -> Response:
    found = await queries.account(request.path_params["account_id"])
    return render(request, "accounts/detail.html", {"account": found, "ROLES": invitations.ROLES,
                                                    "done": request.query_params.get("done", "")})


async def reset_password(request: Request) -> Response:
    invited = await invitations.reset_password(actor=request.state.actor, account_id=request.path_params["account_id"])
    return render(request, "accounts/link.html", {"invited": invited, "purpose": "reset"})


async def deactivate(request: Request) -> Response:
    account_id = request.path_params["account_id"]
    await invitations.deactivate(actor=request.state.actor, account_id=account_id)
    return see_other(f"/office/accounts/{account_id}?done=deactivated")


async def reactivate(request: Request) -> Response:
    account_id = request.path_params["account_id"]
    await invitations.reactivate(actor=request.state.actor, account_id=account_id)
    return see_other(f"/office/accounts/{account_id}?done=reactivated")


routes = [
    route("/login", login_form, PUBLIC, name="login"),
    route("/login", login, PUBLIC, methods=["POST"]),
    route("/login/code", code_form, PUBLIC),
    route("/login/code", give_code, PUBLIC, methods=["POST"]),
    route("/login/setup", setup_form, PUBLIC),
    route("/login/setup", finish_setup, PUBLIC, methods=["POST"]),
    route("/logout", logout, PUBLIC, methods=["POST"], name="logout"),
    route("/account/tokens", my_tokens, STAFF, name="account_tokens"),
    route("/account/tokens/{token_id:int}/revoke", revoke_token, STAFF, methods=["POST"]),
    route("/account/security", security, STAFF, name="account_security"),
    route("/account/security/totp", begin_totp, STAFF, methods=["POST"]),
    route("/account/security/totp/confirm", confirm_totp, STAFF, methods=["POST"]),
    route("/account/security/totp/disable", disable_totp, STAFF, methods=["POST"]),
    route("/account/setup/{token}", setup_page, PUBLIC),
    route("/account/setup/{token}", set_password, PUBLIC, methods=["POST"]),
    route("/office/accounts", office_accounts, OFFICE, name="office_accounts"),
    route("/office/accounts", create_account, OFFICE, methods=["POST"]),
    route("/office/accounts/new", new_account_form, OFFICE),
    route("/office/accounts/{account_id:int}", account_page, OFFICE),
    route("/office/accounts/{account_id:int}/reset", reset_password, OFFICE, methods=["POST"]),
    route("/office/accounts/{account_id:int}/deactivate", deactivate, OFFICE, methods=["POST"]),
    route("/office/accounts/{account_id:int}/reactivate", reactivate, OFFICE, methods=["POST"]),
]
