"""Cases whose audit events happened at chosen times: the events the services wrote are replaced by the
steps given, so that the clocks read off them are known in advance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from review.core.clock import CHINA
from review.core.tables import AuditEvent, Case
from tests import factories


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    """An instant in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


async def retime(number: str, steps: list[tuple[str, dt.datetime]], status: str | None = None) -> int:
    """Give the case exactly these events (action, when), and the status when given; the case's id."""
    row = await Case.select(Case.id).where(Case.number == number).first().run()
    assert row is not None
    case_id = int(row["id"])
    await AuditEvent.delete().where(AuditEvent.case == case_id).run()
    await AuditEvent.insert(*[AuditEvent(case=case_id, actor="system:test", action=action, at=when)
                              for action, when in steps]).run()
    if status:
        await Case.update({Case.status: status}).where(Case.id == case_id).run()
    return case_id


async def timed_case(steps: list[tuple[str, dt.datetime]], status: str | None = None, **overrides: Any) -> str:
    """A received case carried through the given steps at the given times: its number."""
    number, _ = await factories.case(**overrides)
    await retime(number, steps, status)
    return number
