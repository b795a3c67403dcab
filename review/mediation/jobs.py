"""Jobs of mediation: take ids (or none), re-load, call a service; each may run more than once."""

from __future__ import annotations

from typing import Any

from review.core.jobs import Job
from review.mediation.services import reminders


async def send_mediation_reminders(ctx: dict[str, Any]) -> int:
    """Record the reminders now due before mediation sessions (idempotent: one per invitee and offset)."""
    return await reminders.send_due_reminders()


JOBS = [
    Job(send_mediation_reminders, every=300, offset=60),  # every five minutes, a minute after the full five
]
