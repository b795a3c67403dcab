"""JSON twin of /office/assessments/figures, mounted under /api/v1: the hotline (its API key) or the office imports
base figures (基础数据), as JSON rows or a CSV/XLSX file. Parses, calls one service, returns the report."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request

from review.assessments.imports import MAX_ROWS
from review.assessments.services import imports as figures
from review.core.api.contract import MULTIPART, UNSET, Reply, Text, Unset, operation, sent
from review.core.web.forms import read_form
from review.core.web.guard import PolicyRoute, route
from review.core.web.uploads import saved_upload

# What a client may put where a count, code or period is asked for; the import's check names what is wrong.
Loose = bool | int | float | Text | None


class FigureRowIn(msgspec.Struct):
    """One department's figures for one period; each field is checked and reported by row."""

    department_code: Loose | Unset = UNSET
    period: Loose | Unset = UNSET
    handled: Loose | Unset = UNSET
    replied: Loose | Unset = UNSET
    resolved: Loose | Unset = UNSET
    rated: Loose | Unset = UNSET
    satisfied: Loose | Unset = UNSET
    basic: Loose | Unset = UNSET
    unsatisfied: Loose | Unset = UNSET
    overdue: Loose | Unset = UNSET
    avg_reply_days: Loose | Unset = UNSET


class FiguresIn(msgspec.Struct):
    """The figures sent as JSON: one object per department and period."""

    rows: Annotated[list[FigureRowIn], msgspec.Meta(max_length=MAX_ROWS)]


class ImportRow(msgspec.Struct):
    row: int
    ok: bool
    message: str
    fields: list[str]


class ImportReport(msgspec.Struct):
    imported: int
    replaced: int
    periods: list[str]
    rows: list[ImportRow]


FIGURES_UPLOAD: dict[str, Any] = {
    "type": "object",
    "properties": {"file": {"type": "string", "format": "binary"}},
    "required": ["file"],
}


def _reply(report: figures.FiguresImport) -> Reply:
    body = ImportReport(imported=report.imported, replaced=report.replaced, periods=list(report.periods),
                        rows=[ImportRow(row=r.row, ok=r.ok, message=r.message,
                                        fields=list(getattr(r, "fields", ()))) for r in report.rows])
    return Reply(200 if report.imported else 422, body)


@operation(responses={200: ImportReport, 422: ImportReport}, uploads={MULTIPART: FIGURES_UPLOAD})
async def import_figures(request: Request, body: FiguresIn | None) -> Reply:
    """
    summary: 导入热线平台的基础数据（任何一行有误则整批不写入；同一部门同一期间再次导入则替换，原数据保留）
    description: JSON 对象 {"rows": [...]}，每项含 department_code、period（2026-11、2026-Q4 或 2026）、handled、
      replied、resolved、rated、satisfied、basic、unsatisfied、overdue 和可选的 avg_reply_days；或 multipart，
      file 为 CSV（UTF-8 或 GBK）或 XLSX，表头为中文或英文列名。
    """
    actor = request.state.actor
    if body is None:
        form = await read_form(request)
        path = await saved_upload(form.get("file"), (".csv", ".xlsx"))
        try:
            report = await figures.load_file(path, actor=actor, source="api")
        finally:
            path.unlink(missing_ok=True)
        return _reply(report)
    report = await figures.load_rows(list(enumerate([sent(row) for row in body.rows], 1)), actor=actor,
                                     source="api")
    return _reply(report)


routes: list[PolicyRoute] = [
    route("/assessments/figures", import_figures, figures.IMPORTERS, methods=["POST"]),
]
