"""调解信息隔离: each party's consent item by item, withdrawal before the move, and the office's one move into
the case file."""

from __future__ import annotations

import json

import pytest

from review.cases.queries.file import case_file
from review.cases.tables import CaseFileEntry
from review.core import db
from review.core.errors import Conflict, Forbidden, NotFound
from review.core.tables import AuditEvent
from review.mediation import queries
from review.mediation.services import minutes, wall
from review.mediation.services.room import post_message, room_admits
from review.mediation.tables import MediationConsent
from tests import factories
from tests.integration.panel_helpers import accepted_case, events
from tests.integration.review.mediation.helpers import complainant_of, session_begun

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _arranged() -> dict:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    mediation_id, session_id = await session_begun(number, office)
    complainant, liaison = await complainant_of(number), await factories.account("liaison")
    said = await post_message(mediation_id=mediation_id, actor=complainant, text="路灯坏了三个月，希望尽快修好")
    written = await minutes.save_minutes(mediation_id=mediation_id, session_id=session_id, text="笔录：部门承诺修复",
                                         actor=office)
    return {"office": office, "number": number, "mediation_id": mediation_id, "session_id": session_id,
            "complainant": complainant, "liaison": liaison, "message": said["id"], "minutes": written["id"]}


async def test_an_item_both_parties_consented_to_is_moved_with_its_source_and_consents() -> None:
    a = await _arranged()
    m = a["mediation_id"]
    one = await wall.set_consent(mediation_id=m, item_kind="message", item_id=a["message"], consent=True,
                                 actor=a["complainant"])
    with pytest.raises(Conflict) as early:
        await wall.move_to_case_file(mediation_id=m, item_kind="message", item_id=a["message"], actor=a["office"])
    two = await wall.set_consent(mediation_id=m, item_kind="message", item_id=a["message"], consent="1",
                                 actor=a["liaison"])

    entry_id = await wall.move_to_case_file(mediation_id=m, item_kind="message", item_id=a["message"],
                                            actor=a["office"])

    assert (one["both"], two["both"]) == (False, True)
    assert early.value.code == "consent_missing" and "承办部门" in early.value.message
    entry = await CaseFileEntry.select().where(CaseFileEntry.id == entry_id).first().run()
    assert entry["source_label"] == "调解中经双方同意入卷的内容" and entry["body"] == "路灯坏了三个月，希望尽快修好"
    assert entry["source_ref"] == f"mediation:{m}:message:{a['message']}" and entry["title"].startswith("调解室发言（诉求人")
    assert [(c["party"], c["by"]) for c in db.json_list(entry["consents"])] == [
        ("complainant", "complainant"), ("liaison", a["liaison"].label)]
    member_view = await case_file(await factories.account("member"), entry["case"])
    assert [(f.body, [c["party"] for c in f.consents]) for f in member_view] == [
        ("路灯坏了三个月，希望尽快修好", ["complainant", "liaison"])]
    filed = await events("case_file_entry_added")
    assert filed[0]["data"]["sha256"] == entry["sha256"]
    audited = await AuditEvent.select(AuditEvent.data).run()
    assert "路灯" not in json.dumps(audited, ensure_ascii=False, default=str)
    with pytest.raises(Conflict) as again:
        await wall.move_to_case_file(mediation_id=m, item_kind="message", item_id=a["message"], actor=a["office"])
    with pytest.raises(Conflict) as frozen:
        await wall.set_consent(mediation_id=m, item_kind="message", item_id=a["message"], consent=False,
                               actor=a["liaison"])
    assert again.value.code == frozen.value.code == "already_in_file"
    assert await CaseFileEntry.count() == 1


async def test_a_withdrawn_consent_keeps_the_item_out() -> None:
    a = await _arranged()
    m = a["mediation_id"]
    for actor in (a["complainant"], a["liaison"]):
        await wall.set_consent(mediation_id=m, item_kind="minutes", item_id=a["minutes"], consent=True, actor=actor)
    withdrawn = await wall.set_consent(mediation_id=m, item_kind="minutes", item_id=a["minutes"], consent=False,
                                       actor=a["complainant"])

    with pytest.raises(Conflict) as refused:
        await wall.move_to_case_file(mediation_id=m, item_kind="minutes", item_id=a["minutes"], actor=a["office"])

    assert withdrawn == {"item_kind": "minutes", "item_id": a["minutes"], "party": "complainant", "consent": False,
                         "both": False}
    assert refused.value.code == "consent_missing" and refused.value.message.endswith("诉求人")
    assert await MediationConsent.count() == 2 and await CaseFileEntry.count() == 0
    assert [e["action"] for e in await AuditEvent.select(AuditEvent.action).where(
        AuditEvent.action.like("mediation_consent%")).order_by(AuditEvent.id).run()] == [
        "mediation_consent_given", "mediation_consent_given", "mediation_consent_withdrawn"]


async def test_only_the_version_in_force_of_the_minutes_may_be_consented_to() -> None:
    a = await _arranged()
    m = a["mediation_id"]
    await wall.set_consent(mediation_id=m, item_kind="minutes", item_id=a["minutes"], consent=True,
                           actor=a["complainant"])
    revised = await minutes.save_minutes(mediation_id=m, session_id=a["session_id"], text="笔录：修订后", actor=a["office"])

    with pytest.raises(Conflict) as old:
        await wall.set_consent(mediation_id=m, item_kind="minutes", item_id=a["minutes"], consent=True,
                               actor=a["liaison"])
    await wall.set_consent(mediation_id=m, item_kind="minutes", item_id=a["minutes"], consent=False,
                           actor=a["complainant"])  # withdrawing from an old version is always possible

    assert old.value.code == "item_superseded"
    view = await queries.consent_view(mediation=await room_admits(mediation_id=m, actor=a["liaison"]),
                                      actor=a["liaison"])
    kinds = [(i["kind"], i["id"], i["in_force"]) for i in view.items]
    assert kinds == [("message", a["message"], True), ("minutes", a["minutes"], False),
                     ("minutes", revised["id"], True)]


async def test_who_may_consent_and_move() -> None:
    a = await _arranged()
    m = a["mediation_id"]
    member = await factories.account("member")
    for actor in (a["office"], member):
        with pytest.raises(Forbidden):
            await wall.set_consent(mediation_id=m, item_kind="message", item_id=a["message"], consent=True, actor=actor)
    with pytest.raises(Forbidden):
        await wall.move_to_case_file(mediation_id=m, item_kind="message", item_id=a["message"], actor=a["liaison"])
    other_department = await factories.account("liaison", department_id=await factories.department("CDSW", "成都市水务局"))
    with pytest.raises(NotFound):
        await wall.set_consent(mediation_id=m, item_kind="message", item_id=a["message"], consent=True,
                               actor=other_department)
    with pytest.raises(NotFound) as missing:
        await wall.set_consent(mediation_id=m, item_kind="message", item_id=a["minutes"] + 999, consent=True,
                               actor=a["liaison"])
    assert missing.value.code == "item_not_found" and "调解室发言" in missing.value.message
    assert await MediationConsent.count() == 0


async def test_a_caucus_message_is_no_item_of_the_wall() -> None:
    a = await _arranged()
    m = a["mediation_id"]
    asked = await post_message(mediation_id=m, actor=a["office"], text="单独问：能接受八成赔偿吗", caucus="complainant")
    told = await post_message(mediation_id=m, actor=a["complainant"], text="单独说：八成可以", caucus="complainant")

    for event_id in (asked["id"], told["id"]):
        for party in (a["complainant"], a["liaison"]):
            with pytest.raises(NotFound) as refused:
                await wall.set_consent(mediation_id=m, item_kind="message", item_id=event_id, consent=True,
                                       actor=party)
            assert refused.value.code == "item_not_found" and "单独沟通" in refused.value.message
        with pytest.raises(NotFound):
            await wall.move_to_case_file(mediation_id=m, item_kind="message", item_id=event_id, actor=a["office"])

    assert await MediationConsent.count() == 0 and await CaseFileEntry.count() == 0
    for actor in (a["office"], a["complainant"], a["liaison"]):
        mediation = await room_admits(mediation_id=m, actor=actor)
        shown = await queries.consent_view(mediation=mediation, actor=actor)
        assert [(i["kind"], i["id"]) for i in shown.items if i["kind"] == "message"] == [("message", a["message"])]
