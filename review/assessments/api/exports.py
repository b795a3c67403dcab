"""The assessments' exports under /api/v1: a period's league table, a department's history and the redo
orders as CSV, XLSX or JSON files, and the office's year export run as a job with its progress."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from review.assessments.api.redo import OFFICE_OR_LIAISON
from review.assessments.exports import CSV_TYPE, JSON_TYPE, XLSX_TYPE, export
from review.assessments.services import exports
from review.assessments.services import figures as reading
from review.assessments.web.exports import attachment
from review.core.actors import OFFICE, STAFF_OR_HOTLINE
from review.core.api.contract import Text, operation
from review.core.errors import Forbidden
from review.core.web.guard import PolicyRoute, route

EXPORT_TYPES = (CSV_TYPE, XLSX_TYPE, JSON_TYPE)


class ExportQuery(msgspec.Struct):
    period: Text | None = None
    format: Text = "xlsx"


class YearRequest(msgspec.Struct):
    year: Text


class YearExportShown(msgspec.Struct):
    id: int
    period: str
    status: str
    done: int
    total: int
    size: int
    error: str
    download: str | None


async def _period(query: ExportQuery) -> str:
    return reading.checked(query.period) if query.period is not None else await reading.default_period()


@operation(responses={}, files={200: EXPORT_TYPES})
async def league_export(request: Request, query: ExportQuery) -> Response:
    """
    summary: 下载某期排名（format=csv、xlsx 或 json）
    """
    fmt = exports.checked_format(query.format)
    period = await _period(query)
    content, media_type = export(await exports.league_sheet(period), fmt)
    return attachment(content, media_type, exports.filename(period, fmt=fmt))


@operation(responses={}, files={200: EXPORT_TYPES})
async def history_export(request: Request, query: ExportQuery) -> Response:
    """
    summary: 下载一个部门截至某期的近12个月考核数据；联络员只能下载本部门
    """
    fmt = exports.checked_format(query.format)
    period = await _period(query)
    code = request.path_params["code"]
    department_id = await exports.department_id(code)
    actor = request.state.actor
    if actor.kind == "liaison" and actor.department_id != department_id:
        raise Forbidden("forbidden", "联络员只能查看本部门的考核数据")
    sheet = await exports.history_sheet(department_id, exports.last_months(period))
    content, media_type = export(sheet, fmt)
    return attachment(content, media_type, exports.filename(code, "history", period, fmt=fmt))


@operation(responses={}, files={200: EXPORT_TYPES})
async def redo_export(request: Request, query: ExportQuery) -> Response:
    """
    summary: 下载某期开具的整改单（受理编号、部门、状态、期限与日期，不含个人信息）；联络员只含本部门
    """
    fmt = exports.checked_format(query.format)
    period = await _period(query)
    content, media_type = export(await exports.redo_sheet(period, actor=request.state.actor), fmt)
    return attachment(content, media_type, exports.filename("redo", period, fmt=fmt))


@operation(responses={202: YearExportShown})
async def year_start(request: Request, body: YearRequest) -> Any:
    """
    summary: 导出全年考核数据（{"year": "2026"}），后台生成 Excel，返回进度
    """
    export_id = await exports.start_year_export(year=body.year, actor=request.state.actor)
    return (await exports.year_export(export_id=export_id, actor=request.state.actor)).as_json()


@operation(responses={200: YearExportShown})
async def year_progress(request: Request) -> dict[str, Any]:
    """
    summary: 年度导出的进度（已完成/总数）与下载地址
    """
    return (await exports.year_export(export_id=request.path_params["export_id"],
                                      actor=request.state.actor)).as_json()


@operation(responses={}, files={200: XLSX_TYPE})
async def year_download(request: Request) -> Response:
    """
    summary: 下载已完成的年度导出（Excel）
    """
    found, content = await exports.year_export_file(export_id=request.path_params["export_id"],
                                                    actor=request.state.actor)
    return attachment(content, XLSX_TYPE, found.filename)


routes: list[PolicyRoute] = [
    route("/assessments/export", league_export, STAFF_OR_HOTLINE),
    route("/assessments/departments/{code}/export", history_export, STAFF_OR_HOTLINE),
    route("/assessments/redo-orders/export", redo_export, OFFICE_OR_LIAISON),
    route("/assessments/exports", year_start, OFFICE, methods=["POST"]),
    route("/assessments/exports/{export_id:int}", year_progress, OFFICE),
    route("/assessments/exports/{export_id:int}/download", year_download, OFFICE),
]
