"""Background jobs: arq on Redis when REDIS_URL is set, otherwise the same functions in-process.

Each package declares its jobs beside their functions, in its `jobs.py` (`JOBS: list[Job]`); the composition roots
hand the whole list to `configure()` (see review/worker.py), so this module imports no job of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from review.core import settings

log = logging.getLogger("review.jobs")

_pool: Any = None
_tasks: dict[str, asyncio.Task[None]] = {}  # in-process jobs queued or running, by job id

DEFAULT_QUEUE = "arq:queue"


@dataclass(frozen=True)
class Job:
    """One background job. Its name, the function's, is what `enqueue` is given and begins its arq job id.

    `queue`: the arq queue it is sent to (each queue has its own workers); `timeout`: seconds it may run, None for
    its worker's default; `every` and `offset`: a periodic job runs every `every` seconds, `offset` seconds into
    each period, counted from the hour (periods of an hour or less) or from midnight (longer ones).
    """

    fn: Callable[..., Awaitable[Any]]
    queue: str = DEFAULT_QUEUE
    timeout: int | None = None
    every: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if self.every is None:
            if self.offset:
                raise ValueError(f"job {self.name}: an offset needs a period (every)")
            return
        whole_minutes = self.every % 60 == 0 and self.offset % 60 == 0
        on_the_clock = 3600 % self.every == 0 if self.every <= 3600 else (
            self.every % 3600 == 0 and 86400 % self.every == 0)
        if not (whole_minutes and on_the_clock and 0 <= self.offset < self.every):
            raise ValueError(f"job {self.name}: every={self.every}, offset={self.offset} is not a period of whole "
                             "minutes that divides an hour or a day, with an offset inside it")

    @property
    def name(self) -> str:
        return self.fn.__name__

    def clock_times(self) -> tuple[set[int] | None, set[int]]:
        """When a periodic job runs, as arq's `cron` takes it: the hours (None: every hour) and the minutes."""
        if self.every is None:
            raise ValueError(f"job {self.name} is not periodic")
        if self.every <= 3600:
            return None, set(range(self.offset // 60, 60, self.every // 60))
        return set(range(self.offset // 3600, 24, self.every // 3600)), {self.offset % 3600 // 60}


_jobs: dict[str, Job] = {}


def configure(jobs: Iterable[Job]) -> None:
    """Install the jobs `enqueue` may name (the app, the worker, the commands and the tests call this)."""
    table: dict[str, Job] = {}
    for job in jobs:
        if job.name in table:
            raise ValueError(f"two jobs are named {job.name}")
        table[job.name] = job
    _jobs.clear()
    _jobs.update(table)


def job(name: str) -> Job:
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}: review.core.jobs.configure() was not given it") from None


def job_id(name: str, *args: Any) -> str:
    """arq deduplicates on this id: one render per verdict however often it is asked for."""
    return ":".join([name, *map(str, args)])


async def redis_pool() -> Any:
    global _pool
    if _pool is None:
        # lazy: arq loads only where Redis is used
        from arq import create_pool
        from arq.connections import RedisSettings

        _pool = await create_pool(RedisSettings.from_dsn(settings.REDIS_URL))
    return _pool


async def enqueue(name: str, *args: Any) -> None:
    """Run `name(*args)` in the background after the caller's transaction has committed."""
    queued = job(name)
    if settings.REDIS_URL:
        pool = await redis_pool()
        await pool.enqueue_job(name, *args, _job_id=job_id(name, *args), _queue_name=queued.queue)
        return
    key = job_id(name, *args)
    if key in _tasks:
        return  # as arq does: the same job is not queued twice while it waits or runs
    task = asyncio.get_running_loop().create_task(_run_inline(queued, *args))
    _tasks[key] = task
    task.add_done_callback(lambda _: _tasks.pop(key, None))


async def _run_inline(queued: Job, *args: Any) -> None:
    try:
        await queued.fn({}, *args)
    except Exception:
        log.exception("job %s failed", job_id(queued.name, *args))


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
