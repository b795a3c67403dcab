"""Mediation's pages: the office opens, schedules and ends from the case page; invitees answer on theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from review.core import clock
from review.core.tables import Case
from review.mediation.services.stage import open_mediation
from review.mediation.tables import Mediation, MediationParticipant
from scoring.tables import ScoreSheet
from tests import factories
from tests.integration.panel_helpers import accepted_case, submit, web
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
