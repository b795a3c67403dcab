"""Job functions: take ids, re-load, call a service. arq may run them more than once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from panels.services import roster_import as import_jobs
from review.convening.jobs import PANEL_FUNCTIONS, expire_invitations
from review.core import jobs as queue
from review.core.audit import heads as audit_heads
from review.verdicts import bulk as bulk_issuance
from review.verdicts import services as verdicts

log = logging.getLogger("review.jobs")

SWEEP_INTERVAL = 300.0  # seconds between the periodic sweeps when there is no worker


async def render_verdict(ctx: dict[str, Any], verdict_id: int) -> str:
    """Render both PDFs of a verdict (idempotent: a rendered verdict is left as it is)."""
    return await verdicts.render(verdict_id=verdict_id)


async def issue_bulk(ctx: dict[str, Any], bulk_id: int) -> str:
    """Issue the cases of a bulk issuance (idempotent: cases already handled are skipped)."""
    return await bulk_issuance.run(bulk_id=bulk_id)


async def run_import(ctx: dict[str, Any], job_id: int) -> str:
    """Import a large uploaded table (idempotent: a finished import is left as it is)."""
    return await import_jobs.run(job_id=job_id)


async def requeue_pending_verdicts(ctx: dict[str, Any]) -> int:
    """Queue a render for every verdict still pending: one whose render failed or ran out of time is tried
    again. Renders already queued or running are not queued twice (the job id is the verdict's)."""
    pending = await verdicts.pending_ids()
    for verdict_id in pending:
        await queue.enqueue("render_verdict", verdict_id)
    return len(pending)


async def sweeper(interval: float = SWEEP_INTERVAL) -> None:
    """In-process stand-in for the workers' cron jobs: overdue invitations, pending verdicts, the day's audit
    chain head."""
    while True:
        for sweep in (expire_invitations, requeue_pending_verdicts, audit_heads.publish_daily):
            try:
                await sweep({})
            except Exception:
                log.exception("periodic sweep %s failed", sweep.__name__)
        await asyncio.sleep(interval)


FUNCTIONS: list[Callable[..., Awaitable[Any]]] = [
    render_verdict,
    issue_bulk,
    run_import,
    requeue_pending_verdicts,
    *PANEL_FUNCTIONS,
]
