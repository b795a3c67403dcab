"""Complainants: open a case with its number and access code, and follow every step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from review import db, ratelimit, settings
from review.access_codes import code_matches, normalise
from review.actors import Actor
from review.errors import Unauthorized
from review.lifecycle import ACTION_LABELS, PRIVATE_REASONS, STATUS_LABELS
from review.tables import Case

_ACTOR_LABELS = {"office": "评议办", "member": "评议员", "liaison": "承办部门", "complainant": "诉求人",
                 "hotline": "12345 热线平台", "system": "系统"}


async def open_case(*, case_number: str, access_code: str, client: str) -> Actor:
    """The complainant's actor for one case; the same refusal for an unknown case and a wrong code."""
    number = case_number.strip().upper()
    await ratelimit.spend(settings.TRACK_ATTEMPTS_PER_CASE, f"track:case:{number}")
    await ratelimit.spend(settings.TRACK_ATTEMPTS_PER_CLIENT, f"track:client:{client}")
    case = await Case.select(Case.id, Case.access_code_hash).where(Case.number == number).first().run()
    stored = case["access_code_hash"] if case else "0" * 64
    if not code_matches(access_code, stored) or not case or not normalise(access_code):
        raise Unauthorized("invalid_case_or_code", "受理编号或提取码不正确")
    return Actor(kind="complainant", case_id=case["id"])


@dataclass(frozen=True)
class Step:
    at: datetime
    what: str
    by: str
    status: str
    reason: str


async def timeline(case_id: int) -> list[Step]:
    """Every step of the case, oldest first, naming roles rather than people."""
    events = await db.fetch(
        "SELECT at, action, actor, to_status, reason FROM audit_event WHERE audit_event.\"case\" = {} ORDER BY id",
        case_id,
    )
    return steps(events)


def steps(events: list[dict]) -> list[Step]:
    """Audit events (at, action, actor, to_status, reason) as the steps a person reads."""
    return [
        Step(
            at=e["at"] if isinstance(e["at"], datetime) else datetime.fromisoformat(e["at"]),
            what=ACTION_LABELS.get(e["action"], e["action"]),
            by=_ACTOR_LABELS.get(e["actor"].split(":")[0], e["actor"].split(":")[0]),
            status=STATUS_LABELS.get(e["to_status"], ""),
            reason="" if e["action"] in PRIVATE_REASONS else e["reason"],
        )
        for e in events
    ]
