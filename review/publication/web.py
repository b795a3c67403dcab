"""Pages of publication: the public list of published rulings and one ruling's page (no JavaScript, a phone's
width), the complainant's answer on the tracking page, the office's hold-back."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.core.actors import COMPLAINANT, OFFICE, PUBLIC
from review.core.api.contract import number_param
from review.core.errors import Invalid, NotFound
from review.core.web.forms import see_other
from review.core.web.guard import route
from review.core.web.templating import render
from review.publication import queries
from review.publication import services as publication


async def ruling_list(request: Request) -> Response:
    """公开的评议结论: searchable by department, category, district, ruling, period and keyword."""
    params = request.query_params
    try:
        filters = queries.parse_filters(params)
        page = await queries.search(filters, cursor=params.get("cursor") or None)
        page.items = await publication.passing_gate(page.items)
    except Invalid as error:
        return render(request, "publication/list.html",
                      {"page": None, "error": error, "params": params, "grades": queries.GRADES,
                       "facets": await queries.facets(), "held": await queries.held_count()},
                      status_code=error.status)
    return render(request, "publication/list.html", {"page": page, "params": params, "grades": queries.GRADES,
                                                     "facets": page.facets, "held": page.held})


async def ruling_page(request: Request) -> Response:
    ruling_id = number_param(request.path_params["ruling_id"], "ruling_id") or 0
    found = await publication.passing_gate([await queries.one(ruling_id)])
    if not found:
        raise NotFound("ruling_not_found", "未找到该公开的评议结论")
    return render(request, "publication/ruling.html", {"r": found[0]})


async def consent(request: Request) -> Response:
    """The complainant's answer from the tracking page."""
    form = await request.form()
    await publication.record_consent(actor=request.state.actor, answer=str(form.get("answer", "")), channel="web")
    return see_other("/track/case#publication")


async def hold_back(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    await publication.hold_back(number=number, actor=request.state.actor, reason=str(form.get("reason", "")))
    return see_other(f"/office/cases/{number}#publication")


async def release_hold(request: Request) -> Response:
    number = request.path_params["number"]
    await publication.release_hold(number=number, actor=request.state.actor)
    return see_other(f"/office/cases/{number}#publication")


async def recheck(request: Request) -> Response:
    number = request.path_params["number"]
    await publication.recheck(number=number, actor=request.state.actor)
    return see_other(f"/office/cases/{number}#publication")


routes = [
    route("/public/rulings", ruling_list, PUBLIC, name="public_rulings"),
    route("/public/rulings/{ruling_id}", ruling_page, PUBLIC),
    route("/track/case/publication", consent, COMPLAINANT, methods=["POST"]),
    route("/office/cases/{number}/publication/hold", hold_back, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/publication/release", release_hold, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/publication/recheck", recheck, OFFICE, methods=["POST"]),
]
