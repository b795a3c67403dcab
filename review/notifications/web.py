"""The notifications' pages: one's inbox (accounts at /notifications, a complainant on the tracking session at
/track/notifications), an account's preferences (/account/notifications), the office's deliveries."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.core.actors import COMPLAINANT, OFFICE, STAFF
from review.core.errors import Invalid
from review.core.web.forms import int_or, see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.notifications import queries
from review.notifications import services as notifications
from review.notifications.domain.events import CHANNELS, EVENT_LABELS, EVENTS, OUTSIDE, STATUS_LABELS
from review.notifications.services.preferences import preferences_of

INBOX = {"complainant": "/track/notifications"}


def _inbox_path(kind: str) -> str:
    return INBOX.get(kind, "/notifications")


async def inbox_page(request: Request) -> Response:
    actor = request.state.actor
    found = await queries.inbox(actor, page=max(1, int_or(request.query_params.get("page"), 1)),
                                unread_only=request.query_params.get("unread") == "1")
    request.state.unread_notifications = found.unread
    return render(request, "notifications/inbox.html", {"inbox": found, "base": _inbox_path(actor.kind),
                                                        "unread_only": request.query_params.get("unread") == "1"})


async def mark_read(request: Request) -> Response:
    actor = request.state.actor
    await request.form()
    await notifications.mark_read(notification_id=request.path_params["notification_id"], actor=actor)
    return see_other(_inbox_path(actor.kind))


async def mark_all_read(request: Request) -> Response:
    actor = request.state.actor
    await request.form()
    await notifications.mark_all_read(actor=actor)
    return see_other(_inbox_path(actor.kind))


async def _preferences_page(request: Request, *, saved: bool = False, error: Invalid | None = None,
                            form: dict | None = None) -> Response:
    prefs = await preferences_of(request.state.actor.user_id)
    return render(request, "notifications/preferences.html", {
        "prefs": prefs, "events": EVENTS, "saved": saved, "form_error": error, "form": form},
        status_code=error.status if error else 200)


async def preferences_page(request: Request) -> Response:
    return await _preferences_page(request, saved=request.query_params.get("saved") == "1")


async def save_preferences(request: Request) -> Response:
    form = await request.form()
    try:
        await notifications.save_preferences(
            actor=request.state.actor, email=str(form.get("email", "")), phone=str(form.get("phone", "")),
            use_email=form.get("use_email") == "1", use_sms=form.get("use_sms") == "1",
            events=[str(e) for e in form.getlist("events")], digest=form.get("digest") == "1")
    except Invalid as error:
        return await _preferences_page(request, error=error, form={k: form.getlist(k) for k in form})
    return see_other("/account/notifications?saved=1")


async def office_deliveries(request: Request) -> Response:
    params = request.query_params
    status, channel, event = (params.get("status", ""), params.get("channel", ""), params.get("event", ""))
    found = await queries.deliveries(
        status=status if status in STATUS_LABELS else "", channel=channel if channel in OUTSIDE else "",
        event=event if event in EVENT_LABELS else "", page=max(1, int_or(params.get("page"), 1)))
    return render(request, "notifications/deliveries.html", {
        "found": found, "status": status, "channel": channel, "event": event, "STATUS": STATUS_LABELS,
        "CHANNELS": {c: CHANNELS[c] for c in OUTSIDE}, "EVENTS": EVENT_LABELS})


routes: list[PolicyRoute] = [
    route("/notifications", inbox_page, STAFF, name="notifications"),
    route("/notifications/{notification_id:int}/read", mark_read, STAFF, methods=["POST"]),
    route("/notifications/read-all", mark_all_read, STAFF, methods=["POST"]),
    route("/track/notifications", inbox_page, COMPLAINANT, name="track_notifications"),
    route("/track/notifications/{notification_id:int}/read", mark_read, COMPLAINANT, methods=["POST"]),
    route("/track/notifications/read-all", mark_all_read, COMPLAINANT, methods=["POST"]),
    route("/account/notifications", preferences_page, STAFF, name="notification_preferences"),
    route("/account/notifications", save_preferences, STAFF, methods=["POST"]),
    route("/office/notifications/deliveries", office_deliveries, OFFICE, name="notification_deliveries"),
]


async def note_unread(request: Request) -> None:
    """The header's unread count (base.html), left on `request.state` before a page is served (the composition
    root runs it before every signed-in viewer's page)."""
    request.state.unread_notifications = await queries.unread_count(request.state.actor)
