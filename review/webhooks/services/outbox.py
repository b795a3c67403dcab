"""`emit`: an event written into the outbox inside the caller's transaction, one delivery for each endpoint
subscribed to its type, each queued once the transaction has committed (nothing if it rolls back)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from review.core import db, leak_gate, settings
from review.core import jobs as queue
from review.core.audit import store as audit
from review.core.clock import now
from review.webhooks import payloads, sql

log = logging.getLogger("review.webhooks")

Data = Mapping[str, Any]


async def emit(event_type: str, data: Data) -> str | None:
    """Announce `event_type` with its thin `data` (ids, numbers, grades, links: README, Webhooks) to every
    endpoint subscribed to it. Call it inside the transaction that makes the change:

        async with db.transaction():
            ...
            await webhooks.emit("ruling.issued", {"case_number": number, "ruling_id": ruling_id, ...})

    A `link` that is a path is made absolute (PUBLIC_BASE_URL). Returns the event's webhook-id, or None when no
    endpoint is subscribed to the type (then nothing is written)."""
    return (await emit_many(event_type, [data]))[0]


async def emit_many(event_type: str, many: Sequence[Data]) -> list[str | None]:
    """`emit` for several events of one type (a sweep's, a batch's), the subscribers read once."""
    if not many:
        return []
    subscribed = [row["id"] for row in await db.fetch(sql.SUBSCRIBED)
                  if event_type in db.json_list(row["events"])]
    contents = [payloads.body(event_type, _absolute(data), now()) for data in many]  # refused before any write
    if not subscribed:
        return [None] * len(many)
    at = now()
    ids: list[str | None] = []
    deliveries: list[int] = []
    for data, content in zip(many, contents, strict=True):
        if await _stopped(event_type, data, content):
            ids.append(None)
            continue
        message_id = payloads.new_message_id()
        event = (await db.fetch(sql.INSERT_EVENT, message_id, event_type, content, at))[0]["id"]
        deliveries += [(await db.fetch(sql.INSERT_DELIVERY, event, endpoint, at, False, at))[0]["id"]
                       for endpoint in subscribed]
        ids.append(message_id)
    db.on_commit(lambda: queue_deliveries(deliveries))
    return ids


async def _stopped(event_type: str, data: Data, content: str) -> bool:
    """The leak gate (review.core.leak_gate) reads every payload before it is written: one that carries what looks
    like personal data is not sent, and the audit trail says which kind stood where (never the value)."""
    hits = leak_gate.scan({"载荷": content}, allowed=payloads.codes(data))
    if not hits:
        return False
    kinds = sorted({hit.kind for hit in hits})
    log.warning("webhook %s not sent: the payload looks like it carries %s", event_type, ", ".join(kinds))
    await audit.record(case_id=None, actor="system:webhooks", action="webhook_stopped",
                       data={"event_type": event_type, "kinds": kinds})
    return True


def _absolute(data: Data) -> Data:
    link = data.get("link")
    if isinstance(link, str) and link.startswith("/"):
        return {**data, "link": settings.PUBLIC_BASE_URL.rstrip("/") + link}
    return data


async def queue_deliveries(deliveries: list[int]) -> None:
    """Queue a first attempt at each delivery (after the commit that wrote them)."""
    for delivery_id in deliveries:
        await queue.enqueue("deliver_webhook", delivery_id)
