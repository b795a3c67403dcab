"""Downloads of the assessments: the league table, a department's history, the redo orders (CSV, XLSX or
JSON), and the office's year export, written by a job whose progress page refreshes itself."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.assessments.exports import XLSX_TYPE, export
from review.assessments.services import exports
from review.assessments.services import figures as reading
from review.core.actors import LIAISON, OFFICE, PUBLIC
from review.core.web.forms import see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render


def attachment(content: bytes, media_type: str, name: str) -> Response:
    """The bytes as a download named `name` (ASCII: exports.filename), never cached by a shared cache."""
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


async def _period(request: Request) -> str:
    given = request.query_params.get("period")
    return reading.checked(given) if given is not None else await reading.default_period()


async def league_export(request: Request) -> Response:
    fmt = exports.checked_format(request.path_params["fmt"])
    period = await _period(request)
    content, media_type = export(await exports.league_sheet(period), fmt)
    return attachment(content, media_type, exports.filename(period, fmt=fmt))


async def history_export(request: Request) -> Response:
    fmt = exports.checked_format(request.path_params["fmt"])
    code = request.path_params["code"]
    period = await _period(request)
    sheet = await exports.history_sheet(await exports.department_id(code), exports.last_months(period))
    content, media_type = export(sheet, fmt)
    return attachment(content, media_type, exports.filename(code, "history", period, fmt=fmt))


async def redo_export(request: Request) -> Response:
    fmt = exports.checked_format(request.path_params["fmt"])
    period = await _period(request)
    content, media_type = export(await exports.redo_sheet(period, actor=request.state.actor), fmt)
    return attachment(content, media_type, exports.filename("redo", period, fmt=fmt))


async def year_start(request: Request) -> Response:
    form = await request.form()
    export_id = await exports.start_year_export(year=str(form.get("year", "")), actor=request.state.actor)
    return see_other(f"/office/assessments/exports/{export_id}")


async def year_page(request: Request) -> Response:
    found = await exports.year_export(export_id=request.path_params["export_id"], actor=request.state.actor)
    return render(request, "assessments/export_progress.html", {"e": found})


async def year_download(request: Request) -> Response:
    found, content = await exports.year_export_file(export_id=request.path_params["export_id"],
                                                    actor=request.state.actor)
    return attachment(content, XLSX_TYPE, found.filename)


routes: list[PolicyRoute] = [
    route("/public/assessments/export.{fmt}", league_export, PUBLIC),
    route("/public/assessments/departments/{code}/export.{fmt}", history_export, PUBLIC),
    route("/office/assessments/redo/export.{fmt}", redo_export, OFFICE),
    route("/liaison/assessments/redo/export.{fmt}", redo_export, LIAISON),  # their own department's only
    route("/office/assessments/exports", year_start, OFFICE, methods=["POST"]),
    route("/office/assessments/exports/{export_id}", year_page, OFFICE),
    route("/office/assessments/exports/{export_id}/download", year_download, OFFICE),
]
