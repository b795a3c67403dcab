"""A case's clocks from its audit events, the same through the API, on the case page, on the complainant's page,
and the published limits at /public/clocks."""

from __future__ import annotations

from typing import Any

import pytest

from review.cases import services as cases
from review.core.web.guard import TRACK_COOKIE
from review.deadlines import policy as rules
from tests import factories
from tests.integration.panel_helpers import complainant_token, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _token(username: str) -> str:
    async with factories.client() as http:
        reply = await http.post("/api/v1/auth/token", json={"username": username, "password": factories.PASSWORD})
    return reply.json()["token"]


async def _get(path: str, token: str) -> Any:
    async with factories.client(Authorization=f"Bearer {token}") as http:
        return await http.get(path)


async def test_screening_ends_on_acceptance_and_convening_starts_its_clock() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)

    reply = await _get(f"/api/v1/cases/{number}/clocks", await _token(office.username))

    assert reply.status_code == 200
    body = reply.json()
    assert body["policy_hash"] == rules.policy_hash(rules.DEFAULT)
    by_stage = {c["stage"]: c for c in body["clocks"]}
    assert set(by_stage) == {"screening", "convening"}
    assert by_stage["screening"]["end"] is not None and not by_stage["screening"]["overdue"]
    convening = by_stage["convening"]
    assert convening["end"] is None and convening["name"] == "组成评议组"
    assert convening["due_day"] is not None and convening["unit"] == "workdays"


async def test_the_clocks_are_shown_to_the_office_and_the_complainant_in_words() -> None:
    office = await factories.account("office")
    number, code = await factories.case()

    async with await web(office) as http:
        office_page = await http.get(f"/office/cases/{number}")
    assert office_page.status_code == 200
    assert "各环节时限" in office_page.text and "受理审查：已用" in office_page.text

    async with factories.client() as http:
        http.cookies.set(TRACK_COOKIE, await complainant_token(number, code))
        own = await http.get("/track/case")
    assert own.status_code == 200
    assert "您的案件正处于「受理审查」环节，应于" in own.text


async def test_a_stranger_may_not_read_a_case_s_clocks() -> None:
    number, _ = await factories.case()
    liaison = await factories.account("liaison", department_id=await factories.department("OTHER", "其他部门"))

    reply = await _get(f"/api/v1/cases/{number}/clocks", await _token(liaison.username))

    assert reply.status_code in (403, 404)


async def test_the_public_sees_every_stage_s_limit() -> None:
    async with factories.client() as http:
        page = await http.get("/public/clocks")
    assert page.status_code == 200
    assert "评分</strong>：5 个工作日内完成" in page.text
    assert rules.policy_hash(rules.DEFAULT) in page.text
