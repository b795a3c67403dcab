"""Mediation's services, one per user action: open the stage, schedule a session, answer an invitation,
extend, end without agreement, settle by agreement.

The stage is a move of the case's state machine (`open_mediation` / `end_mediation` / `settle`), so scoring,
which refuses to score a case in mediation, never needs to know of mediation itself (the wall)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from review.assessments.services import record_settlement
from review.cases import services as cases
from review.cases.lifecycle import Action
from review.core import clock, db, settings
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.calendar import add_workdays
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.i18n import lazy_labels
from review.mediation import sql
from review.mediation.domain import clock as clock_rules
from review.mediation.services import room
from review.mediation.tables import Mediation, MediationParticipant, MediationSession
from review.notifications import services as notifications
from review.webhooks import services as webhooks

log = logging.getLogger(__name__)

MODES = lazy_labels({"online": "线上", "in_person": "线下", "both": "线上与线下同时"})
ANSWERS = lazy_labels({"accepted": "接受", "other_time": "请求另定时间"})
ANSWER_LABELS = {**lazy_labels({"pending": "未答复"}), **ANSWERS}
KINDS = lazy_labels({"complainant": "诉求人", "liaison": "部门联络员", "chair": "评议组组长", "mediator": "调解员",
                     "member": "评议员"})
STATUS_LABELS = lazy_labels({"open": "调解中", "ended": "未达成协议", "settled": "达成协议，调解结案"})
# How an ended mediation ended, where its status alone does not say it (a withdrawal also ends it).
OUTCOME_LABELS = lazy_labels({"withdrawn": "诉求人撤回，调解终止"})
# Which kind of actor answers for which kind of participant.
_ANSWERED_BY = {"complainant": "complainant", "liaison": "liaison", "chair": "member", "mediator": "member",
                "member": "member"}
LOCATION_MAX = 200
NOTE_MAX = 500
REASON_MAX = 1000


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


async def _open_mediation_of(case_id: int, *, doing: str) -> dict:
    """The case's open mediation (under the case's row lock), or a conflict saying the case is not in mediation."""
    row = await Mediation.select().where((Mediation.case == case_id) & (Mediation.status == "open")).first().run()
    if row is None:
        raise Conflict("not_in_mediation", f"本案不在调解中，不能{doing}")
    return row


def _check_opener(actor: Actor) -> None:
    """The office opens mediation; the panel's chair too when the office allows it (MEDIATION_CHAIR_MAY_OPEN)."""
    if actor.kind == "member" and settings.MEDIATION_CHAIR_MAY_OPEN:
        return
    if actor.kind == "member":
        raise Forbidden("chair_may_not_open", "评议办未允许评议组组长启动调解，请联系评议办")
    OFFICE.check(actor)


async def _check_chair(actor: Actor, case_id: int) -> None:
    if actor.kind != "member":
        return
    chairs = {r["account"] for r in await db.fetch(sql.CHAIR_OF_CASE, case_id)}
    if actor.user_id is None or actor.user_id not in chairs:
        raise Forbidden("not_chair", "只有本案在任的评议组组长可以启动调解")


async def open_mediation(*, number: str, actor: Actor) -> int:
    """启动调解: the office (or, when the office allows it, the seated panel chair) opens mediation on a case
    accepted or under review; scoring pauses. The mediation's id."""
    _check_opener(actor)
    async with db.transaction():
        case = await cases.load_case_for_update(number)
        await _check_chair(actor, case["id"])
        cases.check_transition(status=case["status"], action=Action.open_mediation, actor=actor)
        now, today = clock.now(), clock.today_in_china()
        start = await add_workdays(today, settings.MEDIATION_START_WORKDAYS)
        end_by = clock_rules.end_by(today, settings.MEDIATION_END_DAYS)
        inserted = await Mediation.insert(Mediation(
            case=case["id"], opened_at=now, opened_by=actor.label, came_from=case["status"], start_by=start.day,
            start_by_provisional=start.provisional, end_by=end_by, status="open",
        )).returning(Mediation.id).run()
        mediation_id: int = inserted[0]["id"]
        await cases.apply_transition(case=case, action=Action.open_mediation, actor=actor, data={
            "mediation_id": mediation_id, "start_by": start.day.isoformat(), "end_by": end_by.isoformat()})
    return mediation_id


def parse_starts_at(value: Any) -> datetime:
    """A session's time: an ISO date-time; one without an offset is Beijing time (as a form's datetime-local)."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            raise Invalid("invalid_field", "请填写调解会的日期和时间，例如 2026-12-10T14:30", field="starts_at") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.CHINA)
    return parsed


async def schedule_session(*, number: str, starts_at: Any, mode: str, location: str, actor: Actor) -> int:
    """安排调解会: the office sets a time, mode and place; the complainant, the department's liaisons and the
    panel's chair (if seated) are invited. The session's id."""
    OFFICE.check(actor)
    if mode not in MODES:
        raise Invalid("invalid_mode", "调解方式应为：线上、线下、线上与线下同时", field="mode")
    when = parse_starts_at(starts_at)
    if when <= clock.now():
        raise Invalid("starts_at_past", "调解会时间已过，请选择此后的时间", field="starts_at")
    place = _text(location, LOCATION_MAX)
    if mode != "online" and not place:
        raise Invalid("location_required", "线下调解请填写地点", field="location")
    async with db.transaction():
        case = await cases.load_case_for_update(number)
        mediation = await _open_mediation_of(case["id"], doing="安排调解会")
        inserted = await MediationSession.insert(MediationSession(
            case=case["id"], mediation=mediation["id"], starts_at=when, mode=mode, location=place,
            status="scheduled",
        )).returning(MediationSession.id).run()
        session_id: int = inserted[0]["id"]
        invited: list[tuple[str, int | None]] = [("complainant", None)]
        invited += [("liaison", r["id"]) for r in await db.fetch(sql.LIAISONS_OF_CASE, case["id"])]
        invited += [("chair", r["account"]) for r in await db.fetch(sql.CHAIR_OF_CASE, case["id"])]
        await MediationParticipant.insert(*[
            MediationParticipant(session=session_id, kind=kind, account=account, answer="pending")
            for kind, account in invited
        ]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="mediation_session_scheduled", data={
            "mediation_id": mediation["id"], "session_id": session_id, "starts_at": when.isoformat(), "mode": mode,
            "invited": [kind for kind, _ in invited]})
    await tell_session_scheduled(session_id=session_id)
    return session_id


async def tell_session_scheduled(*, session_id: int) -> int:
    """调解通知: tell the complainant, the department's liaisons and the chair it invites of a scheduled session,
    each once however often it is called (after the scheduling's commit). How many were newly told."""
    try:
        rows = await db.fetch(sql.SESSION_TO_TELL, session_id)
        if not rows or rows[0]["status"] != "scheduled":
            return 0
        session = rows[0]
        number = session["number"]
        key = f"mediation:{session['mediation']}:session:{session_id}"
        told = [notifications.Recipient(case_number=number),
                *await notifications.recipients("department", department_id=session["department"])]
        chairs = [notifications.Recipient(account_id=r["account"])
                  for r in await db.fetch(sql.CHAIRS_INVITED, session_id)]
        context = {"case_number": number, "starts_at": clock.local_label(session["starts_at"]),
                   "mode": MODES.get(session["mode"], "")}
        return await notifications.notify_many([
            notifications.Notice("mediation_notice", key, told, {**context, "link": f"/liaison/cases/{number}"}),
            notifications.Notice("mediation_notice", key, chairs, {**context, "link": f"/panel/cases/{number}"}),
        ])
    except Exception:  # the session is scheduled and committed: a failure to tell is logged, never raised
        log.exception("telling of mediation session %s failed", session_id)
        return 0


def _answers_for(actor: Actor, participant: dict) -> bool:
    """Whether `actor` is the person this invitation is for."""
    if actor.kind != _ANSWERED_BY.get(participant["kind"]):
        return False
    if participant["kind"] == "complainant":
        return actor.case_id is not None and actor.case_id == participant["case_id"]
    return actor.user_id is not None and actor.user_id == participant["account"]


async def answer_invitation(*, participant_id: int, actor: Actor, answer: str, note: str = "") -> str:
    """答复邀请: a participant accepts a session or asks for another time, for themself only. The answer."""
    if actor.kind not in ("complainant", "liaison", "member"):
        raise Forbidden("forbidden", "只有受邀参加调解会的人可以答复邀请")
    if answer not in ANSWERS:
        raise Invalid("invalid_answer", "答复应为：接受，或请求另定时间", field="answer")
    text = _text(note, NOTE_MAX)
    if answer == "other_time" and not text:
        raise Invalid("note_required", "请求另定时间时，请写明您方便的时间", field="note")
    async with db.transaction():
        rows = await db.fetch(sql.PARTICIPANT + db.for_update(), participant_id)
        if not rows or not _answers_for(actor, rows[0]):
            raise NotFound("invitation_not_found", "未找到该调解会邀请")
        participant = rows[0]
        if participant["mediation_status"] != "open" or participant["session_status"] != "scheduled":
            raise Conflict("session_closed", "该调解会已取消或调解已结束，不能再答复")
        if participant["starts_at"] <= clock.now():
            raise Conflict("session_past", "该调解会时间已过，不能再答复")
        await MediationParticipant.update({
            MediationParticipant.answer: answer, MediationParticipant.answered_at: clock.now(),
            MediationParticipant.note: text,
        }).where(MediationParticipant.id == participant_id).run()
        # The note stays with the office and the mediation record, as a declining member's grounds do.
        await audit.record(case_id=participant["case_id"], actor=actor.label, action="mediation_invitation_answered",
                           data={"session_id": participant["session_id"], "participant_id": participant_id,
                                 "kind": participant["kind"], "answer": answer})
    return answer


async def extend(*, number: str, reason: str, actor: Actor, days: int | None = None) -> date:
    """延长调解期限: the office moves the end date on (by MEDIATION_END_DAYS unless told), with a reason. The new end."""
    OFFICE.check(actor)
    why = _text(reason, REASON_MAX)
    if not why:
        raise Invalid("reason_required", "请填写延长调解期限的理由", field="reason")
    more = settings.MEDIATION_END_DAYS if days is None else days
    if not isinstance(more, int) or isinstance(more, bool) or not 1 <= more <= 366:
        raise Invalid("invalid_field", "延长天数应为 1 至 366 之间的整数", field="days")
    async with db.transaction():
        case = await cases.load_case_for_update(number)
        mediation = await _open_mediation_of(case["id"], doing="延长调解期限")
        end_by = clock_rules.extended_end(mediation["end_by"], clock.today_in_china(), more)
        reasons = "；".join(r for r in (mediation["extended_reason"], why) if r)
        await Mediation.update({Mediation.end_by: end_by, Mediation.extended_reason: reasons}).where(
            Mediation.id == mediation["id"]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="mediation_extended", reason=why, data={
            "mediation_id": mediation["id"], "end_by_was": mediation["end_by"].isoformat(),
            "end_by": end_by.isoformat()})
    return end_by


async def _finish(case: dict, mediation: dict, *, status: str, outcome: str) -> None:
    now = clock.now()
    await Mediation.update({Mediation.status: status, Mediation.outcome: outcome, Mediation.ended_at: now}).where(
        Mediation.id == mediation["id"]).run()
    await MediationSession.update({MediationSession.status: "cancelled"}).where(
        (MediationSession.mediation == mediation["id"]) & (MediationSession.status == "scheduled")
        & (MediationSession.starts_at > now)).run()


async def end_without_agreement(*, number: str, actor: Actor, reason: str = "") -> str:
    """调解未达成协议: mediation ends, the pause with it; the case goes back to where it stood. Its status."""
    OFFICE.check(actor)
    async with db.transaction():
        case = await cases.load_case_for_update(number)
        mediation = await _open_mediation_of(case["id"], doing="结束调解")
        status = await cases.apply_transition(
            case=case, action=Action.end_mediation, actor=actor, reason=_text(reason, REASON_MAX),
            came_from=mediation["came_from"], data={"mediation_id": mediation["id"], "outcome": "no_agreement"})
        await _finish(case, mediation, status="ended", outcome="no_agreement")
    await room.announce_closed(mediation["id"])  # after the commit: the room's sockets close
    return status


async def settle_by_agreement(*, number: str, actor: Actor, reason: str = "") -> str:
    """调解结案: an agreement settles the case, by the same move as any settlement (its panel dissolved)."""
    OFFICE.check(actor)
    why = _text(reason, REASON_MAX) or "调解达成协议"
    async with db.transaction():
        case = await cases.load_case_for_update(number)
        mediation = await _open_mediation_of(case["id"], doing="调解结案")
        status = await settle_in_transaction(case=case, mediation=mediation, actor=actor, reason=why)
    await room.announce_closed(mediation["id"])  # after the commit: the room's sockets close
    return status


# Who moves the case when a sealed agreement settles it: the platform, on every required party's confirmation
# (whoever confirmed last; their own confirmation is in the audit trail beside this move).
AGREEMENT = Actor(kind="system", username="mediation_agreement")


async def settle_in_transaction(*, case: dict, mediation: dict, actor: Actor, reason: str,
                                data: dict | None = None) -> str:
    """调解结案 inside the caller's transaction, which holds the case's row lock: the case settled by the state
    machine (its panel dissolved, its open invitations closed), sessions still to come cancelled, and one more case
    settled in mediation counted in the department's assessment for this month. The case's status."""
    status = await cases.apply_transition(case=case, action=Action.settle, actor=actor, reason=reason,
                                          data={"mediation_id": mediation["id"], "outcome": "agreement", **(data or {})})
    await _finish(case, mediation, status="settled", outcome="agreement")
    await webhooks.emit("mediation.settled", {"case_number": case["number"], "mediation_id": mediation["id"],
                                              "link": f"/api/v1/cases/{case['number']}"})
    await record_settlement(department_id=case["department"], period=clock.today_in_china().strftime("%Y-%m"))
    return status


async def withdraw(*, number: str, actor: Actor, reason: str) -> str:
    """撤回 during mediation: the complainant withdraws (recorded by the office, or by the complainant on their own
    case); the case ends withdrawn and its mediation ends with it, its sessions still to come cancelled."""
    if actor.kind not in ("office", "complainant"):
        raise Forbidden("forbidden", "只有评议办或诉求人本人可以撤回")
    async with db.transaction():
        case = await cases.load_case_for_update(number)
        if actor.kind == "complainant" and actor.case_id != case["id"]:
            raise NotFound("case_not_found", "未找到该案件")
        mediation = await _open_mediation_of(case["id"], doing="在调解中撤回")
        status = await cases.apply_transition(case=case, action=Action.withdraw, actor=actor,
                                              reason=_text(reason, REASON_MAX),
                                              data={"mediation_id": mediation["id"], "outcome": "withdrawn"})
        await _finish(case, mediation, status="ended", outcome="withdrawn")
    return status
