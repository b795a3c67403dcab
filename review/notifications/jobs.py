"""The notifications' jobs: take ids, re-load, call a service; arq may run each more than once (a delivery is
claimed before it is sent, so a second run sends nothing)."""

from __future__ import annotations

from typing import Any

from review.core.jobs import Job
from review.notifications import services as notifications


async def deliver_notification(ctx: dict[str, Any], delivery_id: int) -> str:
    """Send one delivery by e-mail or SMS, if it is due."""
    return await notifications.deliver(delivery_id=delivery_id)


async def send_due_notifications(ctx: dict[str, Any]) -> int:
    """Queue the deliveries whose retry is due, and report those a dead worker left mid-send."""
    return await notifications.send_due()


async def send_notification_digests(ctx: dict[str, Any]) -> int:
    """The daily digest: each recipient's held deliveries as one message per channel."""
    return await notifications.send_digests()


JOBS = [
    Job(deliver_notification, timeout=120),
    Job(send_due_notifications, every=60),
    # 01:00 UTC is 09:00 in Beijing: the digest arrives at the start of the working day.
    Job(send_notification_digests, every=86400, offset=3600),
]
