"""/office/holidays: the office lists a year's holidays and loads the State Council notice (form or file)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from review.core import calendar
from review.core.actors import OFFICE
from review.core.clock import today_in_china
from review.core.errors import Invalid, ServiceError
from review.core.web.guard import route
from review.core.web.templating import render
from review.core.web.uploads import saved_upload
from review.core.workdays import KIND_LABELS, STATUS_LABELS
from review.holidays import services as holidays
from review.holidays.importing import DEFAULT_SOURCE, HolidayLoad, load_file, load_year, text_rows, year_param


async def note_notice(request: Request) -> None:
    """The office's banner (base.html): the year whose State Council notice should be loaded now, if any.
    The composition root runs this before every office page (`guard.before_office_page`)."""
    request.state.holiday_notice = await calendar.notice_wanted(today_in_china())


async def _page(
    request: Request,
    year: int | None,
    *,
    report: HolidayLoad | None = None,
    error: ServiceError | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    today = today_in_china()
    shown = year or (report.year if report else None) or await calendar.notice_wanted(today) or today.year
    return render(
        request,
        "holidays.html",
        {
            "table": await holidays.year_table(shown),
            "report": report,
            "error": error,
            "form": form or {"year": shown, "source": DEFAULT_SOURCE, "status": "official", "days": ""},
            "KIND_LABELS": KIND_LABELS,
            "STATUS_LABELS": STATUS_LABELS,
        },
        status_code=status_code,
    )


async def holidays_page(request: Request) -> Response:
    try:
        year = year_param(request.query_params.get("year"))
    except Invalid as error:
        return await _page(request, None, error=error, status_code=error.status)
    return await _page(request, year)


async def holidays_enter(request: Request) -> Response:
    """The form: one day a line."""
    form = await request.form()
    fields = {k: str(form.get(k, "")) for k in ("year", "source", "status", "days")}
    try:
        year = year_param(fields["year"])
        report = await load_year(
            raw=text_rows(fields["days"]),
            actor=request.state.actor,
            source=fields["source"],
            year=year,
            status=fields["status"] or "official",
        )
    except ServiceError as error:
        return await _page(request, None, error=error, form=fields, status_code=error.status)
    return await _page(
        request, report.year, report=report, form=fields, status_code=200 if report.loaded else 422
    )


async def holidays_upload(request: Request) -> Response:
    """The upload: a CSV or XLSX with 日期, 类型, 名称."""
    form = await request.form()
    fields = {k: str(form.get(k, "")) for k in ("year", "source", "status")}
    try:
        year = year_param(fields["year"])
        path = await saved_upload(form.get("file"), (".csv", ".xlsx"))
    except ServiceError as error:
        return await _page(request, None, error=error, form=fields, status_code=error.status)
    try:
        report = await load_file(
            path=path,
            actor=request.state.actor,
            source=fields["source"],
            year=year,
            status=fields["status"] or "official",
        )
    except ServiceError as error:
        return await _page(request, None, error=error, form=fields, status_code=error.status)
    finally:
        path.unlink(missing_ok=True)
    return await _page(
        request, report.year, report=report, form=fields, status_code=200 if report.loaded else 422
    )


routes = [
    route("/office/holidays", holidays_page, OFFICE, name="holidays"),
    route("/office/holidays", holidays_enter, OFFICE, methods=["POST"]),
    route("/office/holidays/import", holidays_upload, OFFICE, methods=["POST"]),
]
