"""Jobs of the assessments: take ids, re-load, call a service; arq may run each more than once."""

from __future__ import annotations

from typing import Any

from review.assessments.services import exports
from review.core.jobs import Job


async def export_assessments_year(ctx: dict[str, Any], export_id: int) -> str:
    """Write a year's workbook of the assessments (idempotent: a done export is left as it is)."""
    return await exports.run_year_export(export_id=export_id)


JOBS = [
    # Thirteen league tables and a year's redo orders: longer than a page, well within the default timeout.
    Job(export_assessments_year, timeout=600),
]
