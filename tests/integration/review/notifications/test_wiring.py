"""The platform's events reach people: a panel invitation, a mediation session, a redo order and a ruling each
land once in the right inbox after their commit, however often the action's retry path or its job runs again,
and an action rolled back tells nobody."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from panels.services import rounds
from panels.services.invitations import answer_invitation
from panels.tables import Panel, Seat
from review.assessments.services import redo as redo_orders
from review.assessments.tables import RedoOrder
from review.convening import jobs as convening_jobs
from review.convening import rounds as round_seating
from review.convening import services as convening
from review.core import clock
from review.core.actors import Actor
from review.core.errors import Conflict
from review.core.tables import Case
from review.mediation.services import stage
from review.mediation.tables import MediationSession
from review.notifications import queries
from review.notifications.tables import Notification
from review.rulings.services import deliberation
from review.rulings.services.sheets import submit_sheet
from scoring.tables import Ruling
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import accepted_case
from tests.integration.scoring_helpers import convened_case, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

ROSTER = {"lawyer": 4, "deputy": 4, "resident": 8, "expert": 4}
LATER = (clock.now() + timedelta(days=3)).isoformat()


class Refused(Exception):
    """Raised inside an action's transaction to roll it back."""


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise Refused


async def _events(actor: Actor, event: str) -> list[dict[str, Any]]:
    return [item for item in (await queries.inbox(actor)).items if item["event"] == event]


async def _keys(event: str) -> list[str]:
    rows = await Notification.select(Notification.key).where(Notification.event == event).order_by(
        Notification.id).run()
    return [r["key"] for r in rows]


async def _invited(number: str | None = None) -> list[dict[str, Any]]:
    """Each seat still offered, with its member's login (on the case `number`, or on every case)."""
    where = (Seat.status == "invited") & Seat.member.user.is_not_null()
    if number is not None:
        where &= Seat.panel.case.number == number
    return await Seat.select(Seat.id, Seat.member.user.id, Seat.member.user.username).where(where).order_by(
        Seat.id).run()


def _member(row: dict[str, Any]) -> Actor:
    return Actor(kind="member", user_id=row["member.user.id"], username=row["member.user.username"])


async def _case(number: str) -> dict[str, Any]:
    return await Case.select(Case.id, Case.department).where(Case.number == number).first().run()


async def _complainant(number: str) -> Actor:
    return Actor(kind="complainant", case_id=(await _case(number))["id"])


# ---------------------------------------------------------------------------------------------------------
# 评议邀请


async def test_convening_invites_each_member_once_in_their_inbox() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    number, _ = await accepted_case(office)

    panel_id = await convening.convene_panel(number=number, actor=office)
    invited = await _invited(number)
    again = await convening.tell_invited(panel_ids=[panel_id])

    assert len(invited) == 5 and again == 0
    for seat in invited:
        [told] = await _events(_member(seat), "invitation")
        assert told["subject"] == f"评议邀请：案件 {number}"
        assert told["link"] == "/panel/invitations"
    assert sorted(await _keys("invitation")) == sorted(f"invitation:{s['id']}" for s in invited)
    assert not await _events(office, "invitation")


async def test_a_refill_run_twice_invites_the_new_member_once() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    number, _ = await accepted_case(office)
    panel_id = await convening.convene_panel(number=number, actor=office)
    before = await _invited(number)
    first = before[0]
    await answer_invitation(seat_id=first["id"], actor=_member(first), answer="decline", reason="时间冲突")

    await run_jobs()  # the refill the declining queued
    await convening_jobs.refill_panel({}, panel_id)  # the job again: nothing new to seat, nobody told twice
    await convening.refill_panel(panel_id=panel_id)

    invited = await _invited(number)
    assert first["id"] not in {s["id"] for s in invited} and len(invited) == 5
    [newcomer] = [s for s in invited if s["id"] not in {b["id"] for b in before}]
    assert len(await _events(_member(newcomer), "invitation")) == 1
    keys = await _keys("invitation")
    assert len(keys) == len(set(keys)) == 6  # five at convening, one for the refilled seat


async def test_a_round_run_again_invites_each_member_once() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    for _ in range(2):
        await accepted_case(office)
    round_id = await rounds.request_round(actor=office)
    await run_jobs()

    assert await round_seating.run_round(round_id=round_id) == "done"
    await convening.tell_invited(round_id=round_id, case_ids=[
        r["case"] for r in await Panel.select(Panel.case).where(Panel.round == round_id).run()])

    invited = await _invited()
    assert len(invited) == 10
    for seat in invited:
        assert len(await _events(_member(seat), "invitation")) == 1
    assert sorted(await _keys("invitation")) == sorted(f"invitation:{s['id']}" for s in invited)


async def test_convening_rolled_back_invites_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    number, _ = await accepted_case(office)
    monkeypatch.setattr(convening, "apply_transition", _refuse)  # after the seats are written

    with pytest.raises(Refused):
        await convening.convene_panel(number=number, actor=office)

    assert await Seat.count().run() == 0
    assert await Notification.count().run() == 0


# ---------------------------------------------------------------------------------------------------------
# 调解通知


async def _in_mediation() -> tuple[str, Actor, Actor]:
    """(number, office, the department's liaison) for a case in mediation."""
    number, _, office, _ = await convened_case()
    liaison = await factories.account("liaison", department_id=(await _case(number))["department"])
    await stage.open_mediation(number=number, actor=office)
    return number, office, liaison


async def test_a_scheduled_session_tells_the_complainant_and_the_liaisons_once() -> None:
    number, office, liaison = await _in_mediation()
    elsewhere = await factories.account("liaison", department_id=await factories.department("CDGA", "成都市公安局"))

    session_id = await stage.schedule_session(number=number, starts_at=LATER, mode="online", location="",
                                              actor=office)
    again = await stage.tell_session_scheduled(session_id=session_id)

    session = await MediationSession.select().where(MediationSession.id == session_id).first().run()
    assert again == 0
    [to_liaison] = await _events(liaison, "mediation_notice")
    [to_complainant] = await _events(await _complainant(number), "mediation_notice")
    for told in (to_liaison, to_complainant):
        assert told["subject"] == f"调解通知：案件 {number}"
        assert clock.local_label(session["starts_at"]) in told["body"] and "线上" in told["body"]
    assert to_liaison["link"] == f"/liaison/cases/{number}" and to_complainant["link"] == "/track/case"
    assert not await _events(elsewhere, "mediation_notice") and not await _events(office, "mediation_notice")
    # …and the seated chair, whom the session invites too.
    assert await _keys("mediation_notice") == [f"mediation:{session['mediation']}:session:{session_id}"] * 3


async def test_a_scheduled_session_tells_the_seated_chair_it_invites() -> None:
    number, office, _ = await _in_mediation()
    chair = await factories.chair_of(number)

    session_id = await stage.schedule_session(number=number, starts_at=LATER, mode="both", location="会议室",
                                              actor=office)

    [to_chair] = await _events(chair, "mediation_notice")
    assert to_chair["subject"] == f"调解通知：案件 {number}" and to_chair["link"] == f"/panel/cases/{number}"
    assert await stage.tell_session_scheduled(session_id=session_id) == 0
    assert len(await _keys("mediation_notice")) == 3  # the complainant, the liaison, the chair


async def test_a_session_rolled_back_tells_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    number, office, _ = await _in_mediation()

    class Audit:
        record = staticmethod(_refuse)

    monkeypatch.setattr(stage, "audit", Audit)  # the session and its invitations written, then refused
    with pytest.raises(Refused):
        await stage.schedule_session(number=number, starts_at=LATER, mode="online", location="", actor=office)

    assert await MediationSession.count().run() == 0
    assert await _keys("mediation_notice") == []


# ---------------------------------------------------------------------------------------------------------
# 评议结论 and 整改通知


async def _scored(value: int) -> tuple[str, Actor, Actor]:
    """(number, office, the department's liaison) for a case scored `value` everywhere, its reasoning signed."""
    number, _, office, _ = await convened_case()
    liaison = await factories.account("liaison", department_id=(await _case(number))["department"])
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(value))
    await deliberation.close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)
    await deliberation.save_reasoning(number=number, actor=chair, reasoning="评议组依据公布的评议标准逐项评分，经合议作出本结论。")
    await deliberation.sign_reasoning(number=number, actor=chair)
    return number, office, liaison


async def test_an_improper_ruling_tells_both_sides_and_the_redo_order_the_liaisons_once() -> None:
    number, office, liaison = await _scored(1)

    ruling_id = await deliberation.issue_ruling(number=number, actor=office)
    with pytest.raises(Conflict):
        await deliberation.issue_ruling(number=number, actor=office)  # issued again: refused, nobody told twice
    order = await RedoOrder.select(RedoOrder.id, RedoOrder.deadline).where(RedoOrder.ruling_id == ruling_id).first(
    ).run()
    again = (await deliberation.tell_ruling(ruling_id=ruling_id), await redo_orders.tell_opened(order_id=order["id"]))
    await run_jobs()

    complainant = await _complainant(number)
    assert again == (0, 0)
    [ruling_to_liaison] = await _events(liaison, "ruling")
    [ruling_to_complainant] = await _events(complainant, "ruling")
    for told in (ruling_to_liaison, ruling_to_complainant):
        assert told["subject"] == f"评议结论：案件 {number}" and "办理不到位" in told["body"]
    [redo] = await _events(liaison, "redo_order")
    deadline = order["deadline"]
    assert redo["subject"] == f"整改通知：案件 {number}" and redo["link"] == f"/liaison/cases/{number}"
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in redo["body"]
    assert not await _events(complainant, "redo_order") and not await _events(office, "ruling")
    assert await _keys("ruling") == [f"ruling:{ruling_id}"] * 2
    assert await _keys("redo_order") == [f"redo:{order['id']}:opened"]


async def test_a_proper_ruling_orders_no_redo() -> None:
    number, office, liaison = await _scored(5)

    await deliberation.issue_ruling(number=number, actor=office)

    assert len(await _events(liaison, "ruling")) == 1
    assert await _keys("redo_order") == []


async def test_a_ruling_rolled_back_tells_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    number, office, _ = await _scored(1)
    monkeypatch.setattr(deliberation, "apply_transition", _refuse)  # the ruling and its order written, then refused

    with pytest.raises(Refused):
        await deliberation.issue_ruling(number=number, actor=office)

    assert await Ruling.count().run() == 0 and await RedoOrder.count().run() == 0
    assert await _keys("ruling") == [] and await _keys("redo_order") == []
    assert (await Case.select(Case.status).where(Case.number == number).first().run())["status"] == "deliberation"
