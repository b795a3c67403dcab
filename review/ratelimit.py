"""Rate limits on guessable lookups (access codes, logins), shared across processes through Redis."""

from __future__ import annotations

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from review import settings
from review.errors import RateLimited

_limiter: SlidingWindowCounterRateLimiter | None = None


def limiter() -> SlidingWindowCounterRateLimiter:
    global _limiter
    if _limiter is None:
        uri = f"async+{settings.REDIS_URL}" if settings.REDIS_URL else "async+memory://"
        storage: Storage = storage_from_string(uri)
        _limiter = SlidingWindowCounterRateLimiter(storage)
    return _limiter


async def reset() -> None:
    """Forget every counter (tests)."""
    await limiter().storage.reset()


async def spend(rule: str, *keys: str) -> None:
    """Count one attempt against each key; RateLimited if any is exhausted."""
    item: RateLimitItem = parse(rule)
    for key in keys:
        if not await limiter().hit(item, key):
            raise RateLimited("too_many_attempts", "尝试次数过多，请稍后再试")
