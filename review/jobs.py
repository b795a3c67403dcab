"""Job functions: take ids, re-load, call a service. arq may run them more than once."""

from __future__ import annotations

from typing import Any

from review import verdicts


async def render_verdict(ctx: dict[str, Any], verdict_id: int) -> str:
    """Render both PDFs of a verdict (idempotent: a rendered verdict is left as it is)."""
    return await verdicts.render(verdict_id=verdict_id)


FUNCTIONS = [render_verdict]
