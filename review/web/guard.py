"""Every route declares who may use it; the guard resolves the actor and enforces that policy."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from review import auth, db, holidays, settings
from review.actors import ANONYMOUS, Actor, Policy
from review.errors import Forbidden, ServiceError, Unauthorized
from review.web.templating import CHINA, render

log = logging.getLogger("review.web")

SESSION_COOKIE = "rv_session"
TRACK_COOKIE = "rv_track"
CSRF_COOKIE = "rv_csrf"
CSRF_FIELD = "csrf_token"

Endpoint = Callable[[Request], Awaitable[Response]]


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, if the request carries one."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def is_api(request: Request) -> bool:
    """An API request: under /api/, or carrying a bearer token wherever it goes (a client, not a browser)."""
    return request.url.path.startswith("/api/") or bearer_token(request) is not None


async def resolve_actor(request: Request) -> Actor:
    """Bearer token or API key on the API; session or tracking cookie on the web.

    A request with a bearer token is judged by that token alone, on any path: it is answered in JSON and never
    sent to /login, and its cookies are not read, so it needs no CSRF token (a browser never adds the header
    by itself)."""
    if is_api(request):
        token = bearer_token(request)
        if token is not None:
            return await auth.token_actor(token) or ANONYMOUS
        key = request.headers.get("x-api-key")
        if key:
            return await auth.api_key_actor(key) or ANONYMOUS
        return ANONYMOUS
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = await auth.session_actor(token)
        if found:
            return found[0]
    track = request.cookies.get(TRACK_COOKIE)
    if track:
        return await auth.token_actor(track) or ANONYMOUS
    return ANONYMOUS


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (double-submit: a SameSite=Strict cookie echoed in every form)."""
    token = request.cookies.get(CSRF_COOKIE) or request.scope.get("rv_new_csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.scope["rv_new_csrf"] = token
    return token


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None,
               samesite: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=settings.COOKIE_SECURE,
                        samesite=samesite, path="/")  # type: ignore[arg-type]


async def _check_csrf(request: Request) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    if not cookie or not hmac.compare_digest(cookie, sent):
        raise Forbidden("csrf_failed", "页面已过期或请求来源无效，请刷新页面后重试")


def error_response(request: Request, error: ServiceError) -> Response:
    if is_api(request):
        return JSONResponse(error.as_json(), status_code=error.status)
    if isinstance(error, Unauthorized) and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "error.html", {"error": error, "back": back_link(request)}, status_code=error.status)


_CASE_PAGE = re.compile(r"^/(office|panel|liaison)/cases/([^/]+)/")


def back_link(request: Request) -> str:
    """Where an error page leads back to: the page the request came from if it is this site's, else the
    case page the request was about, else the home page."""
    referer = urlsplit(request.headers.get("referer", ""))
    here = urlsplit(str(request.base_url))
    same_site = (referer.scheme, referer.netloc) == (here.scheme, here.netloc)
    if same_site and referer.path.startswith("/") and not referer.path.startswith("//"):
        return urlunsplit(("", "", referer.path, referer.query, ""))
    if found := _CASE_PAGE.match(request.url.path):
        return f"/{found[1]}/cases/{found[2]}"
    if request.url.path.startswith("/track/case/"):
        return "/track/case"
    return "/"


async def _admit_and_call(request: Request, endpoint: Endpoint, policy: Policy) -> Response:
    actor = await resolve_actor(request)
    request.state.actor = actor
    if not policy.admits(actor):
        if actor.kind == "anonymous":
            raise Unauthorized("unauthorized", "请先登录" if not is_api(request) else "需要登录或有效的令牌")
        raise Forbidden("forbidden", "您无权访问此页面")
    if request.method not in ("GET", "HEAD") and not is_api(request):
        await _check_csrf(request)
    if actor.kind == "office" and not is_api(request):
        request.state.holiday_notice = await holidays.notice_wanted(datetime.now(CHINA).date())
    return await endpoint(request)


def guarded(endpoint: Endpoint, policy: Policy) -> Endpoint:
    async def guard(request: Request) -> Response:
        try:
            if request.method in ("GET", "HEAD"):
                async with db.read_only_request():
                    response = await _admit_and_call(request, endpoint, policy)
            else:
                response = await _admit_and_call(request, endpoint, policy)
        except ServiceError as error:
            response = error_response(request, error)
        new_csrf = request.scope.get("rv_new_csrf")
        if new_csrf:
            set_cookie(response, CSRF_COOKIE, new_csrf, samesite="strict")
        return response

    guard.__name__ = endpoint.__name__
    guard.__doc__ = endpoint.__doc__
    return guard


class PolicyRoute(Route):
    """A route that carries its access policy (the route-table test reads it) and, on the API, its declared
    input and output types (the OpenAPI document reads them)."""

    def __init__(self, path: str, endpoint: Endpoint, *, policy: Policy, **kwargs: Any) -> None:
        super().__init__(path, guarded(endpoint, policy), **kwargs)
        self.policy = policy
        self.operation = getattr(endpoint, "operation", None)


def route(path: str, endpoint: Endpoint, policy: Policy, methods: list[str] | None = None,
          name: str | None = None) -> PolicyRoute:
    return PolicyRoute(path, endpoint, policy=policy, methods=methods or ["GET"], name=name)
