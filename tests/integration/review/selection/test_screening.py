"""Bulk screening on both databases: the policy proposes, the office adjusts single cases with a reason and applies
the proposal in one action by a job; each case gets exactly one audit event, and applying twice does nothing
twice."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from review.cases import services as cases
from review.core import db
from review.core.clock import CHINA, today_in_china
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.tables import AuditEvent, Case
from review.selection import sql
from review.selection.services import screening
from review.selection.tables import Selection, SelectionDecision
from tests import factories
from tests.conftest import run_jobs
from tests.integration.review.selection.helpers import applied, events_of, intake, person, status_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_proposal_selects_requests_and_repeats_and_samples_the_rest() -> None:
    office = await factories.account("office")
    await factories.department("CDSW", "成都市水务局")
    plain = await intake(20)
    asked = (await factories.case(review_requested=True, complainant=person("13900000999")))[0]
    again = (await factories.case(complainant=person("139 0000 0003"), received_at="2026-10-08T11:00:00+08:00"))[0]
    elsewhere = (await factories.case(department_code="CDSW", complainant=person("13900000004")))[0]

    selection_id = await screening.propose(actor=office, )

    rows = {d["number"]: d for d in await screening.decisions(selection_id=selection_id,
                                                              filters=screening.Filters(), limit=100)}
    assert len(rows) == 23
    assert rows[asked]["rule"] == "review_requested" and rows[asked]["proposed"]
    # the same complainant (number typed otherwise) and department on the same day: both are repeated disputes
    assert rows[again]["rule"] == rows[plain[3]]["rule"] == "repeat"
    assert rows[elsewhere]["rule"] in ("sampled", "not_sampled")  # another department: no repeat
    sampled = [d for d in rows.values() if d["rule"] in ("sampled", "not_sampled")]
    assert sum(1 for d in sampled if d["proposed"]) in (1, 2, 3)  # 10% of 18 + 1, by strata
    assert all(d["reason"].startswith("入选：" if d["proposed"] else "未入选：") for d in rows.values())
    assert (await status_of(asked))["status"] == "received"  # nothing moves before it is applied


async def test_applying_gives_each_case_one_event_and_twice_does_not_double() -> None:
    office = await factories.account("office")
    numbers = await intake(25)

    selection_id = await applied(office)

    found = await screening.view(selection_id=selection_id, actor=office)
    assert (found.status, found.done, found.total) == ("applied", 25, 25)
    outcomes = {}
    for number in numbers:
        events = await events_of(number)
        screened = [e for e in events if e["action"] in ("accept", "not_select")]
        assert len(screened) == 1 and screened[0]["data"]["selection"] == selection_id
        outcomes[number] = (await status_of(number))["status"]
    assert set(outcomes.values()) <= {"accepted", "not_selected"} and "not_selected" in outcomes.values()
    left_out = next(n for n, s in outcomes.items() if s == "not_selected")
    assert (await status_of(left_out))["status_reason"].startswith("未入选：")
    before = await AuditEvent.count()

    with pytest.raises(Conflict) as again:
        await screening.apply(selection_id=selection_id, actor=office)
    assert await screening.run_apply(selection_id=selection_id) == "applied"  # the job run once more
    await run_jobs()

    assert again.value.code == "selection_finished"
    assert await AuditEvent.count() == before


async def test_a_run_cut_off_carries_on_without_screening_a_case_twice() -> None:
    office = await factories.account("office")
    numbers = await intake(12)
    selection_id = await screening.propose(actor=office, )
    await Selection.update({Selection.status: "applying", Selection.applied_by_name: "office"}).where(
        Selection.id == selection_id).run()
    # as if a first run had done its first chunk and stopped: those five cases are screened and marked
    pending = await db.fetch(sql.PENDING, selection_id)
    await screening._apply_chunk(pending[:5], await screening._row(selection_id), office)

    assert await screening.run_apply(selection_id=selection_id) == "applied"

    for number in numbers:
        screened = [e for e in await events_of(number) if e["action"] in ("accept", "not_select")]
        assert len(screened) == 1


async def test_adjusting_needs_a_reason_changes_the_outcome_and_may_be_taken_back() -> None:
    office = await factories.account("office")
    numbers = await intake(10)
    selection_id = await screening.propose(actor=office, )
    rows = await screening.decisions(selection_id=selection_id, filters=screening.Filters(selected=False))
    target = rows[0]["number"]

    with pytest.raises(Invalid) as no_reason:
        await screening.adjust(selection_id=selection_id, number=target, selected=True, reason=" ", actor=office)
    with pytest.raises(NotFound):
        await screening.adjust(selection_id=selection_id, number="PY2026999999", selected=True, reason="x",
                               actor=office)
    await screening.adjust(selection_id=selection_id, number=target, selected=True, reason="诉求人电话申请评议",
                           actor=office)
    other = rows[1]["number"]
    await screening.adjust(selection_id=selection_id, number=other, selected=True, reason="先调整", actor=office)
    await screening.adjust(selection_id=selection_id, number=other, selected=False, reason="撤回调整", actor=office)
    view = await screening.view(selection_id=selection_id, actor=office)
    await screening.apply(selection_id=selection_id, actor=office)
    await run_jobs()

    assert no_reason.value.field == "reason"
    assert view.adjusted == 1 and view.selected == view.proposed + 1
    adjusted = await status_of(target)
    assert adjusted["status"] == "accepted" and "诉求人电话申请评议" in adjusted["status_reason"]
    event = next(e for e in await events_of(target) if e["action"] == "accept")
    assert event["data"]["adjusted"] is True
    assert (await status_of(other))["status"] == "not_selected"
    with pytest.raises(Conflict):
        await screening.adjust(selection_id=selection_id, number=target, selected=False, reason="晚了", actor=office)
    assert len(numbers) == view.total


async def test_a_case_screened_on_its_own_meanwhile_is_skipped_not_moved_twice() -> None:
    office = await factories.account("office")
    numbers = await intake(6)
    selection_id = await screening.propose(actor=office, )
    await cases.screen_case(number=numbers[0], actor=office, accept=False, reason="不属于受理范围")

    await screening.apply(selection_id=selection_id, actor=office)
    await run_jobs()

    assert (await status_of(numbers[0]))["status"] == "dismissed"
    skipped = await SelectionDecision.select(SelectionDecision.outcome, SelectionDecision.note).where(
        (SelectionDecision.selection == selection_id) & (SelectionDecision.outcome == "skipped")).run()
    assert len(skipped) == 1 and skipped[0]["note"]
    assert (await screening.view(selection_id=selection_id, actor=office)).status == "applied"


async def test_one_open_proposal_at_a_time_and_a_discarded_one_frees_the_queue() -> None:
    office = await factories.account("office")
    await intake(3)
    first = await screening.propose(actor=office, )

    with pytest.raises(Conflict) as busy:
        await screening.propose(actor=office, )
    with pytest.raises(Invalid):
        await screening.discard(selection_id=first, reason="", actor=office)
    await screening.discard(selection_id=first, reason="抽样前漏导入一批案件", actor=office)
    second = await screening.propose(actor=office, )

    assert busy.value.code == "selection_open"
    assert (await screening.view(selection_id=first, actor=office)).status == "discarded"
    assert second != first
    with pytest.raises(Conflict):
        await screening.apply(selection_id=first, actor=office)


async def test_the_cut_off_day_and_the_empty_queue() -> None:
    office = await factories.account("office")

    with pytest.raises(Conflict) as empty:
        await screening.propose(actor=office)
    with pytest.raises(Invalid) as future:
        await screening.propose(actor=office, until="2999-01-01")
    with pytest.raises(Invalid) as garbled:
        await screening.propose(actor=office, until="十二月四日")

    assert empty.value.code == "no_cases"
    assert future.value.field == garbled.value.field == "until"


async def test_only_the_office_screens() -> None:
    member = await factories.account("member")
    await intake(2)

    with pytest.raises(Forbidden):
        await screening.propose(actor=member)


async def test_a_day_screens_the_cases_taken_in_up_to_its_end() -> None:
    office = await factories.account("office")
    yesterday_case, today_case = await intake(2)
    yesterday = today_in_china() - timedelta(days=1)
    await Case.update({Case.created_at: datetime.combine(yesterday, time(15), CHINA)}).where(
        Case.number == yesterday_case).run()

    selection_id = await screening.propose(actor=office, until=yesterday.isoformat())

    rows = await screening.decisions(selection_id=selection_id, filters=screening.Filters())
    assert [r["number"] for r in rows] == [yesterday_case]
    assert today_case not in [r["number"] for r in rows]


async def test_a_case_whose_complainant_asked_cannot_be_adjusted_out() -> None:
    office = await factories.account("office")
    asked = (await factories.case(review_requested=True))[0]
    selection_id = await screening.propose(actor=office)

    with pytest.raises(Conflict) as refused:
        await screening.adjust(selection_id=selection_id, number=asked, selected=False, reason="名额已满",
                               actor=office)

    assert refused.value.code == "requested_always_selected" and refused.value.field == "selected"
