"""The clocks' jobs."""

from __future__ import annotations

from typing import Any

from review.core.jobs import Job
from review.deadlines.services import sweep, telling


async def sweep_clocks(ctx: dict[str, Any]) -> int:
    """Fire the reminders and escalation steps now due (idempotent: each step once, however often it runs)."""
    return (await sweep.sweep()).fired


async def tell_clock_alerts(ctx: dict[str, Any]) -> int:
    """Store the notifications of the steps recorded and not yet told (each once per person)."""
    return await telling.tell()


JOBS: list[Job] = [
    Job(tell_clock_alerts, timeout=600),  # a morning of late stages can mean tens of thousands of notices
    Job(sweep_clocks, every=600, offset=240),  # every ten minutes, four minutes past (clear of the other sweeps)
]
