"""The clocks' jobs."""

from __future__ import annotations

from typing import Any

from review.core.jobs import Job
from review.deadlines.services import sweep


async def sweep_clocks(ctx: dict[str, Any]) -> int:
    """Fire the reminders and escalation steps now due (idempotent: each step once, however often it runs)."""
    return (await sweep.sweep()).fired


JOBS: list[Job] = [
    Job(sweep_clocks, every=600, offset=240),  # every ten minutes, four minutes past (clear of the other sweeps)
]
