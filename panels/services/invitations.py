"""Invitations to sit on a panel: members accept, decline or recuse before the reply deadline.

A seat that is declined, recused, left unanswered past its deadline or removed after a challenge is
refilled by the same seeded procedure (`panels.services.refill.refill_panel`, run as a job), so no panel stalls.
A case that ends before its ruling dissolves its panel (`dissolve_panels`): open invitations are withdrawn and
every later panel action on it is refused (`refuse_if_ended`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from panels import sql
from panels.domain.case_end import panel_refusal
from panels.domain.conflicts import CONFLICT_LABELS, ConflictKind
from panels.tables import Challenge, Panel, Seat
from review.core import calendar, db
from review.core import jobs as queue
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.clock import CHINA
from review.core.enums import STATUS_LABELS
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.workdays import Due

ANSWERS = {"accept": "accepted", "decline": "declined", "recuse": "recused"}
# Reasons a member may give for recusing (自行回避), as conflict kinds the next draws will respect.
RECUSAL_KINDS = (ConflictKind.personal_tie.value, ConflictKind.works_for_department.value,
                 ConflictKind.same_community.value, ConflictKind.recused.value)


async def reply_deadline(now: datetime, reply_days: int) -> Due:
    """The `reply_days`-th working day after today (Beijing time); a seat is due by its `end_of_day`."""
    return await calendar.add_workdays(now.astimezone(CHINA).date(), reply_days)


def end_of_day(day: date) -> datetime:
    """The last second of `day`, Beijing time."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA)


async def remember_reply_by(due: Due, *, seat_ids: Sequence[int], case_id: int) -> None:
    """A provisional reply deadline of these seats is remembered, to be counted again once the year's holidays
    are published (the seats themselves are written by panels.services.seating)."""
    await calendar.remember(due, subject=calendar.SEAT_REPLY, ids=list(seat_ids), case_id=case_id)


async def _seat_for_update(seat_id: int) -> dict[str, Any]:
    rows = await db.fetch(sql.INVITATION_SEAT + db.for_update(of="seat"), seat_id)
    if not rows:
        raise NotFound("seat_not_found", "邀请不存在")
    return rows[0]


async def answer_invitation(*, seat_id: int, actor: Actor, answer: str, reason: str = "",
                            kind: str = "") -> str:
    """接受、谢绝或申请回避: the invited member answers once, before the deadline."""
    status = ANSWERS.get(answer)
    if status is None:
        raise Invalid("invalid_field", "答复应为 accept、decline 或 recuse", field="answer")
    reason = reason.strip()
    if status != "accepted" and not reason:
        raise Invalid("reason_required", "谢绝或申请回避须说明理由", field="reason")
    if status == "recused" and kind not in RECUSAL_KINDS:
        raise Invalid("invalid_field", "请选择回避的原因类别", field="kind")
    now = datetime.now(UTC)
    async with db.transaction():
        seat = await _seat_for_update(seat_id)
        if actor.kind != "member" or seat["user_id"] != actor.user_id:
            raise Forbidden("forbidden", "这不是您的邀请")
        refuse_if_ended(case_status=seat["case_status"], panel_status=seat["panel_status"], what="答复该邀请")
        if seat["panel_status"] != "seated":
            raise Conflict("panel_closed", "该评议组已结束工作")
        if seat["status"] != "invited":
            raise Conflict("already_answered", "您已答复过该邀请")
        if seat["reply_by"] is not None and _aware(seat["reply_by"]) < now:
            raise Conflict("invitation_expired", "答复期限已过，该席位将另行抽取")
        await Seat.update({Seat.status: status, Seat.answered_at: now, Seat.reason: reason,
                           Seat.reason_kind: kind if status == "recused" else ""}).where(Seat.id == seat_id).run()
        await audit.record(case_id=seat["case_id"], actor=actor.label, action=f"invitation_{status}",
                           reason=reason, data={"seat": seat_id, "role": seat["role"],
                                                "kind": kind if status == "recused" else ""})
    if status != "accepted":
        await queue.enqueue("refill_panel", seat["panel"])
    return status


def refuse_if_ended(*, case_status: str, panel_status: str | None = None, what: str) -> None:
    """Refuse (409) a panel action on a case that has ended or a panel that was dissolved."""
    refusal = panel_refusal(case_status, panel_status, what)
    if refusal is not None:
        raise Conflict(*refusal)


async def dissolve_panels(*, case_id: int, case_status: str, actor: str) -> list[int]:
    """解散评议组: the case ended before its ruling; inside the caller's transaction.

    Open invitations are withdrawn (the members see why on their invitations page), pending challenges lapse,
    and the panel leaves every member's load; accepted seats stay on record as accepted.
    """
    panels = [r["id"] for r in await db.fetch(sql.SEATED_PANELS_OF_CASE + db.for_update(), case_id)]
    if not panels:
        return []
    now = datetime.now(UTC)
    ended = STATUS_LABELS[case_status]
    seats = await Seat.select(Seat.id, Seat.panel, Seat.role, Seat.status).where(
        Seat.panel.is_in(panels) & Seat.status.is_in(["invited", "accepted"])).order_by(Seat.id).run()
    withdrawn = [s for s in seats if s["status"] == "invited"]
    notice = f"本案已结束（{ended}），邀请已撤回"
    if withdrawn:
        await Seat.update({Seat.status: "withdrawn", Seat.answered_at: now, Seat.reason: notice}).where(
            Seat.id.is_in([s["id"] for s in withdrawn])).run()
    await Challenge.update({Challenge.status: "withdrawn", Challenge.decided_at: now,
                            Challenge.decision_reason: f"本案已结束（{ended}），不再处理"}).where(
        Challenge.seat.is_in([s["id"] for s in seats] or [0]) & (Challenge.status == "pending")).run()
    await Panel.update({Panel.status: "dissolved"}).where(Panel.id.is_in(panels)).run()
    for seat in withdrawn:
        await audit.record(case_id=case_id, actor=actor, action="invitation_withdrawn", reason=notice,
                           data={"seat": seat["id"], "role": seat["role"], "panel_id": seat["panel"]})
    for panel_id in panels:
        await audit.record(case_id=case_id, actor=actor, action="panel_dissolved",
                           data={"panel_id": panel_id, "case_status": case_status,
                                 "withdrawn": sum(s["panel"] == panel_id for s in withdrawn),
                                 "released": sum(s["panel"] == panel_id for s in seats)})
    return panels


async def ended_invitations(actor: Actor, limit: int = 20) -> list[dict[str, Any]]:
    """A member's seats on panels dissolved because their case ended, newest first: the notice they are owed."""
    rows = await db.fetch(sql.ended_seats(limit), actor.user_id)
    for row in rows:
        ended = STATUS_LABELS.get(row["case_status"], row["case_status"])
        row["notice"] = (f"本案已结束（{ended}），邀请已撤回" if row["status"] == "withdrawn"
                         else f"本案已结束（{ended}），评议组已解散，无需继续评议")
    return rows


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def expire_invitations(*, now: datetime | None = None) -> list[int]:
    """Mark invitations past their deadline expired; their panels are refilled. Returns the panel ids."""
    now = now or datetime.now(UTC)
    async with db.transaction():
        # Only seats still invited when the update reaches them: a run beside this one, or the member's answer,
        # got there first for the others.
        rows = await db.fetch(sql.EXPIRE_INVITATIONS, now, now)
        if rows:
            cases = {r["id"]: r["case"] for r in await Panel.select(Panel.id, Panel.case).where(
                Panel.id.is_in(sorted({r["panel"] for r in rows}))).run()}
            for row in sorted(rows, key=lambda r: r["id"]):
                await audit.record(case_id=cases[row["panel"]], actor="system:job", action="invitation_expired",
                                   data={"seat": row["id"], "role": row["role"]})
    panels = sorted({r["panel"] for r in rows})
    for panel_id in panels:
        await queue.enqueue("refill_panel", panel_id)
    return panels


async def my_invitations(actor: Actor) -> list[dict[str, Any]]:
    """A member's seats on panels at work, newest first, with the case and the deadline."""
    return await db.fetch(sql.MEMBER_INVITATIONS, actor.user_id)


async def member_load(actor: Actor) -> dict[str, int]:
    """How many panels the member sits on now and the most they agreed to."""
    rows = await db.fetch(sql.MEMBER_LOAD, actor.user_id)
    return {"load": rows[0]["load"], "max_panels": rows[0]["max_panels"]} if rows else {"load": 0, "max_panels": 0}


def recusal_choices() -> list[tuple[str, str]]:
    return [(kind, CONFLICT_LABELS[kind]) for kind in RECUSAL_KINDS]


async def open_panel_of_seat(seat_id: int) -> int:
    row = await Seat.select(Seat.panel).where(Seat.id == seat_id).first().run()
    if row is None:
        raise NotFound("seat_not_found", "席位不存在")
    panel = await Panel.select(Panel.id).where((Panel.id == row["panel"]) & (Panel.status == "seated")).first().run()
    if panel is None:
        raise Conflict("panel_closed", "该评议组已结束工作")
    return panel["id"]
