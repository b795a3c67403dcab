"""Publication's jobs: take ids, re-load, call a service; each may run more than once (the service is `sync`,
which does nothing to a case already in step)."""

from __future__ import annotations

from typing import Any

from review.core.jobs import Job
from review.core.leak_gate import Hit
from review.publication import services as publication


async def publish_case(ctx: dict[str, Any], case_id: int) -> str:
    """Bring one case's publication into step (after its verdict is rendered, withdrawn or corrected, a consent,
    a hold)."""
    return await publication.sync(case_id=case_id)


async def publish_verdict(ctx: dict[str, Any], verdict_id: int) -> str:
    """`publish_case` for the case of a verdict just rendered."""
    case_id = await publication.case_of_verdict(verdict_id)
    return await publication.sync(case_id=case_id) if case_id is not None else "no_case"


async def publish_due(ctx: dict[str, Any]) -> int:
    """Every five minutes: any case whose publication is out of step (a job lost, a worker killed)."""
    return await publication.sync_due()


async def report_public_leak(ctx: dict[str, Any], ruling_id: int, hits: list[list[str]]) -> bool:
    """Record (once) a published ruling the leak gate held from a public answer, and tell the office."""
    return await publication.report_public_leak(ruling_id=ruling_id, hits=hits)


async def report_leak(ctx: dict[str, Any], output: str, subject: str, hits: list[list[str]]) -> bool:
    """Record (once) an output the leak gate stopped on its way out of a request, and tell the office."""
    return await publication.record_stop(case_id=None, output=output or "export", subject=subject,
                                         hits=[Hit(kind, where) for kind, where in hits])


JOBS = [
    Job(report_leak),
    Job(report_public_leak),
    Job(publish_case),
    Job(publish_verdict),
    Job(publish_due, every=300, offset=180),
]
