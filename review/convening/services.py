"""Convening a case's panel: load the roster, run the pure draw, seat and invite the members, move the case on.

Refilling vacated seats is panels' (panels.services.refill); `refill_panel` hands it the case workflow's say on
whether the case has ended."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from panels.domain.case_end import panel_refusal
from panels.domain.draw_record import (
    record_draw,
    shortfall_message,
)
from panels.loaders import case_facts, current_rule, roster_candidates
from panels.services import refill
from panels.services.invitations import refuse_if_ended
from panels.services.seating import commit_seed, seat_panel
from panels.services.templates import as_template, for_reconsideration, template_for
from review.cases.lifecycle import Action, Status
from review.cases.services import apply_transition, check_transition, load_case_for_update
from review.convening import sql
from review.core import clock, db
from review.core.actors import Actor
from review.core.errors import Conflict
from review.notifications import services as notifications
from review.webhooks import services as webhooks
from scoring.tables import CriteriaSet

__all__ = ["convene_panel", "refill_panel", "tell_invited"]

log = logging.getLogger(__name__)
INVITATIONS_LINK = "/panel/invitations"


async def criteria_in_force() -> dict:
    row = await CriteriaSet.select().where(CriteriaSet.published_at.is_not_null()).order_by(
        CriteriaSet.version, ascending=False
    ).first().run()
    if not row:
        raise Conflict("no_criteria", "尚未发布评议标准")
    return row


async def convene_panel(*, number: str, actor: Actor, seed: str | None = None) -> int:
    """组成评议组: draw a conflict-free panel by the category's template, invite its members, pin the criteria."""
    pseudonym_key = secrets.token_hex(32)
    if seed is None:
        case_row = await db.fetch(sql.CASE_STATUS_BY_NUMBER, number)
        if case_row:
            # Before the seed is committed: an ended case, or one convened already, gets neither a commitment
            # nor a draw (the check is made again under the case's lock).
            refuse_if_ended(case_status=case_row[0]["status"], what="组成评议组")
            check_transition(status=case_row[0]["status"], action=Action.convene, actor=actor)
        seed = await commit_seed(case_id=case_row[0]["id"] if case_row else None, actor=actor, purpose="draw",
                                 pseudonym_key=pseudonym_key)
    now = datetime.now(UTC)
    async with db.transaction():
        case = await load_case_for_update(number)
        refuse_if_ended(case_status=case["status"], what="组成评议组")
        template_row = await template_for(case["category"])
        template = as_template(template_row)
        if case["status"] == Status.reconsideration:
            template = for_reconsideration(template)
        facts = await case_facts(case)
        result, record, snapshot = record_draw(seed=seed, candidates=await roster_candidates(now), case=facts,
                                               template=template, salt=secrets.token_hex(16), rule=current_rule(),
                                               pseudonym_key=pseudonym_key)
        if result.shortfall:
            raise Conflict("panel_infeasible", shortfall_message(result.shortfall))
        criteria = await criteria_in_force()
        panel_id = await seat_panel(case_id=case["id"], record=record, template=template_row, now=now,
                                    snapshot=snapshot)
        await apply_transition(
            case=case, action=Action.convene, actor=actor, extra={"criteria_set_id": criteria["id"]},
            data={"panel_id": panel_id, "seed_hash": record.seed_hash, "roster_hash": record.roster_hash,
                  "criteria_version": criteria["version"], "excluded": len(result.exclusions)},
        )
        await webhooks.emit("panel.convened", {"case_number": number, "panel_id": panel_id,
                                               "link": f"/api/v1/cases/{number}"})
    await tell_invited(panel_ids=[panel_id])
    return panel_id


async def refill_panel(*, panel_id: int) -> int:
    """Refill every vacated seat of a panel at work (panels.services.refill); nothing once its case has ended."""
    refilled = await refill.refill_panel(panel_id=panel_id, case_ended=_case_ended)
    # Every seat still offered, not only this run's: a run cut off after its commit is told by the next one.
    await tell_invited(panel_ids=[panel_id])
    return refilled


async def tell_invited(*, panel_ids: Sequence[int] = (), round_id: int | None = None,
                       case_ids: Sequence[int] = ()) -> int:
    """评议邀请: tell each member offered a seat (and holding a login) on the seated panels `panel_ids`, or on
    the panels round `round_id` seated on `case_ids`, in their inbox; once per seat however often it is called.
    Called after the seating's commit; returns how many were newly told."""
    ids = list(case_ids) if round_id is not None else list(panel_ids)
    if not ids:
        return 0
    told = 0
    try:
        args = [round_id, *ids] if round_id is not None else ids
        for seat in await db.fetch(sql.invited_seats(len(ids), of_round=round_id is not None), *args):
            told += await notifications.notify(
                event="invitation", key=f"invitation:{seat['seat_id']}",
                recipients=[notifications.Recipient(account_id=seat["account_id"])],
                context={"case_number": seat["number"], "reply_by": clock.local_label(seat["reply_by"]),
                         "link": INVITATIONS_LINK})
    except Exception:  # the seating has committed: a failure to tell is logged, and the next call tells them
        log.exception("telling the members invited on panels %s failed", ids)
    return told


def _case_ended(case_status: str) -> bool:
    return panel_refusal(case_status, None, "补选") is not None
