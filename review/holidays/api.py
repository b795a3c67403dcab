"""JSON twin of /office/holidays: list a year, load a year's notice (file or JSON days)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request

from review.core.actors import OFFICE, STAFF_OR_HOTLINE
from review.core.api.contract import MULTIPART, UNSET, Reply, Text, Unset, operation, sent
from review.core.clock import today_in_china
from review.core.web.forms import read_form
from review.core.web.guard import route
from review.core.web.uploads import saved_upload
from review.holidays import services as holidays
from review.holidays.importing import DEFAULT_SOURCE, HolidayLoad, load_file, load_year, year_param

Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
Loose = Text | int | None


class YearQuery(msgspec.Struct):
    year: Year | None = None


class HolidayDay(msgspec.Struct):
    date: str
    kind: str
    name: str | None
    status: str


class YearTable(msgspec.Struct):
    year: int
    status: str
    provisional: bool
    sources: list[str]
    days: list[HolidayDay]


class NoticeDay(msgspec.Struct):
    """One day of a notice; the import checks each and reports it by row."""

    date: Loose | Unset = UNSET
    kind: Loose | Unset = UNSET
    name: Loose | Unset = UNSET


class Notice(msgspec.Struct):
    """A year's notice sent as JSON: its days, where it comes from, official or provisional."""

    days: list[NoticeDay]
    year: Year | Text | None = None
    source: Text | None = None
    status: Text | None = None


class LoadRow(msgspec.Struct):
    row: int
    ok: bool
    message: str


class LoadReport(msgspec.Struct):
    year: int | None
    loaded: int
    rows: list[LoadRow]
    changes: list[Any]


NOTICE_UPLOAD: dict[str, Any] = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "year": {"type": "string"},
        "source": {"type": "string"},
        "status": {"type": "string"},
    },
    "required": ["file"],
}


def _load_reply(report: HolidayLoad) -> Reply:
    body = LoadReport(year=report.year, loaded=report.loaded,
                      rows=[LoadRow(row=r.row, ok=r.ok, message=r.message) for r in report.rows],
                      changes=list(report.changes))
    return Reply(201 if report.loaded else 422, body)


@operation(responses={200: YearTable})
async def list_holidays(request: Request, query: YearQuery) -> YearTable:
    """
    summary: 某年的节假日安排（year 缺省为今年）；status 为 official（正式）、provisional（暂定）或 missing（未载入）
    """
    table = await holidays.year_table(query.year or today_in_china().year)
    return YearTable(
        year=table.year, status=table.status, provisional=table.status != "official", sources=list(table.sources),
        days=[HolidayDay(date=d["day"].isoformat(), kind=d["kind"], name=d["name"], status=d["status"])
              for d in table.days],
    )


@operation(responses={201: LoadReport, 422: LoadReport}, uploads={MULTIPART: NOTICE_UPLOAD})
async def import_holidays(request: Request, body: Notice | None) -> Reply:
    """
    summary: 载入一年的放假安排（任何一行有误则整批不写入）
    description: multipart（file 为 CSV 或 XLSX，另有 year、source、status 字段），或 JSON 对象，含 year、source、status
      和 days（每项含 date、kind、name）。
    """

    actor = request.state.actor
    if body is None:
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
        return _load_reply(report)
    report = await load_year(
        raw=list(enumerate([sent(day) for day in body.days], 1)),
        actor=actor,
        source=body.source or DEFAULT_SOURCE,
        year=year_param(body.year),
        status=body.status or "official",
    )
    return _load_reply(report)


routes = [
    route("/holidays", list_holidays, STAFF_OR_HOTLINE),
    route("/holidays/import", import_holidays, OFFICE, methods=["POST"]),
]
