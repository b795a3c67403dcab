"""Challenges (申请回避): a party asks that a seated member step down; the office upholds or rejects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from panels import sql
from panels.services.invitations import refuse_if_ended
from panels.tables import Challenge, Seat
from review.core import db
from review.core import jobs as queue
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Invalid, NotFound

PARTY_OF = {"complainant": "complainant", "liaison": "department"}
PARTY_LABELS = {"complainant": "诉求人", "department": "承办部门"}
# Case statuses in which a party may challenge an accepted member: the panel is seated, scoring not closed.
CHALLENGE_STATUSES = ("panel_ready", "under_review")


async def _seat_on_case(seat_id: int) -> dict[str, Any]:
    """The seat with its panel and case, the panel row-locked: challenges of a panel are raised and decided one
    at a time, and not while the panel is dissolved or refilled (those lock the panel too)."""
    rows = await db.fetch(sql.SEAT_ON_CASE + db.for_update(of="panel"), seat_id)
    if not rows:
        raise NotFound("seat_not_found", "席位不存在")
    return rows[0]


def _may_challenge(actor: Actor, seat: dict[str, Any]) -> bool:
    if actor.kind == "complainant":
        return actor.case_id == seat["case_id"]
    if actor.kind == "liaison":
        return actor.department_id == seat["department_id"]
    return False


async def raise_challenge(*, seat_id: int, actor: Actor, reason: str) -> int:
    """The complainant or the department's liaison challenges one seated member, with a reason."""
    reason = reason.strip()
    if len(reason) < 5:
        raise Invalid("reason_required", "请写明申请回避的理由（至少 5 个字）", field="reason")
    async with db.transaction():
        seat = await _seat_on_case(seat_id)
        if not _may_challenge(actor, seat):
            # Same answer as a missing seat: a stranger learns nothing about other cases' panels.
            raise NotFound("seat_not_found", "席位不存在")
        refuse_if_ended(case_status=seat["case_status"], panel_status=seat["panel_status"], what="申请评议员回避")
        # Parties see a member once the seat is accepted (an invitation stays private), and may ask from then
        # until scoring closes.
        if seat["panel_status"] != "seated" or seat["status"] != "accepted":
            raise Conflict("seat_not_challengeable", "只能对已接受邀请、仍在评议组中的评议员申请回避")
        if seat["case_status"] not in CHALLENGE_STATUSES:
            raise Conflict("seat_not_challengeable", "只能在评议组组成后、评分结束前申请评议员回避")
        party = PARTY_OF[actor.kind]
        rows = await db.fetch(sql.RAISE_CHALLENGE, seat_id, party, reason, datetime.now(UTC))
        if not rows:
            raise Conflict("challenge_pending", "您对该评议员的回避申请正在处理中")
        await audit.record(case_id=seat["case_id"], actor=actor.label, action="challenge_raised",
                           reason=reason, data={"seat": seat_id, "by": party, "challenge": rows[0]["id"]})
    return rows[0]["id"]


async def decide_challenge(*, challenge_id: int, actor: Actor, uphold: bool, reason: str) -> str:
    """The office decides; an upheld challenge removes the member and their seat is refilled."""
    OFFICE.check(actor, "只有评议办可以决定回避申请")
    reason = reason.strip()
    if not reason:
        raise Invalid("reason_required", "请写明决定的理由", field="reason")
    now = datetime.now(UTC)
    status = "upheld" if uphold else "rejected"
    async with db.transaction():
        challenge = await Challenge.select(Challenge.seat).where(Challenge.id == challenge_id).first().run()
        if challenge is None:
            raise NotFound("challenge_not_found", "回避申请不存在")
        seat = await _seat_on_case(challenge["seat"])
        refuse_if_ended(case_status=seat["case_status"], panel_status=seat["panel_status"], what="决定回避申请")
        decided = await db.fetch(sql.DECIDE_CHALLENGE, status, actor.user_id, reason, now, challenge_id)
        if not decided:
            raise Conflict("challenge_decided", "该回避申请已有决定")
        removed = uphold and seat["status"] in ("invited", "accepted") and seat["panel_status"] == "seated"
        if removed:
            await Seat.update({Seat.status: "removed", Seat.answered_at: now, Seat.reason_kind: "challenge_upheld",
                               Seat.reason: reason}).where(Seat.id == seat["id"]).run()
        await audit.record(case_id=seat["case_id"], actor=actor.label, action=f"challenge_{status}", reason=reason,
                           data={"challenge": challenge_id, "seat": seat["id"]})
    if removed:
        await queue.enqueue("refill_panel", seat["panel"])
    return status


async def challenges_of_case(case_id: int) -> list[dict[str, Any]]:
    """Every challenge on the case's panels, for the office and the parties (no member contact data)."""
    return await db.fetch(sql.CASE_CHALLENGES, case_id)


async def pending_challenges() -> list[dict[str, Any]]:
    """Challenges waiting for the office's decision, oldest first."""
    return await db.fetch(sql.PENDING_CHALLENGES)
