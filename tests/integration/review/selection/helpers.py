"""Shared arrangements of the selection tests: a day's intake, a proposal applied, audit events read back."""

from __future__ import annotations

import json
from typing import Any

from review.core.actors import Actor
from review.core.tables import AuditEvent, Case
from review.selection.services import screening
from tests import factories
from tests.conftest import run_jobs


def person(phone: str) -> dict[str, Any]:
    return {"name": "王小明", "phone": phone, "id_number": None, "address": None}


async def intake(count: int, *, department: str = "CDJT", category: str = "城市管理", phone_from: int = 0,
                 **overrides: Any) -> list[str]:
    """`count` received cases, each from its own complainant unless a phone is given."""
    numbers = []
    for i in range(count):
        fields = {"complainant": person(f"139{phone_from + i:08d}"), **overrides}
        numbers.append((await factories.case(department_code=department, category=category, **fields))[0])
    return numbers


async def applied(office: Actor, until: str | None = None) -> int:
    """A proposal over the queue, applied by its job to the end."""
    selection_id = await screening.propose(actor=office, until=until)
    await screening.apply(selection_id=selection_id, actor=office)
    await run_jobs()
    return selection_id


async def events_of(number: str) -> list[dict[str, Any]]:
    rows = await AuditEvent.select(AuditEvent.action, AuditEvent.reason, AuditEvent.data, AuditEvent.to_status).where(
        AuditEvent.case.number == number).order_by(AuditEvent.id).run()
    for row in rows:
        if isinstance(row["data"], str):
            row["data"] = json.loads(row["data"])
    return rows


async def status_of(number: str) -> dict[str, Any]:
    row = await Case.select(Case.status, Case.status_reason, Case.review_requested).where(
        Case.number == number).first().run()
    assert row is not None
    return row
