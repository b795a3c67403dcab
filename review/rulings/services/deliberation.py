"""Deliberation and the ruling: the office closes scoring, the panel deliberates, the chair signs,
the office issues exactly one ruling per panel."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from panels.tables import Panel
from review.assessments.services import record_outcome, redo_working_days
from review.assessments.services import redo as redo_orders
from review.cases.lifecycle import Action
from review.cases.queries.visibility import may_see
from review.cases.services import apply_transition, load_case_for_update
from review.core import calendar, db
from review.core import jobs as queue
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import CHINA
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.labels import ROLE_LABELS
from review.notifications import services as notifications
from review.rulings import sql
from review.rulings.services.sheets import active_panel_id, panel_aggregate, seat_of
from review.verdicts import services as verdicts
from review.webhooks import services as webhooks
from scoring.domain.aggregate import GRADE_LABELS
from scoring.tables import Criterion, Deliberation, DeliberationMessage, Dissent, Ruling

log = logging.getLogger(__name__)


async def close_scoring(*, number: str, actor: Actor) -> int:
    """评分结束: the office closes scoring once the quorum is in; the panel then deliberates."""
    OFFICE.check(actor)
    async with db.transaction():
        case = await load_case_for_update(number)
        if case["status"] != "under_review":
            raise Conflict("invalid_transition", "案件不在评分阶段，不能结束评分")
        panel_id = await active_panel_id(case["id"])
        if panel_id is None:
            raise Conflict("no_panel", "本案没有在任的评议组")
        result, _, _ = await panel_aggregate(case, panel_id)
        if not result.quorum_met:
            raise Conflict("quorum_not_met", "未达到法定评议人数，暂不能结束评分：" + "；".join(result.missing))
        rows = await Deliberation.insert(Deliberation(
            case=case["id"], panel_id=panel_id, closed_at=datetime.now(UTC), closed_by=actor.user_id,
        )).run()
        await apply_transition(case=case, action=Action.close_scoring, actor=actor,
                               data={"panel_id": panel_id, "dispersed": result.dispersed})
    return rows[0]["id"]


async def _deliberating(number: str, actor: Actor) -> tuple[dict, dict, dict | None]:
    """(case, deliberation, the actor's seat) inside a write transaction, for a case in deliberation."""
    case = await load_case_for_update(number)
    seat = await seat_of(actor, case["id"]) if actor.kind == "member" else None
    if actor.kind == "member" and seat is None:
        if case["status"] in ("ruled", "closed") and await may_see(actor, case):  # sat on the concluded panel
            raise Conflict("not_deliberating", "评议结论已签发，合议已经结束")
        raise NotFound("case_not_found", "未找到该案件")
    if case["status"] != "deliberation":
        raise Conflict("not_deliberating", "本案不在合议阶段")
    row = await Deliberation.select().where(Deliberation.case == case["id"]).order_by(
        Deliberation.id, ascending=False).first().run()
    if row is None:
        raise Conflict("not_deliberating", "本案不在合议阶段")
    return case, row, seat


async def post_message(*, number: str, actor: Actor, body: str) -> int:
    """合议发言: a seated member writes in the panel's thread."""
    text = body.strip()
    if not text:
        raise Invalid("missing_field", "请填写发言内容", field="body")
    async with db.transaction():
        case, deliberation, seat = await _deliberating(number, actor)
        if seat is None:
            raise Forbidden("forbidden", "只有本案评议员可以参与合议")
        rows = await DeliberationMessage.insert(DeliberationMessage(
            deliberation=deliberation["id"], author=actor.user_id, body=text[:4000], at=datetime.now(UTC),
        )).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="deliberation_message",
                           data={"message_id": rows[0]["id"]})
    return rows[0]["id"]


async def save_reasoning(*, number: str, actor: Actor, reasoning: str) -> None:
    """组长起草评议理由: the chair drafts (and redrafts) the reasoning until signing."""
    async with db.transaction():
        case, deliberation, seat = await _deliberating(number, actor)
        if not seat or not seat["is_chair"]:
            raise Forbidden("chair_only", "只有评议组组长可以起草评议理由")
        if deliberation["signed_at"]:
            raise Conflict("already_signed", "评议理由已签署，不能再修改")
        await Deliberation.update({Deliberation.reasoning: reasoning.strip()[:8000]}).where(
            Deliberation.id == deliberation["id"]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="reasoning_drafted", data={})


async def add_dissent(*, number: str, actor: Actor, text: str) -> None:
    """异议: a member other than the chair records, changes or (with empty text) withdraws a dissent, until the
    office issues the ruling; one made after the chair signed is shown to the office as such before issue."""
    async with db.transaction():
        case, deliberation, seat = await _deliberating(number, actor)
        if not seat or seat["is_chair"]:
            raise Forbidden("forbidden", "评议组组长签署评议理由，不另行提出异议")
        earlier = await Dissent.select(Dissent.text).where(
            (Dissent.deliberation == deliberation["id"]) & (Dissent.member == actor.user_id)).first().run()
        body = text.strip()[:4000]
        if (earlier["text"] if earlier else "") == body:
            return  # nothing changed: nothing to record
        await Dissent.delete().where((Dissent.deliberation == deliberation["id"]) & (Dissent.member == actor.user_id)).run()
        if body:
            await Dissent.insert(Dissent(deliberation=deliberation["id"], member=actor.user_id,
                                         member_role=seat["role"], text=body, at=datetime.now(UTC))).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="dissent_recorded",
                           data={"withdrawn": not body, "changed": earlier is not None,
                                 "after_signing": bool(deliberation["signed_at"])})


async def sign_reasoning(*, number: str, actor: Actor, reasoning: str | None = None) -> None:
    """组长签署: the chair signs the reasoning (the text given, saved first, or the draft saved before); members
    may still add or change a dissent until the office issues the ruling."""
    async with db.transaction():
        case, deliberation, seat = await _deliberating(number, actor)
        if not seat or not seat["is_chair"]:
            raise Forbidden("chair_only", "只有评议组组长可以签署")
        if deliberation["signed_at"]:
            raise Conflict("already_signed", "评议理由已签署")
        if reasoning is not None:
            deliberation["reasoning"] = reasoning.strip()[:8000]
        if not deliberation["reasoning"].strip():
            raise Invalid("reasoning_required", "请先填写评议理由，再签署", field="reasoning")
        result, _, _ = await panel_aggregate(case, deliberation["panel_id"])
        if result.dispersed and not await DeliberationMessage.exists().where(
                DeliberationMessage.deliberation == deliberation["id"]).run():
            raise Conflict("deliberation_required", "评议员意见分歧超过公布的上限，须先在合议区讨论后再签署",
                           field="reasoning")
        await Deliberation.update({Deliberation.reasoning: deliberation["reasoning"],
                                   Deliberation.signed_by: actor.user_id,
                                   Deliberation.signed_at: datetime.now(UTC)}).where(
            Deliberation.id == deliberation["id"]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="reasoning_signed",
                           data={"deliberation_id": deliberation["id"]})


async def dissent_text(deliberation_id: int) -> str:
    """The dissents as the verdict prints them: one paragraph per member, role and name first."""
    rows = await db.fetch(
        sql.DISSENTS, deliberation_id)
    return "\n\n".join(f"{ROLE_LABELS.get(r['member_role'], r['member_role'])} {r['display_name']}：{r['text']}"
                       for r in rows)


async def issue_ruling(*, number: str, actor: Actor, now: datetime | None = None) -> int:
    """签发评议结论: compute the ruling by the pinned rule from the signed deliberation, number the verdict
    (`now`, the moment of issue, is set only by tests that need a given day)."""
    OFFICE.check(actor)
    async with db.transaction():
        # One issuer at a time (the chain head doubles as the lock): gapless numbers, exactly one ruling.
        await db.lock_chain_head()
        case = await load_case_for_update(number)
        deliberation = await Deliberation.select().where(Deliberation.case == case["id"]).order_by(
            Deliberation.id, ascending=False).first().run()
        if deliberation and await Ruling.exists().where(Ruling.panel_id == deliberation["panel_id"]).run():
            raise Conflict("already_ruled", "本案已作出评议结论")
        if case["status"] != "deliberation" or deliberation is None:
            raise Conflict("invalid_transition", "评分结束并经合议后，才能签发评议结论")
        if not deliberation["signed_at"]:
            raise Conflict("not_signed", "评议组组长尚未签署评议理由")
        result, _, _ = await panel_aggregate(case, deliberation["panel_id"])
        if not result.quorum_met:
            raise Conflict("quorum_not_met", "未达到法定评议人数：" + "；".join(result.missing))
        assert result.grade is not None
        issued_at = now or datetime.now(UTC)
        local_day = issued_at.astimezone(CHINA).date()
        period = local_day.strftime("%Y-%m")
        due = (await calendar.add_workdays(local_day, await redo_working_days(period))
               if result.grade == "improper" else None)
        earlier = await Ruling.select(Ruling.id, Ruling.grade, Ruling.issued_at).where(
            (Ruling.case == case["id"]) & (Ruling.status == "in_force")).first().run()
        sheet_count = (await db.fetch(
            sql.SUBMITTED_SHEETS, deliberation["panel_id"], True))[0]["n"]
        rows = await Ruling.insert(Ruling(
            case=case["id"], panel_id=deliberation["panel_id"], criteria_set=case["criteria_set_id"],
            total=result.total, grade=result.grade, per_criterion=json.dumps(result.per_criterion),
            sheet_count=sheet_count, dispersion_flag=bool(result.dispersed), reasoning=deliberation["reasoning"],
            dissent=await dissent_text(deliberation["id"]), redo_deadline=due.day if due else None,
            redo_deadline_provisional=bool(due and due.provisional),
            supersedes=earlier["id"] if earlier else None, signed_by=deliberation["signed_by"],
            issued_by=actor.user_id, issued_at=issued_at,
        )).run()
        ruling_id = rows[0]["id"]
        order_id = None
        if due:
            await calendar.remember(due, subject=calendar.RULING_REDO, ids=[ruling_id], case_id=case["id"])
            criteria = await Criterion.select().where(Criterion.criteria_set == case["criteria_set_id"]).order_by(
                Criterion.position).run()
            order_id = await redo_orders.open_for_ruling(
                case_id=case["id"], department_id=case["department"], ruling_id=ruling_id,
                actions=verdicts.required_actions(criteria, result.per_criterion), deadline=due.day,
                provisional=due.provisional, actor=actor)
        verdict_id = await verdicts.number_verdict(case_id=case["id"], ruling_id=ruling_id, day=local_day)
        if earlier:
            # 复议结论: the earlier ruling, its verdict and its count in the assessment all give way to this one.
            await Ruling.update({Ruling.status: "superseded"}).where(Ruling.id == earlier["id"]).run()
            await audit.record(case_id=case["id"], actor=actor.label, action="ruling_superseded",
                               data={"old_ruling_id": earlier["id"], "new_ruling_id": ruling_id})
            await verdicts.supersede(old_ruling_id=earlier["id"], new_ruling_id=ruling_id)
            await redo_orders.void_for_ruling(ruling_id=earlier["id"], why="superseded", actor="system:reconsideration")
            await record_outcome(department_id=case["department"], grade=earlier["grade"], count=-1,
                                 period=earlier["issued_at"].astimezone(CHINA).strftime("%Y-%m"))
        await Panel.update({Panel.status: "concluded"}).where(
            (Panel.case == case["id"]) & (Panel.status == "seated")).run()
        await record_outcome(department_id=case["department"], grade=result.grade, period=period)
        await apply_transition(case=case, action=Action.issue_ruling, actor=actor,
                               data={"ruling_id": ruling_id, "total": result.total, "grade": result.grade})
        await webhooks.emit("ruling.issued", {
            "case_number": number, "ruling_id": ruling_id, "grade": result.grade, "score": result.total,
            "verdict_id": verdict_id, "redo_id": order_id, "due_on": due.day.isoformat() if due else None,
            "link": f"/api/v1/cases/{number}"})
    await queue.enqueue("render_verdict", verdict_id)
    await tell_ruling(ruling_id=ruling_id)
    if order_id is not None:
        await redo_orders.tell_opened(order_id=order_id)
    return ruling_id


async def tell_ruling(*, ruling_id: int) -> int:
    """评议结论: tell the complainant and the department's liaisons of an issued ruling, once each however often
    it is called (after the issuing commit). How many were newly told."""
    try:
        ruling = await Ruling.select(Ruling.grade, Ruling.status, Ruling.case.number,
                                     Ruling.case.department).where(Ruling.id == ruling_id).first().run()
        if ruling is None or ruling["status"] != "in_force":
            return 0
        number = ruling["case.number"]
        told = [notifications.Recipient(case_number=number),
                *await notifications.recipients("department", department_id=ruling["case.department"])]
        return await notifications.notify(
            event="ruling", key=f"ruling:{ruling_id}", recipients=told,
            context={"case_number": number, "grade": GRADE_LABELS.get(ruling["grade"], ""),
                     "link": f"/liaison/cases/{number}"})
    except Exception:  # the ruling is issued and committed: a failure to tell is logged, never raised
        log.exception("telling of ruling %s failed", ruling_id)
        return 0
