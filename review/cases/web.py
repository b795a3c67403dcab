"""HTML pages for every user area; each endpoint parses, calls one service, renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from review.accounts.services import auth
from review.assessments.services import redo as redo_orders
from review.cases import access_notice, page_cache, tracking
from review.cases import services as cases
from review.cases.lifecycle import Action
from review.cases.queries import home
from review.cases.queries import lists as queries
from review.cases.queries.page import CaseView, view_of, visible_case_row
from review.convening.services import convene_panel
from review.core.actors import COMPLAINANT, LIAISON, MEMBER, OFFICE, PUBLIC, Actor
from review.core.errors import Invalid, NotFound, ServiceError
from review.core.web.client_address import client_address
from review.core.web.forms import local_path, see_other
from review.core.web.guard import TRACK_COOKIE, route, set_cookie
from review.core.web.templating import render
from review.mediation import queries as mediation
from review.publication import queries as publication


async def office_home(request: Request) -> Response:
    """The office's home (工作台): today's intake, what waits at each step, what is overdue, the weeks' charts."""
    return render(request, "office_home.html", {"home": await home.office_home()})


async def _list_page(request: Request, *, base: str, title: str, extra: dict | None = None) -> Response:
    """A case list under the filters of the query string (a GET form); a filter naming nothing is refused on
    the page itself, with the form kept."""
    actor = request.state.actor
    context = {"base": base, "title": title, "params": request.query_params, "sorts": queries.SORTS,
               "departments": await queries.departments() if actor.kind == "office" else [],
               "channels": queries.CHANNEL_LABELS, "short_days": queries.SHORT_KEYWORD_DAYS,
               "count_cap": queries.COUNT_CAP, **(extra or {})}
    try:
        filters = await queries.checked_filters(request.query_params)
        page = await queries.case_page(actor, filters, cursor=request.query_params.get("cursor") or None)
    except Invalid as error:
        return render(request, "case_list.html", {**context, "error": error.message, "page": None},
                      status_code=error.status)
    return render(request, "case_list.html", {**context, "page": page, "cases": page.items})


async def office_cases(request: Request) -> Response:
    return await _list_page(request, base="/office/cases", title="案件管理")


async def my_cases(request: Request) -> Response:
    actor = request.state.actor
    base = "/panel/cases" if actor.kind == "member" else "/liaison/cases"
    title = "我参与评议的案件" if actor.kind == "member" else "本部门案件"
    return await _list_page(request, base=base, title=title,
                            extra={"sessions": await mediation.upcoming_sessions(actor=actor),
                                   "list_path": "/panel" if actor.kind == "member" else "/liaison"})


async def _case_page(request: Request, number: str | None) -> Response:
    """The case page, served as kept while nothing it shows has changed (see `page_cache`)."""
    actor = request.state.actor
    case = await visible_case_row(actor, number)
    key = page_cache.page_key(request, case)
    body = page_cache.kept(key)
    if body is not None:
        return HTMLResponse(body)
    view = await view_of(actor, case)
    response = render(request, "case.html", {"v": view, "standing": _standing(view) if actor.kind == "complainant" else "",
                                             "mediation": await mediation.of_case(case["number"]),
                                             "my_mediation": await mediation.viewer_part(actor=actor, case=case),
                                             "publication": await publication.case_part(actor, case),
                                             "redo": await redo_orders.maybe_for_case(number=case["number"],
                                                                                      actor=actor)})
    page_cache.keep(request, key, response)
    return response


def _standing(view: CaseView) -> str:
    """The complainant's first sentence: where the case is, what happens next and by when."""
    redo = view.ruling.redo_deadline if view.ruling and view.case["status"] == "ruled" else None
    scoring = view.scoring
    objection = scoring.reconsideration_deadline if scoring.may_request_reconsideration else None
    return tracking.where_it_stands(view.case["status"], view.running[0].next_words if view.running else "",
                                    redo_deadline=_day_words(redo), reconsideration_deadline=_day_words(objection))


def _day_words(day: date | str | None) -> str:
    if not day:
        return ""
    day = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return f"{day.month}月{day.day}日"


async def case_page(request: Request) -> Response:
    return await _case_page(request, request.path_params["number"])


# The office's case forms that post to /office/cases/{number}/{action}: (number, actor, reason) → the service.
OFFICE_ACTIONS: dict[str, Callable[[str, Actor, str], Awaitable[object]]] = {
    "accept": lambda number, actor, reason: cases.screen_case(number=number, actor=actor, accept=True),
    "dismiss": lambda number, actor, reason: cases.screen_case(number=number, actor=actor, accept=False,
                                                               reason=reason),
    "convene": lambda number, actor, reason: convene_panel(number=number, actor=actor),
    "close": lambda number, actor, reason: cases.close_case(number=number, actor=actor),
    "withdraw": lambda number, actor, reason: cases.end_case(number=number, actor=actor, action=Action.withdraw,
                                                             reason=reason),
    "settle": lambda number, actor, reason: cases.end_case(number=number, actor=actor, action=Action.settle,
                                                           reason=reason),
}


async def office_action(request: Request) -> Response:
    number, action = request.path_params["number"], request.path_params["action"]
    service = OFFICE_ACTIONS.get(action)
    if service is None:
        raise NotFound("not_found", "没有这个操作")
    form = await request.form()
    await service(number, request.state.actor, str(form.get("reason", "")))
    return see_other(f"/office/cases/{number}")


async def reissue_access_code(request: Request) -> Response:
    """The new code's notice as a download; the case page stays where it is."""
    number = request.path_params["number"]
    notice = await tracking.reissue_access_code(number=number, actor=request.state.actor)
    return access_notice.download(notice, number)


async def track_form(request: Request) -> Response:
    return render(request, "track.html", {"next": local_path(request.query_params.get("next", ""), "")})


async def track_open(request: Request) -> Response:
    form = await request.form()
    back = local_path(str(form.get("next", "")), "/track/case")
    case_number = str(form.get("case_number", "")).strip()
    try:
        actor = await tracking.open_case(case_number=case_number, access_code=str(form.get("access_code", "")),
                                         client=client_address(request))
    except ServiceError as error:  # the case number stays filled in; the code is typed again
        return render(request, "track.html", {"error": error.message, "next": back, "case_number": case_number},
                      status_code=error.status, headers=error.headers)
    token = await auth.issue_token(actor)
    response = see_other(back)  # the page that sent them here to sign in (a mediation room), or their case
    set_cookie(response, TRACK_COOKIE, token, max_age=int(auth.COMPLAINANT_TOKEN_LIFETIME.total_seconds()))
    return response


async def track_case(request: Request) -> Response:
    return await _case_page(request, None)


routes = [
    route("/office", office_home, OFFICE, name="office_home"),
    route("/office/cases", office_cases, OFFICE, name="office_cases"),
    route("/office/cases/{number}", case_page, OFFICE),
    route("/office/cases/{number}/access-code", reissue_access_code, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/{action}", office_action, OFFICE, methods=["POST"]),
    route("/panel", my_cases, MEMBER, name="panel"),
    route("/panel/cases/{number}", case_page, MEMBER),
    route("/liaison", my_cases, LIAISON, name="liaison"),
    route("/liaison/cases/{number}", case_page, LIAISON),
    route("/track", track_form, PUBLIC, name="track"),
    route("/track", track_open, PUBLIC, methods=["POST"]),
    route("/track/case", track_case, COMPLAINANT),
]

