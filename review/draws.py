"""Draw records for the public and for `review verify-draw`: re-run a panel's draw from what was kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from panels.draw_record import (
    Check,
    Verification,
    public_view,
    record_from_json,
    verify_draw,
    verify_round_panel,
)
from panels.queries import panel_record
from review import db
from review.errors import NotFound
from review.rounds import verify_round


@dataclass(frozen=True)
class PublicDraw:
    """A draw as anyone may see it, with the outcome of re-running it just now."""

    panel_id: int
    convened_at: Any
    template_name: str
    template_version: int
    view: dict[str, Any]
    verification: Verification
    round_id: int | None = None  # seated by a convening round, whose snapshot and seed decide


async def verify_panel(panel_id: int) -> tuple[dict[str, Any], Verification]:
    """The stored record of a panel's draw and the result of re-running it from its snapshots."""
    found = await panel_record(panel_id)
    if found is None or not found["record"]:
        raise NotFound("draw_not_found", "抽取记录不存在")
    stored = db.json_value(found["record"])
    record = record_from_json(stored)
    refill_snapshots = {int(k): v for k, v in (db.json_value(found["refill_snapshots"]) or {}).items()}
    if "round" in stored:
        # Seated by a round: the round's own snapshot and seed decide, re-run as a whole.
        round_id = int(stored["round"])
        ok, problems = await verify_round(round_id, case_id=found["case_id"])
        check = Check("round", ok, f"按第 {round_id} 批次的种子和名册快照重新求解，本案评议组与记录一致" if ok
                      else f"第 {round_id} 批次复算未通过：{'；'.join(problems)}")
        return found, verify_round_panel(record, [check], refill_snapshots=refill_snapshots)
    return found, verify_draw(record, found["snapshot"], refill_snapshots=refill_snapshots)


async def public_record(panel_id: int) -> PublicDraw:
    """公开抽取记录: seed, hashes, template, exclusions by kind, seats by role — no names, no member ids."""
    found, verification = await verify_panel(panel_id)
    return PublicDraw(panel_id, found["convened_at"], found["template_name"], found["template_version"],
                      public_view(record_from_json(found["record"])), verification, found["round"])
