"""Mediation as a stage of the case: it pauses scoring, keeps its clock, invites and hears the participants."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from review.cases import services as cases
from review.cases import tracking
from review.cases.lifecycle import ACTION_LABELS, Action
from review.core import clock, db, settings
from review.core.actors import Actor
from review.core.calendar import add_workdays
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.tables import AuditEvent, Case, Holiday
from review.mediation import queries
from review.mediation.services import reminders
from review.mediation.services import stage as services
from review.mediation.tables import Mediation, MediationParticipant, MediationSession
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.integration.panel_helpers import accepted_case
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

LATER = (clock.now() + timedelta(days=3)).isoformat()


async def _status(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first().run())["status"]


async def _events(number: str) -> list[str]:
    rows = await AuditEvent.select(AuditEvent.action).where(AuditEvent.case.number == number).order_by(
        AuditEvent.id).run()
    return [r["action"] for r in rows]


async def _complainant(number: str) -> Actor:
    row = await Case.select(Case.id).where(Case.number == number).first().run()
    return Actor(kind="complainant", case_id=row["id"])


async def test_mediation_pauses_scoring_and_no_agreement_resumes_it() -> None:
    number, _, office, members = await convened_case()
    await submit_sheet(number=number, actor=members[0], scores=factories.full_scores(4))
    assert await _status(number) == "under_review"

    await services.open_mediation(number=number, actor=office)

    assert await _status(number) == "mediation"
    with pytest.raises(Conflict) as paused:
        await submit_sheet(number=number, actor=members[1], scores=factories.full_scores(4))
    assert paused.value.code == "scoring_paused" and "调解" in paused.value.message

    assert await services.end_without_agreement(number=number, actor=office) == "under_review"
    await submit_sheet(number=number, actor=members[1], scores=factories.full_scores(4))
    assert (await _events(number))[-3:] == ["open_mediation", "end_mediation", "score_submitted"]
    row = await Mediation.select().first().run()
    assert row["status"] == "ended" and row["outcome"] == "no_agreement" and row["came_from"] == "under_review"


async def test_opening_counts_the_start_in_working_days_and_the_end_in_calendar_days() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    today = clock.today_in_china()
    expected = await add_workdays(today, 10)

    await services.open_mediation(number=number, actor=office)

    row = await Mediation.select().first().run()
    assert row["end_by"] == today + timedelta(days=30)
    assert (row["start_by"], row["start_by_provisional"]) == (expected.day, expected.provisional)
    assert row["start_by"] >= today + timedelta(days=12)  # ten working days span two weekends: 12 days from a Sunday


async def test_a_holiday_in_the_window_moves_the_start_by_a_working_day() -> None:
    office = await factories.account("office")
    first, _ = await accepted_case(office)
    await services.open_mediation(number=first, actor=office)
    before = (await Mediation.select().first().run())["start_by"]
    day = before - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    existing = await Holiday.select().where(Holiday.day == day).first().run()
    assert existing is None or existing["kind"] == "workday"
    await Holiday.delete().where(Holiday.day == day).run()
    await Holiday.insert(Holiday(day=day, kind="holiday", name="测试假日", status="official",
                                 updated_at=clock.now())).run()
    second, _ = await accepted_case(office, source_ref="CD-OTHER-3")

    await services.open_mediation(number=second, actor=office)

    later = (await Mediation.select().where(Mediation.case.number == second).first().run())["start_by"]
    assert later > before and (await add_workdays(clock.today_in_china(), 10)).day == later


async def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_START_WORKDAYS", 3)
    monkeypatch.setattr(settings, "MEDIATION_END_DAYS", 7)
    office = await factories.account("office")
    number, _ = await accepted_case(office)

    await services.open_mediation(number=number, actor=office)

    row = await Mediation.select().first().run()
    today = clock.today_in_china()
    assert row["start_by"] == (await add_workdays(today, 3)).day and row["end_by"] == today + timedelta(days=7)


async def test_each_step_is_an_audit_event_on_the_case_timeline() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    mediation_id = await services.open_mediation(number=number, actor=office)
    await services.extend(number=number, reason="双方请求", actor=office)
    await services.end_without_agreement(number=number, actor=office)

    rows = await AuditEvent.select().where(AuditEvent.case.number == number).order_by(AuditEvent.id).run()
    opened, extended, ended = rows[-3:]
    assert (opened["action"], opened["from_status"], opened["to_status"]) == ("open_mediation", "accepted",
                                                                              "mediation")
    assert db.json_value(opened["data"])["mediation_id"] == mediation_id
    assert (extended["action"], extended["reason"]) == ("mediation_extended", "双方请求")
    assert (ended["action"], ended["from_status"], ended["to_status"]) == ("end_mediation", "mediation", "accepted")
    labels = [ACTION_LABELS[r["action"]] for r in rows[-3:]]
    assert labels == ["启动调解，评分暂停", "延长调解期限", "调解未达成协议，恢复评议"]


async def test_opening_twice_or_on_a_received_case_is_refused_and_writes_nothing() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    await services.open_mediation(number=number, actor=office)
    received, _ = await factories.case(source_ref="CD-OTHER-1")

    for which in (number, received):
        with pytest.raises(Conflict) as refused:
            await services.open_mediation(number=which, actor=office)
        assert refused.value.code == "invalid_transition" and "调解" in refused.value.message
    assert await Mediation.count().run() == 1


async def test_many_opening_at_once_open_one_mediation() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)

    results = await asyncio.gather(*[services.open_mediation(number=number, actor=office) for _ in range(8)],
                                   return_exceptions=True)

    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    assert await Mediation.count().run() == 1
    assert (await _events(number)).count("open_mediation") == 1


async def test_only_the_office_opens_schedules_extends_and_ends() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    liaison = await factories.account("liaison")
    member = await factories.account("member")
    for actor in (liaison, member, await _complainant(number)):
        with pytest.raises(Forbidden):
            await services.open_mediation(number=number, actor=actor)
    await services.open_mediation(number=number, actor=office)
    for actor in (liaison, member):
        with pytest.raises(Forbidden):
            await services.schedule_session(number=number, starts_at=LATER, mode="online", location="", actor=actor)
        with pytest.raises(Forbidden):
            await services.extend(number=number, reason="理由", actor=actor)
        with pytest.raises(Forbidden):
            await services.end_without_agreement(number=number, actor=actor)
    assert await MediationSession.count().run() == 0


async def test_scheduling_invites_the_complainant_the_liaison_and_the_chair() -> None:
    number, _, office, _ = await convened_case()
    liaison = await factories.account("liaison")
    chair = await factories.chair_of(number)
    await services.open_mediation(number=number, actor=office)

    session_id = await services.schedule_session(number=number, starts_at=LATER, mode="both",
                                                 location="武侯区人民调解中心", actor=office)

    rows = await MediationParticipant.select().where(MediationParticipant.session == session_id).run()
    assert sorted((r["kind"], r["account"]) for r in rows) == sorted(
        [("complainant", None), ("liaison", liaison.user_id), ("chair", chair.user_id)])
    assert all(r["answer"] == "pending" for r in rows)
    assert "mediation_session_scheduled" in await _events(number)
    chair_invitation = next(r["id"] for r in rows if r["kind"] == "chair")
    await services.answer_invitation(participant_id=chair_invitation, actor=chair, answer="accepted")
    upcoming = await queries.upcoming_sessions(actor=chair)
    assert [(u["session_id"], u["answer"]) for u in upcoming] == [(session_id, "accepted")]


@pytest.mark.parametrize(("mode", "starts_at", "location", "code", "field"), [
    ("video", LATER, "", "invalid_mode", "mode"),
    ("online", (clock.now() - timedelta(hours=1)).isoformat(), "", "starts_at_past", "starts_at"),
    ("online", "明天下午", "", "invalid_field", "starts_at"),
    ("in_person", LATER, "  ", "location_required", "location"),
])
async def test_bad_session_input_is_refused_in_chinese_and_writes_nothing(
        mode: str, starts_at: str, location: str, code: str, field: str) -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    await services.open_mediation(number=number, actor=office)

    with pytest.raises(Invalid) as refused:
        await services.schedule_session(number=number, starts_at=starts_at, mode=mode, location=location,
                                        actor=office)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert not refused.value.message.isascii()
    assert await MediationSession.count().run() == 0


async def test_scheduling_or_ending_a_case_not_in_mediation_is_refused() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    with pytest.raises(Conflict) as refused:
        await services.schedule_session(number=number, starts_at=LATER, mode="online", location="", actor=office)
    assert refused.value.code == "not_in_mediation" and "不在调解中" in refused.value.message
    for end in (services.end_without_agreement, services.settle_by_agreement):
        with pytest.raises(Conflict) as refused:
            await end(number=number, actor=office)
        assert refused.value.code == "not_in_mediation"
    assert await _status(number) == "accepted"
    assert await _events(number) == ["intake", "accept"]


async def test_a_participant_answers_only_their_own_invitation() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    liaison = await factories.account("liaison")
    other_liaison = await factories.account("liaison", department_id=await factories.department("CDSW", "成都市水务局"))
    await services.open_mediation(number=number, actor=office)
    session_id = await services.schedule_session(number=number, starts_at=LATER, mode="online", location="",
                                                 actor=office)
    invited = {r["kind"]: r["id"] for r in await MediationParticipant.select().where(
        MediationParticipant.session == session_id).run()}
    other_number, _ = await accepted_case(office, source_ref="CD-OTHER-2")
    stranger = await _complainant(other_number)

    for actor, pid in ((stranger, invited["complainant"]), (liaison, invited["complainant"]),
                       (other_liaison, invited["liaison"]),
                       (await _complainant(number), invited["liaison"])):
        with pytest.raises(NotFound):
            await services.answer_invitation(participant_id=pid, actor=actor, answer="accepted")
    with pytest.raises(Forbidden):
        await services.answer_invitation(participant_id=invited["liaison"], actor=office, answer="accepted")
    with pytest.raises(Invalid) as refused:
        await services.answer_invitation(participant_id=invited["liaison"], actor=liaison, answer="maybe")
    assert refused.value.code == "invalid_answer"
    with pytest.raises(Invalid) as refused:
        await services.answer_invitation(participant_id=invited["liaison"], actor=liaison, answer="other_time")
    assert refused.value.code == "note_required"
    assert {r["answer"] for r in await MediationParticipant.select().run()} == {"pending"}

    await services.answer_invitation(participant_id=invited["complainant"], actor=await _complainant(number),
                                     answer="accepted")
    await services.answer_invitation(participant_id=invited["liaison"], actor=liaison, answer="other_time",
                                     note="下周三上午")
    assert other_liaison.user_id != liaison.user_id  # the other department's liaison was never invited
    mediation = await queries.of_case(number)
    assert mediation is not None
    answers = {p["kind"]: (p["answer"], p["note"]) for p in mediation.sessions[0]["participants"]}
    assert answers == {"complainant": ("accepted", ""), "liaison": ("other_time", "下周三上午")}
    assert (await _events(number)).count("mediation_invitation_answered") == 2
    upcoming = await queries.upcoming_sessions(actor=liaison)
    assert [u["session_id"] for u in upcoming] == [session_id]


async def test_extension_needs_a_reason_and_moves_the_end() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    await services.open_mediation(number=number, actor=office)
    before = (await Mediation.select().first().run())["end_by"]

    with pytest.raises(Invalid) as refused:
        await services.extend(number=number, reason="  ", actor=office)
    assert refused.value.code == "reason_required"
    new_end = await services.extend(number=number, reason="双方同意再谈一次", actor=office, days=15)

    row = await Mediation.select().first().run()
    assert new_end == row["end_by"] == before + timedelta(days=15)
    assert row["extended_reason"] == "双方同意再谈一次"
    assert "mediation_extended" in await _events(number)


async def test_overdue_mediation_shows_on_the_office_list() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    await services.open_mediation(number=number, actor=office)
    row = await Mediation.select().first().run()

    assert [m["overdue"] for m in await queries.office_list(actor=office)] == [""]
    late_start = row["start_by"] + timedelta(days=1)
    assert [(m["number"], m["overdue"]) for m in await queries.office_list(actor=office, today=late_start)] == [
        (number, "start")]
    assert [m["overdue"] for m in await queries.office_list(actor=office,
                                                            today=row["end_by"] + timedelta(days=1))] == ["end"]
    with pytest.raises(Forbidden):
        await queries.office_list(actor=await factories.account("liaison"))


async def test_an_agreement_settles_the_case_and_dissolves_its_panel() -> None:
    number, _, office, members = await convened_case()
    await services.open_mediation(number=number, actor=office)
    await services.schedule_session(number=number, starts_at=LATER, mode="online", location="", actor=office)

    assert await services.settle_by_agreement(number=number, actor=office) == "settled"

    assert await _status(number) == "settled"
    events = await _events(number)
    assert "settle" in events and "panel_dissolved" in events
    row = await Mediation.select().first().run()
    assert (row["status"], row["outcome"]) == ("settled", "agreement")
    assert {s["status"] for s in await MediationSession.select().run()} == {"cancelled"}
    with pytest.raises((Conflict, NotFound)):  # the panel is dissolved: its seats are gone
        await submit_sheet(number=number, actor=members[0], scores=factories.full_scores(4))


async def test_the_chair_opens_mediation_only_when_the_office_allows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    number, _, _, members = await convened_case()
    chair = await factories.chair_of(number)
    other = next(m for m in members if m.user_id != chair.user_id)

    monkeypatch.setattr(settings, "MEDIATION_CHAIR_MAY_OPEN", False)
    with pytest.raises(Forbidden) as refused:
        await services.open_mediation(number=number, actor=chair)
    assert refused.value.code == "chair_may_not_open" and "评议办" in refused.value.message
    assert await Mediation.count().run() == 0

    monkeypatch.setattr(settings, "MEDIATION_CHAIR_MAY_OPEN", True)
    with pytest.raises(Forbidden) as refused:
        await services.open_mediation(number=number, actor=other)  # seated, but not the chair
    assert refused.value.code == "not_chair"
    with pytest.raises(Forbidden):
        await services.open_mediation(number=number, actor=await factories.account("liaison"))
    assert await Mediation.count().run() == 0

    await services.open_mediation(number=number, actor=chair)

    assert await _status(number) == "mediation"
    opened = await AuditEvent.select().where(AuditEvent.action == "open_mediation").first().run()
    assert opened["actor"] == chair.label and opened["to_status"] == "mediation"
    assert (await Mediation.select().first().run())["opened_by"] == chair.label


async def test_the_chair_of_another_case_may_not_open_this_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_CHAIR_MAY_OPEN", True)
    first, _, office, _ = await convened_case()
    second, _, _, _ = await convened_case(office, source_ref="CD-OTHER-9")
    chair = await factories.chair_of(first)
    if chair.user_id == (await factories.chair_of(second)).user_id:
        pytest.skip("the same member chairs both panels")

    with pytest.raises(Forbidden):
        await services.open_mediation(number=second, actor=chair)
    assert await Mediation.count().run() == 0


async def test_the_complainant_may_withdraw_during_mediation_which_ends_it() -> None:
    number, _, office, _ = await convened_case()
    await services.open_mediation(number=number, actor=office)
    await services.schedule_session(number=number, starts_at=LATER, mode="online", location="", actor=office)

    with pytest.raises(Conflict) as refused:  # the general form would leave the mediation open
        await cases.end_case(number=number, actor=office, action=Action.withdraw, reason="诉求人撤回")
    assert refused.value.code == "in_mediation" and "调解一栏" in refused.value.message
    with pytest.raises(Invalid) as refused:
        await services.withdraw(number=number, actor=office, reason=" ")
    assert refused.value.code == "reason_required"
    with pytest.raises(Forbidden):
        await services.withdraw(number=number, actor=await factories.account("liaison"), reason="撤回")
    other, _ = await accepted_case(office, source_ref="CD-OTHER-8")
    with pytest.raises(NotFound):
        await services.withdraw(number=number, actor=await _complainant(other), reason="撤回")
    assert await _status(number) == "mediation"

    assert await services.withdraw(number=number, actor=await _complainant(number), reason="问题已解决") == "withdrawn"

    assert await _status(number) == "withdrawn"
    row = await Mediation.select().first().run()
    assert (row["status"], row["outcome"]) == ("ended", "withdrawn") and row["ended_at"] is not None
    assert {s["status"] for s in await MediationSession.select().run()} == {"cancelled"}
    events = await _events(number)
    assert "withdraw" in events and "panel_dissolved" in events
    assert await queries.upcoming_sessions(actor=await _complainant(number)) == []
    with pytest.raises(Conflict):
        await services.withdraw(number=number, actor=office, reason="再次")


async def test_every_mediation_step_recorded_has_a_plain_chinese_label() -> None:
    """Each audit action the mediation code writes (and each move of the stage) reads in Chinese on the timeline."""
    import re
    from pathlib import Path

    import review.mediation

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(review.mediation.__file__).parent.rglob("*.py"))
    written = {a for pair in re.findall(r'action="([a-z_]+)"(?: if [^\n]*? else "([a-z_]+)")?', source) for a in pair if a}
    # a room event (a message, caucus or not; a draft of the agreement; a confirmation) is audited as mediation_{kind}
    written |= {f"mediation_{k}" for k in re.findall(r'store_event\(\s*mediation=\w+, kind="([a-z_]+)"', source)}
    written |= {a.value for a in Action if "mediation" in a.value} | {"withdraw", "settle", "case_file_entry_added"}
    assert {"mediation_session_scheduled", "mediation_invitation_answered", "mediation_extended",
            "mediation_reminder", "mediation_message", "mediation_draft", "mediation_confirm",
            "mediation_agreement_sealed", "mediation_agreement_rendered", "mediation_minutes_saved",
            "mediation_minutes_comment", "mediation_consent_given", "mediation_consent_withdrawn",
            "mediation_item_filed"} <= written
    assert {a for a in written if a not in ACTION_LABELS} == set()
    assert all(not ACTION_LABELS[a].isascii() for a in written)

    # and the recorded ones, end to end
    number, _, office, _ = await convened_case()
    liaison = await factories.account("liaison")
    await services.open_mediation(number=number, actor=office)
    session_id = await services.schedule_session(number=number, starts_at=LATER, mode="online", location="",
                                                 actor=office)
    pid = (await MediationParticipant.select().where((MediationParticipant.session == session_id)
                                                     & (MediationParticipant.kind == "liaison")).first().run())["id"]
    await services.answer_invitation(participant_id=pid, actor=liaison, answer="accepted")
    await services.extend(number=number, reason="再谈一次", actor=office)
    await reminders.send_due_reminders(now=clock.now() + timedelta(days=2))
    await services.end_without_agreement(number=number, actor=office)
    recorded = set(await _events(number))
    assert {"mediation_reminder", "mediation_invitation_answered"} <= recorded
    case = await Case.select(Case.id).where(Case.number == number).first().run()
    steps = await tracking.timeline(case["id"])
    assert all(not s.what.isascii() for s in steps)
    assert "发出调解会提醒" in [s.what for s in steps]
