"""Reconsideration (复议): a party asks once, in time, with a reason; the office accepts or refuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from review.cases.lifecycle import Action
from review.cases.services import apply_transition, load_case_for_update
from review.core import calendar, db
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import CHINA, today_in_china
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.rulings.services.sheets import ruling_rule
from scoring.tables import Reconsideration, Ruling

PARTIES = ("liaison", "complainant")


@dataclass(frozen=True)
class Window:
    ruling_id: int
    deadline: date
    open: bool
    provisional: bool = False  # 暂定: counted across a year with no official holiday table


async def window(case_id: int, today: date | None = None) -> Window | None:
    """The in-force ruling and the last working day on which a party may still ask."""
    ruling = await Ruling.select(Ruling.id, Ruling.issued_at, Ruling.criteria_set).where(
        (Ruling.case == case_id) & (Ruling.status == "in_force")).first().run()
    if ruling is None:
        return None
    rule = await ruling_rule(ruling["criteria_set"])
    due = await calendar.add_workdays(ruling["issued_at"].astimezone(CHINA).date(), rule.reconsideration_days)
    today = today or today_in_china()
    return Window(ruling["id"], due.day, today <= due.day, due.provisional)


def _party_of(actor: Actor, case: dict) -> bool:
    if actor.kind == "liaison":
        return actor.department_id is not None and actor.department_id == case["department"]
    return actor.kind == "complainant" and actor.case_id == case["id"]


async def request_reconsideration(*, number: str, actor: Actor, reason: str, today: date | None = None) -> int:
    """申请复议: the department's liaison or the complainant asks, once per case, within the published days."""
    if actor.kind not in PARTIES:
        raise Forbidden("forbidden", "只有承办部门或诉求人可以申请复议")
    if not reason.strip():
        raise Invalid("reason_required", "请填写申请复议的理由", field="reason")
    async with db.transaction():
        case = await load_case_for_update(number)
        if not _party_of(actor, case):
            raise NotFound("case_not_found", "未找到该案件")
        if await Reconsideration.exists().where(Reconsideration.case == case["id"]).run():
            raise Conflict("already_requested", "本案已申请过复议，每案只能申请一次")
        if case["status"] not in ("ruled", "closed"):
            raise Conflict("not_ruled", "本案尚未作出评议结论，不能申请复议")
        found = await window(case["id"], today)
        if found is None:
            raise Conflict("not_ruled", "本案尚未作出评议结论，不能申请复议")
        if not found.open:
            raise Conflict("too_late", f"复议申请期限已于 {found.deadline.isoformat()}{'（暂定）' if found.provisional else ''} 届满")
        rows = await Reconsideration.insert(Reconsideration(
            case=case["id"], ruling=found.ruling_id, requested_by=actor.kind, reason=reason.strip()[:4000],
            requested_at=datetime.now(UTC),
        )).run()
        # The reason stays in the request record; the shared timeline only notes who asked.
        await audit.record(case_id=case["id"], actor=actor.label, action="reconsideration_requested",
                           data={"by": actor.kind})
    return rows[0]["id"]


async def decide_reconsideration(*, number: str, actor: Actor, accept: bool, reason: str = "") -> str:
    """受理或不予受理: the office decides a pending request; accepting reopens the case for a new panel."""
    OFFICE.check(actor)
    if not accept and not reason.strip():
        raise Invalid("reason_required", "不予受理须说明理由", field="reason")
    async with db.transaction():
        case = await load_case_for_update(number)
        request = await Reconsideration.select().where(Reconsideration.case == case["id"]).first().run()
        if request is None or request["status"] != "pending":
            raise Conflict("no_pending_request", "本案没有待处理的复议申请")
        status = "accepted" if accept else "refused"
        await Reconsideration.update({
            Reconsideration.status: status, Reconsideration.decided_by: actor.user_id,
            Reconsideration.decided_at: datetime.now(UTC), Reconsideration.decision_reason: reason.strip(),
        }).where(Reconsideration.id == request["id"]).run()
        if accept:
            await apply_transition(case=case, action=Action.reconsider, actor=actor,
                                   data={"reconsideration_id": request["id"]})
        else:
            await audit.record(case_id=case["id"], actor=actor.label, action="reconsideration_refused",
                               reason=reason.strip())
    return status


async def request_for(case_id: int) -> dict | None:
    return await Reconsideration.select().where(Reconsideration.case == case_id).first().run()
