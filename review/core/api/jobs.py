"""The API's periodic job: the Idempotency-Keys past their 24 hours are forgotten."""

from __future__ import annotations

from typing import Any

from review.core.api import idempotency
from review.core.jobs import Job


async def forget_idempotency_keys(ctx: dict[str, Any]) -> int:
    """Delete the kept answers older than a day."""
    return await idempotency.forget_expired()


JOBS = [Job(forget_idempotency_keys, every=3600, offset=1800)]
