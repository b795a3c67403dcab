"""Throttles on guessable secrets (access codes, passwords), shared across processes through Redis.

Only failures count. A client that has failed too often is refused (429 with `Retry-After`) before its
guess is looked at, whatever it guesses; a case or account that others keep failing on is never refused,
only slowed: every attempt on it waits a little, doubling with each further failure up to a cap, so its
owner's right guess always gets through.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from review.core import settings
from review.core.errors import RateLimited, Unauthorized

T = TypeVar("T")

# Failures a subject's counter holds beyond its free ones: enough for the delay to reach any sane cap.
_COUNTED_BEYOND_FREE = 64

_limiter: SlidingWindowCounterRateLimiter | None = None


def limiter() -> SlidingWindowCounterRateLimiter:
    global _limiter
    if _limiter is None:
        uri = f"async+{settings.REDIS_URL}" if settings.REDIS_URL else "async+memory://"
        storage = storage_from_string(uri)
        assert isinstance(storage, Storage)  # an async+ URI makes an asyncio storage
        _limiter = SlidingWindowCounterRateLimiter(storage)
    return _limiter


async def reset() -> None:
    """Forget every counter (tests)."""
    await limiter().storage.reset()


def backoff(failures: int, *, free: int, first: float, cap: float) -> float:
    """Seconds an attempt waits after `failures` recent failures: none within the free ones, then doubling."""
    if failures < free:
        return 0.0
    return min(cap, first * 2.0 ** min(failures - free, 32))


def client_key(address: str) -> str:
    """The counter a client address falls under: the address, or its /64 for IPv6 (one end site's block)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _subject_key(subject: str) -> str:
    return hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class Throttle:
    """Failed guesses of one kind: refused per client past `per_client`, slowed per subject past `per_subject`."""

    name: str
    per_client: str  # failures one client may make in the window, e.g. "30/hour"
    per_subject: str  # failures on one case or account before each attempt on it waits, e.g. "10/hour"

    def __post_init__(self) -> None:
        self._client_item(), self._subject_item()  # a malformed setting fails at start, not on a guess

    def _client_item(self) -> RateLimitItem:
        return parse(self.per_client)

    def _subject_item(self) -> RateLimitItem:
        free = parse(self.per_subject)
        return type(free)(free.amount + _COUNTED_BEYOND_FREE, free.multiples)

    async def delay(self, subject: str) -> float:
        """Seconds the next attempt on this subject waits."""
        item = self._subject_item()
        stats = await limiter().get_window_stats(item, self.name, "subject", _subject_key(subject))
        return backoff(item.amount - stats.remaining, free=parse(self.per_subject).amount,
                       first=settings.FAILURE_DELAY_FIRST, cap=settings.FAILURE_DELAY_MAX)

    async def refuse_spent_client(self, client: str) -> None:
        """RateLimited, with the seconds until the client may try again, once its failures are used up."""
        item, key = self._client_item(), client_key(client)
        if await limiter().test(item, self.name, "client", key):
            return
        stats = await limiter().get_window_stats(item, self.name, "client", key)
        raise RateLimited("too_many_attempts", "尝试次数过多，请稍后再试",
                          retry_after=max(1, math.ceil(stats.reset_time - time.time())))

    async def count_failure(self, *, client: str, subject: str) -> None:
        await limiter().hit(self._client_item(), self.name, "client", client_key(client))
        await limiter().hit(self._subject_item(), self.name, "subject", _subject_key(subject))

    async def attempt(self, check: Callable[[], Awaitable[T]], *, client: str, subject: str) -> T:
        """Run `check` (which raises Unauthorized on a wrong guess) under this throttle."""
        wait = await self.delay(subject)
        if wait:
            await asyncio.sleep(wait)
        await self.refuse_spent_client(client)
        try:
            return await check()
        except Unauthorized:
            await self.count_failure(client=client, subject=subject)
            raise


ACCESS_CODES = Throttle("track", settings.TRACK_FAILURES_PER_CLIENT, settings.TRACK_FAILURES_PER_CASE)
PASSWORDS = Throttle("login", settings.LOGIN_FAILURES_PER_CLIENT, settings.LOGIN_FAILURES_PER_ACCOUNT)
