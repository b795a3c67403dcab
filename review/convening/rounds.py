"""Seating a convening round: the panels panels.services.rounds solved, seated on their cases in batches.

The round itself (request, solve, progress, report, verification) is panels'; this module is the wiring that
seats each solved panel (panels.services.seating) and moves its case on (`convene`). A case already convened is
skipped, so a run cut off partway can run again.
"""

from __future__ import annotations

from typing import Any

from panels.domain.draw import DrawnSeat, Template, seed_hash
from panels.domain.draw_record import DrawRecord
from panels.loaders import current_rule
from panels.services import rounds as solver
from panels.services.seating import seat_panel
from review.cases.lifecycle import Action
from review.cases.services import apply_transition
from review.convening import sql
from review.convening.services import criteria_in_force, tell_invited
from review.core import db
from review.core.actors import Actor
from review.core.tables import Account

BATCH = 200


async def run_round(*, round_id: int) -> str:
    """The job: solve the round, then seat its panels in batches. Returns the round's status."""
    return await solver.run_round(round_id=round_id, seat=_seat_round)


async def _convener(account_id: int | None) -> Actor:
    """The office account that requested the round: the lifecycle lets only the office convene a panel."""
    row = await Account.select(Account.id, Account.username).where(Account.id == account_id).first().run()
    return Actor(kind="office", user_id=row["id"] if row else None, username=row["username"] if row else "round")


async def _seat_round(solved: solver.SolvedRound) -> None:
    convener = await _convener(solved.requested_by)
    by_id = {c["id"]: c for c in solved.case_rows}
    criteria = await criteria_in_force()
    full = [p for p in solved.assignment.panels if not p.shortfall]
    for start in range(0, len(full), BATCH):
        batch = full[start:start + BATCH]
        async with db.transaction():
            ids = [panel.case_id for panel in batch]
            locked = {c["id"]: c for c in await db.fetch(sql.cases_by_id(len(ids)) + db.for_update(), *ids)}
            for panel in batch:
                case = locked[panel.case_id]
                if case["status"] != "accepted":
                    continue  # convened meanwhile, or by an earlier run of this job
                row, template = solved.templates[by_id[panel.case_id]["category"]]
                await _seat_one(solved, case, row, template, panel.seats, criteria, convener)
        # After the batch's commit; the cases an earlier run of this job seated are told again, once.
        await tell_invited(round_id=solved.round_id, case_ids=[panel.case_id for panel in batch])
        await solver.report_seated(solved, min(start + BATCH, len(full)), len(full))


async def _seat_one(solved: solver.SolvedRound, case: dict[str, Any], row: dict[str, Any], template: Template,
                    seats: tuple[DrawnSeat, ...], criteria: dict[str, Any], convener: Actor) -> None:
    # Refills of a round's panel follow the single-draw procedure; the record's base is the round's result.
    seed = solved.seed
    record = DrawRecord(seed_hash=seed_hash(seed), seed=seed, template=template, roster_hash="", case_hash="",
                        exclusions=(), result=seats, rule=current_rule())
    panel_id = await seat_panel(case_id=case["id"], record=record, template=row, now=solved.now,
                                round_id=solved.round_id)
    await apply_transition(case=case, action=Action.convene, actor=convener, extra={"criteria_set_id": criteria["id"]},
                           data={"panel_id": panel_id, "round": solved.round_id, "seed_hash": record.seed_hash,
                                 "criteria_version": criteria["version"]})
