"""Telling the steps the sweep recorded (催办 / 通报 reach people): each recorded step's notifications, for whoever
plays its recipient's part now, stored once per step and person.

The alert row is the outbox: the sweep records the step (with what its notification says) and its audit event in
one transaction; this job, queued after that commit and by every sweep after it, stores the notifications of the
steps not yet told and marks them told in one transaction, a batch at a time. A teller stopped half-way leaves each
batch whole or absent; the next one tells what is left, once (the notifications are unique on step and person).
"""

from __future__ import annotations

import json
from typing import Any

from review.core import clock, db
from review.deadlines import sql
from review.deadlines.tables import ClockAlert
from review.notifications import services as notifications

EVENT_OF_KIND = {"remind": "reminder", "escalate": "escalation"}

STEPS_PER_WRITE = 5000  # steps told in one transaction
_MARKED_PER_STATEMENT = 500  # ids in one UPDATE (well under SQLite's limit on bound values)


def _context(row: dict[str, Any]) -> dict[str, Any]:
    written = row["context"]
    return dict(json.loads(written) if isinstance(written, str | bytes) else written or {})


async def _tell_batch(limit: int) -> tuple[int, int]:
    """One batch in one transaction: (steps told, notifications newly stored)."""
    async with db.transaction():
        rows = await db.fetch(sql.ALERTS_TO_TELL + db.for_update(of="a"), limit)
        if not rows:
            return 0, 0
        contexts = [_context(row) for row in rows]
        asked = await notifications.recipients_many([
            notifications.Asked(row["recipient"], row["case_number"], row["department_id"]) for row in rows])
        # A step naming one person (an invitation's reminder, to the invited member) goes to that person.
        people = [[notifications.Recipient(account_id=context["account_id"])] if context.get("account_id")
                  else found for context, found in zip(contexts, asked, strict=True)]
        stored = await notifications.store_many([
            notifications.Notice(EVENT_OF_KIND[context["kind"]], row["key"], recipients, context)
            for row, context, recipients in zip(rows, contexts, people, strict=True)])
        ids = [row["id"] for row in rows]
        now = clock.now()
        for start in range(0, len(ids), _MARKED_PER_STATEMENT):
            await ClockAlert.update({ClockAlert.notified_at: now}).where(
                ClockAlert.id.is_in(ids[start:start + _MARKED_PER_STATEMENT])).run()
    await notifications.queue_stored(stored)
    return len(rows), stored.count


async def tell(*, batch: int = STEPS_PER_WRITE) -> int:
    """Tell every recorded step not yet told; returns how many notifications were newly stored."""
    stored = 0
    while True:
        told, count = await _tell_batch(batch)
        stored += count
        if told < batch:
            return stored
