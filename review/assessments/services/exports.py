"""The assessments' exports: a period's league table, a department's history and the redo orders as sheets
(review.assessments.exports writes them as CSV, XLSX or JSON), and a year's workbook.

No personal data: the redo orders' sheet names the case by its number and the department, never the
complainant, and leaves out the liaison's statement and the complainant's note (free text that may name
people); every text cell is masked and neutralised on the way out (review.assessments.exports.cell)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from review.assessments import periods
from review.assessments.exports import Column, Sheet, to_xlsx
from review.assessments.figures import DepartmentFigures, League
from review.assessments.services import figures as reading
from review.assessments.services import redo as orders
from review.assessments.tables import AssessmentExport
from review.core import db
from review.core import jobs as queue
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import CHINA
from review.core.errors import Forbidden, Invalid, NotFound, ServiceError
from review.core.leak_gate import LeakStopped
from review.core.params import LARGEST
from review.core.tables import Department as DepartmentRow
from review.publication import services as publication

Progress = Callable[[int, int], Awaitable[None]]

_RATES = (("reply", "响应率"), ("resolution", "解决率"), ("satisfaction", "满意率"), ("overdue", "超期率"))
_COUNTS = (("handled", "受理量"), ("replied", "回复量"), ("resolved", "解决量"), ("rated", "评价量"),
           ("satisfied", "满意"), ("basic", "基本满意"), ("unsatisfied", "不满意"), ("overdue", "超期"))
_EXPORTER = Actor(kind="office", username="export")  # what the year's job reads the redo orders as


def _figure_columns() -> list[Column]:
    columns = [Column(key, heading) for key, heading in _COUNTS]
    for code, name in _RATES:
        columns += [Column(f"{code}_base", f"{name}（原始）"), Column(f"{code}_rate", f"{name}（修正后）")]
    return [*columns, Column("points", "扣分"), Column("composite", "综合得分"), Column("grade", "等次")]


LEAGUE_COLUMNS = [Column("rank", "排名"), Column("code", "部门代码"), Column("name", "部门名称", 16),
                  *_figure_columns(), Column("ranked", "参与排名"), Column("why", "未排名原因", 20)]
HISTORY_COLUMNS = [Column("period", "期间"), *_figure_columns(), Column("why", "说明", 20)]
REDO_COLUMNS = [Column("order", "整改单号"), Column("case_number", "受理编号", 16),
                Column("department", "部门", 16), Column("state", "状态"), Column("deadline", "整改期限"),
                Column("provisional", "期限待定"), Column("overdue", "已超期"), Column("days_over", "超期工作日"),
                Column("returned", "退回次数"), Column("opened", "开具日期"), Column("reported", "报告日期"),
                Column("decided", "验收日期"), Column("feedback", "诉求人反馈")]


def _why(f: DepartmentFigures, min_count: int) -> str:
    if f.ranked:
        return ""
    if not f.imported:
        return "尚无本期基础数据"
    if f.composite is None:
        return "无法计算综合得分"
    return f"受理量低于 {min_count} 件"


def _figures(f: DepartmentFigures) -> dict[str, Any]:
    row: dict[str, Any] = {key: int(f.counts.get(key, 0)) for key, _ in _COUNTS} if f.imported else {}
    for rate in f.rates if f.imported else ():
        row[f"{rate.code}_base"] = None if rate.base_value is None else round(rate.base_value, 6)
        row[f"{rate.code}_rate"] = None if rate.value is None else round(rate.value, 6)
    row.update(points=f.points, composite=None if f.composite is None else round(f.composite, 4), grade=f.grade)
    return row


def _note(table: League) -> str:
    version = f"第 {table.scheme_version} 版" if table.scheme_version is not None else "未发布"
    return f"期间 {table.period} · 考核方案 {version} · SHA-256 {table.scheme_hash or '—'}"


def _league_rows(table: League) -> Iterator[dict[str, Any]]:
    for f in table.departments:
        yield {"rank": f.rank, "code": f.code, "name": f.name, **_figures(f), "ranked": f.ranked,
               "why": _why(f, table.min_count)}


def league_of(table: League, title: str = "") -> Sheet:
    """The sheet of a league already read."""
    return Sheet(title=title or f"排名 {table.period}", columns=LEAGUE_COLUMNS, rows=_league_rows(table),
                 note=_note(table))


async def league_sheet(period: str) -> Sheet:
    """The period's league table: every department, ranked first, with its figures and why it is not ranked."""
    return league_of(await reading.period_league(reading.checked(period)))


async def history_sheet(department_id: int, period_list: list[str]) -> Sheet:
    """One department's figures over the periods, each under its own scheme version (named per row)."""
    history = await reading.department_history(department_id, [reading.checked(p) for p in period_list])
    name = history[0].name if history else ""
    rows = []
    for period, f in zip(period_list, history, strict=True):
        missing = f"缺少 {'、'.join(f.missing)} 的基础数据" if f.imported and f.missing else ""
        rows.append({"period": period, **_figures(f), "why": "尚无本期基础数据" if not f.imported else missing})
    return Sheet(title=f"{history[0].code if history else ''} 历史", columns=HISTORY_COLUMNS, rows=rows,
                 note=f"{name} · {period_list[0]} 至 {period_list[-1]}" if period_list else name)


def _local_day(value: datetime | None) -> Any:
    return value.astimezone(CHINA).date() if value is not None else None


def _in_period(opened: datetime, months: set[str]) -> bool:
    return opened.astimezone(CHINA).strftime("%Y-%m") in months


def _redo_rows(views: list[orders.OrderView]) -> Iterator[Mapping[str, Any]]:
    for v in views:
        yield {"order": v.id, "case_number": v.case_number, "department": v.department_name,
               "state": v.state_label, "deadline": v.deadline, "provisional": v.deadline_provisional,
               "overdue": v.overdue, "days_over": v.days_over, "returned": v.returned_count,
               "opened": _local_day(v.opened_at), "reported": _local_day(v.reported_at),
               "decided": _local_day(v.decided_at), "feedback": v.feedback_label}


async def redo_sheet(period: str, *, actor: Actor = _EXPORTER) -> Sheet:
    """The redo orders opened in the period (a month, quarter or year), as `actor` may list them: the office
    every department's, a liaison their own. Case numbers and dates only, no one's name."""
    if actor.kind not in ("office", "liaison"):
        raise Forbidden("forbidden", "您无权导出整改单")
    period = reading.checked(period)
    months = set(periods.months(period))
    views = sorted((v for v in await orders.listing(actor=actor) if _in_period(v.opened_at, months)),
                   key=lambda v: v.id)
    return Sheet(title=f"整改 {period}", columns=REDO_COLUMNS, rows=_redo_rows(views),
                 note=f"期间 {period} 开具的整改单 · 共 {len(views)} 件")


async def year_workbook(year: str, progress: Progress | None = None) -> bytes:
    """One XLSX of a year: the year's league table, each month's, and the year's redo orders. `progress(done,
    total)` is awaited after each part is read (14 parts)."""
    year = reading.checked(year)
    if periods.kind(year) != "year":
        raise Invalid("invalid_period", "年度导出的期间应写作 2026", field="period")
    parts = [year, *periods.months(year)]
    total = len(parts) + 1
    sheets: list[Sheet] = []
    for done, period in enumerate(parts, 1):
        table = await reading.period_league(period)
        # the rows are generators over the league already read: a month's figures, not its cells, are held
        sheets.append(league_of(table, title=f"排名 {period}"))
        if progress is not None:
            await progress(done, total)
    sheets.append(await redo_sheet(year))
    # the rows are streamed from the leagues read above; writing them is CPU work, kept off the event loop
    content = await asyncio.to_thread(to_xlsx, *sheets)
    if progress is not None:
        await progress(total, total)
    return content


# ---------------------------------------------------------------------------------------------------------
# A year's workbook as a job: a row counts its progress and keeps the file

EXPORT_NOT_FOUND = ("export_not_found", "未找到该导出记录")


@dataclass(frozen=True)
class YearExport:
    """Where a year's export stands."""

    id: int
    period: str
    status: str  # queued / running / done / failed / replaced (a later export of the year took its place)
    done: int
    total: int
    size: int
    error: str
    created_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "replaced")

    @property
    def filename(self) -> str:
        return f"assessments-{self.period}.xlsx"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "period": self.period, "status": self.status, "done": self.done,
                "total": self.total, "size": self.size, "error": self.error,
                "download": f"/api/v1/assessments/exports/{self.id}/download" if self.status == "done"
                else None}


_SHOWN = (AssessmentExport.id, AssessmentExport.period, AssessmentExport.status, AssessmentExport.done,
          AssessmentExport.total, AssessmentExport.size, AssessmentExport.error, AssessmentExport.created_at)


def _view(row: Mapping[str, Any]) -> YearExport:
    return YearExport(id=row["id"], period=row["period"], status=row["status"], done=row["done"],
                      total=row["total"], size=row["size"], error=row["error"], created_at=row["created_at"])


async def start_year_export(*, year: str, actor: Actor) -> int:
    """Record a year's export (office only) and queue the job that writes it."""
    OFFICE.check(actor)
    year = reading.checked(year)
    if periods.kind(year) != "year":
        raise Invalid("invalid_period", "年度导出的期间应写作 2026", field="period")
    async with db.transaction():
        rows = await AssessmentExport.insert(AssessmentExport(
            period=year, status="queued", done=0, total=len(periods.months(year)) + 2,
            created_at=datetime.now(UTC), created_by=actor.user_id)).run()
        export_id = int(rows[0]["id"])
        await audit.record(case_id=None, actor=actor.label, action="assessment_export_requested",
                           data={"assessment_export": export_id, "period": year})
    await queue.enqueue("export_assessments_year", export_id)
    return export_id


async def run_year_export(*, export_id: int) -> str:
    """The job's work: write the workbook, counting each part read; a done export is left as it is."""
    row = await AssessmentExport.select(AssessmentExport.period, AssessmentExport.status).where(
        AssessmentExport.id == export_id).first().run()
    if row is None or row["status"] == "done":
        return "done"

    async def counted(done: int, total: int) -> None:
        await AssessmentExport.update({AssessmentExport.done: done, AssessmentExport.total: total}).where(
            AssessmentExport.id == export_id).run()

    await AssessmentExport.update({AssessmentExport.status: "running", AssessmentExport.done: 0}).where(
        AssessmentExport.id == export_id).run()
    try:
        content = await year_workbook(row["period"], counted)
    except ServiceError as error:
        await _failed(export_id, error.message)
        if isinstance(error, LeakStopped):
            await publication.stopped(error, case_id=None, output="export", subject=f"{row['period']} 年度导出")
        return "failed"
    except Exception:
        # shown as failed while arq tries again (a retry starts it over); logged by the job runner
        await _failed(export_id, "导出失败，请稍后重试")
        raise
    async with db.transaction():
        await AssessmentExport.update({AssessmentExport.status: "done", AssessmentExport.content: content,
                                       AssessmentExport.size: len(content), AssessmentExport.error: "",
                                       AssessmentExport.finished_at: datetime.now(UTC)}).where(
            AssessmentExport.id == export_id).run()
        # an earlier export of the same year is superseded: its file goes, its record stays
        await AssessmentExport.update({AssessmentExport.content: None, AssessmentExport.status: "replaced"}).where(
            (AssessmentExport.period == row["period"]) & (AssessmentExport.id < export_id)
            & (AssessmentExport.status == "done")).run()
    return "done"


async def _failed(export_id: int, message: str) -> None:
    await AssessmentExport.update({AssessmentExport.status: "failed", AssessmentExport.error: message,
                                   AssessmentExport.finished_at: datetime.now(UTC)}).where(
        AssessmentExport.id == export_id).run()


def _export_id(value: int | str) -> int:
    try:
        found = int(value)
    except ValueError:
        raise NotFound(*EXPORT_NOT_FOUND) from None
    if not 0 < found <= LARGEST:
        raise NotFound(*EXPORT_NOT_FOUND)
    return found


async def year_export(*, export_id: int | str, actor: Actor) -> YearExport:
    """One year's export as it stands (office only)."""
    OFFICE.check(actor)
    row = await AssessmentExport.select(*_SHOWN).where(AssessmentExport.id == _export_id(export_id)).first().run()
    if row is None:
        raise NotFound(*EXPORT_NOT_FOUND)
    return _view(row)


async def year_export_file(*, export_id: int | str, actor: Actor) -> tuple[YearExport, bytes]:
    """A finished export's XLSX (office only); NotFound while it is not done."""
    found = await year_export(export_id=export_id, actor=actor)
    row = await AssessmentExport.select(AssessmentExport.content).where(
        AssessmentExport.id == found.id).first().run()
    if found.status != "done" or row is None or row["content"] is None:
        raise NotFound("export_not_ready", "该导出尚未完成")
    return found, bytes(row["content"])


async def recent_year_exports(limit: int = 5) -> list[YearExport]:
    """The latest year exports, for the office's page."""
    rows = await AssessmentExport.select(*_SHOWN).order_by(AssessmentExport.id, ascending=False).limit(limit).run()
    return [_view(row) for row in rows]


FORMATS = ("csv", "xlsx", "json")


def checked_format(fmt: str) -> str:
    """The format as given, or NotFound (a path names it) naming the formats there are."""
    if fmt not in FORMATS:
        raise NotFound("export_format_not_found", "导出格式应为 csv、xlsx 或 json")
    return fmt


def filename(*parts: str, fmt: str) -> str:
    """An ASCII-safe attachment name: assessments-2026-11.xlsx, assessments-AAA-2026-11.csv, …"""
    cleaned = ["".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in part)
               for part in parts if part]
    return "-".join(["assessments", *cleaned]) + f".{fmt}"


async def department_id(code: str) -> int:
    """The department of a code, or NotFound."""
    row = await DepartmentRow.select(DepartmentRow.id).where(DepartmentRow.code == code).first().run()
    if row is None:
        raise NotFound("department_not_found", "没有这个部门")
    return int(row["id"])


def last_months(period: str, count: int = 12) -> list[str]:
    """The `count` months up to the period's last, oldest first."""
    year, month = (int(p) for p in periods.months(period)[-1].split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]
