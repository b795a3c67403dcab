"""Jobs of the verdicts: take ids, re-load, call a service; arq may run each more than once."""

from __future__ import annotations

from typing import Any

from review.core import jobs as queue
from review.core import settings
from review.core.jobs import Job
from review.verdicts import bulk as bulk_issuance
from review.verdicts import services as verdicts

# PDF rendering has its own queue and workers (`review worker --queue verdicts`), so that a round's worth of
# renders never holds up other jobs, and a killed render is retried after the render timeout, not after the
# longest timeout of any job.
VERDICT_QUEUE = "review:verdicts"


async def render_verdict(ctx: dict[str, Any], verdict_id: int) -> str:
    """Render both PDFs of a verdict (idempotent: a rendered verdict is left as it is), then publish its ruling
    if the complainant consents."""
    status = await verdicts.render(verdict_id=verdict_id)
    await queue.enqueue("publish_verdict", verdict_id)
    return status


async def issue_bulk(ctx: dict[str, Any], bulk_id: int) -> str:
    """Issue the cases of a bulk issuance (idempotent: cases already handled are skipped)."""
    return await bulk_issuance.run(bulk_id=bulk_id)


async def requeue_pending_verdicts(ctx: dict[str, Any]) -> int:
    """Queue a render for every verdict still pending: one whose render failed or ran out of time is tried
    again. Renders already queued or running are not queued twice (the job id is the verdict's)."""
    pending = await verdicts.pending_ids()
    for verdict_id in pending:
        await queue.enqueue("render_verdict", verdict_id)
    return len(pending)


JOBS = [
    # A render takes about a second. arq retries a job whose worker died once the longest timeout of that
    # worker's jobs (+10 s) has passed: the verdict worker runs renders only, so that is this one.
    Job(render_verdict, queue=VERDICT_QUEUE, timeout=settings.VERDICT_RENDER_TIMEOUT),
    # Every five minutes, two minutes past (the invitation sweep runs on the full five).
    Job(requeue_pending_verdicts, queue=VERDICT_QUEUE, every=300, offset=120),
    # A bulk issuance issues every case of a round: far longer than the default. It runs on the general workers.
    Job(issue_bulk, timeout=settings.VERDICT_BULK_TIMEOUT),
]
