"""Job functions: take ids, re-load, call a service. arq may run them more than once."""

from __future__ import annotations

from typing import Any

from review import bulk_issuance, verdicts
from review.panel_jobs import PANEL_FUNCTIONS


async def render_verdict(ctx: dict[str, Any], verdict_id: int) -> str:
    """Render both PDFs of a verdict (idempotent: a rendered verdict is left as it is)."""
    return await verdicts.render(verdict_id=verdict_id)


async def issue_bulk(ctx: dict[str, Any], bulk_id: int) -> str:
    """Issue the cases of a bulk issuance (idempotent: cases already handled are skipped)."""
    return await bulk_issuance.run(bulk_id=bulk_id)


FUNCTIONS = [
    render_verdict,
    issue_bulk,
    *PANEL_FUNCTIONS,
]
