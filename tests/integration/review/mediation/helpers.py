"""Arrangements shared by the mediation tests: a case in mediation with a session that has begun."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from review.core import clock
from review.core.actors import Actor
from review.core.tables import Case
from review.mediation.services import stage
from review.mediation.tables import MediationEvent, MediationSession


async def session_begun(number: str, office: Actor, *, minutes_ago: int = 30) -> tuple[int, int]:
    """(mediation id, session id): mediation opened on the case and a session scheduled, whose time has come."""
    mediation_id = await stage.open_mediation(number=number, actor=office)
    session_id = await stage.schedule_session(number=number, starts_at=clock.now() + timedelta(days=1),
                                              mode="online", location="", actor=office)
    await MediationSession.update({MediationSession.starts_at: clock.now() - timedelta(minutes=minutes_ago)}).where(
        MediationSession.id == session_id).run()
    return mediation_id, session_id


async def complainant_of(number: str) -> Actor:
    row = await Case.select(Case.id).where(Case.number == number).first().run()
    return Actor(kind="complainant", case_id=row["id"])


async def said_in_room(mediation_id: int, count: int) -> list[int]:
    """`count` whole-room messages of the complainant, oldest first, stored directly (posting them would meet the
    room's rate limit); the ids of the mediation's events."""
    start = clock.now() - timedelta(hours=2)
    rows = [MediationEvent(mediation=mediation_id, kind="message", author="complainant", author_kind="complainant",
                           body=f"发言{n}", sha256=hashlib.sha256(f"发言{n}".encode()).hexdigest(),
                           at=start + timedelta(seconds=n), caucus="") for n in range(count)]
    await MediationEvent.insert(*rows).run()
    return [r["id"] for r in await MediationEvent.select(MediationEvent.id).where(
        MediationEvent.mediation == mediation_id).order_by(MediationEvent.id).run()]
