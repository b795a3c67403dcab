"""Pages of the panels area: roster, templates, invitations, declarations, challenges (rounds and draw records
are review.convening.web's)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from panels import queries
from panels.services import challenges, invitations
from panels.services import roster as roster_service
from panels.services import roster_import as import_jobs
from panels.services import templates as composition
from review.core.actors import MEMBER, OFFICE, PARTY
from review.core.errors import Invalid, NotFound, ServiceError
from review.core.labels import ROLE_LABELS
from review.core.params import int_param
from review.core.web.forms import int_or, see_other
from review.core.web.guard import route
from review.core.web.templating import render
from review.core.web.uploads import saved_upload

# --- office: roster -----------------------------------------------------------------------------


async def roster(request: Request) -> Response:
    params = request.query_params
    page = await queries.roster_page(role=params.get("role", ""), district=params.get("district", ""),
                                     search=params.get("q", "").strip(), page=int_param(params.get("page"), "page", 1, minimum=1))
    return render(request, "panels/roster.html", {
        "page": page, "role": params.get("role", ""), "district": params.get("district", ""),
        "q": params.get("q", ""), "districts": await queries.roster_districts(), "ROLE_LABELS": ROLE_LABELS,
    })


async def roster_import(request: Request) -> Response:
    form = await request.form()
    try:
        path = await saved_upload(form.get("file"), (".csv", ".xlsx"))
    except Invalid as error:
        return render(request, "panels/roster_import.html", {"error": error}, status_code=error.status)
    try:
        if import_jobs.is_large(path):
            return see_other(f"/office/imports/{await import_jobs.start(kind='roster', path=path, actor=request.state.actor)}")
        report = await roster_service.import_roster(path=path, actor=request.state.actor)
    except ServiceError as error:
        return render(request, "panels/roster_import.html", {"error": error}, status_code=error.status)
    finally:
        path.unlink(missing_ok=True)
    return render(request, "panels/roster_import.html", {"report": report},
                  status_code=200 if report.imported else 422)


async def import_page(request: Request) -> Response:
    progress = await import_jobs.progress(job_id=request.path_params["job_id"], actor=request.state.actor)
    return render(request, "imports/progress.html", {"p": progress})


async def member_form(request: Request, *, error: ServiceError | None = None, form: FormData | None = None,
                      status_code: int = 200) -> Response:
    member = await queries.member_detail(int_or(request.path_params["member_id"]))
    if member is None:
        raise NotFound("member_not_found", "评议员不存在")
    return render(request, "panels/member.html", {"m": member, "error": error, "form": form,
                                                   "ROLE_LABELS": ROLE_LABELS}, status_code=status_code)


async def member_page(request: Request) -> Response:
    return await member_form(request)


async def member_update(request: Request) -> Response:
    form = await request.form()
    fields = {key: form.get(key) for key in ("name", "role", "district", "community", "employer", "affiliations",
                                              "organisations", "expertise", "max_panels")}
    fields["active"] = "是" if form.get("active") else "否"
    member_id = int_or(request.path_params["member_id"])
    try:
        await roster_service.update_member(member_id=member_id, actor=request.state.actor, fields=fields)
    except Invalid as error:
        return await member_form(request, error=error, form=form, status_code=422)
    return see_other(f"/office/roster/{member_id}?saved=1")


# --- office: composition templates -------------------------------------------------------------


def template_fields(form: FormData) -> dict[str, Any]:
    return {
        "name": form.get("name"), "category": form.get("category"),
        "seats": {role: form.get(f"seats_{role}") for role in ROLE_LABELS},
        "chair_roles": form.getlist("chair_roles"),
        "prefer_local_residents": bool(form.get("prefer_local_residents")), "reply_days": form.get("reply_days"),
    }


async def templates_page(request: Request, *, error: ServiceError | None = None, form: FormData | None = None,
                         status_code: int = 200) -> Response:
    return render(request, "panels/templates.html", {
        "templates": await composition.all_templates(), "ROLE_LABELS": ROLE_LABELS, "error": error, "form": form,
    }, status_code=status_code)


async def templates_list(request: Request) -> Response:
    return await templates_page(request)


async def template_save(request: Request) -> Response:
    form = await request.form()
    try:
        await composition.save_template(actor=request.state.actor, fields=template_fields(form))
    except Invalid as error:
        return await templates_page(request, error=error, form=form, status_code=422)
    return see_other("/office/templates?saved=1")


# --- office: challenges ------------------------------------------------------------------------


async def challenges_page(request: Request) -> Response:
    return render(request, "panels/challenges.html", {"pending": await challenges.pending_challenges(),
                                                       "PARTY_LABELS": challenges.PARTY_LABELS,
                                                       "ROLE_LABELS": ROLE_LABELS})


async def challenge_decide(request: Request) -> Response:
    form = await request.form()
    await challenges.decide_challenge(challenge_id=int_or(request.path_params["challenge_id"]),
                                      actor=request.state.actor, uphold=form.get("decision") == "uphold",
                                      reason=str(form.get("reason", "")))
    return see_other("/office/challenges?decided=1")


# --- members: invitations and declarations ----------------------------------------------------


async def invitations_page(request: Request) -> Response:
    actor = request.state.actor
    return render(request, "panels/invitations.html", {
        "seats": await invitations.my_invitations(actor), "load": await invitations.member_load(actor),
        "ended": await invitations.ended_invitations(actor),
        "recusal_choices": invitations.recusal_choices(), "ROLE_LABELS": ROLE_LABELS,
        "error": request.query_params.get("error"),
    })


async def invitation_answer(request: Request) -> Response:
    form = await request.form()
    await invitations.answer_invitation(seat_id=int_or(request.path_params["seat_id"]), actor=request.state.actor,
                                        answer=str(form.get("answer", "")), reason=str(form.get("reason", "")),
                                        kind=str(form.get("kind", "")))
    return see_other("/panel/invitations?answered=1")


async def declarations_page(request: Request, *, error: ServiceError | None = None, form: FormData | None = None,
                            status_code: int = 200) -> Response:
    member = await roster_service.own_member(request.state.actor)
    detail = await queries.member_detail(member["id"])
    return render(request, "panels/declarations.html", {"m": detail, "error": error, "form": form,
                                                         "ROLE_LABELS": ROLE_LABELS}, status_code=status_code)


async def declarations_show(request: Request) -> Response:
    return await declarations_page(request)


async def declarations_save(request: Request) -> Response:
    form = await request.form()
    fields = {key: form.get(key) for key in ("employer", "affiliations", "organisations", "expertise",
                                              "unavailable")}
    try:
        await roster_service.declare(actor=request.state.actor, fields=fields)
    except Invalid as error:
        return await declarations_page(request, error=error, form=form, status_code=422)
    return see_other("/panel/declarations?saved=1")


# --- parties: challenge a seated member -------------------------------------------------------


async def challenge_raise(request: Request) -> Response:
    form = await request.form()
    actor = request.state.actor
    back = "/track/case" if actor.kind == "complainant" else f"/liaison/cases/{request.path_params['number']}"
    await challenges.raise_challenge(seat_id=int_param(form.get("seat"), "seat", 0), actor=actor, reason=str(form.get("reason", "")))
    return see_other(f"{back}?challenged=1")


routes = [
    route("/office/roster", roster, OFFICE, name="roster"),
    route("/office/roster/import", roster_import, OFFICE, methods=["POST"]),
    route("/office/imports/{job_id:int}", import_page, OFFICE),
    route("/office/roster/{member_id:int}", member_page, OFFICE),
    route("/office/roster/{member_id:int}", member_update, OFFICE, methods=["POST"]),
    route("/office/templates", templates_list, OFFICE, name="templates"),
    route("/office/templates", template_save, OFFICE, methods=["POST"]),
    route("/office/challenges", challenges_page, OFFICE, name="challenges"),
    route("/office/challenges/{challenge_id:int}", challenge_decide, OFFICE, methods=["POST"]),
    route("/panel/invitations", invitations_page, MEMBER, name="invitations"),
    route("/panel/invitations/{seat_id:int}", invitation_answer, MEMBER, methods=["POST"]),
    route("/panel/declarations", declarations_show, MEMBER, name="declarations"),
    route("/panel/declarations", declarations_save, MEMBER, methods=["POST"]),
    route("/cases/{number}/challenges", challenge_raise, PARTY, methods=["POST"]),
]
