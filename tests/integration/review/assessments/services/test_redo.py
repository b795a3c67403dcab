"""Redo orders (整改): opened by a 办理不到位 ruling only, moved by the liaison, the office or the chair and the
complainant, voided when a reconsideration supersedes the ruling or the verdict is withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest

from review.assessments.services import redo as orders
from review.assessments.tables import RedoOrder
from review.convening.services import convene_panel
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.tables import AuditEvent, Case
from review.notifications.tables import Notification
from review.rulings.services.reconsideration import decide_reconsideration, request_reconsideration
from review.rulings.services.sheets import submit_sheet
from review.verdicts import services as verdicts
from scoring.tables import Ruling
from tests import factories
from tests.conftest import run_jobs
from tests.integration.scoring_helpers import accept_invitations, convened_case, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


class Ruled(NamedTuple):
    number: str
    ruling_id: int
    office: Actor
    complainant: Actor
    liaison: Actor
    chair: Actor
    code: str


async def ruled(value: int) -> Ruled:
    """A case ruled on scores of `value` everywhere, with its department's liaison and the panel's chair."""
    number, code, office, _ = await convened_case()
    chair = await factories.chair_of(number)
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(value))
    ruling_id = await factories.rule_case(number, office)
    await run_jobs()
    case = await Case.select(Case.id, Case.department).where(Case.number == number).first().run()
    liaison = await factories.account("liaison", department_id=case["department"])
    return Ruled(number, ruling_id, office, Actor(kind="complainant", case_id=case["id"]), liaison, chair, code)


async def _actions(number: str) -> list[str]:
    rows = await AuditEvent.select(AuditEvent.action).where(AuditEvent.case.number == number).order_by(
        AuditEvent.id).run()
    return [r["action"] for r in rows if r["action"].startswith("redo")]


async def test_an_improper_ruling_opens_an_order_with_its_actions_and_deadline() -> None:
    number, ruling_id, _, _, liaison = (await ruled(1))[:5]
    ruling = await Ruling.select().where(Ruling.id == ruling_id).first().run()
    view = await orders.for_case(number=number, actor=liaison)
    assert view.state == "open" and view.state_label == "待整改"
    assert view.deadline == ruling["redo_deadline"]
    assert view.deadline_provisional == bool(ruling["redo_deadline_provisional"])
    assert view.actions and all("重新核查办理" in line for line in view.actions)
    assert not view.overdue and view.days_over == 0
    assert await _actions(number) == ["redo_order_opened"]


@pytest.mark.parametrize(("value", "grade"), [(5, "proper"), (4, "basic")])
async def test_proper_and_basic_rulings_open_none(value: int, grade: str) -> None:
    number, ruling_id, office = (await ruled(value))[:3]
    assert (await Ruling.select(Ruling.grade).where(Ruling.id == ruling_id).first().run())["grade"] == grade
    assert await RedoOrder.count() == 0
    with pytest.raises(NotFound):
        await orders.for_case(number=number, actor=office)


async def test_report_return_report_accept_and_the_complainants_word() -> None:
    number, _, office, complainant, liaison, chair = (await ruled(1))[:6]
    with pytest.raises(Invalid):
        await orders.report_done(number=number, actor=liaison, statement="  ")
    with pytest.raises(Conflict):
        await orders.accept(number=number, actor=office)  # nothing reported yet
    with pytest.raises(Conflict):
        await orders.give_feedback(number=number, actor=complainant, answer="solved")
    before = (await orders.for_case(number=number, actor=office)).deadline
    assert await orders.report_done(number=number, actor=liaison, statement="已修复井盖并回访。") == "reported"
    with pytest.raises(Invalid):
        await orders.send_back(number=number, actor=office, reason="")
    assert await orders.send_back(number=number, actor=office, reason="未附现场照片。") == "open"
    view = await orders.for_case(number=number, actor=liaison)
    assert (view.state, view.return_reason, view.returned_count, view.deadline) == ("open", "未附现场照片。", 1, before)
    await orders.report_done(number=number, actor=liaison, statement="已补拍现场照片。")
    assert await orders.accept(number=number, actor=chair) == "accepted"
    with pytest.raises(Invalid):
        await orders.give_feedback(number=number, actor=complainant, answer="maybe")
    assert await orders.give_feedback(number=number, actor=complainant, answer="unsolved", note="仍有积水") == "unsolved"
    with pytest.raises(Conflict):
        await orders.give_feedback(number=number, actor=complainant, answer="solved")
    view = await orders.for_case(number=number, actor=complainant)
    assert (view.state, view.feedback, view.feedback_note) == ("accepted", "unsolved", "仍有积水")
    assert await _actions(number) == ["redo_order_opened", "redo_reported", "redo_returned", "redo_reported",
                                      "redo_accepted", "redo_feedback"]
    _, problem = await audit.verify()
    assert problem is None


async def test_who_may_not_see_or_move_an_order() -> None:
    number, _, office, complainant, liaison = (await ruled(1))[:5]
    other_department = await factories.department("CDSW", "成都市水务局")
    stranger = await factories.account("liaison", department_id=other_department)
    for actor in (stranger, Actor(kind="complainant", case_id=-1)):
        with pytest.raises(NotFound):
            await orders.for_case(number=number, actor=actor)
        with pytest.raises(NotFound):
            await orders.report_done(number=number, actor=actor, statement="已完成")
    with pytest.raises(Forbidden):
        await orders.report_done(number=number, actor=office, statement="已完成")
    await orders.report_done(number=number, actor=liaison, statement="已完成")
    with pytest.raises(Forbidden):
        await orders.accept(number=number, actor=liaison)
    with pytest.raises(Forbidden):
        await orders.accept(number=number, actor=complainant)
    assert [v.case_number for v in await orders.listing(actor=stranger)] == []
    assert [v.case_number for v in await orders.listing(actor=liaison)] == [number]


async def test_overdue_after_the_deadline_days_end_in_working_days() -> None:
    number, _, office, _, liaison = (await ruled(1))[:5]
    view = await orders.for_case(number=number, actor=office)
    end = datetime.combine(view.deadline + timedelta(days=1), datetime.min.time(), tzinfo=UTC) - timedelta(hours=8)
    just_before = await orders.for_case(number=number, actor=office, now=end - timedelta(seconds=1))
    at_end = await orders.for_case(number=number, actor=office, now=end)
    assert not just_before.overdue and at_end.overdue
    later = await orders.listing(actor=office, overdue=True, now=end + timedelta(days=14))
    assert [v.case_number for v in later] == [number] and 9 <= later[0].days_over <= 10
    assert await orders.listing(actor=office, overdue=False, now=end + timedelta(days=14)) == []
    await orders.report_done(number=number, actor=liaison, statement="已完成")
    await orders.accept(number=number, actor=office)
    accepted = await orders.for_case(number=number, actor=office, now=end + timedelta(days=14))
    assert not accepted.overdue and accepted.days_over == 0


async def test_a_superseding_reconsideration_voids_the_open_order() -> None:
    number, _, office, _, liaison = (await ruled(1))[:5]
    await request_reconsideration(number=number, actor=liaison, reason="已提交维修记录，评议组未予考虑。")
    await decide_reconsideration(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    await accept_invitations(number)
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(5))
    await factories.rule_case(number, office)
    rows = await RedoOrder.select(RedoOrder.state, RedoOrder.void_reason).run()
    assert rows == [{"state": "void", "void_reason": "superseded"}]
    view = await orders.for_case(number=number, actor=office)
    assert view.void_reason == "原评议结论被复议结论取代" and not view.overdue
    with pytest.raises(Conflict):
        await orders.report_done(number=number, actor=liaison, statement="已完成")


async def test_a_withdrawn_verdict_voids_the_order_and_its_correction_opens_it_again() -> None:
    number, ruling_id, office, _, liaison = (await ruled(1))[:5]
    await verdicts.withdraw(number=number, actor=office, reason="案件事实摘要有误。")
    assert (await orders.for_case(number=number, actor=office)).state == "void"
    await verdicts.correct(number=number, actor=office, reason="更正事实摘要。")
    view = await orders.for_case(number=number, actor=liaison)
    assert view.state == "open" and view.actions
    assert await RedoOrder.count().where(RedoOrder.ruling_id == ruling_id) == 2
    # The liaison is told of the order opened again, as of the first one.
    reopened = await RedoOrder.select(RedoOrder.id).where(RedoOrder.state == "open").first().run()
    told = await Notification.select(Notification.account).where(
        Notification.key == f"redo:{reopened['id']}:opened").run()
    assert [row["account"] for row in told] == [liaison.user_id]


async def test_the_list_puts_overdue_orders_first_and_the_deadline_is_the_rulings() -> None:
    first = await ruled(1)
    second = await ruled(1)
    # The first case's ruling is recounted to an earlier deadline (as a holiday notice's recount would do).
    early = (await orders.for_case(number=first.number, actor=first.office)).deadline - timedelta(days=30)
    await Ruling.update({Ruling.redo_deadline: early}).where(Ruling.id == first.ruling_id).run()
    now = datetime.combine(early + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    listed = await orders.listing(actor=first.office, now=now)
    assert [(v.case_number, v.overdue) for v in listed] == [(first.number, True), (second.number, False)]
    assert listed[0].deadline == early
    assert [v.case_number for v in await orders.listing(actor=first.office, state="open", overdue=False,
                                                        now=now)] == [second.number]
