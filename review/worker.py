"""Every background job of the platform, and what is derived from that one list: the arq worker settings for
`review worker` (general jobs) and `review worker --queue verdicts`, and the in-process sweeper that stands in
for the workers' cron jobs when there is no Redis."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings

from panels import jobs as panel_jobs
from review.assessments import jobs as assessment_jobs
from review.convening import jobs as convening_jobs
from review.core import db, settings
from review.core import jobs as queue
from review.core.api import jobs as api_jobs
from review.core.audit import jobs as audit_jobs
from review.core.audit import store as audit
from review.core.jobs import DEFAULT_QUEUE, Job
from review.deadlines import jobs as deadline_jobs
from review.mediation import jobs as mediation_jobs
from review.notifications import jobs as notification_jobs
from review.publication import jobs as publication_jobs
from review.selection import jobs as selection_jobs
from review.verdicts import jobs as verdict_jobs
from review.verdicts import services as verdicts
from review.verdicts.jobs import VERDICT_QUEUE
from review.webhooks import jobs as webhook_jobs

log = logging.getLogger("review.jobs")

JOBS: list[Job] = [*panel_jobs.JOBS, *convening_jobs.JOBS, *verdict_jobs.JOBS, *audit_jobs.JOBS, *mediation_jobs.JOBS,
                    *assessment_jobs.JOBS, *deadline_jobs.JOBS, *notification_jobs.JOBS,
                    *selection_jobs.JOBS, *webhook_jobs.JOBS, *api_jobs.JOBS, *publication_jobs.JOBS]

SWEEP_INTERVAL = 300.0  # seconds between the periodic sweeps when there is no worker


async def sweeper(interval: float = SWEEP_INTERVAL) -> None:
    """In-process stand-in for the workers' cron jobs: every periodic job (overdue invitations, pending
    verdicts, the day's audit chain head, mediation reminders), one after the other, every `interval` seconds."""
    periodic = [job.fn for job in JOBS if job.every is not None]
    while True:
        for sweep in periodic:
            try:
                await sweep({})
            except Exception:
                log.exception("periodic sweep %s failed", sweep.__name__)
        await asyncio.sleep(interval)


def functions_of(queue_name: str) -> list:
    """The arq functions of a queue's workers, each with its own timeout if it has one."""
    return [func(job.fn, timeout=job.timeout) if job.timeout else job.fn  # type: ignore[arg-type]
            for job in JOBS if job.queue == queue_name]


def cron_jobs_of(queue_name: str) -> list:
    """The periodic jobs of a queue, run by its workers at the clock times the jobs name."""
    periodic = [job for job in JOBS if job.queue == queue_name and job.every is not None]
    return [cron(job.fn, hour=hour, minute=minute, unique=True)  # type: ignore[arg-type]
            for job in periodic for hour, minute in [job.clock_times()]]


async def startup(ctx: dict[str, Any]) -> None:
    queue.configure(JOBS)
    db.engine()
    await db.start()
    ctx["sealer"] = asyncio.create_task(audit.sealer())


async def verdict_startup(ctx: dict[str, Any]) -> None:
    await startup(ctx)
    # A worker killed mid-write leaves a temp file beside the store; its job is retried, the leftover goes.
    await asyncio.to_thread(verdicts.sweep_partial_files)


async def shutdown(ctx: dict[str, Any]) -> None:
    ctx["sealer"].cancel()
    await db.stop()


class WorkerSettings:
    """Every job of the default queue; the verdicts queue has its own workers."""

    functions: ClassVar[list] = functions_of(DEFAULT_QUEUE)
    cron_jobs: ClassVar[list] = cron_jobs_of(DEFAULT_QUEUE)
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(settings.REDIS_URL or "redis://127.0.0.1:6379")
    queue_name = DEFAULT_QUEUE
    max_tries = 5
    keep_result = 0  # jobs are idempotent; the job id only guards queued and running jobs
    job_timeout = 120
    max_jobs = 10
    # Seconds between looks at the queue while it is busy: a webhook's first attempt waits no longer than this
    # for a free worker (arq's default, 0.5 s, would hold a busy worker to 20 jobs a second).
    poll_delay = 0.05


class VerdictWorkerSettings(WorkerSettings):
    """Renders verdicts, one at a time per process (CPU-bound); every few minutes it queues again the renders
    of verdicts still pending (a render that failed or ran out of time)."""

    functions: ClassVar[list] = functions_of(VERDICT_QUEUE)
    cron_jobs: ClassVar[list] = cron_jobs_of(VERDICT_QUEUE)
    on_startup = verdict_startup
    queue_name = VERDICT_QUEUE
    max_jobs = 4
    # No job here may hold a dead worker's render longer than a render may take.
    job_timeout = settings.VERDICT_RENDER_TIMEOUT


SETTINGS_BY_QUEUE = {"default": WorkerSettings, "verdicts": VerdictWorkerSettings}
_OPTIONS = ("functions", "cron_jobs", "on_startup", "on_shutdown", "redis_settings", "queue_name", "max_tries",
            "keep_result", "job_timeout", "max_jobs", "poll_delay")

def worker_options(queue_name: str) -> dict[str, Any]:
    """The arq Worker's arguments for one of our queues, inherited settings included (arq itself reads only the
    attributes a settings class defines itself)."""
    chosen = SETTINGS_BY_QUEUE[queue_name]
    return {name: getattr(chosen, name) for name in _OPTIONS}
