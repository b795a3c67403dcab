"""Pages of the scoring area that need scoring alone: the criteria (public and office drafts) and the office's
rater-quality view. Each parses, calls one service, renders."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from review.core.actors import OFFICE, PUBLIC
from review.core.errors import Conflict, Invalid, NotFound
from review.core.params import int_param
from review.core.web.forms import see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from scoring.charts import lean_chart
from scoring.domain.criteria import content_hash, content_json
from scoring.queries import rater_quality
from scoring.services import criteria as criteria_admin

# Criteria rows one draft form may carry (the criteria and a spare row); a larger count is no form of ours.
MAX_DRAFT_ROWS = 200


async def public_criteria(request: Request) -> Response:
    rows = await criteria_admin.versions()
    shown = request.query_params.get("version")
    current = next((r for r in rows if str(r["version"]) == shown), rows[0] if rows else None)
    content = content_json(await criteria_admin.load_content(current["id"])) if current else None
    return render(request, "scoring/public_criteria.html", {"versions": rows, "current": current, "content": content})


async def office_criteria(request: Request) -> Response:
    return render(request, "scoring/office_criteria.html",
                  {"versions": await criteria_admin.versions(include_drafts=True)})


async def new_draft(request: Request) -> Response:
    """A new draft starts as a copy of the version in force."""
    rows = await criteria_admin.versions()
    base = content_json(await criteria_admin.load_content(rows[0]["id"])) if rows else {
        "name": "评议标准", "criteria": [{"code": "C1", "name": "指标", "description": "", "weight": 1,
                                          "levels": ["差", "好"]}], "rule": {}}
    set_id = await criteria_admin.create_draft(actor=request.state.actor, content=base)
    return see_other(f"/office/criteria/{set_id}")


def _draft_from_form(form: FormData) -> dict[str, Any]:
    criteria = []
    for i in range(int_param(form.get("rows"), "rows", 0, maximum=MAX_DRAFT_ROWS)):
        code = str(form.get(f"code_{i}", "")).strip()
        if not code and not str(form.get(f"name_{i}", "")).strip():
            continue  # an empty spare row
        criteria.append({"code": code, "name": form.get(f"name_{i}", ""), "description": form.get(f"description_{i}", ""),
                         "weight": form.get(f"weight_{i}", ""), "levels": str(form.get(f"levels_{i}", ""))})
    rule = {key: form.get(key, "") for key in ("method", "min_sheets", "required_roles", "proper_at", "basic_at",
                                                "dispersion_limit", "reconsideration_days")}
    return {"name": form.get("name", ""), "criteria": criteria, "rule": rule}


async def draft_page(request: Request, error: Exception | None = None, status_code: int = 200) -> Response:
    set_id = int(request.path_params["set_id"])
    row = next((r for r in await criteria_admin.versions(include_drafts=True) if r["id"] == set_id), None)
    if row is None:
        raise NotFound("criteria_not_found", "未找到该评议标准")
    content = await criteria_admin.load_content(set_id)
    return render(request, "scoring/draft.html", {"row": row, "content": content_json(content),
                                                  "hash": content_hash(content), "error": error},
                  status_code=status_code)


async def save_draft(request: Request) -> Response:
    set_id = int(request.path_params["set_id"])
    form = await request.form()
    try:
        content = _draft_from_form(form)
        await criteria_admin.update_draft(actor=request.state.actor, set_id=set_id, content=content)
    except (Invalid, Conflict) as error:
        return await draft_page(request, error, status_code=error.status)
    return see_other(f"/office/criteria/{set_id}?saved=1")


async def publish_draft(request: Request) -> Response:
    await criteria_admin.publish_criteria(actor=request.state.actor, set_id=int(request.path_params["set_id"]))
    return see_other("/office/criteria")


async def office_quality(request: Request) -> Response:
    report = await rater_quality()
    return render(request, "scoring/quality.html", {"report": report, "chart": lean_chart(report.members)})


async def quality_chart(request: Request) -> Response:
    report = await rater_quality()
    return Response(lean_chart(report.members), media_type="image/svg+xml")


routes: list[PolicyRoute] = [
    route("/public/criteria", public_criteria, PUBLIC, name="public_criteria"),
    route("/office/criteria", office_criteria, OFFICE, name="office_criteria"),
    route("/office/criteria", new_draft, OFFICE, methods=["POST"]),
    route("/office/criteria/{set_id:int}", draft_page, OFFICE),
    route("/office/criteria/{set_id:int}", save_draft, OFFICE, methods=["POST"]),
    route("/office/criteria/{set_id:int}/publish", publish_draft, OFFICE, methods=["POST"]),
    route("/office/quality", office_quality, OFFICE, name="office_quality"),
    route("/office/quality/chart.svg", quality_chart, OFFICE),
]
