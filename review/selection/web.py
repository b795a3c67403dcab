"""Pages of the selection: the published policy and every selection record for anyone (/public/selection); the
office's bulk screening (/office/selection) and its policy drafts; the complainant's request for review of a case
left 未入选. Each parses, calls one service, renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from review.cases import services as cases
from review.core.actors import COMPLAINANT, OFFICE, PUBLIC
from review.core.clock import today_in_china
from review.core.errors import ServiceError
from review.core.params import int_param
from review.core.web.forms import read_form, see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.selection import policy as rules
from review.selection import queries
from review.selection.services import policies, screening
from review.selection.services.verification import public_record, record_text

PER_PAGE = 100


# --- public -----------------------------------------------------------------------------------------------


async def public_page(request: Request) -> Response:
    versions = await policies.versions()
    return render(request, "selection/public.html", {
        "versions": [{**row, "json": rules.policy_json(row["policy"])} for row in versions],
        "draws": await screening.recent(limit=50), "labels": screening.STATUS_LABELS})


async def public_draw(request: Request) -> Response:
    found = await public_record(request.path_params["selection_id"])
    return render(request, "selection/draw_public.html", {"d": found, "rule_labels": rules.RULE_LABELS,
                                                         "labels": screening.STATUS_LABELS})


async def draw_download(request: Request) -> Response:
    _, record = await screening.stored_record(request.path_params["selection_id"])
    return Response(record_text(record), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="selection-{record.get("selection_id", "")}.json"'})


# --- the office's bulk screening --------------------------------------------------------------------------


async def _office_page(request: Request, error: ServiceError | None = None) -> Response:
    actor = request.state.actor
    policy, version, digest = await policies.in_force()
    return render(request, "selection/office.html", {
        "policy": rules.policy_json(policy), "version": version, "hash": digest,
        "queue": await queries.queue(actor), "open_id": await screening.open_selection(),
        "recent": await screening.recent(limit=10), "today": today_in_china().isoformat(), "error": error,
        "labels": screening.STATUS_LABELS}, status_code=error.status if error else 200)


async def office_page(request: Request) -> Response:
    return await _office_page(request)


async def propose(request: Request) -> Response:
    form = await read_form(request)
    try:
        selection_id = await screening.propose(actor=request.state.actor, until=str(form.get("until", "")))
    except ServiceError as error:
        return await _office_page(request, error)
    return see_other(f"/office/selection/{selection_id}")


def _filters_from(params: Any) -> tuple[screening.Filters, int]:
    selected = {"1": True, "0": False}.get(str(params.get("selected", "")))
    found = queries.filters(department=params.get("department"), category=params.get("category"),
                            selected=selected, rule=params.get("rule"), adjusted=params.get("adjusted") == "1")
    return found, int_param(params.get("after"), "after", 0)


def _query(f: screening.Filters, **more: Any) -> str:
    values = {"department": f.department, "category": f.category,
              "selected": "" if f.selected is None else ("1" if f.selected else "0"), "rule": f.rule,
              "adjusted": "1" if f.adjusted else "", **more}
    return urlencode({k: v for k, v in values.items() if v not in ("", None, 0)})


async def _proposal_page(request: Request, error: ServiceError | None = None,
                         params: Any = None) -> Response:
    filters, after = _filters_from(params if params is not None else request.query_params)
    page = await queries.proposal_page(selection_id=request.path_params["selection_id"],
                                       actor=request.state.actor, filters=filters, after=after, limit=PER_PAGE)
    base = f"/office/selection/{page.selection.id}"
    return render(request, "selection/proposal.html", {
        "p": page, "s": page.selection, "f": filters, "error": error, "rule_labels": rules.RULE_LABELS,
        "outcomes": screening.OUTCOME_LABELS, "base": base, "query": _query(filters),
        "next_href": f"{base}?{_query(filters, after=page.next_after)}" if page.next_after else None,
        "first_href": f"{base}?{_query(filters)}" if after else None,
    }, status_code=error.status if error else 200)


async def proposal_page(request: Request) -> Response:
    return await _proposal_page(request)


def _back(request: Request, form: FormData) -> str:
    query = str(form.get("back", ""))
    base = f"/office/selection/{request.path_params['selection_id']}"
    return f"{base}?{query}" if query and query.isascii() and "/" not in query else base


async def adjust(request: Request) -> Response:
    form = await read_form(request)
    try:
        await screening.adjust(selection_id=request.path_params["selection_id"],
                               number=str(form.get("case_number", "")), selected=form.get("selected") == "1",
                               reason=str(form.get("reason", "")), actor=request.state.actor)
    except ServiceError as error:
        return await _proposal_page(request, error, params={})
    return see_other(_back(request, form))


async def apply(request: Request) -> Response:
    try:
        await screening.apply(selection_id=request.path_params["selection_id"], actor=request.state.actor)
    except ServiceError as error:
        return await _proposal_page(request, error, params={})
    return see_other(f"/office/selection/{request.path_params['selection_id']}")


async def discard(request: Request) -> Response:
    form = await read_form(request)
    try:
        await screening.discard(selection_id=request.path_params["selection_id"],
                                reason=str(form.get("reason", "")), actor=request.state.actor)
    except ServiceError as error:
        return await _proposal_page(request, error, params={})
    return see_other("/office/selection")


# --- the policy's drafts ----------------------------------------------------------------------------------


async def office_policies(request: Request) -> Response:
    versions = await policies.versions(include_drafts=True)
    return render(request, "selection/policy_office.html", {"versions": versions})


async def new_draft(request: Request) -> Response:
    """A new draft starts as a copy of the version in force."""
    current, _, _ = await policies.in_force()
    draft_id = await policies.create_draft(actor=request.state.actor, content=rules.policy_json(current))
    return see_other(f"/office/selection/policy/{draft_id}")


async def draft_page(request: Request, error: ServiceError | None = None,
                     sent: dict[str, Any] | None = None) -> Response:
    row = await policies.draft(int(request.path_params["draft_id"]))
    return render(request, "selection/policy_draft.html", {
        "row": row, "json": rules.policy_json(row["policy"]), "canonical": rules.canonical(row["policy"]),
        "hash": rules.policy_hash(row["policy"]), "error": error, "sent": sent or {}},
        status_code=error.status if error else 200)


def _draft_from_form(form: FormData) -> dict[str, Any]:
    return {"name": form.get("name", ""), "repeat_days": form.get("repeat_days", ""),
            "reopen_days": form.get("reopen_days", ""), "sample_rate": form.get("sample_rate", "")}


async def save_draft(request: Request) -> Response:
    draft_id = int(request.path_params["draft_id"])
    form = await read_form(request)
    content = _draft_from_form(form)
    try:
        await policies.update_draft(actor=request.state.actor, draft_id=draft_id, content=content)
    except ServiceError as error:
        return await draft_page(request, error, sent=content)
    return see_other(f"/office/selection/policy/{draft_id}?saved=1")


async def publish_draft(request: Request) -> Response:
    draft_id = int(request.path_params["draft_id"])
    try:
        await policies.publish_policy(actor=request.state.actor, draft_id=draft_id)
    except ServiceError as error:
        return await draft_page(request, error)
    return see_other("/office/selection/policy")


# --- a request for review of a case left 未入选 -------------------------------------------------------------


async def track_request(request: Request) -> Response:
    """The complainant's own case (their tracking session names it)."""
    form = await read_form(request)
    number = await queries.number_of(request.state.actor)
    await cases.request_review(number=number, actor=request.state.actor, reason=str(form.get("reason", "")))
    return see_other("/track/case")


async def office_request(request: Request) -> Response:
    """The office records a complainant's request made another way (by phone, in person)."""
    form = await read_form(request)
    number = request.path_params["number"]
    await cases.request_review(number=number, actor=request.state.actor, reason=str(form.get("reason", "")))
    return see_other(f"/office/cases/{number}")


routes: list[PolicyRoute] = [
    route("/public/selection", public_page, PUBLIC, name="public_selection"),
    route("/public/selection/draws/{selection_id:int}", public_draw, PUBLIC),
    route("/public/selection/draws/{selection_id:int}.json", draw_download, PUBLIC),
    route("/office/selection", office_page, OFFICE, name="office_selection"),
    route("/office/selection", propose, OFFICE, methods=["POST"]),
    route("/office/selection/policy", office_policies, OFFICE),
    route("/office/selection/policy", new_draft, OFFICE, methods=["POST"]),
    route("/office/selection/policy/{draft_id:int}", draft_page, OFFICE),
    route("/office/selection/policy/{draft_id:int}", save_draft, OFFICE, methods=["POST"]),
    route("/office/selection/policy/{draft_id:int}/publish", publish_draft, OFFICE, methods=["POST"]),
    route("/office/selection/{selection_id:int}", proposal_page, OFFICE),
    route("/office/selection/{selection_id:int}/adjust", adjust, OFFICE, methods=["POST"]),
    route("/office/selection/{selection_id:int}/apply", apply, OFFICE, methods=["POST"]),
    route("/office/selection/{selection_id:int}/discard", discard, OFFICE, methods=["POST"]),
    route("/office/selection/cases/{number}/review-request", office_request, OFFICE, methods=["POST"]),
    route("/track/case/review-request", track_request, COMPLAINANT, methods=["POST"]),
]
