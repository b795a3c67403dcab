"""Mediation's pages: the office opens, schedules and ends from the case page; invitees answer on theirs."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pdfplumber
import pytest

from review.core import clock, settings
from review.core.actors import Actor
from review.core.tables import Account, Case
from review.mediation.domain import room as room_rules
from review.mediation.services import reminders, wall
from review.mediation.services.stage import open_mediation, schedule_session
from review.mediation.tables import Mediation, MediationMinutes, MediationParticipant, MediationSession
from scoring.tables import ScoreSheet
from tests import factories
from tests.integration.panel_helpers import accepted_case, csrf_of, submit, web
from tests.integration.review.mediation.helpers import complainant_of, said_in_room, session_begun
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

LATER = (clock.now() + timedelta(days=2)).astimezone(clock.CHINA).strftime("%Y-%m-%dT%H:%M")


async def _status(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first().run())["status"]


async def test_office_runs_mediation_from_the_case_page_and_sees_the_list() -> None:
    office = await factories.account("office")
    number, code = await accepted_case(office)
    liaison = await factories.account("liaison")
    page = f"/office/cases/{number}"
    async with await web(office) as http:
        assert "启动调解" in (await http.get(page)).text
        opened = await submit(http, page, f"{page}/mediation/open")
        assert opened.status_code == 303 and await _status(number) == "mediation"
        shown = (await http.get(page)).text
        assert "调解中" in shown and "安排调解会并邀请各方" in shown and f'{number}/settle"' not in shown
        bad = await submit(http, page, f"{page}/mediation/sessions",
                           {"starts_at": LATER, "mode": "in_person", "location": ""})
        assert bad.status_code == 422 and "线下调解请填写地点" in bad.text
        done = await submit(http, page, f"{page}/mediation/sessions",
                            {"starts_at": LATER, "mode": "in_person", "location": "武侯区人民调解中心"})
        assert done.status_code == 303
        listed = (await http.get("/office/mediations")).text
        assert number in listed and "1 次" in listed

    async with await web(liaison) as http:
        mine = f"/liaison/cases/{number}"
        listed = (await http.get("/liaison")).text
        assert "即将召开的调解会" in listed and f"/liaison/cases/{number}#mediation" in listed
        shown = (await http.get(mine)).text
        assert "武侯区人民调解中心" in shown and "答复邀请" in shown
        pid = (await MediationParticipant.select().where(MediationParticipant.kind == "liaison").first().run())["id"]
        answered = await submit(http, mine, f"/mediation/participants/{pid}/answer",
                                {"answer": "other_time", "note": "周五下午", "number": number})
        assert answered.status_code == 303 and answered.headers["location"] == f"{mine}#mediation"
        assert (await http.get("/office/mediations")).status_code in (302, 303, 403)

    async with factories.client() as http:
        opened = await submit(http, "/track", "/track", {"case_number": number, "access_code": code})
        assert opened.status_code == 303
        track = (await http.get("/track/case")).text
        assert "调解会" in track and "接受，按时参加" in track
        pid = (await MediationParticipant.select().where(
            MediationParticipant.kind == "complainant").first().run())["id"]
        answered = await submit(http, "/track/case", f"/mediation/participants/{pid}/answer", {"answer": "accepted"})
        assert answered.status_code == 303 and answered.headers["location"] == "/track/case#mediation"

    async with await web(office) as http:
        shown = (await http.get(page)).text
        assert "诉求人：接受" in shown and "周五下午" in shown
        ended = await submit(http, page, f"{page}/mediation/end")
        assert ended.status_code == 303 and await _status(number) == "accepted"
    assert (await Mediation.select(Mediation.status).first().run())["status"] == "ended"


async def test_a_seated_member_sees_scoring_paused_while_in_mediation() -> None:
    number, _, office, members = await convened_case()
    await open_mediation(number=number, actor=office)
    page = f"/panel/cases/{number}"
    async with await web(members[0]) as http:
        shown = (await http.get(page)).text
        assert "评分暂停" in shown and f'action="{page}/scores"' not in shown
        posted = await submit(http, page, f"{page}/scores", {"C1": "4", "reason-C1": "理由"})
        assert posted.status_code == 409 and "评分暂停" in posted.text
    assert await ScoreSheet.count().run() == 0


async def _in_mediation_with_session(location: str = "武侯区人民调解中心") -> tuple[str, str, int, Actor]:
    """A convened case in mediation with one session two days ahead: (number, access code, mediation id, office)."""
    number, code, office, _ = await convened_case()
    if not await Account.exists().where(Account.role == "liaison").run():
        await factories.account("liaison")  # invited with the session
    mediation_id = await open_mediation(number=number, actor=office)
    await schedule_session(number=number, starts_at=LATER, mode="both", location=location, actor=office)
    return number, code, mediation_id, office


async def _liaison() -> Actor:
    row = await Account.select(Account.id, Account.username, Account.department).where(
        Account.role == "liaison").first().run()
    return Actor(kind="liaison", user_id=row["id"], username=row["username"], department_id=row["department"])


async def test_the_join_link_sends_a_complainant_through_the_tracking_login_and_back() -> None:
    number, code, mediation_id, _ = await _in_mediation_with_session()
    room = f"/mediation/{mediation_id}"
    async with factories.client() as http:
        sent = await http.get(room)
        assert sent.status_code == 303 and sent.headers["location"] == f"/track?next={room}"
        login = await http.get(sent.headers["location"])
        assert "进入调解室" in login.text and f'name="next" value="{room}"' in login.text
        assert code not in sent.headers["location"] and number not in sent.headers["location"]
        opened = await submit(http, "/track?next=" + room, "/track",
                              {"case_number": number, "access_code": code, "next": room})
        assert opened.status_code == 303 and opened.headers["location"] == room
        shown = await http.get(room)
        assert shown.status_code == 200 and f"调解室 · 案件 {number}" in shown.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x",
                                    "/track case"])
async def test_tracking_login_goes_only_to_local_pages(target: str) -> None:
    number, code = await accepted_case(await factories.account("office"))
    async with factories.client() as http:
        form = await http.get("/track", params={"next": target})
        assert target not in form.text
        opened = await submit(http, "/track", "/track", {"case_number": number, "access_code": code, "next": target})
        assert opened.status_code == 303 and opened.headers["location"] == "/track/case"


async def test_a_wrong_code_keeps_the_way_back_to_the_room() -> None:
    number, _, mediation_id, _ = await _in_mediation_with_session()
    room = f"/mediation/{mediation_id}"
    async with factories.client() as http:
        refused = await submit(http, "/track", "/track", {"case_number": number, "access_code": "WRONG-CODE",
                                                          "next": room})
        assert refused.status_code == 401 and "受理编号或提取码不正确" in refused.text
        assert f'name="next" value="{room}"' in refused.text


async def test_each_party_sees_the_next_session_and_a_button_into_the_room() -> None:
    number, code, mediation_id, office = await _in_mediation_with_session()
    room = f'href="/mediation/{mediation_id}"'
    liaison = await _liaison()
    chair = await factories.chair_of(number)
    await reminders.send_due_reminders(now=clock.now() + timedelta(days=1))  # the two-day reminders are due

    async with factories.client() as http:
        await submit(http, "/track", "/track", {"case_number": number, "access_code": code})
        track = (await http.get("/track/case")).text
    for page in (track,):
        assert "您的下一次调解会" in page and room in page and "进入调解室" in page
        assert "武侯区人民调解中心" in page and "线上与线下同时" in page and "北京时间" in page
        assert "提醒：调解会约 2 天后开始" in page and "接受，按时参加" in page and "请求另定时间" in page
    for actor, base in ((liaison, "/liaison"), (chair, "/panel")):
        async with await web(actor) as http:
            page = (await http.get(f"{base}/cases/{number}")).text
            assert "您的下一次调解会" in page and room in page and "提醒：调解会约 2 天后开始" in page
            listed = (await http.get(base)).text
            assert room in listed and "提醒：调解会约 2 天后开始" in listed and "您的答复：未答复" in listed

    async with await web(office) as http:
        page = (await http.get(f"/office/cases/{number}")).text
        assert "已确认 0/3" in page and "已提醒 1 次" in page and "您的下一次调解会" not in page
        pid = (await MediationParticipant.select().where(MediationParticipant.kind == "liaison").first().run())["id"]
    async with await web(liaison) as http:
        mine = f"/liaison/cases/{number}"
        await submit(http, mine, f"/mediation/participants/{pid}/answer", {"answer": "accepted", "number": number})
    async with await web(office) as http:
        assert "已确认 1/3" in (await http.get(f"/office/cases/{number}")).text
        listed = (await http.get("/office/mediations")).text
        assert "已确认 1/3" in listed and "2 天、2 小时" in listed


async def test_the_office_prints_the_complainant_s_notice_with_the_join_link_and_qr() -> None:
    number, code, mediation_id, office = await _in_mediation_with_session()
    session_id = (await MediationSession.select().first().run())["id"]
    join = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/mediation/{mediation_id}"
    page_path = f"/office/cases/{number}/mediation/sessions/{session_id}/notice"
    async with await web(office) as http:
        case_page = (await http.get(f"/office/cases/{number}")).text
        assert f'href="{page_path}"' in case_page
        page = await http.get(page_path)
        assert page.status_code == 200
        assert join in page.text and "武侯区人民调解中心" in page.text and 'src="data:image/png;base64,' in page.text
        assert code not in page.text
        pdf = await http.get(page_path + ".pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        text = "".join(p.extract_text() or "" for p in document.pages).replace("\n", "").replace(" ", "")
        images = sum(len(p.images) for p in document.pages)
    assert "调解会通知单" in text and join in text and number in text and "线上与线下同时" in text
    assert clock.local_time(datetime.fromisoformat(LATER).replace(tzinfo=clock.CHINA)).replace(" ", "") in text
    assert code not in text and images == 1  # the QR code

    async with await web(await factories.account("liaison")) as http:
        assert (await http.get(page_path)).status_code == 403
    async with await web(office) as http:
        assert (await http.get(f"/office/cases/{number}/mediation/sessions/{session_id + 99}/notice")).status_code == 404


async def test_a_refused_mediation_form_comes_back_filled_in_with_its_message() -> None:
    office = await factories.account("office")
    number, _ = await accepted_case(office)
    await open_mediation(number=number, actor=office)
    page = f"/office/cases/{number}"
    past = (clock.now() - timedelta(hours=3)).astimezone(clock.CHINA).strftime("%Y-%m-%dT%H:%M")
    async with await web(office) as http:
        refused = await submit(http, page, f"{page}/mediation/sessions",
                               {"starts_at": past, "mode": "in_person", "location": "青羊区调解室"})
        assert refused.status_code == 422
        assert "调解会时间已过，请选择此后的时间" in refused.text and "案件 " + number in refused.text
        assert f'value="{past}"' in refused.text and 'value="青羊区调解室"' in refused.text
        assert '<option value="in_person" selected>' in refused.text
        assert 'aria-invalid="true"' in refused.text

        no_reason = await submit(http, page, f"{page}/mediation/extend", {"days": "12", "reason": ""})
        assert no_reason.status_code == 422 and "请填写延长调解期限的理由" in no_reason.text
        assert 'value="12"' in no_reason.text
    assert await MediationSession.count().run() == 0


async def test_the_office_records_a_withdrawal_during_mediation() -> None:
    number, _, _, office = await _in_mediation_with_session()
    page = f"/office/cases/{number}"
    async with await web(office) as http:
        shown = (await http.get(page)).text
        assert f'action="{page}/mediation/withdraw"' in shown and f'action="{page}/withdraw"' not in shown
        refused = await submit(http, page, f"{page}/mediation/withdraw", {"reason": ""})
        assert refused.status_code == 422 and "请填写理由" in refused.text
        done = await submit(http, page, f"{page}/mediation/withdraw", {"reason": "诉求人来电撤回"})
        assert done.status_code == 303 and await _status(number) == "withdrawn"
        assert "诉求人撤回，调解终止" in (await http.get(page)).text


@pytest.mark.parametrize("allowed", [True, False])
async def test_the_chair_s_page_offers_opening_only_when_the_office_allows_it(
        allowed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_CHAIR_MAY_OPEN", allowed)
    number, _, _, members = await convened_case()
    chair = await factories.chair_of(number)
    other = next(m for m in members if m.user_id != chair.user_id)
    page = f"/panel/cases/{number}"
    form = f'action="{page}/mediation/open"'
    async with await web(other) as http:
        assert form not in (await http.get(page)).text
    async with await web(chair) as http:
        shown = (await http.get(page)).text
        assert (form in shown) is allowed
        posted = await submit(http, page, f"{page}/mediation/open")
    if allowed:
        assert posted.status_code == 303 and posted.headers["location"] == f"{page}#mediation"
        assert await _status(number) == "mediation"
    else:
        assert posted.status_code == 403 and "评议办未允许评议组组长启动调解" in posted.text
        assert await _status(number) != "mediation"


async def test_a_refused_answer_comes_back_on_the_invitee_s_page() -> None:
    number, code, _, _ = await _in_mediation_with_session()
    liaison = await _liaison()
    rows = {r["kind"]: r["id"] for r in await MediationParticipant.select().run()}
    mine = f"/liaison/cases/{number}"
    async with await web(liaison) as http:
        refused = await submit(http, mine, f"/mediation/participants/{rows['liaison']}/answer",
                               {"answer": "other_time", "note": "", "number": number})
        assert refused.status_code == 422 and "请求另定时间时，请写明您方便的时间" in refused.text
        assert 'value="other_time" checked' in refused.text and "您的下一次调解会" in refused.text
    async with factories.client() as http:
        await submit(http, "/track", "/track", {"case_number": number, "access_code": code})
        refused = await submit(http, "/track/case", f"/mediation/participants/{rows['complainant']}/answer",
                               {"answer": "maybe"})
        assert refused.status_code == 422 and "答复应为：接受，或请求另定时间" in refused.text
        assert f"案件 {number}" in refused.text
    assert {r["answer"] for r in await MediationParticipant.select().run()} == {"pending"}
async def test_minutes_and_consents_by_forms_on_the_room_page_without_javascript() -> None:
    number, code, office, members = await convened_case()
    liaison = await factories.account("liaison")
    mediation_id, session_id = await session_begun(number, office)
    room = f"/mediation/{mediation_id}"
    async with await web(office) as http:
        assert "调解会开始后" not in (shown := (await http.get(room)).text) and "撰写笔录" in shown
        saved = await submit(http, room, f"{room}/minutes",
                             {"session_id": str(session_id), "base_version": "0", "text": "网页记录的调解笔录"})
        assert saved.status_code == 303 and saved.headers["location"] == f"{room}#minutes"
        shown = (await http.get(room)).text
        assert "网页记录的调解笔录" in shown and "第 1 版" in shown and "保存为第 2 版" in shown

    async with factories.client() as http:  # the complainant, on a phone, with number and code
        assert (await submit(http, "/track", "/track", {"case_number": number, "access_code": code})).status_code == 303
        shown = (await http.get(room)).text
        assert "网页记录的调解笔录" in shown and "提交意见" in shown and "撰写笔录" not in shown
        said = await submit(http, room, f"{room}/minutes/comments", {"session_id": str(session_id), "text": "笔录无误"})
        assert said.status_code == 303
        shown = (await http.get(room)).text
        assert "您方已对本场笔录发表过意见" in shown and "提交意见" not in shown
        twice = await http.post(f"{room}/minutes/comments", data={
            "csrf_token": csrf_of(await http.get(room)), "session_id": str(session_id), "text": "再来一次"})
        assert twice.status_code == 409 and "每方只能发表一次" in twice.text
        minutes_id = (await MediationMinutes.select(MediationMinutes.id).first().run())["id"]
        ticked = await submit(http, room, f"{room}/consents",
                              {"item_kind": "minutes", "item_id": str(minutes_id), "consent": "1"})
        assert ticked.status_code == 303 and ticked.headers["location"] == f"{room}#consents"
        assert "撤回同意" in (await http.get(room)).text
        pdf = await http.get(f"{room}/minutes.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"

    async with await web(liaison) as http:
        ticked = await submit(http, room, f"{room}/consents",
                              {"item_kind": "minutes", "item_id": str(minutes_id), "consent": "1"})
        assert ticked.status_code == 303
        assert "双方同意，待评议办移入" in (await http.get(room)).text

    async with await web(office) as http:
        board = (await http.get(f"/office/cases/{number}")).text
        assert "入卷同意" in board and "到调解室移入案卷" in board and "网页记录的调解笔录" not in board
        moved = await submit(http, room, f"{room}/consents/move", {"item_kind": "minutes", "item_id": str(minutes_id)})
        assert moved.status_code == 303 and "已移入案卷" in (await http.get(room)).text

    async with await web(members[0]) as http:
        page = (await http.get(f"/panel/cases/{number}")).text
        assert "案卷材料" in page and "调解中经双方同意入卷的内容" in page and "网页记录的调解笔录" in page


async def test_the_room_page_consent_list_follows_the_page_of_messages_and_keeps_every_answered_one() -> None:
    office = await factories.account("office")
    number, code = await accepted_case(office)
    mediation_id, _ = await session_begun(number, office)
    ids = await said_in_room(mediation_id, room_rules.PAGE_LATEST + 5)
    await wall.set_consent(mediation_id=mediation_id, item_kind="message", item_id=ids[0], consent=True,
                           actor=await complainant_of(number))
    page = f"/mediation/{mediation_id}"
    async with factories.client() as phone:
        assert (await submit(phone, "/track", "/track", {"case_number": number, "access_code": code})).status_code == 303
        latest = (await phone.get(page)).text
        offered = [int(i) for i in re.findall(r'name="item_kind" value="message">\s*<input type="hidden" '
                                              r'name="item_id" value="(\d+)"', latest)]
        assert offered == [ids[0], *ids[-room_rules.PAGE_LATEST:]]
        assert 'id="consents-earlier"' in latest and f'{page}?before={ids[-room_rules.PAGE_LATEST]}#consents' in latest
        earlier = (await phone.get(f"{page}?before={ids[-room_rules.PAGE_LATEST]}")).text
        offered = [int(i) for i in re.findall(r'name="item_kind" value="message">\s*<input type="hidden" '
                                              r'name="item_id" value="(\d+)"', earlier)]
        assert offered == ids[:-room_rules.PAGE_LATEST] and 'id="consents-earlier"' not in earlier
