"""Jobs of the selection: take ids, re-load, call a service; arq may run each more than once."""

from __future__ import annotations

from typing import Any

from review.core.jobs import Job
from review.selection.services import screening


async def apply_selection(ctx: dict[str, Any], selection_id: int) -> str:
    """Screen every case of an applied proposal (idempotent: a case done is not done again)."""
    return await screening.run_apply(selection_id=selection_id)


JOBS = [
    # A day's intake is about a thousand cases, a few seconds; a backlog of twenty thousand well within this.
    Job(apply_selection, timeout=1800),
]
