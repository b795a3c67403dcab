"""Mediation's pages: the office opens, schedules and ends from the case page; invitees answer on theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from review.core import clock
from review.core.tables import Case
from review.mediation.services.stage import open_mediation
from review.mediation.tables import Mediation, MediationMinutes, MediationParticipant
from scoring.tables import ScoreSheet
from tests import factories
from tests.integration.panel_helpers import accepted_case, csrf_of, submit, web
from tests.integration.review.mediation.helpers import session_begun
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
        assert answered.status_code == 303 and answered.headers["location"] == mine
        assert (await http.get("/office/mediations")).status_code in (302, 303, 403)

    async with factories.client() as http:
        opened = await submit(http, "/track", "/track", {"case_number": number, "access_code": code})
        assert opened.status_code == 303
        track = (await http.get("/track/case")).text
        assert "调解会" in track and "接受，按时参加" in track
        pid = (await MediationParticipant.select().where(
            MediationParticipant.kind == "complainant").first().run())["id"]
        answered = await submit(http, "/track/case", f"/mediation/participants/{pid}/answer", {"answer": "accepted"})
        assert answered.status_code == 303 and answered.headers["location"] == "/track/case"

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
