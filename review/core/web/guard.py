"""Every route declares who may use it; the guard resolves the actor and enforces that policy."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from review.core import db, identity, settings
from review.core import jobs as queue
from review.core.actors import ANONYMOUS, Actor, Policy
from review.core.api import idempotency
from review.core.errors import Forbidden, ServiceError, Unauthorized
from review.core.leak_gate import LeakStopped
from review.core.web import body_limit, csrf, refresh
from review.core.web.csrf import CSRF_COOKIE, csrf_token
from review.core.web.forms import check_parameters, read_form
from review.core.web.templating import render

log = logging.getLogger("review.web")

SESSION_COOKIE = "rv_session"
TRACK_COOKIE = "rv_track"
CSRF_FIELD = "csrf_token"

Endpoint = Callable[[Request], Awaitable[Response]]
Hook = Callable[[Request], Awaitable[None]]

# Awaited, in order, before an office member's web page is served (the composition root adds them:
# the holiday table's banner), and before any signed-in viewer's page (the inbox's unread count). A hook may
# leave what the page shows on `request.state`.
_office_page_hooks: list[Hook] = []
_signed_in_page_hooks: list[Hook] = []


def before_office_page(hook: Hook) -> Hook:
    """Run `hook` before every office web page (once, however often it is added)."""
    if hook not in _office_page_hooks:
        _office_page_hooks.append(hook)
    return hook


def before_signed_in_page(hook: Hook) -> Hook:
    """Run `hook` before every web page of a signed-in viewer (an account or a complainant's tracking session)."""
    if hook not in _signed_in_page_hooks:
        _signed_in_page_hooks.append(hook)
    return hook


def bearer_token(request: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer …` header, if the request carries one."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def is_api(request: HTTPConnection) -> bool:
    """An API request: under /api/, or carrying a bearer token wherever it goes (a client, not a browser)."""
    return request.url.path.startswith("/api/") or bearer_token(request) is not None


async def resolve_actor(request: HTTPConnection) -> Actor:
    """Bearer token or API key on the API; session or tracking cookie on the web (a page or a WebSocket).

    A request with a bearer token is judged by that token alone, on any path: it is answered in JSON and never
    sent to /login, and its cookies are not read, so it needs no CSRF token (a browser never adds the header
    by itself)."""
    if is_api(request):
        token = bearer_token(request)
        if token is not None:
            return await identity.token_actor(token) or ANONYMOUS
        key = request.headers.get("x-api-key")
        if key:
            return await identity.api_key_actor(key) or ANONYMOUS
        return ANONYMOUS
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = await identity.session_actor(token)
        if found:
            request.state.session_csrf = found[1]
            return found[0]
    track = request.cookies.get(TRACK_COOKIE)
    if track:
        actor = await identity.token_actor(track)
        if actor:
            request.state.session_csrf = csrf.tracking_token(track)
            return actor
    return ANONYMOUS


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None,
               samesite: Literal["lax", "strict", "none"] = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=settings.COOKIE_SECURE,
                        samesite=samesite, path="/")


async def _check_csrf(request: Request) -> None:
    """The form's token must be the one this browser's own session (or pre-session cookie) expects."""
    bound = getattr(request.state, "session_csrf", None) or request.cookies.get(CSRF_COOKIE)
    form = await read_form(request)
    sent = str(form.get(CSRF_FIELD, ""))
    if not bound or not csrf.same(csrf_token(request), sent):
        raise Forbidden("csrf_failed", "页面已过期或请求来源无效，请刷新页面后重试")


def may_be_cached(request: Request, policy: Policy, response: Response) -> bool:
    """Only what every visitor sees alike: a public page read anonymously that hands out no cookie.

    Everything else (a signed-in or tracking visitor's page, a non-public route, any form post, the answer
    that carries a new token) may hold personal data and is sent `Cache-Control: no-store`."""
    actor = getattr(request.state, "actor", ANONYMOUS)
    return (request.method in ("GET", "HEAD") and not policy.kinds and actor.kind == "anonymous"
            and "set-cookie" not in response.headers)


def forbids_storing(response: Response) -> bool:
    """The endpoint already said no-store (a download's `private, no-store`): its header stands."""
    directives = response.headers.get("cache-control", "").lower().replace(" ", "").split(",")
    return "no-store" in directives


def error_response(request: Request, error: ServiceError) -> Response:
    if is_api(request):
        return JSONResponse(error.as_json(), status_code=error.status, headers=error.headers)
    if isinstance(error, Unauthorized) and request.method == "GET":
        path = request.url.path
        return RedirectResponse(f"{sign_in_page(path)}?next={quote(path, safe='/')}", status_code=303)
    return render(request, "error.html", {"error": error, "back": back_link(request), "home": home_page(request)},
                  status_code=error.status, headers=error.headers)


# Pages mostly opened by complainants, who have no account: their sign-in is the tracking page (case number and
# access code), which links on to the staff login for the others. A mediation room's printed link is one.
_COMPLAINANT_PAGES = ("/track/", "/mediation/")


def sign_in_page(path: str) -> str:
    """Where a visitor who is not signed in is sent to sign in before `path`."""
    return "/track" if path.startswith(_COMPLAINANT_PAGES) else "/login"


_HOMES = {"office": "/office", "member": "/panel", "liaison": "/liaison", "complainant": "/track/case"}


def home_page(request: Request) -> str:
    """The signed-in viewer's own start page (the office's desk, a member's cases, a complainant's case), else
    the site's home page."""
    return _HOMES.get(getattr(request.state, "actor", ANONYMOUS).kind, "/")


_CASE_PAGE = re.compile(r"^/(office|panel|liaison)/cases/([^/]+)/")


def back_link(request: Request) -> str:
    """Where an error page leads back to: the page the request came from if it is this site's, else the
    case page the request was about, else the viewer's own start page."""
    referer = urlsplit(request.headers.get("referer", ""))
    here = urlsplit(str(request.base_url))
    same_site = (referer.scheme, referer.netloc) == (here.scheme, here.netloc)
    if same_site and referer.path.startswith("/") and not referer.path.startswith("//"):
        return urlunsplit(("", "", referer.path, referer.query, ""))
    if found := _CASE_PAGE.match(request.url.path):
        return f"/{found[1]}/cases/{found[2]}"
    if request.url.path.startswith("/track/case/"):
        return "/track/case"
    return home_page(request)


async def _admit_and_call(request: Request, endpoint: Endpoint, policy: Policy) -> Response:
    actor = await resolve_actor(request)
    request.state.actor = actor
    if not policy.admits(actor):
        if actor.kind == "anonymous":
            raise Unauthorized("unauthorized", "请先登录" if not is_api(request) else "需要登录或有效的令牌")
        raise Forbidden("forbidden", "您无权访问此页面")
    if request.method not in ("GET", "HEAD") and not request.url.path.startswith("/api/"):
        if is_api(request):
            await read_form(request)  # a web form sent with a bearer token: no CSRF, the same text rule
        else:
            await _check_csrf(request)
    if actor.kind != "anonymous" and not is_api(request):
        for hook in _office_page_hooks if actor.kind == "office" else ():
            await hook(request)
        for hook in _signed_in_page_hooks:
            await hook(request)
    if idempotency.applies(request, actor):
        return await idempotency.answer(request, actor, lambda: _answered(request, endpoint))
    return await endpoint(request)


async def _answered(request: Request, endpoint: Endpoint) -> Response:
    """The endpoint's answer, a refusal included (so that it can be kept as the first answer to its key)."""
    try:
        return await endpoint(request)
    except ServiceError as error:
        return await _refused(request, error)


async def _refused(request: Request, error: ServiceError) -> Response:
    """The refusal's answer; an output the leak gate stopped is also reported to the office, by a job (a
    read-only request writes nothing)."""
    if isinstance(error, LeakStopped):
        await queue.enqueue("report_leak", error.output, error.subject, [[h.kind, h.where] for h in error.hits])
    return error_response(request, error)


def guarded(endpoint: Endpoint, policy: Policy, limit: int | None = None) -> Endpoint:
    async def guard(request: Request) -> Response:
        if limit is not None:
            body_limit.declare(request.scope, limit)
        try:
            check_parameters(request)
            if request.method in ("GET", "HEAD"):
                async with db.read_only_request():
                    response = await _admit_and_call(request, endpoint, policy)
            else:
                response = await _admit_and_call(request, endpoint, policy)
        except ServiceError as error:
            response = await _refused(request, error)
        refresh.send_refresh(request, response)
        new_csrf = request.scope.get("rv_new_csrf")
        if new_csrf:
            set_cookie(response, CSRF_COOKIE, new_csrf, samesite="strict")
        if not may_be_cached(request, policy, response) and not forbids_storing(response):
            response.headers["cache-control"] = "no-store"
        return response

    guard.__name__ = endpoint.__name__
    guard.__doc__ = endpoint.__doc__
    return guard


class PolicyRoute(Route):
    """A route that carries its access policy (the route-table test reads it) and, on the API, its declared
    input and output types (the OpenAPI document reads them)."""

    def __init__(self, path: str, endpoint: Endpoint, *, policy: Policy, body_limit: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(path, guarded(endpoint, policy, body_limit), **kwargs)
        self.policy = policy
        self.body_limit = body_limit  # bytes its body may carry, when not the default (review.core.web.body_limit)
        self.operation = getattr(endpoint, "operation", None)


def route(path: str, endpoint: Endpoint, policy: Policy, methods: list[str] | None = None,
          name: str | None = None, body_limit: int | None = None) -> PolicyRoute:
    return PolicyRoute(path, endpoint, policy=policy, methods=methods or ["GET"], name=name, body_limit=body_limit)
