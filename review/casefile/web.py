"""The case file's forms on the case page (the complainant's on the tracking page, the liaison's, the office's)
and its files' downloads. A refused form comes back on the case page, the statement as typed, the refusal
beside it; nothing is kept."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from review.assessments.services import redo as redo_orders
from review.casefile import queries
from review.casefile import services as casefile
from review.casefile.domain import files as rules
from review.cases.queries.page import case_view
from review.core.actors import CASE_PARTY, COMPLAINANT, LIAISON, OFFICE
from review.core.errors import Conflict, Invalid, ServiceError
from review.core.tables import Case
from review.core.web.downloads import attachment
from review.core.web.forms import read_form, see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.core.web.uploads import received_files
from review.mediation import queries as mediation

AREA = {"office": "/office/cases", "liaison": "/liaison/cases"}


async def _refused(request: Request, number: str | None, form: FormData, error: ServiceError) -> Response:
    """The case page again with the refused form as typed and the refusal beside it."""
    actor = request.state.actor
    view = await case_view(actor, number)
    return render(request, "case.html", {
        "v": view, "mediation": await mediation.of_case(view.case["number"]),
        "my_mediation": await mediation.viewer_part(actor=actor, case=view.case),
        "redo": await redo_orders.maybe_for_case(number=view.case["number"], actor=actor),
        "form_error": error, "form": form, "form_for": "casefile"}, status_code=error.status)


async def _add(request: Request, number: str, back: str) -> Response:
    form = await read_form(request)
    try:
        await casefile.add_to_file(number=number, actor=request.state.actor, statement=str(form.get("statement", "")),
                                   files=await received_files(form, "files", max_bytes=rules.FILE_MAX_BYTES))
    except (Invalid, Conflict) as error:
        return await _refused(request, None if request.state.actor.kind == "complainant" else number, form, error)
    return see_other(f"{back}#casefile")


async def add_as_party(request: Request) -> Response:
    """The liaison's or the office's form on their case page."""
    number = request.path_params["number"]
    return await _add(request, number, f"{AREA[request.state.actor.kind]}/{number}")


async def add_as_complainant(request: Request) -> Response:
    """The complainant's form on the tracking page: their one case."""
    case = await Case.select(Case.number).where(Case.id == (request.state.actor.case_id or 0)).first().run()
    if case is None:
        return see_other("/track")
    return await _add(request, case["number"], "/track/case")


async def download(request: Request) -> Response:
    """A file of the case file, to whoever may see the case; named in the header, by id in the path."""
    found = await queries.stored_file(number=request.path_params["number"], file_id=request.path_params["file_id"],
                                      actor=request.state.actor)
    return attachment(found.content, media_type=found.content_type, filename=found.filename,
                      fallback=found.fallback_name)


routes: list[PolicyRoute] = [
    route("/track/case/file/additions", add_as_complainant, COMPLAINANT, methods=["POST"], body_limit=rules.BODY_LIMIT),
    route("/liaison/cases/{number}/file/additions", add_as_party, LIAISON, methods=["POST"], body_limit=rules.BODY_LIMIT),
    route("/office/cases/{number}/file/additions", add_as_party, OFFICE, methods=["POST"], body_limit=rules.BODY_LIMIT),
    route("/cases/{number}/file/files/{file_id:int}", download, CASE_PARTY),
]
