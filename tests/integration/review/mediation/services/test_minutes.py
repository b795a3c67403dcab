"""调解笔录: the mediator writes and revises a session's minutes (versions, audited by hash); each party
comments once."""

from __future__ import annotations

import json

import pytest

from review.core.errors import Conflict, Forbidden, NotFound
from review.mediation import queries
from review.mediation.services import minutes
from review.mediation.services.stage import schedule_session
from review.mediation.tables import MediationMinutes, MediationMinutesComment
from tests import factories
from tests.integration.panel_helpers import accepted_case, events
from tests.integration.review.mediation.helpers import complainant_of, session_begun
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_minutes_are_versioned_and_audited_by_hash_only() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    mediation_id, session_id = await session_begun(number, office)

    first = await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text=" 双方陈述了路灯维修的经过 ",
                                       actor=office, base_version=0)
    second = await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id,
                                        text="双方陈述了路灯维修的经过；部门承诺一周内修复", actor=office, base_version=1)

    assert (first["version"], second["version"]) == (1, 2)
    rows = await MediationMinutes.select().order_by(MediationMinutes.id).run()
    assert [(r["version"], r["body"]) for r in rows] == [
        (1, "双方陈述了路灯维修的经过"), (2, "双方陈述了路灯维修的经过；部门承诺一周内修复")]
    audited = await events("mediation_minutes_saved")
    assert [e["data"]["sha256"] for e in audited] == [first["sha256"], second["sha256"]]
    assert "路灯" not in json.dumps(audited, ensure_ascii=False, default=str)
    with pytest.raises(Conflict) as stale:
        await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text="旧版本上的修改",
                                   actor=office, base_version=1)
    assert stale.value.code == "minutes_changed" and "第 2 版" in stale.value.message
    assert await MediationMinutes.count() == 2


async def test_only_the_mediator_keeps_minutes_and_only_once_a_session_has_begun() -> None:
    number, _, office, members = await convened_case()
    mediation_id, session_id = await session_begun(number, office)
    chair = await factories.chair_of(number)
    other = next(m for m in members if m.user_id != chair.user_id)
    liaison = await factories.account("liaison")

    saved = await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text="组长记录", actor=chair)
    assert saved["version"] == 1
    for actor in (other, liaison, await complainant_of(number)):
        with pytest.raises((Forbidden, NotFound)):
            await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text="越权", actor=actor)
    later = await schedule_session(number=number, starts_at="2099-01-01T10:00", mode="online", location="",
                                   actor=office)
    with pytest.raises(Conflict) as early:
        await minutes.save_minutes(mediation_id=mediation_id, session_id=later, text="提前写", actor=office)
    assert early.value.code == "session_not_started"
    with pytest.raises(NotFound):
        await minutes.save_minutes(mediation_id=mediation_id, session_id=999999, text="无此会", actor=office)
    assert await MediationMinutes.count() == 1


async def test_each_party_comments_once_with_a_clear_refusal_the_second_time() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    mediation_id, session_id = await session_begun(number, office)
    complainant, liaison = await complainant_of(number), await factories.account("liaison")
    with pytest.raises(NotFound) as none:
        await minutes.comment(mediation_id=mediation_id, session_id=session_id, text="意见", actor=complainant)
    assert none.value.code == "minutes_not_found"
    await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text="笔录正文", actor=office)

    mine = await minutes.comment(mediation_id=mediation_id, session_id=session_id, text="笔录属实", actor=complainant)
    theirs = await minutes.comment(mediation_id=mediation_id, session_id=session_id, text="部门无异议", actor=liaison)
    with pytest.raises(Conflict) as twice:
        await minutes.comment(mediation_id=mediation_id, session_id=session_id, text="再说一次", actor=complainant)
    other_liaison = await factories.account("liaison")
    with pytest.raises(Conflict) as department_twice:
        await minutes.comment(mediation_id=mediation_id, session_id=session_id, text="另一联络员", actor=other_liaison)
    with pytest.raises(Forbidden):
        await minutes.comment(mediation_id=mediation_id, session_id=session_id, text="评议办", actor=office)

    assert (mine["party"], theirs["party"], mine["version"]) == ("complainant", "liaison", 1)
    assert twice.value.code == "comment_given"
    assert twice.value.message == "诉求人已对本次调解会的笔录发表过意见，每方只能发表一次"
    assert department_twice.value.message.startswith("承办部门已对本次调解会的笔录发表过意见")
    assert [r["body"] for r in await MediationMinutesComment.select().order_by(MediationMinutesComment.id).run()] == [
        "笔录属实", "部门无异议"]
    view = await queries.minutes_view(mediation={"id": mediation_id}, actor=complainant)
    assert view.party == "complainant" and not view.may_write and view.may_download
    assert [(s["id"], s["minutes"]["body"], s["commented"]) for s in view.sessions] == [(session_id, "笔录正文", True)]
    assert [c["party_label"] for c in view.sessions[0]["comments"]] == ["诉求人", "承办部门"]
