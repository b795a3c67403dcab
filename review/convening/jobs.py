"""Jobs of convening: take ids, re-load, call a service; each may run more than once."""

from __future__ import annotations

from typing import Any

from review.convening import rounds
from review.convening import services as convening
from review.core.jobs import Job

ROUND_TIMEOUT = 3600  # a round of thousands of cases is solved and seated in one job


async def refill_panel(ctx: dict[str, Any], panel_id: int) -> int:
    """Refill the vacated seats of a panel (idempotent: refilled seats are in the draw record)."""
    return await convening.refill_panel(panel_id=panel_id)


async def convene_round(ctx: dict[str, Any], round_id: int) -> str:
    """Solve and seat a convening round (idempotent: convened cases are skipped, a done round is left)."""
    return await rounds.run_round(round_id=round_id)


JOBS = [
    Job(refill_panel),
    Job(convene_round, timeout=ROUND_TIMEOUT),
]
