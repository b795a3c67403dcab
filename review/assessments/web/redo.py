"""The redo order (整改) pages: the forms of the case page's section (the liaison's report with its files, the
office's or the chair's acceptance or return, the complainant's answer on the tracking page), the files'
downloads and the office's list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.assessments import redo
from review.assessments.services import redo as orders
from review.core.actors import CASE_PARTY, COMPLAINANT, LIAISON, MEMBER, OFFICE
from review.core.errors import NotFound
from review.core.tables import Case
from review.core.web.downloads import attachment
from review.core.web.forms import read_form, see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.core.web.uploads import received_files

AREA = {"office": "/office/cases", "member": "/panel/cases", "liaison": "/liaison/cases"}


def _back(request: Request) -> str:
    actor = request.state.actor
    if actor.kind == "complainant":
        return "/track/case"
    return f"{AREA[actor.kind]}/{request.path_params['number']}"


async def report(request: Request) -> Response:
    form = await read_form(request)
    await orders.report_done(number=request.path_params["number"], actor=request.state.actor,
                             statement=str(form.get("statement", "")),
                             files=await received_files(form, "files", max_bytes=redo.FILE_MAX_BYTES))
    return see_other(_back(request))


async def download_file(request: Request) -> Response:
    """A file of the case's redo order, to whoever may see the order; named in the header, by id in the path."""
    found = await orders.file_for(number=request.path_params["number"], file_id=request.path_params["file_id"],
                                  actor=request.state.actor)
    return attachment(found.content, media_type=found.content_type, filename=found.filename,
                      fallback=orders.fallback_name(found))


async def accept(request: Request) -> Response:
    await orders.accept(number=request.path_params["number"], actor=request.state.actor)
    return see_other(_back(request))


async def send_back(request: Request) -> Response:
    form = await read_form(request)
    await orders.send_back(number=request.path_params["number"], actor=request.state.actor,
                           reason=str(form.get("reason", "")))
    return see_other(_back(request))


async def feedback(request: Request) -> Response:
    form = await read_form(request)
    actor = request.state.actor
    case = await Case.select(Case.number).where(Case.id == (actor.case_id or 0)).first().run()
    if case is None:
        raise NotFound("case_not_found", "未找到该案件")
    await orders.give_feedback(number=case["number"], actor=actor, answer=str(form.get("answer", "")),
                               note=str(form.get("note", "")))
    return see_other("/track/case")


async def office_list(request: Request) -> Response:
    state = request.query_params.get("state") or None
    overdue = {"1": True, "0": False}.get(request.query_params.get("overdue", ""))
    views = await orders.listing(actor=request.state.actor, state=state, overdue=overdue)
    return render(request, "redo_orders.html", {"orders": views, "state": state, "overdue": overdue,
                                                "STATE_LABELS": redo.STATE_LABELS})


routes: list[PolicyRoute] = [
    route("/office/redo-orders", office_list, OFFICE, name="office_redo_orders"),
    route("/liaison/cases/{number}/redo-order/report", report, LIAISON, methods=["POST"],
          body_limit=redo.REPORT_BODY_LIMIT),
    route("/cases/{number}/redo/files/{file_id:int}", download_file, CASE_PARTY),
    route("/office/cases/{number}/redo-order/accept", accept, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/redo-order/return", send_back, OFFICE, methods=["POST"]),
    route("/panel/cases/{number}/redo-order/accept", accept, MEMBER, methods=["POST"]),
    route("/panel/cases/{number}/redo-order/return", send_back, MEMBER, methods=["POST"]),
    route("/track/case/redo-order/feedback", feedback, COMPLAINANT, methods=["POST"]),
]
