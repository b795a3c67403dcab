"""Pages of convening, which need both the case workflow and the panels: the office's batch rounds and the
public draw records (re-run against the seats, the audit chain and the verdicts)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from panels import queries
from panels.domain.conflicts import CONFLICT_LABELS
from panels.services import rounds
from panels.services import verification as draws
from review.convening.services import current_rule
from review.core.actors import OFFICE, PUBLIC
from review.core.labels import ROLE_LABELS
from review.core.web.forms import int_or, see_other
from review.core.web.guard import route
from review.core.web.templating import render


async def rounds_page(request: Request) -> Response:
    return render(request, "panels/rounds.html", {"rounds": await rounds.recent_rounds(),
                                                   "ready": await rounds.cases_ready_count()})


async def round_request(request: Request) -> Response:
    round_id = await rounds.request_round(actor=request.state.actor)
    return see_other(f"/office/rounds/{round_id}")


async def round_page(request: Request) -> Response:
    found = await rounds.round_status(int_or(request.path_params["round_id"]))
    return render(request, "panels/round.html", {"r": found, "ROLE_LABELS": ROLE_LABELS,
                                                  "CONFLICT_LABELS": CONFLICT_LABELS})


async def public_draws(request: Request) -> Response:
    return render(request, "panels/draws.html", {"panels": await queries.recent_panels(), "rule": current_rule()})


async def public_draw(request: Request) -> Response:
    if request.query_params.get("format") == "json":
        return await public_draw_json(request)
    record = await draws.public_record(int_or(request.path_params["panel_id"]))
    return render(request, "panels/draw.html", {"d": record, "ROLE_LABELS": ROLE_LABELS,
                                                "CONFLICT_LABELS": CONFLICT_LABELS})


async def public_draw_json(request: Request) -> Response:
    panel_id = int_or(request.path_params["panel_id"])
    return JSONResponse(await draws.public_replay(panel_id),
                        headers={"Content-Disposition": f'attachment; filename="draw-{panel_id}.json"'})


routes = [
    route("/office/rounds", rounds_page, OFFICE, name="rounds"),
    route("/office/rounds", round_request, OFFICE, methods=["POST"]),
    route("/office/rounds/{round_id:int}", round_page, OFFICE),
    route("/public/draws", public_draws, PUBLIC, name="draws"),
    route("/public/draws/{panel_id:int}", public_draw, PUBLIC),
    route("/public/draws/{panel_id:int}.json", public_draw_json, PUBLIC),
]
