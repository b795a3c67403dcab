"""The notifications' JSON endpoints, mounted under /api/v1: one's inbox and marking it read, an account's
preferences, and the office's deliveries."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from review.core.actors import OFFICE, STAFF, TOKEN_HOLDER
from review.core.api.contract import iso, operation
from review.core.web.guard import PolicyRoute, route
from review.notifications import queries
from review.notifications import services as notifications
from review.notifications.services.preferences import Preferences, preferences_of


class NotificationOut(msgspec.Struct):
    id: int
    event: str
    event_label: str
    subject: str
    body: str
    link: str
    created_at: str
    read_at: str | None


class InboxOut(msgspec.Struct):
    unread: int
    page: int
    more: bool
    items: list[NotificationOut]


class InboxQuery(msgspec.Struct):
    page: int = 1
    unread: bool = False


class ReadOut(msgspec.Struct):
    unread: int


class PreferencesIn(msgspec.Struct):
    email: str = ""
    phone: str = ""
    use_email: bool = True
    use_sms: bool = False
    events: list[str] = msgspec.field(default_factory=list)
    digest: bool = False


class PreferencesOut(msgspec.Struct):
    email: str
    phone: str
    use_email: bool
    use_sms: bool
    events: list[str]
    digest: bool


class DeliveryOut(msgspec.Struct):
    id: int
    event: str
    subject: str
    recipient: str
    channel: str
    status: str
    attempts: int
    digest: bool
    last_error: str
    created_at: str
    next_attempt_at: str | None
    sent_at: str | None
    failed_at: str | None


class DeliveriesOut(msgspec.Struct):
    counts: dict[str, int]
    page: int
    more: bool
    items: list[DeliveryOut]


class DeliveriesQuery(msgspec.Struct):
    status: str = ""
    channel: str = ""
    event: str = ""
    page: int = 1


def _when(value: Any) -> str | None:
    return iso(value) if value else None


@operation(responses={200: InboxOut})
async def inbox(request: Request, query: InboxQuery) -> dict[str, Any]:
    """
    summary: 我的通知（账号的，或诉求人本案的），最新在前
    """
    found = await queries.inbox(request.state.actor, page=max(1, query.page), unread_only=query.unread)
    return {"unread": found.unread, "page": found.page, "more": found.more, "items": [
        {**n, "created_at": iso(n["created_at"]), "read_at": _when(n["read_at"])} for n in found.items]}


@operation(responses={200: ReadOut})
async def mark_read(request: Request) -> dict[str, Any]:
    """
    summary: 将一条本人的通知标为已读
    """
    actor = request.state.actor
    await notifications.mark_read(notification_id=request.path_params["notification_id"], actor=actor)
    return {"unread": await queries.unread_count(actor)}


@operation(responses={200: ReadOut})
async def mark_all_read(request: Request) -> dict[str, Any]:
    """
    summary: 将本人的全部通知标为已读
    """
    actor = request.state.actor
    await notifications.mark_all_read(actor=actor)
    return {"unread": await queries.unread_count(actor)}


def _preferences(prefs: Preferences) -> dict[str, Any]:
    return {"email": prefs.email, "phone": prefs.phone, "use_email": prefs.use_email, "use_sms": prefs.use_sms,
            "events": sorted(prefs.events), "digest": prefs.digest}


@operation(responses={200: PreferencesOut})
async def get_preferences(request: Request) -> dict[str, Any]:
    """
    summary: 本人的通知设置
    """
    return _preferences(await preferences_of(request.state.actor.user_id))


@operation(responses={200: PreferencesOut})
async def save_preferences(request: Request, body: PreferencesIn) -> dict[str, Any]:
    """
    summary: 保存本人的通知设置：哪些通知另发邮件或短信、即时或每日汇总
    """
    saved = await notifications.save_preferences(
        actor=request.state.actor, email=body.email, phone=body.phone, use_email=body.use_email,
        use_sms=body.use_sms, events=body.events, digest=body.digest)
    return _preferences(saved)


@operation(responses={200: DeliveriesOut})
async def deliveries(request: Request, query: DeliveriesQuery) -> dict[str, Any]:
    """
    summary: 通知投递情况（评议办）：已发送、待重试、发送失败，可按状态、渠道、类型筛选
    """
    found = await queries.deliveries(status=query.status, channel=query.channel, event=query.event,
                                     page=max(1, query.page))
    return {"counts": found.counts, "page": found.page, "more": found.more, "items": [
        {**d, "digest": bool(d["digest"]), "created_at": iso(d["created_at"]),
         "next_attempt_at": _when(d["next_attempt_at"]), "sent_at": _when(d["sent_at"]),
         "failed_at": _when(d["failed_at"])} for d in found.items]}


routes: list[PolicyRoute] = [
    route("/notifications", inbox, TOKEN_HOLDER),
    route("/notifications/{notification_id:int}/read", mark_read, TOKEN_HOLDER, methods=["POST"]),
    route("/notifications/read-all", mark_all_read, TOKEN_HOLDER, methods=["POST"]),
    route("/notifications/preferences", get_preferences, STAFF),
    route("/notifications/preferences", save_preferences, STAFF, methods=["POST"]),
    route("/notifications/deliveries", deliveries, OFFICE),
]
