"""Background jobs: arq on Redis when REDIS_URL is set, otherwise the same functions in-process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from review.core import settings

log = logging.getLogger("review.jobs")

_pool: Any = None
_tasks: dict[str, asyncio.Task[None]] = {}  # in-process jobs queued or running, by job id

# PDF rendering has its own queue and workers (`review worker --queue verdicts`), so that a round's worth of
# renders never holds up other jobs, and a killed render is retried after the render timeout, not after the
# longest timeout of any job.
DEFAULT_QUEUE = "arq:queue"
VERDICT_QUEUE = "review:verdicts"
QUEUE_OF = {"render_verdict": VERDICT_QUEUE, "requeue_pending_verdicts": VERDICT_QUEUE}


def job_id(name: str, *args: Any) -> str:
    """arq deduplicates on this id: one render per verdict however often it is asked for."""
    return ":".join([name, *map(str, args)])


def registry() -> dict[str, Callable[..., Awaitable[Any]]]:
    from review import jobs

    return {fn.__name__: fn for fn in jobs.FUNCTIONS}


async def redis_pool() -> Any:
    global _pool
    if _pool is None:
        from arq import create_pool
        from arq.connections import RedisSettings

        _pool = await create_pool(RedisSettings.from_dsn(settings.REDIS_URL))
    return _pool


async def enqueue(name: str, *args: Any) -> None:
    """Run `name(*args)` in the background after the caller's transaction has committed."""
    if settings.REDIS_URL:
        pool = await redis_pool()
        await pool.enqueue_job(name, *args, _job_id=job_id(name, *args),
                               _queue_name=QUEUE_OF.get(name, DEFAULT_QUEUE))
        return
    key = job_id(name, *args)
    if key in _tasks:
        return  # as arq does: the same job is not queued twice while it waits or runs
    task = asyncio.get_running_loop().create_task(_run_inline(name, *args))
    _tasks[key] = task
    task.add_done_callback(lambda _: _tasks.pop(key, None))


async def _run_inline(name: str, *args: Any) -> None:
    try:
        await registry()[name]({}, *args)
    except Exception:
        log.exception("job %s failed", job_id(name, *args))


async def drain() -> None:
    """Wait for in-process jobs (tests, shutdown)."""
    while _tasks:
        await asyncio.gather(*list(_tasks.values()), return_exceptions=True)


async def close() -> None:
    global _pool
    await drain()
    if _pool is not None:
        await _pool.aclose()
        _pool = None
