"""Jobs of the panels area: take ids, re-load, call a service; each may run more than once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from panels.services import invitations
from review.convening import rounds
from review.convening import services as convening

log = logging.getLogger("review.jobs")


async def refill_panel(ctx: dict[str, Any], panel_id: int) -> int:
    """Refill the vacated seats of a panel (idempotent: refilled seats are in the draw record)."""
    return await convening.refill_panel(panel_id=panel_id)


async def convene_round(ctx: dict[str, Any], round_id: int) -> str:
    """Solve and seat a convening round (idempotent: convened cases are skipped, a done round is left)."""
    return await rounds.run_round(round_id=round_id)


async def expire_invitations(ctx: dict[str, Any]) -> int:
    """Expire invitations past their reply deadline; their panels are refilled by `refill_panel` jobs."""
    return len(await invitations.expire_invitations())


PANEL_FUNCTIONS: list[Callable[..., Awaitable[Any]]] = [refill_panel, convene_round, expire_invitations]
