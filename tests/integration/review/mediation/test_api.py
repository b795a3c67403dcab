"""Mediation through the API: the same checks as the services, refusals as the error object."""

from __future__ import annotations

from datetime import timedelta

import pytest

from review.cases.tables import CaseFileEntry
from review.core import clock, settings
from review.mediation.services import reminders
from review.mediation.tables import Mediation, MediationParticipant, MediationSession
from tests import factories
from tests.integration.panel_helpers import accepted_case, api, complainant_token
from tests.integration.review.mediation.helpers import session_begun
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

LATER = (clock.now() + timedelta(days=2)).astimezone(clock.CHINA).replace(tzinfo=None, microsecond=0).isoformat()


async def test_the_whole_stage_through_the_api() -> None:
    office = await factories.account("office")
    number, code = await accepted_case(office)
    liaison = await factories.account("liaison")
    async with await api(office) as http:
        opened = await http.post(f"/api/v1/cases/{number}/mediation")
        assert opened.status_code == 201, opened.text
        assert opened.json()["status"] == "open"
        again = await http.post(f"/api/v1/cases/{number}/mediation")
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
        bad = await http.post(f"/api/v1/cases/{number}/mediation/sessions",
                              json={"starts_at": LATER, "mode": "video"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "mode"
        assert await MediationSession.count().run() == 0
        scheduled = await http.post(f"/api/v1/cases/{number}/mediation/sessions",
                                    json={"starts_at": LATER, "mode": "online", "location": "线上调解室"})
        assert scheduled.status_code == 201, scheduled.text
        listed = (await http.get("/api/v1/mediations")).json()
        assert [(m["case_number"], m["status"], m["sessions"], m["overdue"]) for m in listed] == [
            (number, "open", 1, "")]

    track = factories.client(Authorization=f"Bearer {await complainant_token(number, code)}")
    async with track:
        mine = (await track.get("/api/v1/mediation/sessions/mine")).json()
        assert [m["kind"] for m in mine] == ["complainant"]
        answered = await track.post(f"/api/v1/mediation/participants/{mine[0]['participant_id']}/answer",
                                    json={"answer": "accepted"})
        assert answered.status_code == 200, answered.text
        seen = (await track.get(f"/api/v1/cases/{number}/mediation")).json()
        answers = {p["kind"]: p["answer"] for p in seen["sessions"][0]["participants"]}
        assert answers == {"complainant": "accepted", "liaison": "pending"}
        assert all(p["note"] is None and p["name"] is None for p in seen["sessions"][0]["participants"])
        assert (await track.post(f"/api/v1/cases/{number}/mediation/end", json={})).status_code == 403

    async with await api(liaison) as http:
        theirs = next(p["id"] for p in seen["sessions"][0]["participants"] if p["kind"] == "complainant")
        refused = await http.post(f"/api/v1/mediation/participants/{theirs}/answer", json={"answer": "accepted"})
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "invitation_not_found"
        assert (await http.get("/api/v1/mediations")).status_code == 403

    async with await api(office) as http:
        no_reason = await http.post(f"/api/v1/cases/{number}/mediation/extend", json={"reason": " "})
        assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
        extended = await http.post(f"/api/v1/cases/{number}/mediation/extend", json={"reason": "再谈一次", "days": 10})
        assert extended.status_code == 200, extended.text
        ended = await http.post(f"/api/v1/cases/{number}/mediation/end", json={})
        assert ended.json() == {"status": "accepted"}
        again = await http.post(f"/api/v1/cases/{number}/mediation/end", json={})
        assert again.status_code == 409 and again.json()["error"]["code"] == "not_in_mediation"
    assert (await Mediation.select(Mediation.status).first().run())["status"] == "ended"
    assert {r["answer"] for r in await MediationParticipant.select().run()} == {"accepted", "pending"}


async def test_an_agreement_through_the_api_settles_the_case() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    async with await api(office) as http:
        await http.post(f"/api/v1/cases/{number}/mediation")
        plain = await http.post(f"/api/v1/cases/{number}/settle", json={"reason": "调解达成协议"})
        assert plain.status_code == 409 and plain.json()["error"]["code"] == "in_mediation"
        settled = await http.post(f"/api/v1/cases/{number}/mediation/settle", json={"reason": "双方达成调解协议"})
        assert settled.json() == {"status": "settled"}
        gone = await http.get(f"/api/v1/cases/{number}/mediation")
        assert gone.json()["status"] == "settled"


async def test_a_seated_members_scores_are_refused_through_the_api_while_in_mediation() -> None:
    number, _, office, members = await convened_case()
    async with await api(office) as http:
        assert (await http.post(f"/api/v1/cases/{number}/mediation")).status_code == 201
    async with await api(members[0]) as http:
        paused = await http.post(f"/api/v1/cases/{number}/scores", json={"scores": factories.full_scores(4)})
        assert paused.status_code == 409 and paused.json()["error"]["code"] == "scoring_paused"
    async with await api(office) as http:
        assert (await http.post(f"/api/v1/cases/{number}/mediation/end", json={})).json() == {"status": "panel_ready"}
    async with await api(members[0]) as http:
        scored = await http.post(f"/api/v1/cases/{number}/scores", json={"scores": factories.full_scores(4)})
        assert scored.status_code in (200, 201), scored.text


@pytest.mark.parametrize("allowed", [True, False])
async def test_the_chair_opens_mediation_through_the_api_when_allowed(
        allowed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_CHAIR_MAY_OPEN", allowed)
    number, _, _, members = await convened_case()
    chair = await factories.chair_of(number)
    other = next(m for m in members if m.user_id != chair.user_id)
    async with await api(other) as http:
        refused = await http.post(f"/api/v1/cases/{number}/mediation")
        assert refused.status_code == 403
    async with await api(await factories.account("liaison")) as http:
        assert (await http.post(f"/api/v1/cases/{number}/mediation")).status_code == 403
    async with await api(chair) as http:
        opened = await http.post(f"/api/v1/cases/{number}/mediation")
    if allowed:
        assert opened.status_code == 201 and opened.json()["status"] == "open"
    else:
        assert opened.status_code == 403 and opened.json()["error"]["code"] == "chair_may_not_open"
        assert await Mediation.count().run() == 0


async def test_my_sessions_carry_the_room_and_the_reminders_and_the_list_who_confirmed() -> None:
    office = await factories.account("office")
    number, code = await accepted_case(office)
    await factories.account("liaison")
    soon = (clock.now() + timedelta(minutes=90)).isoformat()
    async with await api(office) as http:
        opened = (await http.post(f"/api/v1/cases/{number}/mediation")).json()
        await http.post(f"/api/v1/cases/{number}/mediation/sessions", json={"starts_at": soon, "mode": "online"})
    assert await reminders.send_due_reminders() == 2

    track = factories.client(Authorization=f"Bearer {await complainant_token(number, code)}")
    async with track:
        (mine,) = (await track.get("/api/v1/mediation/sessions/mine")).json()
        assert mine["room"] == f"/mediation/{opened['mediation_id']}" and mine["mediation_id"] == opened["mediation_id"]
        (reminder,) = mine["reminders"]
        assert (reminder["offset_minutes"], reminder["channel"], reminder["delivered_at"]) == (120, "page", None)
        assert reminder["text"] == "提醒：调解会约 2 小时后开始"
        await track.post(f"/api/v1/mediation/participants/{mine['participant_id']}/answer", json={"answer": "accepted"})
    async with await api(office) as http:
        (listed,) = (await http.get("/api/v1/mediations")).json()
        assert (listed["confirmed"], listed["invited"]) == (1, 2) and listed["next_starts_at"]
        seen = (await http.get(f"/api/v1/cases/{number}/mediation")).json()
        assert {p["kind"]: p["reminders"] for p in seen["sessions"][0]["participants"]} == {
            "complainant": 1, "liaison": 1}


async def test_a_withdrawal_during_mediation_through_the_api() -> None:
    office = await factories.account("office")
    number, code = await accepted_case(office)
    async with await api(office) as http:
        await http.post(f"/api/v1/cases/{number}/mediation")
        plain = await http.post(f"/api/v1/cases/{number}/withdraw", json={"reason": "撤回"})
        assert plain.status_code == 409 and plain.json()["error"]["code"] == "in_mediation"
    async with await api(await factories.account("liaison")) as http:
        assert (await http.post(f"/api/v1/cases/{number}/mediation/withdraw",
                                json={"reason": "撤回"})).status_code == 403
    track = factories.client(Authorization=f"Bearer {await complainant_token(number, code)}")
    async with track:
        no_reason = await track.post(f"/api/v1/cases/{number}/mediation/withdraw", json={})
        assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
        done = await track.post(f"/api/v1/cases/{number}/mediation/withdraw", json={"reason": "已与部门协商解决"})
        assert done.json() == {"status": "withdrawn"}
    row = await Mediation.select().first().run()
    assert (row["status"], row["outcome"]) == ("ended", "withdrawn")


async def test_the_office_downloads_a_session_s_notice_through_the_api() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    async with await api(office) as http:
        await http.post(f"/api/v1/cases/{number}/mediation")
        session_id = (await http.post(f"/api/v1/cases/{number}/mediation/sessions",
                                      json={"starts_at": LATER, "mode": "online"})).json()["session_id"]
        pdf = await http.get(f"/api/v1/cases/{number}/mediation/sessions/{session_id}/notice.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["cache-control"] == "no-store"
        missing = await http.get(f"/api/v1/cases/{number}/mediation/sessions/{session_id + 1}/notice.pdf")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "session_not_found"
    async with await api(await factories.account("liaison")) as http:
        refused = await http.get(f"/api/v1/cases/{number}/mediation/sessions/{session_id}/notice.pdf")
        assert refused.status_code == 403
async def test_minutes_and_consents_through_the_api() -> None:
    office = await factories.account("office")
    number, code = await accepted_case(office)
    liaison = await factories.account("liaison")
    mediation_id, session_id = await session_begun(number, office)
    base = f"/api/v1/mediation/{mediation_id}"
    track = factories.client(Authorization=f"Bearer {await complainant_token(number, code)}")
    async with await api(office) as desk, await api(liaison) as dept, track:
        written = await desk.put(f"{base}/minutes", json={"session_id": session_id, "text": "笔录第一稿", "base_version": 0})
        assert written.status_code == 200, written.text
        revised = await desk.put(f"{base}/minutes", json={"session_id": session_id, "text": "笔录第二稿", "base_version": 1})
        stale = await desk.put(f"{base}/minutes", json={"session_id": session_id, "text": "旧稿", "base_version": 1})
        refused = await dept.put(f"{base}/minutes", json={"session_id": session_id, "text": "部门改笔录"})
        assert (revised.json()["version"], stale.status_code, refused.status_code) == (2, 409, 403)
        assert stale.json()["error"]["code"] == "minutes_changed"

        said = await track.post(f"{base}/minutes/comments", json={"session_id": session_id, "text": "我同意笔录"})
        twice = await track.post(f"{base}/minutes/comments", json={"session_id": session_id, "text": "再说一遍"})
        assert said.status_code == 201 and said.json()["version"] == 2
        assert twice.status_code == 409 and twice.json()["error"] == {
            "code": "comment_given", "message": "诉求人已对本次调解会的笔录发表过意见，每方只能发表一次"}
        shown = (await track.get(f"{base}/minutes")).json()
        assert shown["may_write"] is False and [s["minutes"]["body"] for s in shown["sessions"]] == ["笔录第二稿"]
        assert [c["body"] for c in shown["sessions"][0]["comments"]] == ["我同意笔录"]
        pdf = await dept.get(f"{base}/minutes.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        item = {"item_kind": "minutes", "item_id": revised.json()["id"]}
        assert (await desk.post(f"{base}/consents", json={**item, "consent": True})).status_code == 403
        early = await desk.post(f"{base}/consents/move", json=item)
        assert early.status_code == 409 and early.json()["error"]["code"] == "consent_missing"
        for party in (track, dept):
            answered = await party.post(f"{base}/consents", json={**item, "consent": True})
            assert answered.status_code == 200, answered.text
        assert answered.json()["both"] is True
        listed = {(i["item_kind"], i["item_id"]): i for i in (await desk.get(f"{base}/consents")).json()}
        assert listed[("minutes", item["item_id"])]["complainant"] is True and not listed[("minutes", item["item_id"])]["in_file"]
        assert (await dept.post(f"{base}/consents/move", json=item)).status_code == 403
        moved = await desk.post(f"{base}/consents/move", json=item)
        assert moved.status_code == 201, moved.text
        after = {(i["item_kind"], i["item_id"]): i for i in (await dept.get(f"{base}/consents")).json()}
        assert after[("minutes", item["item_id"])]["entry_id"] == moved.json()["entry_id"]
        late = await dept.post(f"{base}/consents", json={**item, "consent": False})
        assert late.status_code == 409 and late.json()["error"]["code"] == "already_in_file"
        bad = await dept.post(f"{base}/consents", json={"item_kind": "verdict", "item_id": 1, "consent": True})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "item_kind"
    assert await CaseFileEntry.count() == 1
