"""The Starlette application: routes are data, every one with a declared policy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from panels import api as panels_api
from panels import web as panel_pages
from panels.services import verification as draw_verification
from review import worker
from review.accounts import api as tokens_api
from review.accounts import web as account_pages
from review.assessments import api as assessment_api
from review.assessments import web as assessment_pages
from review.casefile import api as casefile_api
from review.casefile import web as casefile_pages
from review.cases import api as v1
from review.cases import web as pages
from review.cases.lifecycle import ACTION_LABELS, STATUS_LABELS
from review.convening import api as convening_api
from review.convening import web as convening_pages
from review.core import db, realtime, settings, verification
from review.core import jobs as queue
from review.core.actors import PUBLIC
from review.core.audit import api as audit_api
from review.core.audit import store as audit
from review.core.audit import web as audit_pages
from review.core.errors import NotFound, ServiceError
from review.core.privacy.logs import mask_personal_data_in_logs
from review.core.web import guard, templating
from review.core.web.body_limit import BodyLimit
from review.core.web.client_address import forwarded_headers
from review.core.web.failures import Failures
from review.core.web.guard import error_response, route
from review.core.web.locale import RequestLocale
from review.core.web.locale import routes as locale_routes
from review.core.web.templating import render
from review.deadlines import api as deadlines_api
from review.deadlines import web as deadline_pages
from review.holidays import api as holidays_api
from review.holidays import web as holiday_pages
from review.mediation import api as mediation_api
from review.mediation import queries as mediation_queries
from review.mediation import socket as mediation_socket
from review.mediation import web as mediation_pages
from review.mediation.services import stage as mediation
from review.notifications import api as notifications_api
from review.notifications import web as notification_pages
from review.publication import api as publication_api
from review.publication import web as publication_pages
from review.rulings import api as rulings_api
from review.rulings import web as rulings_pages
from review.selection import api as selection_api
from review.selection import web as selection_pages
from review.verdicts import api as verdicts_api
from review.verdicts import web as verdict_pages
from review.verdicts.queries import printed_panels
from review.webhooks import api as webhooks_api
from review.webhooks import web as webhook_pages
from scoring import api as scoring_api
from scoring import web as scoring_pages
from scoring.domain.aggregate import GRADE_LABELS

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Nothing a page loads comes from elsewhere; no framing; no sniffing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}  # a page's stricter policy stands
                message["headers"] = headers + [h for h in SECURITY_HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PolicyMount(Mount):
    def __init__(self, *args, policy, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.policy = policy


HTTP_REFUSALS = {404: ("not_found", "页面不存在"), 405: ("method_not_allowed", "不支持该请求方法"),
                 400: ("bad_request", "请求无效")}


async def http_refusal(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no route, wrong method, unreadable request) in the documented form."""
    status = getattr(exc, "status_code", 404)
    if status == 404:
        error: ServiceError = NotFound(*HTTP_REFUSALS[404])
    else:
        error = ServiceError(*HTTP_REFUSALS.get(status, ("bad_request", "请求无效")))
        error.status = status
    return error_response(request, error)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    queue.configure(worker.JOBS)
    db.engine()
    await db.start()
    background = [asyncio.create_task(audit.sealer()), asyncio.create_task(db.checkpointer())]
    if not settings.REDIS_URL:  # without a worker, this process also runs the periodic sweeps
        background.append(asyncio.create_task(worker.sweeper()))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
        await queue.close()
        await realtime.close()
        await db.stop()


async def home(request: Request) -> Response:
    return render(request, "home.html")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


home_routes = [
    route("/", home, PUBLIC, name="home"),
    route("/healthz", healthz, PUBLIC),
]


def install() -> None:
    """What the kernel's web layer is handed from the slices: the labels every template may use, and the
    office's holiday banner, looked up before each office page. Idempotent."""
    templating.add_globals(STATUS_LABELS=STATUS_LABELS, ACTION_LABELS=ACTION_LABELS, GRADE_LABELS=GRADE_LABELS,
                           MEDIATION_MODES=mediation.MODES, MEDIATION_KINDS=mediation.KINDS,
                           MEDIATION_ANSWERS=mediation.ANSWER_LABELS, MEDIATION_STATUS=mediation.STATUS_LABELS,
                           MEDIATION_OUTCOMES=mediation.OUTCOME_LABELS)
    guard.before_office_page(holiday_pages.note_notice)
    guard.before_signed_in_page(notification_pages.note_unread)


def create_app(*, forwarded_allow_ips: str = settings.FORWARDED_ALLOW_IPS) -> Starlette:
    mask_personal_data_in_logs()  # no identifier in any log line of the app's process
    install()
    draw_verification.use_verdicts(printed_panels)  # the public draw records hold each draw against its verdicts
    verification.register(mediation_queries.agreement_verification)  # /verify/{code} of a sealed agreement
    api_routes = [*panels_api.routes, *convening_api.routes, *scoring_api.routes, *rulings_api.routes,
                  *verdicts_api.routes, *holidays_api.routes, *audit_api.routes, *tokens_api.routes, *mediation_api.routes,
                  *assessment_api.routes, *deadlines_api.routes, *notifications_api.routes, *casefile_api.routes,
                  *selection_api.routes, *publication_api.routes, *webhooks_api.routes, *v1.routes]
    page_routes = [*home_routes, *locale_routes, *deadline_pages.routes, *notification_pages.routes, *panel_pages.routes, *convening_pages.routes, *scoring_pages.routes, *rulings_pages.routes,
                   *verdict_pages.routes, *holiday_pages.routes, *audit_pages.routes, *account_pages.routes,
                   *mediation_pages.routes, *mediation_socket.routes, *casefile_pages.routes, *selection_pages.routes, *pages.routes,
                   *assessment_pages.routes, *publication_pages.routes, *webhook_pages.routes]
    routes = [
        Mount("/api/v1", routes=api_routes),
        PolicyMount("/static", app=StaticFiles(directory=str(settings.TEMPLATES_DIR / "static")), policy=PUBLIC,
                    name="static"),
        *page_routes,
    ]
    return Starlette(
        routes=routes,
        # Outermost first: every answer is in the request's locale and gets the security headers, failures the
        # documented form, and bodies are counted before any endpoint reads them.
        middleware=[*forwarded_headers(forwarded_allow_ips), Middleware(RequestLocale), Middleware(SecurityHeaders),
                    Middleware(Failures),
                    Middleware(BodyLimit)],
        exception_handlers={HTTPException: http_refusal},
        lifespan=lifespan,
    )


app = create_app()
