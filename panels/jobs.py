"""Jobs of the panels: take ids, re-load, call a service; each may run more than once."""

from __future__ import annotations

from typing import Any

from panels.services import invitations, roster_import
from review.core.jobs import Job

IMPORT_TIMEOUT = 3600  # an import reads a whole table: far longer than the default


async def run_import(ctx: dict[str, Any], job_id: int) -> str:
    """Import a large uploaded table (idempotent: a finished import is left as it is)."""
    return await roster_import.run(job_id=job_id)


async def expire_invitations(ctx: dict[str, Any]) -> int:
    """Expire invitations past their reply deadline; their panels are refilled by `refill_panel` jobs."""
    return len(await invitations.expire_invitations())


JOBS = [
    Job(run_import, timeout=IMPORT_TIMEOUT),
    Job(expire_invitations, every=300),  # every five minutes, on the full five
]
