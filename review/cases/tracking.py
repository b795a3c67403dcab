"""Complainants: open a case with its number and access code, and follow every step."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from review.cases import sql
from review.cases.lifecycle import ACTION_LABELS, PRIVATE_REASONS, STATUS_LABELS
from review.cases.services import load_case_for_update
from review.core import db, ratelimit, settings
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import today_in_china
from review.core.errors import NotFound, Unauthorized
from review.core.secrets import code_matches, hash_code, new_access_code, normalise
from review.core.tables import ApiToken, Case

_ACTOR_LABELS = {
    "office": "评议办",
    "member": "评议员",
    "liaison": "承办部门",
    "complainant": "诉求人",
    "hotline": "12345 热线平台",
    "system": "系统",
}


async def open_case(*, case_number: str, access_code: str, client: str) -> Actor:
    """The complainant's actor for one case; the same refusal for an unknown case and a wrong code."""
    number = case_number.strip().upper()

    async def check() -> Actor:
        case = await Case.select(Case.id, Case.access_code_hash).where(Case.number == number).first().run()
        stored = case["access_code_hash"] if case else "0" * 64
        if not code_matches(access_code, stored) or not case or not normalise(access_code):
            raise Unauthorized("invalid_case_or_code", "受理编号或提取码不正确")
        return Actor(kind="complainant", case_id=case["id"])

    return await ratelimit.ACCESS_CODES.attempt(check, client=client, subject=number)


def tracking_url() -> str:
    """The tracking page's public address, as printed for complainants (never with a code in it)."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/track"


async def reissue_access_code(*, number: str, actor: Actor) -> bytes:
    """重新生成提取码: a new code for the case, handed over once as a printable notice (PDF).

    The old code and every tracking session opened with it stop working; the audit event names no code. The
    notice is rendered before anything is written, so a failed render leaves the old code in force.
    """
    # lazy: the notice loads WeasyPrint, only when an access code is reissued
    from review.cases.access_notice import render_notice

    OFFICE.check(actor)
    case = await Case.select(Case.id, Case.number).where(Case.number == number.strip().upper()).first().run()
    if case is None:
        raise NotFound("case_not_found", "未找到该案件")
    code = new_access_code()
    notice = await asyncio.to_thread(
        render_notice,
        case_number=case["number"],
        access_code=code,
        track_url=tracking_url(),
        issued_on=today_in_china(),
    )
    async with db.transaction():
        await load_case_for_update(case["number"])
        await (
            Case.update({Case.access_code_hash: hash_code(code), Case.updated_at: datetime.now(UTC)})
            .where(Case.id == case["id"])
            .run()
        )
        await ApiToken.delete().where(ApiToken.case == case["id"]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="access_code_reissued")
    return notice


@dataclass(frozen=True)
class Step:
    at: datetime
    what: str
    by: str
    status: str
    reason: str


async def timeline(case_id: int) -> list[Step]:
    """Every step of the case, oldest first, naming roles rather than people."""
    events = await db.fetch(sql.CASE_EVENTS, case_id)
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
