"""The webhooks' jobs: take ids, re-load, call a service; arq may run each more than once (a delivery is
claimed before each attempt, so a second run sends nothing)."""

from __future__ import annotations

from typing import Any

from review.core.jobs import Job
from review.webhooks import services as webhooks


async def deliver_webhook(ctx: dict[str, Any], delivery_id: int) -> str:
    """Attempt one delivery (and its retries due within seconds)."""
    return await webhooks.deliver(delivery_id=delivery_id)


async def send_due_webhooks(ctx: dict[str, Any]) -> int:
    """Queue the deliveries that are due: retries, and any a dead process committed but never queued."""
    return await webhooks.send_due()


JOBS = [
    Job(deliver_webhook, timeout=180),
    Job(send_due_webhooks, every=60),
]
