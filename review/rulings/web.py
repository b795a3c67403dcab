"""Pages of the scoring area: criteria (public and office), the scoring form, deliberation, the ruling,
reconsideration and the office's progress and quality views. Each parses, calls one service, renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from review.cases.page import case_view
from review.core.actors import COMPLAINANT, LIAISON, MEMBER, OFFICE, PUBLIC
from review.core.errors import Conflict, Invalid, NotFound, ServiceError
from review.core.params import int_param
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.rulings import deliberation, reconsideration
from review.rulings.progress import progress
from review.rulings.sheet_history import sheet_history
from review.rulings.sheets import save_sheet
from scoring.charts import lean_chart
from scoring.domain.criteria import content_hash, content_json
from scoring.domain.values import form_value
from scoring.queries import rater_quality
from scoring.services import criteria as criteria_admin

# Criteria rows one draft form may carry (the criteria and a spare row); a larger count is no form of ours.
MAX_DRAFT_ROWS = 200
AREA = {"office": "/office/cases", "member": "/panel/cases", "liaison": "/liaison/cases"}


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _case_path(request: Request) -> str:
    actor = request.state.actor
    if actor.kind == "complainant":
        return "/track/case"
    return f"{AREA[actor.kind]}/{request.path_params['number']}"


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
    return _back(f"/office/criteria/{set_id}")


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
    return _back(f"/office/criteria/{set_id}?saved=1")


async def publish_draft(request: Request) -> Response:
    await criteria_admin.publish_criteria(actor=request.state.actor, set_id=int(request.path_params["set_id"]))
    return _back("/office/criteria")


def _scores_from_form(form: FormData) -> list[dict]:
    codes = {key.split("_", 1)[1] for key in form if key.startswith(("value_", "reason_"))}
    return [{"criterion": c, "value": form_value(str(form.get(f"value_{c}") or "")),
             "reason": form.get(f"reason_{c}", "")} for c in sorted(codes)]


async def submit_scores(request: Request) -> Response:
    """Save a draft (button `draft`) or submit; on any refusal the form comes back with what was typed."""
    number = request.path_params["number"]
    form = await request.form()
    draft = "draft" in form
    try:
        await save_sheet(number=number, actor=request.state.actor, scores=_scores_from_form(form),
                         revision=int_param(form.get("revision"), "revision", 0), submit=not draft)
    except (Invalid, Conflict) as error:
        return await _case_with_form(request, number, "scores", form, error)
    return _back(f"/panel/cases/{number}?{'draft' if draft else 'submitted'}=1#scoring")


async def _case_with_form(request: Request, number: str, form_for: str, form: FormData,
                          error: ServiceError) -> Response:
    """The case page again with the refused form as typed and the refusal at its field (never a bare error)."""
    view = await case_view(request.state.actor, number)
    return render(request, "case.html", {"v": view, "form_error": error, "form": form, "form_for": form_for},
                  status_code=error.status)


async def sheet_revisions(request: Request) -> Response:
    """A sheet's revision history: the member's own, or (once scoring has closed) any for the office."""
    history = await sheet_history(number=request.path_params["number"], sheet_id=request.path_params["sheet_id"],
                                  actor=request.state.actor)
    return render(request, "scoring/revisions.html", {"h": history, "case_path": _case_path(request)})


# The panel's deliberation forms posting to /panel/cases/{number}/deliberation/{what}: (number, actor, form).
DELIBERATION_STEPS: dict[str, Callable[[str, Any, Any], Awaitable[object]]] = {
    "message": lambda number, actor, form: deliberation.post_message(number=number, actor=actor,
                                                                     body=str(form.get("body", ""))),
    "reasoning": lambda number, actor, form: deliberation.save_reasoning(
        number=number, actor=actor, reasoning=str(form.get("reasoning", ""))),
    "dissent": lambda number, actor, form: deliberation.add_dissent(number=number, actor=actor,
                                                                    text=str(form.get("text", ""))),
    "sign": lambda number, actor, form: deliberation.sign_reasoning(
        number=number, actor=actor, reasoning=None if form.get("reasoning") is None else str(form["reasoning"])),
}


async def deliberate(request: Request) -> Response:
    """The panel's deliberation forms: message, reasoning (chair), dissent, sign (chair, with the reasoning as
    typed in the same form); a refusal brings the page back with what was typed."""
    number, what = request.path_params["number"], request.path_params["what"]
    step = DELIBERATION_STEPS.get(what)
    if step is None:
        raise NotFound("not_found", "没有这个操作")
    form = await request.form()
    try:
        await step(number, request.state.actor, form)
    except (Invalid, Conflict) as error:
        return await _case_with_form(request, number, what, form, error)
    return _back(f"/panel/cases/{number}#deliberation")


async def close_scoring(request: Request) -> Response:
    await deliberation.close_scoring(number=request.path_params["number"], actor=request.state.actor)
    return _back(f"/office/cases/{request.path_params['number']}")


async def issue(request: Request) -> Response:
    await deliberation.issue_ruling(number=request.path_params["number"], actor=request.state.actor)
    return _back(f"/office/cases/{request.path_params['number']}")


async def decide_reconsideration(request: Request) -> Response:
    form = await request.form()
    await reconsideration.decide_reconsideration(number=request.path_params["number"], actor=request.state.actor,
                                                 accept=form.get("decision") == "accept",
                                                 reason=str(form.get("reason", "")))
    return _back(f"/office/cases/{request.path_params['number']}")


async def request_reconsideration(request: Request) -> Response:
    form = await request.form()
    actor = request.state.actor
    number = request.path_params.get("number") or await _complainant_case(actor)
    await reconsideration.request_reconsideration(number=number, actor=actor, reason=str(form.get("reason", "")))
    return _back("/track/case" if actor.kind == "complainant" else f"/liaison/cases/{number}")


async def _complainant_case(actor: Any) -> str:
    from review.core import db

    rows = await db.fetch("SELECT number FROM review_case WHERE id = {}", actor.case_id or 0)
    if not rows:
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0]["number"]


async def office_scoring(request: Request) -> Response:
    return render(request, "scoring/progress.html", {"rows": await progress()})


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
    route("/office/scoring", office_scoring, OFFICE, name="office_scoring"),
    route("/office/quality", office_quality, OFFICE, name="office_quality"),
    route("/office/quality/chart.svg", quality_chart, OFFICE),
    route("/office/cases/{number}/close-scoring", close_scoring, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/ruling", issue, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/reconsideration", decide_reconsideration, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/sheets/{sheet_id:int}/revisions", sheet_revisions, OFFICE),
    route("/panel/cases/{number}/scores", submit_scores, MEMBER, methods=["POST"]),
    route("/panel/cases/{number}/sheets/{sheet_id:int}/revisions", sheet_revisions, MEMBER),
    route("/panel/cases/{number}/deliberation/{what}", deliberate, MEMBER, methods=["POST"]),
    route("/liaison/cases/{number}/reconsideration", request_reconsideration, LIAISON, methods=["POST"]),
    route("/track/case/reconsideration", request_reconsideration, COMPLAINANT, methods=["POST"]),
]
