"""Jobs of mediation: take ids (or none), re-load, call a service; arq may run each more than once."""

from __future__ import annotations

from typing import Any

from review.core import jobs as queue
from review.core import settings
from review.core.jobs import Job
from review.mediation.services import agreement, reminders


async def send_mediation_reminders(ctx: dict[str, Any]) -> int:
    """Record the reminders now due before mediation sessions (idempotent: one per invitee and offset)."""
    return await reminders.send_due_reminders()


async def render_mediation_agreement(ctx: dict[str, Any], agreement_id: int) -> str:
    """Render the sealed agreement's PDF (idempotent: one already rendered is left as it is)."""
    return await agreement.render(agreement_id=agreement_id)


async def requeue_unrendered_agreements(ctx: dict[str, Any]) -> int:
    """Queue a render for every sealed agreement without its PDF (a render that failed or was lost)."""
    pending = await agreement.unrendered_ids()
    for agreement_id in pending:
        await queue.enqueue("render_mediation_agreement", agreement_id)
    return len(pending)


JOBS = [
    Job(send_mediation_reminders, every=300, offset=60),  # every five minutes, a minute after the full five
    # An agreement is rendered once, when sealed: few enough for the general workers, with a render's timeout.
    Job(render_mediation_agreement, timeout=settings.VERDICT_RENDER_TIMEOUT),
    # Every five minutes, three minutes past (the verdicts' requeue runs at two).
    Job(requeue_unrendered_agreements, every=300, offset=180),
]
