"""The assessment figures as people read them: the public league table of a period and a department's own
public page, the liaison's page of their department over time, the office's overview. Each parses, calls the
figures services, renders."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from review.assessments import periods, redo
from review.assessments.figures import DepartmentFigures, League
from review.assessments.services import exports as exporting
from review.assessments.services import figures as reading
from review.assessments.services import redo as orders
from review.core import charts, kept
from review.core.actors import LIAISON, OFFICE, PUBLIC
from review.core.errors import Forbidden, NotFound
from review.core.web.guard import PolicyRoute, route
from review.core.web.kept_pages import keepable, viewer_key
from review.core.web.templating import render

SMALL = 100  # a denominator below this shows its Wilson interval
BAND_COLOURS = ("#1a7f37", "#0969da", "#9a6700", "#cf222e", "#6a737d", "#8250df")
TREND = (("composite", "综合得分", "#1f2328"), ("reply", "响应率", "#0969da"),
         ("resolution", "解决率", "#1a7f37"), ("satisfaction", "满意率", "#cf222e"))


async def _period(request: Request) -> str:
    given = request.query_params.get("period")
    return reading.checked(given) if given is not None else await reading.default_period()


def chart(table: League) -> str:
    grades: list[str] = []
    for item in table.departments:
        if item.grade and item.grade not in grades:
            grades.append(item.grade)
    bands = [(g, BAND_COLOURS[i % len(BAND_COLOURS)]) for i, g in enumerate(grades)]
    rows = [(f"{f.rank}. {f.name}", float(f.composite or 0.0), f.grade or "") for f in table.departments if f.ranked]
    return charts.ranked_bars(f"{table.period} 部门综合得分", rows, bands=bands)


def _context(table: League) -> dict[str, Any]:
    return {"table": table, "small": SMALL, "ranked": [f for f in table.departments if f.ranked],
            "unranked": [f for f in table.departments if f.imported and not f.ranked],
            "absent": [f for f in table.departments if not f.imported]}


_pages: kept.Kept[bytes] = kept.Kept(64)


@kept.forgettable
def forget_pages() -> None:
    _pages.clear()


async def public_league(request: Request) -> Response:
    """The league page, kept as rendered (per viewer and address) while nothing its figures come from changes."""
    period = await _period(request)
    key = (*viewer_key(request), period, await reading.fingerprint())
    body = _pages.get(key)
    if body is not None:
        return HTMLResponse(body)
    table = await reading.period_league(period)
    response = render(request, "assessments/league.html",
                      {**_context(table), "chart": chart(table), "choices": await reading.known_periods(),
                       "period": period})
    if keepable(request, response):
        _pages.put(key, bytes(response.body))
    return response


async def _by_code(table: League, code: str) -> DepartmentFigures:
    found = next((f for f in table.departments if f.code == code), None)
    if found is None:
        raise NotFound("department_not_found", "没有这个部门")
    return found


async def public_department(request: Request) -> Response:
    period = await _period(request)
    table = await reading.period_league(period)
    item = await _by_code(table, request.path_params["code"])
    return render(request, "assessments/department.html",
                  {"table": table, "item": item, "small": SMALL, "period": period,
                   "choices": await reading.known_periods()})


def last_months(period: str, count: int = 12) -> list[str]:
    year, month = (int(p) for p in periods.months(period)[-1].split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def trend(history: list[DepartmentFigures], months: list[str]) -> str:
    series = []
    for code, label, colour in TREND:
        values: list[float | None] = []
        for item in history:
            if code == "composite":
                values.append(item.composite)
            else:
                rate = item.rate(code)
                values.append(None if rate is None or rate.value is None else rate.value * 100)
        series.append((label, colour, values))
    return charts.trend_lines("近12个月", months, series)


async def liaison_page(request: Request) -> Response:
    actor = request.state.actor
    if actor.department_id is None:
        raise Forbidden("forbidden", "您的账号未关联部门")
    period = await _period(request)
    months = last_months(period)
    history = await reading.department_history(actor.department_id, months)
    item = await reading.department_period(period, actor.department_id)
    open_orders = [o for o in await orders.listing(actor=actor) if o.state in redo.PENDING]
    return render(request, "assessments/liaison.html",
                  {"item": item, "history": list(zip(months, history, strict=True)), "chart": trend(history, months),
                   "orders": open_orders, "period": period, "choices": await reading.known_periods(),
                   "small": SMALL})


async def office_overview(request: Request) -> Response:
    period = await _period(request)
    table = await reading.period_league(period)
    overdue = await orders.listing(actor=request.state.actor, overdue=True)
    return render(request, "assessments/office.html",
                  {**_context(table), "period": period, "choices": await reading.known_periods(),
                   "held": [f for f in table.departments if f.held],
                   "partial": [f for f in table.departments if f.imported and f.missing],
                   "overdue": overdue, "exports": await exporting.recent_year_exports()})


routes: list[PolicyRoute] = [
    route("/public/assessments", public_league, PUBLIC, name="public_assessments"),
    route("/public/assessments/departments/{code}", public_department, PUBLIC),
    route("/liaison/assessments", liaison_page, LIAISON),
    route("/office/assessments", office_overview, OFFICE),
]
