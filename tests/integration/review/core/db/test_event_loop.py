"""Slow work leaves the event loop free: password hashing off the loop thread, imports parsed off it too."""

from __future__ import annotations

import asyncio
import threading

import pytest
from argon2 import PasswordHasher

from review.accounts.services import auth
from review.core.errors import Unauthorized
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


class _WatchedHasher(PasswordHasher):
    """The real Argon2 hasher, noting the thread each hash and check runs on."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.threads.append(threading.get_ident())
        return super().verify(hash, password)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.threads.append(threading.get_ident())
        return super().hash(password, salt=salt)


async def test_password_checks_run_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    await factories.account("office", username="clerk")
    watched = _WatchedHasher()
    monkeypatch.setattr(auth, "_hasher", watched)
    loop_thread = threading.get_ident()
    ticks = 0
    stop = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    attempts = [auth.authenticate("clerk", "wrong-password") for _ in range(6)]
    attempts += [auth.authenticate("nobody", "wrong-password"), auth.authenticate("clerk", factories.PASSWORD)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    stop.set()
    await ticker
    assert sum(isinstance(r, Unauthorized) for r in results) == 7
    assert results[-1].username == "clerk"
    assert len(watched.threads) == 8
    assert loop_thread not in watched.threads
    assert ticks > len(watched.threads)  # the loop went on running while the checks ran


async def test_new_accounts_hash_their_password_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    watched = _WatchedHasher()
    monkeypatch.setattr(auth, "_hasher", watched)
    await auth.create_account(username="newclerk", password="long-enough-password", role="office")
    assert watched.threads and threading.get_ident() not in watched.threads


@pytest.mark.without_redis  # with Redis, verdict workers render (on their own processes)
async def test_verdicts_render_on_a_separate_process_when_jobs_run_in_the_web_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    from review.core import settings
    from review.verdicts import services as verdicts
    from review.verdicts import signing as verdict_signing
    from tests.integration.review.verdicts.test_render import make_doc

    monkeypatch.setattr(settings, "VERDICT_RENDER_PROCESSES", 1)
    monkeypatch.setattr(verdicts, "_render_processes", None)
    try:
        pdf = await verdicts._rendered(make_doc())
        pool = verdicts._render_processes
        assert pool is not None
        children = [p.pid for p in pool._processes.values()]
    finally:
        if verdicts._render_processes is not None:
            verdicts._render_processes.shutdown()
    assert children and os.getpid() not in children
    assert verdict_signing.signature_state(pdf).valid


@pytest.mark.sqlite_only
async def test_sqlite_waits_for_another_process_write_without_holding_the_event_loop() -> None:
    import sqlite3

    from review.core import settings
    from review.core.tables import Department

    other = sqlite3.connect(settings.database_url().removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's write in progress
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    write = asyncio.create_task(Department.insert(Department(code="WAIT", name="等候", level="市级")).run())
    await asyncio.sleep(0.3)
    waiting, ticks_while_locked = not write.done(), ticks
    other.execute("COMMIT")
    other.close()
    await write
    ticker.cancel()
    assert waiting
    assert ticks_while_locked > 50  # the loop ran on while the write waited for the lock
    assert await Department.exists().where(Department.code == "WAIT").run()


async def test_password_checks_past_the_queue_limit_are_refused_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from review.core import settings
    from review.core.errors import RateLimited

    await factories.account("office", username="clerk")
    monkeypatch.setattr(settings, "PASSWORD_HASH_QUEUE", 2)
    results = await asyncio.gather(*[auth.authenticate("clerk", "wrong-password") for _ in range(6)],
                                   return_exceptions=True)
    assert sum(isinstance(r, RateLimited) for r in results) == 4
    assert sum(isinstance(r, Unauthorized) and not isinstance(r, RateLimited) for r in results) == 2
    assert isinstance(await asyncio.gather(auth.authenticate("clerk", factories.PASSWORD)), list)


async def test_a_run_of_statements_gives_the_loop_a_turn_between_them() -> None:
    """A job making statement after statement (a bulk issuance) must not hold the pages until it ends: on
    SQLite, whose calls answer at once on the loop's thread, an await without a wait gives nobody a turn."""
    from review.core import db

    turns = 0

    async def other_requests() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_requests())
    await asyncio.sleep(0)
    before = turns
    for _ in range(100):
        await db.fetch("SELECT 1 AS one")
    during = turns - before
    other.cancel()
    assert during >= 50  # the other task ran between the statements, not only after the last one
