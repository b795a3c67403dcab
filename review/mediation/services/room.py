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
from review.core import clock, db, presence, realtime, settings
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, NotFound, RateLimited
from review.core.params import LARGEST
from review.core.ratelimit import limiter
from review.mediation import sql
from review.mediation.domain import room
from review.mediation.tables import MediationEvent


async def _room_mediation(mediation_id: int, *, lock: bool = False) -> dict[str, Any]:
    rows = await db.fetch(sql.MEDIATION_OF_ROOM + (db.for_update("m") if lock else ""), mediation_id)
    if not rows:
        raise NotFound("mediation_not_found", "未找到该调解")
    return rows[0]


async def _side(mediation: dict[str, Any], actor: Actor) -> str:
    mediates = False
    if actor.kind == "member" and actor.user_id is not None:
        mediates = bool(await db.fetch(sql.MEMBER_MEDIATES, mediation["id"], actor.user_id, mediation["case_id"],
                                       actor.user_id))
    return room.side_of(actor.kind, mediates=mediates)


async def room_admits(*, mediation_id: int, actor: Actor) -> dict[str, Any]:
    """The mediation (id, status, case_id, number, and `side`: the actor's side of the room), if `actor` may be in
    its room (whoever may see the case: its complainant, the department's liaison, a seated member, the office);
    otherwise not found."""
    mediation = await _room_mediation(mediation_id)
    if not await may_see(actor, {"id": mediation["case_id"], "department": mediation["department"]}):
        raise NotFound("mediation_not_found", "未找到该调解")
    return {**mediation, "side": await _side(mediation, actor)}


async def room_view(*, mediation_id: int, actor: Actor, after: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The mediation `actor` may be in, and the stored events after the id `after` that `actor` hears (a caucus
    only its two sides), oldest first (at most room.EVENTS_PAGE)."""
    mediation = await room_admits(mediation_id=mediation_id, actor=actor)
    rows = await db.fetch(sql.EVENTS_AFTER, mediation_id, *room.caucus_args(mediation["side"]), max(0, after),
                          room.EVENTS_PAGE)
    return mediation, [room.event_payload(r) for r in rows]


async def latest_view(*, mediation_id: int, actor: Actor, before: int | None = None,
                      count: int | None = None) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """The mediation, the latest `count` (room.PAGE_LATEST) events `actor` hears (before the id `before`, if
    given), oldest first, and whether there are earlier ones."""
    count = count or room.PAGE_LATEST
    mediation = await room_admits(mediation_id=mediation_id, actor=actor)
    rows = await db.fetch(sql.EVENTS_BEFORE, mediation_id, *room.caucus_args(mediation["side"]),
                          before if before is not None else LARGEST, count + 1)
    return mediation, [room.event_payload(r) for r in reversed(rows[:count])], len(rows) > count


async def events_after(*, mediation_id: int, actor: Actor, after: int = 0) -> list[dict[str, Any]]:
    """The room's stored events after the id `after` that `actor` hears (see room_view)."""
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
                      data: dict[str, Any] | None = None, caucus: str = "") -> dict[str, Any]:
    """Store one event of an open mediation's room, inside the caller's transaction, which must hold the
    mediation's row lock (`locked_mediation`): a mediation's events then commit in id order, so a client resuming
    after an id misses none. The audit chain records its hash, never its text. `caucus` names the party of a
    caucus (单独沟通) it is said in, '' the whole room. The event as carried, with `prev`: the id of the event stored
    just before it in this mediation (0 for the first), whoever hears that one; announce it with `announce` once the
    transaction has committed."""
    sha = room.digest(body)
    latest = await db.fetch(sql.LAST_EVENT_OF, mediation["id"])
    inserted = await MediationEvent.insert(MediationEvent(
        mediation=mediation["id"], kind=kind, author=actor.label, author_kind=actor.kind, body=body,
        sha256=sha, at=clock.now(), caucus=caucus,
    )).returning(*MediationEvent.all_columns()).run()
    row = inserted[0]
    extra = {"caucus": caucus} if caucus else {}
    await audit.record(case_id=mediation["case_id"], actor=actor.label, action=f"mediation_{kind}",
                       data={"mediation_id": mediation["id"], "event_id": row["id"], "sha256": sha, **extra,
                             **(data or {})})
    return {**room.event_payload(row), "prev": int(latest[0]["id"]) if latest else 0}


async def locked_mediation(mediation_id: int, *, doing: str) -> dict[str, Any]:
    """The mediation under its row lock (inside a transaction), refused unless it is still open."""
    mediation = await _room_mediation(mediation_id, lock=True)
    if mediation["status"] != "open":
        raise Conflict("mediation_closed", f"调解已结束，不能再{doing}")
    return mediation


async def announce(event: dict[str, Any], mediation_id: int) -> None:
    """Tell the room's clients of a stored event; only after its transaction has committed."""
    await realtime.publish(room.channel(mediation_id), event)


async def announce_closed(mediation_id: int) -> None:
    """Tell the room's sockets that the mediation has ended (after its transaction has committed): each re-checks
    and closes with 1008."""
    await realtime.publish(room.channel(mediation_id), {"control": "closed"})


async def post_message(*, mediation_id: int, actor: Actor, text: Any, caucus: Any = "") -> dict[str, Any]:
    """发言: a party posts to an open mediation's room, or into a caucus (单独沟通: the mediator with one party);
    stored, audited (its hash only), then announced."""
    body = room.message_text(text, limit=settings.MEDIATION_MESSAGE_MAX_CHARS)
    audience = room.caucus_field(caucus)
    admitted = await room_admits(mediation_id=mediation_id, actor=actor)
    await _check_rate(actor, mediation_id)
    async with db.transaction():
        mediation = await locked_mediation(mediation_id, doing="发言")
        if audience:
            opened = bool(await db.fetch(sql.CAUCUS_OPENED, mediation_id, audience))
            room.check_caucus_post(side=admitted["side"], caucus=audience, opened=opened)
        event = await store_event(mediation=mediation, kind="message", actor=actor, body=body, caucus=audience)
    await announce(event, mediation_id)  # after the commit: stored first, then announced
    return event


# Presence (在场): each socket holds an entry while open and renews it; a page that refreshes itself holds one for
# as long as it waits between refreshes. Changes are announced on the room's channel as {"control": "presence"};
# each socket then reads who is present afresh (so announcements racing each other show nothing stale).

def _presence_room(mediation_id: int) -> str:
    return room.channel(mediation_id)


def presence_who(actor: Actor, side: str) -> dict[str, str]:
    return room.presence_who(kind=actor.kind, label=actor.label, side=side)


async def presence_touch(*, mediation_id: int, key: str, actor: Actor, side: str, ttl: float) -> None:
    """Keep connection `key` of `actor` present for `ttl` seconds; announce it when the people present change."""
    if await presence.touch(_presence_room(mediation_id), key, presence_who(actor, side), ttl):
        await realtime.publish(room.channel(mediation_id), {"control": "presence"})


async def presence_leave(*, mediation_id: int, key: str) -> None:
    if await presence.leave(_presence_room(mediation_id), key):
        await realtime.publish(room.channel(mediation_id), {"control": "presence"})


async def present(*, mediation_id: int) -> list[dict[str, str]]:
    """Who is in the room now, one entry each (kind, role, actor); callers check that the reader may be in it."""
    return [{k: who[k] for k in ("kind", "role", "actor")} for who in await presence.present(
        _presence_room(mediation_id))]


async def room_presence(*, mediation_id: int, actor: Actor) -> list[dict[str, str]]:
    """Who is in the room now, for someone who may be in it."""
    await room_admits(mediation_id=mediation_id, actor=actor)
    return await present(mediation_id=mediation_id)


def page_key(actor: Actor) -> str:
    """The presence entry of a person's self-refreshing room page (one per person, however often it reloads)."""
    return f"page:{actor.label}"


async def page_view(*, mediation_id: int, actor: Actor, before: int | None = None,
                    refreshing: bool = True) -> dict[str, Any]:
    """What the no-JavaScript room page shows: the latest events `actor` hears (or those before `before`), whether
    earlier ones exist, who is present and where the reader may post (the whole room, or a caucus). A page that
    is `refreshing` itself counts its reader present until its next refresh is overdue (a page whose script has
    a socket open counts through the socket)."""
    mediation, events, earlier = await latest_view(mediation_id=mediation_id, actor=actor, before=before)
    side = mediation["side"]
    if mediation["status"] == "open" and refreshing:
        await presence_touch(mediation_id=mediation_id, key=page_key(actor), actor=actor, side=side,
                             ttl=settings.MEDIATION_PAGE_REFRESH * 1.5 + 5)
    if side == room.MEDIATOR:
        caucuses = list(room.CAUCUSES)
    elif side in room.CAUCUSES and await db.fetch(sql.CAUCUS_OPENED, mediation_id, side):
        caucuses = [side]
    else:
        caucuses = []
    return {"mediation": mediation, "events": events, "earlier": earlier, "side": side, "caucuses": caucuses,
            "present": await present(mediation_id=mediation_id)}
