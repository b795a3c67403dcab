"""Redo orders over HTTP: the lifecycle through the API and through the pages' forms, the lists, and the
404s for another department's liaison, another case's complainant and a member who is not the chair."""

from __future__ import annotations

import pytest

from review.core.actors import Actor
from tests import factories
from tests.integration.panel_helpers import api, complainant_token, csrf_of, submit, web
from tests.integration.review.assessments.services.test_redo import ruled

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_lifecycle_through_the_api() -> None:
    number, _, office, _, liaison, chair, code = await ruled(1)
    base = f"/api/v1/cases/{number}/redo-order"
    async with await api(liaison) as http:
        shown = (await http.get(base)).json()
        assert (shown["state"], shown["overdue"], shown["days_over"]) == ("open", False, 0)
        assert shown["actions"] and shown["deadline"]
        refused = await http.post(f"{base}/report", json={"statement": ""})
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "statement"
        assert (await http.post(f"{base}/report", json={"statement": "已修复。"})).json() == {"status": "reported"}
        mine = (await http.get("/api/v1/redo-orders")).json()["items"]
        assert [o["case_number"] for o in mine] == [number]
        assert (await http.post(f"{base}/accept")).status_code == 403  # the liaison's policy admits no decision
    async with await api(office) as http:
        back = await http.post(f"{base}/return", json={"reason": "未附照片。"})
        assert back.json() == {"status": "open"}
        assert (await http.get(base)).json()["return_reason"] == "未附照片。"
        assert (await http.get("/api/v1/redo-orders?state=open&overdue=false")).json()["items"][0]["case_number"] \
            == number
        assert (await http.get("/api/v1/redo-orders?overdue=true")).json()["items"] == []
        assert (await http.get("/api/v1/redo-orders?state=nonsense")).status_code == 422
    async with await api(liaison) as http:
        await http.post(f"{base}/report", json={"statement": "已补照片。"})
    async with await api(chair) as http:
        assert (await http.post(f"{base}/accept")).json() == {"status": "accepted"}
    token = await complainant_token(number, code)
    async with factories.client(Authorization=f"Bearer {token}") as http:
        assert (await http.get(base)).json()["state"] == "accepted"
        bad = await http.post(f"{base}/feedback", json={"answer": "maybe"})
        assert bad.status_code == 422
        assert (await http.post(f"{base}/feedback", json={"answer": "solved"})).json() == {"status": "solved"}
        assert (await http.post(f"{base}/feedback", json={"answer": "solved"})).status_code == 409
        assert (await http.get("/api/v1/redo-orders")).status_code == 403


async def test_other_departments_outsiders_and_other_members_get_404() -> None:
    number, _, _, _, _, chair, _ = await ruled(1)
    base = f"/api/v1/cases/{number}/redo-order"
    stranger = await factories.account("liaison", department_id=await factories.department("CDSW", "成都市水务局"))
    member = next(m for m in await _members_of(number) if m.user_id != chair.user_id)
    for actor in (stranger, member):
        async with await api(actor) as http:
            assert (await http.get(base)).status_code == 404
            if actor.kind == "liaison":
                assert (await http.post(f"{base}/report", json={"statement": "x"})).status_code == 404
                assert (await http.get("/api/v1/redo-orders")).json()["items"] == []
            else:
                assert (await http.post(f"{base}/accept")).status_code == 404
    other_number, other_code = await factories.case()
    token = await complainant_token(other_number, other_code)
    async with factories.client(Authorization=f"Bearer {token}") as http:
        assert (await http.get(base)).status_code == 404
        assert (await http.post(f"{base}/feedback", json={"answer": "solved"})).status_code == 404
    async with factories.client() as http:
        assert (await http.get(base)).status_code in (401, 404)


async def _members_of(number: str) -> list[Actor]:
    from panels.tables import Seat

    rows = await Seat.select(Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.status == "accepted")).run()
    return [Actor(kind="member", user_id=r["member.user.id"], username=r["member.user.username"]) for r in rows]


async def test_lifecycle_through_the_pages() -> None:
    number, _, office, _, liaison, chair, code = await ruled(1)
    page = f"/liaison/cases/{number}"
    async with await web(liaison) as http:
        shown = await http.get(page)
        assert "整改" in shown.text and "报告整改完成" in shown.text and "待整改" in shown.text
        done = await submit(http, page, f"/liaison/cases/{number}/redo-order/report", {"statement": "已修复。"})
        assert done.status_code == 303
        assert "已报告整改完成，待验收" in (await http.get(page)).text
    office_page = f"/office/cases/{number}"
    async with await web(office) as http:
        assert "退回重新整改" in (await http.get(office_page)).text
        back = await submit(http, office_page, f"/office/cases/{number}/redo-order/return", {"reason": "未附照片。"})
        assert back.status_code == 303
        assert "未附照片。" in (await http.get(office_page)).text
        listing = await http.get("/office/redo-orders")
        assert listing.status_code == 200 and number in listing.text
    async with await web(liaison) as http:
        await submit(http, page, f"/liaison/cases/{number}/redo-order/report", {"statement": "已补照片。"})
    chair_page = f"/panel/cases/{number}"
    async with await web(chair) as http:
        accepted = await submit(http, chair_page, f"/panel/cases/{number}/redo-order/accept")
        assert accepted.status_code == 303
        assert "整改已验收" in (await http.get(chair_page)).text
    async with factories.client() as http:
        form = await http.get("/track")
        opened = await http.post("/track", data={"csrf_token": csrf_of(form), "case_number": number,
                                                 "access_code": code})
        assert opened.status_code == 303
        track = await http.get("/track/case")
        assert "整改已验收" in track.text and "提交评价" in track.text
        said = await submit(http, "/track/case", "/track/case/redo-order/feedback", {"answer": "unsolved",
                                                                                    "note": "仍有积水"})
        assert said.status_code == 303
        after = await http.get("/track/case")
        assert "问题未解决" in after.text and "提交评价" not in after.text
        assert "仍有积水" in after.text
    async with await web(office) as http:
        assert "问题未解决（仍有积水）" in (await http.get(office_page)).text
    async with await web(liaison) as http:
        shown = (await http.get(page)).text
        assert "问题未解决" in shown and "仍有积水" not in shown  # the complainant's note is not the department's
