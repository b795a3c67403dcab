"""Mediation's pages: the office's list (/office/mediations), the office's forms on the case page (open, schedule,
extend, end, settle, withdraw), the chair's opening form, each participant's answer to an invitation and the
session's printable notice. Each parses, calls one service, redirects; a refused form comes back filled in."""

from __future__ import annotations

from dataclasses import asdict

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from review.cases.queries.page import case_view
from review.core import clock, settings
from review.core.actors import CASE_PARTY, MEMBER, OFFICE, PARTY
from review.core.errors import Conflict, Invalid, ServiceError
from review.core.params import int_param
from review.core.web.forms import see_other
from review.core.web.guard import route
from review.core.web.templating import render
from review.mediation import minutes_document, queries
from review.mediation.domain import room
from review.mediation.domain.reminders import offset_label
from review.mediation.services import agreement, minutes, wall
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


LIVE_COOKIE = "rv_room_live"  # set by the room's script once its socket is open: the page need not refresh itself


async def room_page(request: Request) -> Response:
    """调解室 without JavaScript: the latest messages (with a link to earlier ones), who is present, a post form,
    and a `Refresh` header (so no <meta refresh>) that the script's cookie or 「暂停自动刷新」 turns off."""
    mediation_id = int(request.path_params["id"])
    before = int_param(request.query_params.get("before"), "before", minimum=1)
    hold = request.query_params.get("hold") == "1"
    refresh = before is None and not hold and request.cookies.get(LIVE_COOKIE) != "1"
    view = await room_services.page_view(mediation_id=mediation_id, actor=request.state.actor, before=before,
                                         refreshing=refresh)
    events = [{**e, "at_local": clock.local_label(e["at"])} for e in view["events"]]
    is_open = view["mediation"]["status"] == "open"
    refresh = refresh and is_open
    return render(request, "mediation/room.html", {
        **view, "events": events, "open": is_open, "before": before, "hold": hold,
        "refresh": settings.MEDIATION_PAGE_REFRESH if refresh else 0,
        "present_summary": room.presence_summary(view["present"]), "CAUCUSES": room.CAUCUSES,
        "max_chars": settings.MEDIATION_MESSAGE_MAX_CHARS, "STATUS": mediation.STATUS_LABELS,
        "agreement": await queries.agreement(mediation_id=mediation_id, status=view["mediation"]["status"],
                                             actor=request.state.actor),
        "minutes": await queries.minutes_view(mediation=view["mediation"], actor=request.state.actor),
        "consents": await queries.consent_view(mediation=view["mediation"], actor=request.state.actor,
                                               shown=[e["id"] for e in events]),
    }, headers={"Refresh": str(settings.MEDIATION_PAGE_REFRESH)} if refresh else None)


async def post_message(request: Request) -> Response:
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await room_services.post_message(mediation_id=mediation_id, actor=request.state.actor,
                                     text=str(form.get("text", "")), caucus=str(form.get("caucus", "")))
    hold = "?hold=1" if form.get("hold") == "1" else ""
    return see_other(f"/mediation/{mediation_id}{hold}#latest")


routes += [
    route("/mediation/{id:int}", room_page, CASE_PARTY, name="mediation_room"),
    route("/mediation/{id:int}/messages", post_message, CASE_PARTY, methods=["POST"]),
]


async def save_agreement_version(request: Request) -> Response:
    """修改协议草稿 from the room page: the text and the version it was edited on."""
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await agreement.save_version(mediation_id=mediation_id, actor=request.state.actor, text=str(form.get("text", "")),
                                 base_version=str(form.get("base_version", "")))
    return see_other(f"/mediation/{mediation_id}#agreement")


async def confirm_agreement(request: Request) -> Response:
    """确认调解协议 from the room page: the version and the hash the reader was shown."""
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await agreement.confirm(mediation_id=mediation_id, actor=request.state.actor, version=str(form.get("version", "")),
                            sha256=str(form.get("sha256", "")))
    return see_other(f"/mediation/{mediation_id}#agreement")


async def agreement_pdf(request: Request) -> Response:
    """The sealed agreement's PDF, for everyone in the room (the complainant through their tracking session)."""
    path, code = await agreement.sealed_pdf(mediation_id=int(request.path_params["id"]), actor=request.state.actor)
    return FileResponse(path, media_type="application/pdf", filename=f"mediation-agreement-{code}.pdf")


routes += [
    route("/mediation/{id:int}/agreement/versions", save_agreement_version, CASE_PARTY, methods=["POST"]),
    route("/mediation/{id:int}/agreement/confirmations", confirm_agreement, CASE_PARTY, methods=["POST"]),
    route("/mediation/{id:int}/agreement.pdf", agreement_pdf, CASE_PARTY),
]


# ---- Minutes (调解笔录) and the wall (调解信息隔离): forms of the room page, each with its API twin ----


def _room(mediation_id: int, anchor: str) -> RedirectResponse:
    return see_other(f"/mediation/{mediation_id}#{anchor}")


async def save_minutes(request: Request) -> Response:
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await minutes.save_minutes(mediation_id=mediation_id, session_id=str(form.get("session_id", "")),
                               text=str(form.get("text", "")), actor=request.state.actor,
                               base_version=int_param(str(form.get("base_version", "")), "base_version"))
    return _room(mediation_id, "minutes")


async def comment_minutes(request: Request) -> Response:
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await minutes.comment(mediation_id=mediation_id, session_id=str(form.get("session_id", "")),
                          text=str(form.get("text", "")), actor=request.state.actor)
    return _room(mediation_id, "minutes")


async def minutes_pdf(request: Request) -> Response:
    pdf, filename = await minutes_document.minutes_pdf(mediation_id=int(request.path_params["id"]),
                                                       actor=request.state.actor)
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="{filename}"', "cache-control": "private, no-store"})


async def set_consent(request: Request) -> Response:
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await wall.set_consent(mediation_id=mediation_id, item_kind=str(form.get("item_kind", "")),
                           item_id=str(form.get("item_id", "")), consent=str(form.get("consent", "")),
                           actor=request.state.actor)
    return _room(mediation_id, "consents")


async def move_to_case_file(request: Request) -> Response:
    mediation_id = int(request.path_params["id"])
    form = await request.form()
    await wall.move_to_case_file(mediation_id=mediation_id, item_kind=str(form.get("item_kind", "")),
                                 item_id=str(form.get("item_id", "")), actor=request.state.actor)
    return _room(mediation_id, "consents")


routes += [
    route("/mediation/{id:int}/minutes", save_minutes, CASE_PARTY, methods=["POST"]),
    route("/mediation/{id:int}/minutes/comments", comment_minutes, PARTY, methods=["POST"]),
    route("/mediation/{id:int}/minutes.pdf", minutes_pdf, CASE_PARTY),
    route("/mediation/{id:int}/consents", set_consent, PARTY, methods=["POST"]),
    route("/mediation/{id:int}/consents/move", move_to_case_file, OFFICE, methods=["POST"]),
]
