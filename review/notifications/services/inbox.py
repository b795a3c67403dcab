"""The inbox: marking one's own notifications read (an account's, or a complainant's on their tracking session)."""

from __future__ import annotations

from review.core import db
from review.core.actors import Actor
from review.core.clock import now
from review.core.errors import Forbidden, NotFound
from review.notifications.tables import Notification


def owner_filter(actor: Actor):  # type: ignore[no-untyped-def]
    """The notifications `actor` owns: an account's, or those of the complainant's one case."""
    if actor.kind == "complainant" and actor.case_id is not None:
        return Notification.case == actor.case_id
    if actor.is_staff and actor.user_id is not None:
        return Notification.account == actor.user_id
    raise Forbidden("forbidden", "您无权查看通知")


async def mark_read(*, notification_id: int, actor: Actor) -> None:
    """Mark one of one's own notifications read; someone else's answers as if it did not exist."""
    mine = owner_filter(actor)
    async with db.transaction():
        found = await Notification.select(Notification.id, Notification.read_at).where(
            (Notification.id == notification_id) & mine).first().run()
        if found is None:
            raise NotFound("notification_not_found", "没有这条通知")
        if found["read_at"] is None:
            await Notification.update({Notification.read_at: now()}).where(Notification.id == notification_id).run()


async def mark_all_read(*, actor: Actor) -> int:
    """Mark every unread notification of one's own read; returns how many."""
    mine = owner_filter(actor)
    async with db.transaction():
        unread = await Notification.count().where(mine & Notification.read_at.is_null()).run()
        await Notification.update({Notification.read_at: now()}).where(mine & Notification.read_at.is_null()).run()
    return int(unread)
