"""The live room's services (/mediation/{id}): who may be in it, its stored events, posting to it.

Every event is stored first, with its SHA-256 in the audit chain (never its text), and announced on the hub
(review.core.realtime) only after its transaction has committed: the hub tells clients what is new, the store is
what they read and resume from. Other kinds of event (a draft of the agreement, a confirmation) are stored by
`store_event` inside their own service's transaction and announced by `announce` after it."""

from __future__ import annotations

import math
import time
from typing import Any

from limits import parse as parse_rate

from review.cases.queries.visibility import may_see
from review.core import clock, db, realtime, settings
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, NotFound, RateLimited
from review.core.ratelimit import limiter
from review.mediation import sql
from review.mediation.domain import room
from review.mediation.tables import MediationEvent


async def _room_mediation(mediation_id: int, *, lock: bool = False) -> dict[str, Any]:
    rows = await db.fetch(sql.MEDIATION_OF_ROOM + (db.for_update("m") if lock else ""), mediation_id)
    if not rows:
        raise NotFound("mediation_not_found", "未找到该调解")
    return rows[0]


async def room_admits(*, mediation_id: int, actor: Actor) -> dict[str, Any]:
    """The mediation (id, status, case_id, number), if `actor` may be in its room (whoever may see the case: its
    complainant, the department's liaison, a seated member, the office); otherwise not found."""
    mediation = await _room_mediation(mediation_id)
    if not await may_see(actor, {"id": mediation["case_id"], "department": mediation["department"]}):
        raise NotFound("mediation_not_found", "未找到该调解")
    return mediation


async def room_view(*, mediation_id: int, actor: Actor, after: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The mediation `actor` may be in, and its stored events after the id `after`, oldest first (at most
    room.EVENTS_PAGE)."""
    mediation = await room_admits(mediation_id=mediation_id, actor=actor)
    rows = await db.fetch(sql.EVENTS_AFTER, mediation_id, max(0, after), room.EVENTS_PAGE)
    return mediation, [room.event_payload(r) for r in rows]


async def events_after(*, mediation_id: int, actor: Actor, after: int = 0) -> list[dict[str, Any]]:
    """The room's stored events after the id `after` (see room_view)."""
    _, events = await room_view(mediation_id=mediation_id, actor=actor, after=after)
    return events


async def _check_rate(actor: Actor, mediation_id: int) -> None:
    item = parse_rate(settings.MEDIATION_MESSAGE_RATE)
    key = room.poster_key(kind=actor.kind, case_id=actor.case_id, user_id=actor.user_id, label=actor.label,
                          mediation_id=mediation_id)
    if await limiter().hit(item, "mediation_message", key):
        return
    stats = await limiter().get_window_stats(item, "mediation_message", key)
    raise RateLimited("too_many_messages", "发言过于频繁，请稍后再发",
                      retry_after=max(1, math.ceil(stats.reset_time - time.time())))


async def store_event(*, mediation: dict[str, Any], kind: str, actor: Actor, body: str,
                      data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store one event of an open mediation's room, inside the caller's transaction, which must hold the
    mediation's row lock (`locked_mediation`): a mediation's events then commit in id order, so a client resuming
    after an id misses none. The audit chain records its hash, never its text. The event as carried; announce it
    with `announce` once the transaction has committed."""
    sha = room.digest(body)
    inserted = await MediationEvent.insert(MediationEvent(
        mediation=mediation["id"], kind=kind, author=actor.label, author_kind=actor.kind, body=body,
        sha256=sha, at=clock.now(),
    )).returning(*MediationEvent.all_columns()).run()
    row = inserted[0]
    await audit.record(case_id=mediation["case_id"], actor=actor.label, action=f"mediation_{kind}",
                       data={"mediation_id": mediation["id"], "event_id": row["id"], "sha256": sha, **(data or {})})
    return room.event_payload(row)


async def locked_mediation(mediation_id: int, *, doing: str) -> dict[str, Any]:
    """The mediation under its row lock (inside a transaction), refused unless it is still open."""
    mediation = await _room_mediation(mediation_id, lock=True)
    if mediation["status"] != "open":
        raise Conflict("mediation_closed", f"调解已结束，不能再{doing}")
    return mediation


async def announce(event: dict[str, Any], mediation_id: int) -> None:
    """Tell the room's clients of a stored event; only after its transaction has committed."""
    await realtime.publish(room.channel(mediation_id), event)


async def post_message(*, mediation_id: int, actor: Actor, text: Any) -> dict[str, Any]:
    """发言: a party posts to an open mediation's room; stored, audited (its hash only), then announced."""
    body = room.message_text(text, limit=settings.MEDIATION_MESSAGE_MAX_CHARS)
    await room_admits(mediation_id=mediation_id, actor=actor)
    await _check_rate(actor, mediation_id)
    async with db.transaction():
        mediation = await locked_mediation(mediation_id, doing="发言")
        event = await store_event(mediation=mediation, kind="message", actor=actor, body=body)
    await announce(event, mediation_id)  # after the commit: stored first, then announced
    return event
