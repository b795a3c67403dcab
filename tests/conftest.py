"""Test set-up: a fresh database (PostgreSQL or SQLite) and, when configured, real Redis.

REVIEW_TEST_DB=postgres runs against the machine's PostgreSQL (a throw-away database built from the
committed migrations); anything else runs on a SQLite file built from the table definitions.
REVIEW_TEST_REDIS=redis://… sends jobs and rate limits through that Redis; without it jobs run in-process.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

_DATA_DIR = Path(tempfile.mkdtemp(prefix="review-test-"))
_PG_BASE = os.environ.get("REVIEW_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
_PG_NAME = f"review_test_{uuid.uuid4().hex[:10]}"
USE_POSTGRES = os.environ.get("REVIEW_TEST_DB", "sqlite") == "postgres"
REDIS_URL = os.environ.get("REVIEW_TEST_REDIS", "")

os.environ["REVIEW_DATA_DIR"] = str(_DATA_DIR)
os.environ["DATABASE_URL"] = f"{_PG_BASE}/{_PG_NAME}" if USE_POSTGRES else f"sqlite:///{_DATA_DIR / 'test.db'}"
os.environ["REDIS_URL"] = REDIS_URL
os.environ["COOKIE_SECURE"] = "0"
os.environ["PUBLIC_BASE_URL"] = "http://testserver"
os.environ["TRACK_FAILURES_PER_CASE"] = "5/hour"
os.environ["TRACK_FAILURES_PER_CLIENT"] = "20/hour"
os.environ["LOGIN_FAILURES_PER_CLIENT"] = "20/hour"
os.environ["LOGIN_FAILURES_PER_ACCOUNT"] = "3/hour"
os.environ["FAILURE_DELAY_FIRST"] = "0.02"
os.environ["FAILURE_DELAY_MAX"] = "0.08"
os.environ.pop("FORWARDED_ALLOW_IPS", None)
# Tests change settings in this process, which a separate render process would not see.
os.environ.setdefault("VERDICT_RENDER_PROCESSES", "0")

from panels.services import verification as draw_verification
from review.core import db, ratelimit
from review.core import jobs as queue
from review.verdicts.queries import printed_panels

draw_verification.use_verdicts(printed_panels)  # as review.app and review.cli do


# A test marked with one of these runs only where its condition holds; elsewhere it is deselected, not skipped
# (the suite runs twice: PostgreSQL with Redis, then SQLite with jobs in-process).
_RUNS_WHERE = {
    "postgres_only": USE_POSTGRES,
    "sqlite_only": not USE_POSTGRES,
    "redis_only": bool(REDIS_URL),
    "without_redis": not REDIS_URL,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out (deselected, not skipped) the tests this run's database or job backend is not for."""
    kept = [item for item in items
            if all(holds or item.get_closest_marker(marker) is None for marker, holds in _RUNS_WHERE.items())]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{_PG_BASE}/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[None]:
    """The schema, once per run: committed migrations on PostgreSQL, table definitions on SQLite."""
    if USE_POSTGRES:
        await _admin(f'CREATE DATABASE "{_PG_NAME}"')
    from review import worker  # lazy: the whole app behind it, which tests without a database need not load

    queue.configure(worker.JOBS)
    db.engine()
    await db.start()
    await db.migrate()
    try:
        yield
    finally:
        await queue.close()
        await db.stop()
        if USE_POSTGRES:
            await _admin(f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)')
        shutil.rmtree(_DATA_DIR, ignore_errors=True)


async def wipe() -> None:
    """Empty every table and restore the reference data (criteria, template, chain head)."""
    names = [t._meta.tablename for t in db.all_tables()]
    if db.is_sqlite():
        async with db.transaction():
            for name in reversed(names):
                await db.engine().run_ddl(f'DELETE FROM "{name}"')
    else:
        quoted = ", ".join(f'"{n}"' for n in names)
        await db.engine().run_ddl(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    await db.ensure_chain_head()
    import review.app  # noqa: F401  # every module that keeps something has registered its forget
    from review.core import kept
    from review.demo.seeding import seed_reference

    kept.forget_all()

    await seed_reference()


@pytest.fixture
async def clean_db(database: None) -> AsyncIterator[None]:
    """A database holding only reference data, and fresh rate-limit counters."""
    await wipe()
    if REDIS_URL:
        import redis.asyncio as redis

        client = redis.from_url(REDIS_URL)
        await client.flushdb()
        await client.aclose()
    await ratelimit.reset()
    yield
    await queue.drain()


async def run_jobs() -> None:
    """Run every queued job to completion: a burst arq worker per queue on Redis, or the in-process queue.
    The workers keep results as long as the real ones do (not at all): arq refuses a job whose id still has
    a result, so a second refill of the same panel would otherwise never run."""
    if REDIS_URL:
        # lazy: only the Redis run needs arq's worker
        from arq.worker import Worker

        from review.worker import SETTINGS_BY_QUEUE, worker_options

        for queue_name in SETTINGS_BY_QUEUE:  # each queue has its own workers
            options = {**worker_options(queue_name), "cron_jobs": [], "on_startup": None, "on_shutdown": None}
            worker = Worker(**options, burst=True, handle_signals=False)  # polls as the real ones do
            try:
                await worker.async_run()
            finally:
                await worker.close()
    else:
        await queue.drain()
    await asyncio.sleep(0)
