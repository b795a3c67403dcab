"""Refilling vacated seats (补选): each by its own committed seed, the single-draw procedure on today's roster.

Whether the case has ended is the case workflow's to say: the caller hands in `case_ended` (see
review.convening.services.refill_panel, which the `refill_panel` job runs).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from panels import sql
from panels.domain.draw_record import record_from_json, record_refill
from panels.loaders import case_facts, roster_candidates
from panels.services.seating import commit_seed, seat_panel
from panels.services.templates import template_by_id
from panels.tables import Seat
from review.core import db
from review.core.actors import SYSTEM

VACATED = ("declined", "recused", "expired", "removed")


async def refill_panel(*, panel_id: int, case_ended: Callable[[str], bool]) -> int:
    """Refill every vacated seat of a panel at work by the seeded procedure; returns the seats refilled.

    Idempotent: a seat already refilled (its member is in the record's refills) is left alone. Nothing is
    refilled on a case whose status `case_ended` says has ended.
    """
    refilled = 0
    while True:
        vacated = await _next_vacated(panel_id, case_ended)
        if vacated is None:
            return refilled
        seed = await commit_seed(case_id=vacated["case_id"], actor=SYSTEM, purpose="refill")
        if await _refill_one(panel_id, vacated["member"], seed):
            refilled += 1


async def _next_vacated(panel_id: int, case_ended: Callable[[str], bool]) -> dict[str, Any] | None:
    rows = await db.fetch(sql.PANEL_TO_REFILL, panel_id)
    # A refill queued before the case ended (its panel dissolved) does nothing.
    if not rows or rows[0]["status"] != "seated" or case_ended(rows[0]["case_status"]):
        return None
    done = {r["replaces"] for r in db.json_value(rows[0]["record"]).get("refills", [])}
    seats = await Seat.select(Seat.member).where(
        (Seat.panel == panel_id) & Seat.status.is_in(list(VACATED))).order_by(Seat.id).run()
    pending = [s["member"] for s in seats if s["member"] not in done]
    return {"member": pending[0], "case_id": rows[0]["case_id"]} if pending else None


async def _refill_one(panel_id: int, member_id: int, seed: str) -> bool:
    now = datetime.now(UTC)
    async with db.transaction():
        panel = (await db.fetch(sql.PANEL_BY_ID + db.for_update(), panel_id))[0]
        record = record_from_json(db.json_value(panel["record"]))
        if panel["status"] != "seated" or any(r.replaces == member_id for r in record.refills):
            return False
        case = (await db.fetch(sql.CASE_BY_ID, panel["case"]))[0]
        facts = await case_facts(case, panel_id=panel_id)
        new_record, snapshot = record_refill(record=record, replaces=member_id, seed=seed,
                                             candidates=await roster_candidates(now), case=facts,
                                             salt=secrets.token_hex(16),
                                             pseudonym_key=str((db.json_value(panel["snapshot"]) or {}).get(
                                                 "pseudonym_key") or ""))
        snapshots = db.json_value(panel["refill_snapshots"]) or {}
        snapshots[str(new_record.refills[-1].index)] = snapshot
        await seat_panel(case_id=case["id"], panel_id=panel_id, record=new_record,
                         template=await template_by_id(panel["template"]), now=now, refill_snapshots=snapshots)
    return True
