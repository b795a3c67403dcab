"""The office's overdue list at /office/clocks/overdue (filters by stage, department, person and state; counts
by stage and department) and the time per stage by month at /office/clocks/stages (median and 90th percentile,
a chart per stage with its table)."""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from review.core import charts
from review.core.actors import OFFICE
from review.core.params import int_param
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.deadlines import queries
from review.deadlines.policy import UNITS
from review.deadlines.stage_times import STATES, StageTimes

MEDIAN_COLOUR, P90_COLOUR = "#0969da", "#cf222e"


def _linker(filters: queries.OverdueFilters) -> Callable[..., str]:
    """A link to the list under the current filters with some changed (a page, a count clicked)."""
    def href(**changes: object) -> str:
        given = {"stage": filters.stage, "department": filters.department, "person": filters.person,
                 "state": filters.state, **changes}
        query = urlencode({k: v for k, v in given.items()
                           if v is not None and v != "" and not (k == "page" and v == 1)})
        return f"/office/clocks/overdue?{query}" if query else "/office/clocks/overdue"
    return href


async def overdue_page(request: Request) -> Response:
    params = request.query_params
    filters = queries.checked_filters(stage=params.get("stage"), department=params.get("department"),
                                      person=params.get("person"), state=params.get("state"))
    page = await queries.overdue(filters=filters, page=int_param(params.get("page"), "page", 1, minimum=1))
    return render(request, "deadlines/overdue.html",
                  {"page": page, "f": filters, "stages": queries.stage_names(), "states": STATES, "units": UNITS,
                   "href": _linker(filters)})


def _ceiling(value: float) -> float:
    """A top for the chart's scale whose four steps are whole days: 4, 8, 12, … working days."""
    return float(max(4, math.ceil(value / 4) * 4))


def chart(item: StageTimes, months: list[str]) -> str:
    top = max([m.p90 or 0.0 for m in item.months] + [m.median or 0.0 for m in item.months] + [0.0])
    unit = UNITS[item.unit]
    return charts.trend_lines(
        f"{item.name}：用时（{unit}）", months,
        [("中位数", MEDIAN_COLOUR, [m.median for m in item.months]),
         ("90%分位", P90_COLOUR, [m.p90 for m in item.months])],
        low=0.0, high=_ceiling(top))


async def stages_page(request: Request) -> Response:
    report = await queries.stage_times(to=request.query_params.get("to"))
    return render(request, "deadlines/stages.html",
                  {"report": report, "charts": {s.stage: chart(s, report.months) for s in report.stages},
                   "units": UNITS, "to": report.months[-1]})


routes: list[PolicyRoute] = [
    route("/office/clocks/overdue", overdue_page, OFFICE, name="office_overdue"),
    route("/office/clocks/stages", stages_page, OFFICE, name="office_stage_times"),
]
