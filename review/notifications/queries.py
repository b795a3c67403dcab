"""Reads for the notifications' pages and API: one's inbox, its unread count, the office's deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from review.core.actors import Actor
from review.notifications.domain.events import CHANNELS, EVENT_LABELS, STATUS_LABELS
from review.notifications.services.inbox import owner_filter
from review.notifications.tables import Delivery, Notification

PAGE = 50


@dataclass(frozen=True)
class Inbox:
    items: list[dict[str, Any]]
    unread: int
    page: int
    more: bool


async def unread_count(actor: Actor) -> int:
    """How many of the actor's notifications are unread (0 for anyone with no inbox)."""
    if not (actor.is_staff and actor.user_id) and not (actor.kind == "complainant" and actor.case_id):
        return 0
    return int(await Notification.count().where(owner_filter(actor) & Notification.read_at.is_null()).run())


async def inbox(actor: Actor, *, page: int = 1, unread_only: bool = False) -> Inbox:
    """The actor's own notifications, newest first, a page at a time."""
    mine = owner_filter(actor)
    where = mine & Notification.read_at.is_null() if unread_only else mine
    rows = await Notification.select(
        Notification.id, Notification.event, Notification.subject, Notification.body, Notification.link,
        Notification.created_at, Notification.read_at,
    ).where(where).order_by(Notification.id, ascending=False).limit(PAGE + 1).offset((page - 1) * PAGE).run()
    items = [{**row, "event_label": EVENT_LABELS.get(row["event"], row["event"])} for row in rows[:PAGE]]
    return Inbox(items=items, unread=await unread_count(actor), page=page, more=len(rows) > PAGE)


@dataclass(frozen=True)
class Deliveries:
    items: list[dict[str, Any]]
    counts: dict[str, int]
    page: int
    more: bool


async def deliveries(*, status: str = "", channel: str = "", event: str = "", page: int = 1) -> Deliveries:
    """Deliveries for the office, newest first, filtered by status, channel and event; with a count per status.
    A recipient is named by login, or as the complainant of a case number; never by address."""
    where = []
    if status:
        where.append(Delivery.status == status)
    if channel:
        where.append(Delivery.channel == channel)
    if event:
        where.append(Delivery.notification.event == event)
    query = Delivery.select(
        Delivery.id, Delivery.channel, Delivery.status, Delivery.attempts, Delivery.last_error, Delivery.digest,
        Delivery.created_at, Delivery.next_attempt_at, Delivery.sent_at, Delivery.failed_at,
        Delivery.notification.event.as_alias("event"), Delivery.notification.subject.as_alias("subject"),
        Delivery.notification.account.username.as_alias("username"),
        Delivery.notification.case.number.as_alias("case_number"),
    )
    for condition in where:
        query = query.where(condition)
    rows = await query.order_by(Delivery.id, ascending=False).limit(PAGE + 1).offset((page - 1) * PAGE).run()
    items = [{**row, "event_label": EVENT_LABELS.get(row["event"], row["event"]),
              "channel_label": CHANNELS.get(row["channel"], row["channel"]),
              "status_label": STATUS_LABELS.get(row["status"], row["status"]),
              "recipient": row["username"] or f"诉求人（{row['case_number']}）"} for row in rows[:PAGE]]
    counted = await Delivery.select(Delivery.status, Count(Delivery.id, alias="n")).group_by(
        Delivery.status).run()
    counts = {status: 0 for status in STATUS_LABELS} | {row["status"]: row["n"] for row in counted}
    return Deliveries(items=items, counts=counts, page=page, more=len(rows) > PAGE)
