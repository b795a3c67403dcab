"""arq worker settings for `review worker` (general jobs) and `review worker --queue verdicts`."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings

from review import jobs
from review.convening import jobs as panel_jobs
from review.core import db, settings
from review.core import jobs as queue
from review.core.audit import heads as audit_heads
from review.core.audit import store as audit
from review.verdicts import services as verdicts

# A render takes about a second. arq retries a job whose worker died once the longest timeout of that worker's
# jobs (+10 s) has passed: the verdict worker runs renders only, so that is this one.
RENDER_TIMEOUT: int = settings.VERDICT_RENDER_TIMEOUT
BULK_TIMEOUT: int = settings.VERDICT_BULK_TIMEOUT
ROUND_TIMEOUT = 3600


async def startup(ctx: dict[str, Any]) -> None:
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


# A round of thousands of cases is solved and seated in one job, a bulk issuance issues every case of a
# round, and an import reads a whole table: they get far longer than the default.
_LONG_JOBS = {panel_jobs.convene_round: ROUND_TIMEOUT, jobs.issue_bulk: BULK_TIMEOUT,
              jobs.run_import: ROUND_TIMEOUT}


class WorkerSettings:
    # Every job of the default queue (see `queue.QUEUE_OF`); the verdicts queue has its own workers.
    functions: ClassVar[list] = [func(f, timeout=_LONG_JOBS[f]) if f in _LONG_JOBS else f for f in jobs.FUNCTIONS
                                 if queue.QUEUE_OF.get(f.__name__, queue.DEFAULT_QUEUE) == queue.DEFAULT_QUEUE]
    # The day's audit chain head is published by the first hourly run of each day (China time); the others find
    # it published.
    cron_jobs: ClassVar[list] = [cron(panel_jobs.expire_invitations, minute=set(range(0, 60, 5)), unique=True),
                                 cron(audit_heads.publish_daily, minute={7}, unique=True)]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(settings.REDIS_URL or "redis://127.0.0.1:6379")
    queue_name = queue.DEFAULT_QUEUE
    max_tries = 5
    keep_result = 0  # jobs are idempotent; the job id only guards queued and running jobs
    job_timeout = 120
    max_jobs = 10


class VerdictWorkerSettings(WorkerSettings):
    """Renders verdicts, one at a time per process (CPU-bound); every few minutes it queues again the renders
    of verdicts still pending (a render that failed or ran out of time)."""

    functions: ClassVar[list] = [func(jobs.render_verdict, timeout=RENDER_TIMEOUT), jobs.requeue_pending_verdicts]
    cron_jobs: ClassVar[list] = [cron(jobs.requeue_pending_verdicts, minute=set(range(2, 60, 5)), unique=True)]
    on_startup = verdict_startup
    queue_name = queue.VERDICT_QUEUE
    max_jobs = 4
    job_timeout = RENDER_TIMEOUT  # no job here may hold a dead worker's render longer than a render may take


SETTINGS_BY_QUEUE = {"default": WorkerSettings, "verdicts": VerdictWorkerSettings}
_OPTIONS = ("functions", "cron_jobs", "on_startup", "on_shutdown", "redis_settings", "queue_name", "max_tries",
            "keep_result", "job_timeout", "max_jobs")


def worker_options(queue_name: str) -> dict[str, Any]:
    """The arq Worker's arguments for one of our queues, inherited settings included (arq itself reads only the
    attributes a settings class defines itself)."""
    chosen = SETTINGS_BY_QUEUE[queue_name]
    return {name: getattr(chosen, name) for name in _OPTIONS}
