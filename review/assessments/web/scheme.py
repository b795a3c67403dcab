"""Pages of the assessment scheme (考核方案): every published version for anyone, the office's drafts with their
preview and publishing. Each parses, calls one service, renders."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from review.assessments import scheme as rules
from review.assessments.services import schemes
from review.core.actors import OFFICE, PUBLIC
from review.core.errors import Conflict, Invalid
from review.core.params import int_param
from review.core.web.forms import see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render

# Grade bands one draft form may carry (the bands and a spare row); a larger count is no form of ours.
MAX_BANDS = 9


def _shown(scheme: rules.Scheme) -> dict[str, Any]:
    return {"json": rules.scheme_json(scheme), "bands_words": rules.band_words(scheme),
            "canonical": rules.canonical(scheme), "hash": rules.scheme_hash(scheme)}


async def public_scheme(request: Request) -> Response:
    rows = await schemes.versions()
    return render(request, "assessments/scheme_public.html",
                  {"versions": [{**row, **_shown(row["scheme"])} for row in rows]})


async def office_schemes(request: Request) -> Response:
    return render(request, "assessments/scheme_office.html", {"versions": await schemes.versions(include_drafts=True)})


async def new_draft(request: Request) -> Response:
    """A new draft starts as a copy of the version in force now."""
    current = await schemes.in_force(schemes.this_month())
    draft_id = await schemes.create_draft(actor=request.state.actor, content=rules.scheme_json(current))
    return see_other(f"/office/assessments/scheme/{draft_id}")


def _draft_from_form(form: FormData) -> dict[str, Any]:
    bands = []
    for i in range(int_param(form.get("bands"), "bands", 0, maximum=MAX_BANDS)):
        label, low = str(form.get(f"band_label_{i}", "")).strip(), str(form.get(f"band_min_{i}", "")).strip()
        if label or low:  # an empty spare row is left out
            bands.append({"label": label, "min": low})
    return {
        "name": form.get("name", ""),
        "effective_from": form.get("effective_from", ""),
        "basic_counts_as_satisfied": form.get("basic_counts_as_satisfied", ""),
        "rates": [{"code": code, "numerator": str(form.get(f"numerator_{code}", "")),
                   "denominator": str(form.get(f"denominator_{code}", ""))} for code in rules.RATE_NAMES],
        "deductions": {g: form.get(f"deduction_{g}", "") for g in rules.GRADES},
        "redo_overdue_points": form.get("redo_overdue_points", ""),
        "redo_working_days": form.get("redo_working_days", ""),
        "weights": {code: form.get(f"weight_{code}", "") for code in rules.WEIGHTED},
        "bands": bands,
    }


async def draft_page(request: Request, error: Exception | None = None, status_code: int = 200) -> Response:
    row = await schemes.draft(int(request.path_params["draft_id"]))
    return render(request, "assessments/scheme_draft.html",
                  {"row": row, **_shown(row["scheme"]), "error": error, "figures": rules.FIGURES,
                   "rate_names": rules.RATE_NAMES, "grade_names": rules.GRADE_NAMES,
                   "earliest": schemes.next_month()},
                  status_code=status_code)


async def save_draft(request: Request) -> Response:
    draft_id = int(request.path_params["draft_id"])
    form = await request.form()
    try:
        await schemes.update_draft(actor=request.state.actor, draft_id=draft_id, content=_draft_from_form(form))
    except (Invalid, Conflict) as error:
        return await draft_page(request, error, status_code=error.status)
    return see_other(f"/office/assessments/scheme/{draft_id}?saved=1")


async def publish_draft(request: Request) -> Response:
    draft_id = int(request.path_params["draft_id"])
    try:
        await schemes.publish_scheme(actor=request.state.actor, draft_id=draft_id)
    except (Invalid, Conflict) as error:
        return await draft_page(request, error, status_code=error.status)
    return see_other("/office/assessments/scheme")


routes: list[PolicyRoute] = [
    route("/public/assessments/scheme", public_scheme, PUBLIC, name="public_assessment_scheme"),
    route("/office/assessments/scheme", office_schemes, OFFICE, name="office_assessment_scheme"),
    route("/office/assessments/scheme", new_draft, OFFICE, methods=["POST"]),
    route("/office/assessments/scheme/{draft_id:int}", draft_page, OFFICE),
    route("/office/assessments/scheme/{draft_id:int}", save_draft, OFFICE, methods=["POST"]),
    route("/office/assessments/scheme/{draft_id:int}/publish", publish_draft, OFFICE, methods=["POST"]),
]
