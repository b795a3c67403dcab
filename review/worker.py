"""arq worker settings for `review worker` (general jobs) and `review worker --queue verdicts`."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings

from review import audit, db, jobs, panel_jobs, queue, settings, verdicts

# A render takes about a second; arq retries a job whose worker died only once this (+10 s) has passed.
RENDER_TIMEOUT: int = settings.config("VERDICT_RENDER_TIMEOUT", cast=int, default=60)
BULK_TIMEOUT: int = settings.config("VERDICT_BULK_TIMEOUT", cast=int, default=1800)
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


class WorkerSettings:
    # A round of thousands of cases is solved and seated in one job: it gets far longer than the default.
    functions = [*(f for f in jobs.FUNCTIONS if f is not panel_jobs.convene_round),
                 func(panel_jobs.convene_round, timeout=ROUND_TIMEOUT)]
    cron_jobs = [cron(panel_jobs.expire_invitations, minute=set(range(0, 60, 5)), unique=True)]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(settings.REDIS_URL or "redis://127.0.0.1:6379")
    queue_name = queue.DEFAULT_QUEUE
    max_tries = 5
    keep_result = 0  # jobs are idempotent; the job id only guards queued and running jobs
    job_timeout = 120


class VerdictWorkerSettings(WorkerSettings):
    """Renders verdicts and runs bulk issuances; one render at a time per process (CPU-bound)."""

    functions = [func(jobs.render_verdict, timeout=RENDER_TIMEOUT), func(jobs.issue_bulk, timeout=BULK_TIMEOUT)]
    on_startup = verdict_startup
    queue_name = queue.VERDICT_QUEUE
    cron_jobs: list = []
    max_jobs = 4


SETTINGS_BY_QUEUE = {"default": WorkerSettings, "verdicts": VerdictWorkerSettings}
