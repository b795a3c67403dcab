"""arq worker settings for `review worker`."""

from __future__ import annotations

import asyncio
from typing import Any

from arq.connections import RedisSettings

from review import audit, db, jobs, settings


async def startup(ctx: dict[str, Any]) -> None:
    db.engine()
    await db.start()
    ctx["sealer"] = asyncio.create_task(audit.sealer())


async def shutdown(ctx: dict[str, Any]) -> None:
    ctx["sealer"].cancel()
    await db.stop()


class WorkerSettings:
    functions = jobs.FUNCTIONS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(settings.REDIS_URL or "redis://127.0.0.1:6379")
    max_tries = 5
    keep_result = 0  # render_verdict is idempotent; the job id only guards queued and running jobs
    job_timeout = 120
