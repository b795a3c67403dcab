"""JSON twin of /office/holidays: list a year, load a year's notice (file or JSON days)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from review import holidays
from review.actors import OFFICE, STAFF_OR_HOTLINE
from review.api.common import json_object
from review.errors import Invalid
from review.holiday_import import DEFAULT_SOURCE, HolidayLoad, load_file, load_year, year_param
from review.uploads import saved_upload
from review.web.forms import read_form
from review.web.guard import route
from review.web.templating import CHINA


def _load_json(report: HolidayLoad) -> JSONResponse:
    body = {
        "year": report.year,
        "loaded": report.loaded,
        "rows": [{"row": r.row, "ok": r.ok, "message": r.message} for r in report.rows],
        "changes": list(report.changes),
    }
    return JSONResponse(body, status_code=201 if report.loaded else 422)


async def list_holidays(request: Request) -> Response:
    """
    summary: 某年的节假日安排（year 缺省为今年）；status 为 official（正式）、provisional（暂定）或 missing（未载入）
    """
    year = year_param(request.query_params.get("year"), datetime.now(CHINA).date().year)
    assert year is not None
    table = await holidays.year_table(year)
    return JSONResponse(
        {
            "year": table.year,
            "status": table.status,
            "provisional": table.status != "official",
            "sources": list(table.sources),
            "days": [
                {"date": d["day"].isoformat(), "kind": d["kind"], "name": d["name"], "status": d["status"]}
                for d in table.days
            ],
        }
    )


async def import_holidays(request: Request) -> Response:
    """
    summary: 载入一年的放假安排（任何一行有误则整批不写入）
    description: multipart（file 为 CSV 或 XLSX，另有 year、source、status 字段），或 JSON 对象，含 year、source、status
      和 days（每项含 date、kind、name）。
    """

    actor = request.state.actor
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await read_form(request)
        fields: dict[str, Any] = {k: form.get(k) for k in ("year", "source", "status")}
        path = await saved_upload(form.get("file"), (".csv", ".xlsx"))
        try:
            report = await load_file(
                path=path,
                actor=actor,
                source=str(fields["source"] or DEFAULT_SOURCE),
                year=year_param(fields["year"]),
                status=str(fields["status"] or "official"),
            )
        finally:
            path.unlink(missing_ok=True)
        return _load_json(report)
    body = await json_object(request)
    days = body.get("days")
    if not isinstance(days, list) or not all(isinstance(d, dict) for d in days):
        raise Invalid("invalid_field", "days 应为对象数组，每项含 date、kind、name", field="days")
    report = await load_year(
        raw=list(enumerate(days, 1)),
        actor=actor,
        source=str(body.get("source") or DEFAULT_SOURCE),
        year=year_param(body.get("year")),
        status=str(body.get("status") or "official"),
    )
    return _load_json(report)


routes = [
    route("/holidays", list_holidays, STAFF_OR_HOTLINE),
    route("/holidays/import", import_holidays, OFFICE, methods=["POST"]),
]
