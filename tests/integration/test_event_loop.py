"""Slow work leaves the event loop free: password hashing off the loop thread, imports parsed off it too."""

from __future__ import annotations

import asyncio
import threading

import pytest
from argon2 import PasswordHasher

from review import auth
from review.errors import Unauthorized
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
