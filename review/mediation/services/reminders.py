"""Reminders before mediation sessions (MEDIATION_REMINDERS): one per invitee and offset, recorded by a periodic
sweep, audited on the case, shown on the invitee's own page and in the API.

The platform has no SMS or e-mail channel yet: a reminder is recorded with channel `page` and no `delivered_at`,
so that a later sender can pick the undelivered rows up. Each reminder's unique key (invitee, offset) makes a
second sweep, or a second worker sweeping at the same moment, record nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

from review.core import clock, db, settings
from review.core.audit import store as audit
from review.mediation import sql
from review.mediation.domain.reminders import due_offset

ACTOR = "system:mediation_reminders"


async def send_due_reminders(*, now: datetime | None = None) -> int:
    """Record every reminder due at `now` that is not yet recorded; how many were recorded by this call."""
    at = now or clock.now()
    offsets = settings.MEDIATION_REMINDERS
    if not offsets:
        return 0
    candidates = await db.fetch(sql.REMINDER_CANDIDATES, at, at + timedelta(minutes=max(offsets)))
    recorded = 0
    for c in candidates:
        offset = due_offset(starts_at=c["starts_at"], now=at, offsets=offsets)
        if offset is None:
            continue
        async with db.transaction():
            inserted = await db.fetch(sql.INSERT_REMINDER, f"{c['participant_id']}:{offset}", c["participant_id"],
                                      c["session_id"], offset, c["starts_at"] - timedelta(minutes=offset), at)
            if not inserted:
                continue  # recorded already, by an earlier sweep or by another worker just now
            await audit.record(case_id=c["case_id"], actor=ACTOR, action="mediation_reminder", data={
                "mediation_id": c["mediation_id"], "session_id": c["session_id"],
                "participant_id": c["participant_id"], "kind": c["kind"], "offset_minutes": offset,
                "channel": "page"})
        recorded += 1
    return recorded
