"""The assessment figures as JSON, mounted under /api/v1: a period's league (the same figures as the public
page), paginated, and one department's history. A liaison sees only their own department."""

from __future__ import annotations

import math
from typing import Annotated, Any

import msgspec
from starlette.requests import Request

from review.assessments.figures import DepartmentFigures, RateFigure
from review.assessments.services import figures as reading
from review.core.actors import STAFF_OR_HOTLINE
from review.core.api.contract import Text, operation
from review.core.errors import Forbidden, Invalid, NotFound
from review.core.web.guard import PolicyRoute, route

MAX_PERIODS = 36


class LeagueQuery(msgspec.Struct):
    period: Text | None = None
    page: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1
    per_page: Annotated[int, msgspec.Meta(ge=1, le=500)] = 50


class HistoryQuery(msgspec.Struct):
    periods: Text | None = None  # comma-separated
    from_: Text | None = msgspec.field(default=None, name="from")
    to: Text | None = None


class RateShown(msgspec.Struct):
    code: str
    name: str
    numerator: int
    denominator: int
    value: float | None
    base_value: float | None
    interval: list[float] | None


class DepartmentShown(msgspec.Struct):
    code: str
    name: str
    period: str
    rank: int | None
    ranked: bool
    imported: bool
    missing: list[str]
    held: bool
    base: dict[str, int]
    counts: dict[str, int]
    avg_reply_days: float | None
    rates: list[RateShown]
    outcomes: dict[str, int]
    points: int
    composite: float | None
    grade: str | None


class CityShown(msgspec.Struct):
    departments: int
    base: dict[str, int]
    counts: dict[str, int]
    avg_reply_days: float | None
    rates: list[RateShown]
    outcomes: dict[str, int]
    points: int


class LeaguePage(msgspec.Struct):
    period: str
    scheme_version: int | None
    scheme_hash: str
    min_count: int
    city: CityShown
    not_imported: list[str]
    items: list[DepartmentShown]
    total: int
    page: int
    pages: int
    per_page: int


class History(msgspec.Struct):
    code: str
    name: str
    items: list[DepartmentShown]


def _rate(r: RateFigure) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "numerator": r.numerator, "denominator": r.denominator,
            "value": r.value, "base_value": r.base_value, "interval": list(r.interval) if r.interval else None}


def shown(f: DepartmentFigures, period: str) -> dict[str, Any]:
    return {"code": f.code, "name": f.name, "period": period, "rank": f.rank, "ranked": f.ranked,
            "imported": f.imported, "missing": list(f.missing), "held": f.held, "base": dict(f.base),
            "counts": dict(f.counts), "avg_reply_days": f.avg_reply_days, "rates": [_rate(r) for r in f.rates],
            "outcomes": dict(f.outcomes), "points": f.points, "composite": f.composite, "grade": f.grade}


@operation(responses={200: LeaguePage})
async def league(request: Request, query: LeagueQuery) -> dict[str, Any]:
    """
    summary: 某期（2026-11、2026-Q4 或 2026；缺省为最近一个有基础数据的月份）各部门的考核数据，分页；联络员只看本部门
    """
    period = reading.checked(query.period) if query.period is not None else await reading.default_period()
    table = await reading.period_league(period)
    rows = list(table.departments)
    actor = request.state.actor
    if actor.kind == "liaison":
        rows = [f for f in rows if f.department_id == actor.department_id]
    total = len(rows)
    start = (query.page - 1) * query.per_page
    city = table.city
    return {
        "period": period, "scheme_version": table.scheme_version, "scheme_hash": table.scheme_hash,
        "min_count": table.min_count,
        "city": {"departments": city.departments, "base": dict(city.base), "counts": dict(city.counts),
                 "avg_reply_days": city.avg_reply_days, "rates": [_rate(r) for r in city.rates],
                 "outcomes": dict(city.outcomes), "points": city.points},
        "not_imported": list(table.not_imported) if actor.kind != "liaison" else [],
        "items": [shown(f, period) for f in rows[start:start + query.per_page]],
        "total": total, "page": query.page, "pages": max(1, math.ceil(total / query.per_page)),
        "per_page": query.per_page,
    }


def _period_list(query: HistoryQuery) -> list[str]:
    if query.periods:
        chosen = [reading.checked(p) for p in query.periods.split(",") if p.strip()]
    elif query.from_ or query.to:
        if not (query.from_ and query.to):
            raise Invalid("invalid_period", "请同时给出 from 与 to（月份，如 2026-01）", field="from")
        first, last = reading.checked(query.from_), reading.checked(query.to)
        if len(first) != 7 or len(last) != 7 or first > last:
            raise Invalid("invalid_period", "from 与 to 应为月份（如 2026-01），且 from 不晚于 to", field="from")
        chosen, (year, month) = [], (int(first[:4]), int(first[5:7]))
        while f"{year:04d}-{month:02d}" <= last and len(chosen) <= MAX_PERIODS:
            chosen.append(f"{year:04d}-{month:02d}")
            year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    else:
        raise Invalid("invalid_period", "请给出 periods（逗号分隔）或 from 与 to", field="periods")
    if not chosen or len(chosen) > MAX_PERIODS:
        raise Invalid("invalid_period", f"期间应为 1 至 {MAX_PERIODS} 个", field="periods")
    return chosen


@operation(responses={200: History})
async def history(request: Request, query: HistoryQuery) -> dict[str, Any]:
    """
    summary: 一个部门各期的考核数据（periods=2026-10,2026-11 或 from=2026-01&to=2026-12）；联络员只看本部门
    """
    chosen = _period_list(query)
    code = request.path_params["code"]
    table = await reading.period_league(chosen[-1])
    found = next((f for f in table.departments if f.code == code), None)
    if found is None:
        raise NotFound("department_not_found", "没有这个部门")
    actor = request.state.actor
    if actor.kind == "liaison" and actor.department_id != found.department_id:
        raise Forbidden("forbidden", "联络员只能查看本部门的考核数据")
    items = await reading.department_history(found.department_id, chosen)
    return {"code": found.code, "name": found.name,
            "items": [shown(f, p) for f, p in zip(items, chosen, strict=True)]}


routes: list[PolicyRoute] = [
    route("/assessments", league, STAFF_OR_HOTLINE),
    route("/assessments/departments/{code}", history, STAFF_OR_HOTLINE),
]
