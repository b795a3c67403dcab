"""Pages of the scoring area that wire a case's panel to scoring: the scoring form, deliberation, the ruling,
reconsideration and the office's progress view (the criteria and quality pages are scoring.web's).
Each parses, calls one service, renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from review.cases.queries.page import case_view
from review.core import db
from review.core.actors import COMPLAINANT, LIAISON, MEMBER, OFFICE
from review.core.errors import Conflict, Invalid, NotFound, ServiceError
from review.core.params import int_param
from review.core.web.forms import see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.rulings import sql
from review.rulings.queries.progress import progress
from review.rulings.queries.sheet_history import sheet_history
from review.rulings.services import deliberation, reconsideration
from review.rulings.services.sheets import save_sheet
from scoring.domain.values import form_value

AREA = {"office": "/office/cases", "member": "/panel/cases", "liaison": "/liaison/cases"}


def _case_path(request: Request) -> str:
    actor = request.state.actor
    if actor.kind == "complainant":
        return "/track/case"
    return f"{AREA[actor.kind]}/{request.path_params['number']}"


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
    return see_other(f"/panel/cases/{number}?{'draft' if draft else 'submitted'}=1#scoring")


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
    return see_other(f"/panel/cases/{number}#deliberation")


async def close_scoring(request: Request) -> Response:
    await deliberation.close_scoring(number=request.path_params["number"], actor=request.state.actor)
    return see_other(f"/office/cases/{request.path_params['number']}")


async def issue(request: Request) -> Response:
    await deliberation.issue_ruling(number=request.path_params["number"], actor=request.state.actor)
    return see_other(f"/office/cases/{request.path_params['number']}")


async def decide_reconsideration(request: Request) -> Response:
    form = await request.form()
    await reconsideration.decide_reconsideration(number=request.path_params["number"], actor=request.state.actor,
                                                 accept=form.get("decision") == "accept",
                                                 reason=str(form.get("reason", "")))
    return see_other(f"/office/cases/{request.path_params['number']}")


async def request_reconsideration(request: Request) -> Response:
    form = await request.form()
    actor = request.state.actor
    number = request.path_params.get("number") or await _complainant_case(actor)
    await reconsideration.request_reconsideration(number=number, actor=actor, reason=str(form.get("reason", "")))
    return see_other("/track/case" if actor.kind == "complainant" else f"/liaison/cases/{number}")


async def _complainant_case(actor: Any) -> str:

    rows = await db.fetch(sql.COMPLAINANT_CASE_NUMBER, actor.case_id or 0)
    if not rows:
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0]["number"]


async def office_scoring(request: Request) -> Response:
    return render(request, "scoring/progress.html", {"rows": await progress()})


routes: list[PolicyRoute] = [
    route("/office/scoring", office_scoring, OFFICE, name="office_scoring"),
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
