"""Mediation's pages: the office's list (/office/mediations), the office's forms on the case page (open, schedule,
extend, end, settle, withdraw), the chair's opening form, each participant's answer to an invitation and the
session's printable notice. Each parses, calls one service, redirects; a refused form comes back filled in."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from review.cases.queries.page import case_view
from review.core import clock, settings
from review.core.actors import CASE_PARTY, MEMBER, OFFICE
from review.core.errors import Conflict, Invalid, ServiceError
from review.core.params import int_param
from review.core.web.forms import see_other
from review.core.web.guard import route
from review.core.web.templating import render
from review.mediation import queries
from review.mediation.domain.reminders import offset_label
from review.mediation.services import notice as notices
from review.mediation.services import room as room_services
from review.mediation.services import stage as mediation

AREA = {"office": "/office/cases", "member": "/panel/cases", "liaison": "/liaison/cases"}
REFILLED = (Invalid, Conflict)  # refusals of what was typed or of the case's state: the form comes back


def _case_page(number: str) -> RedirectResponse:
    return see_other(f"/office/cases/{number}#mediation")


async def _refused(request: Request, number: str | None, form_for: str, form: FormData, error: ServiceError) -> Response:
    """The case page again with the refused form as typed and the refusal beside it (never a bare error page)."""
    actor = request.state.actor
    view = await case_view(actor, number)
    return render(request, "case.html", {
        "v": view, "mediation": await queries.of_case(view.case["number"]),
        "my_mediation": await queries.viewer_part(actor=actor, case=view.case),
        "form_error": error, "form": form, "form_for": form_for}, status_code=error.status)


async def office_list(request: Request) -> Response:
    rows = await queries.office_list(actor=request.state.actor)
    return render(request, "mediation/office_list.html", {
        "mediations": rows, "OVERDUE": queries.OVERDUE_LABELS, "today": clock.today_in_china(),
        "start_workdays": settings.MEDIATION_START_WORKDAYS, "end_days": settings.MEDIATION_END_DAYS,
        "reminders": "、".join(offset_label(m) for m in settings.MEDIATION_REMINDERS),
        "chair_may_open": settings.MEDIATION_CHAIR_MAY_OPEN})


async def open_mediation(request: Request) -> Response:
    number = request.path_params["number"]
    actor = request.state.actor
    form = await request.form()
    try:
        await mediation.open_mediation(number=number, actor=actor)
    except REFILLED as error:
        return await _refused(request, number, "mediation_open", form, error)
    return see_other(f"{AREA[actor.kind]}/{number}#mediation")


async def schedule_session(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    try:
        await mediation.schedule_session(number=number, starts_at=str(form.get("starts_at", "")),
                                         mode=str(form.get("mode", "")), location=str(form.get("location", "")),
                                         actor=request.state.actor)
    except REFILLED as error:
        return await _refused(request, number, "mediation_sessions", form, error)
    return _case_page(number)


async def extend(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    try:
        await mediation.extend(number=number, reason=str(form.get("reason", "")), actor=request.state.actor,
                               days=int_param(str(form.get("days", "")).strip(), "days", minimum=1, maximum=366))
    except REFILLED as error:
        return await _refused(request, number, "mediation_extend", form, error)
    return _case_page(number)


async def end_mediation(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    try:
        await mediation.end_without_agreement(number=number, actor=request.state.actor,
                                              reason=str(form.get("reason", "")))
    except REFILLED as error:
        return await _refused(request, number, "mediation_end", form, error)
    return _case_page(number)


async def settle_by_agreement(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    try:
        await mediation.settle_by_agreement(number=number, actor=request.state.actor,
                                            reason=str(form.get("reason", "")))
    except REFILLED as error:
        return await _refused(request, number, "mediation_settle", form, error)
    return _case_page(number)


async def withdraw(request: Request) -> Response:
    number = request.path_params["number"]
    form = await request.form()
    try:
        await mediation.withdraw(number=number, actor=request.state.actor, reason=str(form.get("reason", "")))
    except REFILLED as error:
        return await _refused(request, number, "mediation_withdraw", form, error)
    return _case_page(number)


async def session_notice(request: Request) -> Response:
    """调解会通知单 as a page to print (with a link to its PDF)."""
    number = request.path_params["number"]
    found = await notices.session_notice(number=number, session_id=request.path_params["id"],
                                         actor=request.state.actor)
    pdf = f"/office/cases/{found.case_number}/mediation/sessions/{found.session_id}/notice.pdf"
    return render(request, "mediation/notice.html", {**asdict(found), "pdf_path": pdf})


async def session_notice_pdf(request: Request) -> Response:
    found = await notices.session_notice(number=request.path_params["number"], session_id=request.path_params["id"],
                                         actor=request.state.actor)
    return notices.download(await notices.render_pdf(found), found)


async def answer_invitation(request: Request) -> Response:
    actor = request.state.actor
    form = await request.form()
    participant_id = int(request.path_params["id"])
    number = str(form.get("number", ""))
    try:
        await mediation.answer_invitation(participant_id=participant_id, actor=actor,
                                          answer=str(form.get("answer", "")), note=str(form.get("note", "")))
    except REFILLED as error:
        if actor.kind != "complainant" and not number:
            raise  # posted from no case page: the error page
        return await _refused(request, None if actor.kind == "complainant" else number,
                              f"mediation_answer_{participant_id}", form, error)
    if actor.kind == "complainant":
        return see_other("/track/case#mediation")
    return see_other(f"{AREA[actor.kind]}/{number}#mediation" if number.isascii() and number else AREA[actor.kind])


routes = [
    route("/office/mediations", office_list, OFFICE, name="office_mediations"),
    route("/office/cases/{number}/mediation/open", open_mediation, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/mediation/sessions", schedule_session, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/mediation/extend", extend, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/mediation/end", end_mediation, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/mediation/settle", settle_by_agreement, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/mediation/withdraw", withdraw, OFFICE, methods=["POST"]),
    route("/office/cases/{number}/mediation/sessions/{id:int}/notice", session_notice, OFFICE),
    route("/office/cases/{number}/mediation/sessions/{id:int}/notice.pdf", session_notice_pdf, OFFICE),
    route("/panel/cases/{number}/mediation/open", open_mediation, MEMBER, methods=["POST"]),
    route("/mediation/participants/{id:int}/answer", answer_invitation, CASE_PARTY, methods=["POST"]),
]


async def room_page(request: Request) -> Response:
    """调解室 without JavaScript: the messages, a post form and a 「刷新」 link."""
    actor = request.state.actor
    mediation_id = int(request.path_params["id"])
    found, events = await room_services.room_view(mediation_id=mediation_id, actor=actor)
    events = [{**e, "at_local": clock.local_time(datetime.fromisoformat(e["at"]))} for e in events]
    return render(request, "mediation/room.html", {
        "mediation": found, "events": events, "open": found["status"] == "open",
        "max_chars": settings.MEDIATION_MESSAGE_MAX_CHARS, "STATUS": mediation.STATUS_LABELS})


async def post_message(request: Request) -> Response:
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await room_services.post_message(mediation_id=mediation_id, actor=request.state.actor, text=str(form.get("text", "")))
    return see_other(f"/mediation/{mediation_id}#latest")


routes += [
    route("/mediation/{id:int}", room_page, CASE_PARTY, name="mediation_room"),
    route("/mediation/{id:int}/messages", post_message, CASE_PARTY, methods=["POST"]),
]
