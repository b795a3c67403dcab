"""The office's overdue list and time per stage as JSON, mounted under /api/v1: the same figures as
/office/clocks/overdue and /office/clocks/stages. Case numbers, department names and staff names only."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request

from review.core.actors import OFFICE
from review.core.api.contract import Text, operation
from review.core.web.guard import PolicyRoute, route
from review.deadlines import queries


class OverdueQuery(msgspec.Struct):
    stage: Text | None = None
    department: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None = None
    person: Text | None = None  # member:<id>, account:<id> or office
    state: Text | None = None  # overdue | soon
    page: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1
    per_page: Annotated[int, msgspec.Meta(ge=1, le=500)] = queries.PER_PAGE


class PersonOut(msgspec.Struct):
    key: str
    name: str


class CountOut(msgspec.Struct):
    key: str
    name: str
    count: int


class OverdueItem(msgspec.Struct):
    case_number: str
    stage: str
    stage_name: str
    occurrence: int
    department_id: int
    department_name: str
    persons: list[PersonOut]
    due_day: str
    due: str
    provisional: bool
    spent: float
    unit: str
    state: str
    days_over: int


class OverdueList(msgspec.Struct):
    today: str
    items: list[OverdueItem]
    total: int
    overdue: int
    soon: int
    page: int
    pages: int
    per_page: int
    by_stage: list[CountOut]
    by_department: list[CountOut]


class StagesQuery(msgspec.Struct):
    to: Text | None = None  # YYYY-MM, the last month; this month by default


class MonthOut(msgspec.Struct):
    month: str
    count: int
    median: float | None
    p90: float | None


class StageOut(msgspec.Struct):
    stage: str
    name: str
    unit: str
    count: int
    months: list[MonthOut]


class StageTimesOut(msgspec.Struct):
    months: list[str]
    stages: list[StageOut]


@operation(responses={200: OverdueList})
async def overdue_list(request: Request, query: OverdueQuery) -> dict[str, Any]:
    """
    summary: 逾期清单：已超过期限或将在 1 个工作日内到期的环节，可按环节、部门、责任人、状态筛选，逾期最久的在前，分页
    """
    filters = queries.checked_filters(stage=query.stage, department=query.department, person=query.person,
                                      state=query.state)
    page = await queries.overdue(filters=filters, page=query.page, per_page=query.per_page)
    return {
        "today": page.today.isoformat(), "total": page.total, "overdue": page.overdue, "soon": page.soon,
        "page": page.page, "pages": page.pages, "per_page": page.per_page,
        "by_stage": page.by_stage, "by_department": page.by_department,
        "items": [{"case_number": r.case_number, "stage": r.stage, "stage_name": r.stage_name,
                   "occurrence": r.occurrence, "department_id": r.department_id,
                   "department_name": r.department_name, "persons": list(r.persons),
                   "due_day": r.due_day.isoformat(), "due": r.due.isoformat(), "provisional": r.provisional,
                   "spent": r.spent, "unit": r.unit, "state": r.state, "days_over": r.days_over}
                  for r in page.items],
    }


@operation(responses={200: StageTimesOut})
async def stage_times(request: Request, query: StagesQuery) -> dict[str, Any]:
    """
    summary: 各环节用时：最近 12 个月（截至 to，缺省为本月）每月结束的环节所用工作日的中位数、90% 分位数和数量
    """
    report = await queries.stage_times(to=query.to)
    return {"months": report.months,
            "stages": [{"stage": s.stage, "name": s.name, "unit": s.unit, "count": s.count,
                        "months": list(s.months)} for s in report.stages]}


routes: list[PolicyRoute] = [
    route("/clocks/overdue", overdue_list, OFFICE),
    route("/clocks/stages", stage_times, OFFICE),
]
