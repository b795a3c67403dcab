"""Seating a drawn panel: the one writer of Panel and Seat rows.

A single draw (review.convening.services.convene_panel), a convening round (review.convening.rounds) and a refill
(panels.services.refill) all seat through `seat_panel`, inside the caller's transaction. Moving the case on
(`convene`, with its audit event) is the caller's part: that is the case workflow, not the panel's.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from panels.domain.draw import seed_hash
from panels.domain.draw_record import DrawRecord, exclusions_json, record_json, shortfall_message
from panels.services.invitations import end_of_day, remember_reply_by, reply_deadline
from panels.tables import Panel, Seat
from review.core import db
from review.core.actors import SYSTEM, Actor
from review.core.audit import store as audit


async def commit_seed(*, case_id: int | None, actor: Actor, purpose: str, pseudonym_key: str = "",
                      also: dict[str, Any] | None = None) -> str:
    """A fresh seed whose hash goes into the audit chain, in its own transaction, before it is used.

    A draw's pseudonym key decides its lots as much as the seed does, so its hash is committed alongside; so
    is `also`, what else the draw is bound to before its seed exists (e.g. a selection's candidates' hash).
    """
    seed = secrets.token_hex(32)
    data: dict[str, Any] = {**(also or {}), "seed_hash": seed_hash(seed), "purpose": purpose}
    if pseudonym_key:
        data["pseudonym_key_hash"] = seed_hash(pseudonym_key)
    async with db.transaction():
        await audit.record(case_id=case_id, actor=actor.label, action="draw_seed_committed", data=data)
    return seed


async def invite(seats: Sequence[Seat], *, case_id: int, now: datetime, reply_days: int) -> None:
    """Insert invited seats with their reply deadline; a provisional one is remembered to be counted again.

    `seat_panel`'s writer of Seat rows (tests call it to invite at a chosen time).
    """
    due = await reply_deadline(now, reply_days)
    for seat in seats:
        seat.reply_by = end_of_day(due.day)
        seat.reply_by_provisional = due.provisional
    rows = await Seat.insert(*seats).run()
    await remember_reply_by(due, seat_ids=[r["id"] for r in rows], case_id=case_id)


async def seat_panel(
    *,
    case_id: int,
    record: DrawRecord,
    template: dict[str, Any],
    now: datetime,
    panel_id: int | None = None,
    round_id: int | None = None,
    snapshot: dict[str, Any] | None = None,
    refill_snapshots: dict[str, Any] | None = None,
) -> int:
    """Write a drawn panel and invite its members; returns the panel's id. Runs inside the caller's transaction.

    Without `panel_id`, a new panel on case `case_id`: the Panel row from `record` (seed, hashes, exclusions;
    `round_id` when a convening round seated it, else the draw's private `snapshot`) by `template` (the template
    row it was drawn by), then one invited Seat for each seat of the record's result.

    With `panel_id`, the refill just appended to `record` on that panel: the panel's record and
    `refill_snapshots` are replaced, the refill's seat is invited (none when nobody could be drawn), and the
    `seat_refilled` audit event is written.
    """
    if panel_id is None:
        stored: dict[str, Any] = record_json(record)
        if round_id is not None:
            stored = {**stored, "round": round_id}
        rows = await Panel.insert(Panel(
            case=case_id, template=template["id"], template_version=template["version"], round=round_id,
            seed_hash=record.seed_hash, seed=record.seed, roster_hash=record.roster_hash,
            case_hash=record.case_hash, record=json.dumps(stored, ensure_ascii=False),
            snapshot=json.dumps(snapshot or {}, ensure_ascii=False), exclusions=exclusions_json(record.exclusions),
            convened_at=now,
        )).run()
        panel_id = rows[0]["id"]
        await invite([Seat(panel=panel_id, member=s.member_id, role=s.role, is_chair=s.is_chair, status="invited",
                           invited_at=now) for s in record.result],
                     case_id=case_id, now=now, reply_days=template["reply_days"])
        return panel_id
    refill = record.refills[-1]
    drawn = await Panel.select(Panel.round).where(Panel.id == panel_id).first().run()
    stored = record_json(record)
    if drawn and drawn["round"] is not None:
        stored = {**stored, "round": drawn["round"]}  # a round's panel stays one: verification replays the round
    await Panel.update({Panel.record: json.dumps(stored, ensure_ascii=False),
                        Panel.refill_snapshots: json.dumps(refill_snapshots or {}, ensure_ascii=False)}).where(
        Panel.id == panel_id).run()
    data: dict[str, Any] = {"panel_id": panel_id, "role": refill.role, "refill": refill.index,
                            "seed_hash": refill.seed_hash}
    if refill.seat is not None:
        await invite([Seat(panel=panel_id, member=refill.seat.member_id, role=refill.seat.role,
                           is_chair=refill.seat.is_chair, status="invited", invited_at=now)],
                     case_id=case_id, now=now, reply_days=template["reply_days"])
    else:
        data["unfilled"] = shortfall_message({refill.role: 1})
    await audit.record(case_id=case_id, actor=SYSTEM.label, action="seat_refilled", data=data)
    return panel_id
