"""`emit`: an event written into the outbox inside the caller's transaction, one delivery for each endpoint
subscribed to its type, each queued once the transaction has committed (nothing if it rolls back)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from review.core import db
from review.core import jobs as queue
from review.core.clock import now
from review.webhooks import payloads, sql


async def emit(event_type: str, data: Mapping[str, Any]) -> str:
    """Announce `event_type` with its thin `data` (ids, numbers, grades, links: README, Webhooks) to every
    endpoint subscribed to it. Call it inside the transaction that makes the change, after the change:

        async with db.transaction():
            ...
            await webhooks.emit("ruling.issued", {"case_number": number, "ruling_id": ruling_id, ...})

    Returns the event's webhook-id."""
    at = now()
    message_id = payloads.new_message_id()
    content = payloads.body(event_type, data, at)
    event = (await db.fetch(sql.INSERT_EVENT, message_id, event_type, content, at))[0]["id"]
    subscribed = [row["id"] for row in await db.fetch(sql.SUBSCRIBED)
                  if event_type in db.json_list(row["events"])]
    deliveries = [(await db.fetch(sql.INSERT_DELIVERY, event, endpoint, at, False, at))[0]["id"]
                  for endpoint in subscribed]
    if deliveries:
        db.on_commit(lambda: queue_deliveries(deliveries))
    return message_id


async def queue_deliveries(deliveries: list[int]) -> None:
    """Queue a first attempt at each delivery (after the commit that wrote them)."""
    for delivery_id in deliveries:
        await queue.enqueue("deliver_webhook", delivery_id)
