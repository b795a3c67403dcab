"""Finding a case: by case number, by the hotline's reference, by a Chinese keyword of the complaint or the reply
(3 characters or more over every case; 2 characters over the last SHORT_KEYWORD_DAYS days of received cases);
a keyword of one character is refused naming the field."""

from __future__ import annotations

import pytest

from tests import factories
from tests.integration.panel_helpers import api, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _numbers(http, **params: str) -> list[str]:
    response = await http.get("/api/v1/cases", params=params)
    assert response.status_code == 200, response.text
    return [row["case_number"] for row in response.json()]


async def _arrange() -> dict[str, str]:
    noise, _ = await factories.case(content="小区夜间施工噪音扰民，影响休息。", reply="已责令施工单位整改。")
    water, _ = await factories.case(content="锦江区某路段自来水停水三天未恢复。", reply="已协调供水公司抢修管网。",
                                    source_ref="CD12345-2026-WATER1")
    return {"noise": noise, "water": water}


async def test_search_finds_chinese_keywords_of_three_or_more_characters() -> None:
    office = await factories.account("office")
    found = await _arrange()
    async with await api(office) as http:
        assert await _numbers(http, q="噪音扰民") == [found["noise"]]
        assert await _numbers(http, q="供水公司") == [found["water"]]  # in the reply
        assert await _numbers(http, q="施工单位") == [found["noise"]]
        assert await _numbers(http, q="不存在的词") == []
        assert await _numbers(http, q=found["water"]) == [found["water"]]
        assert await _numbers(http, q="CD12345-2026-WATER1") == [found["water"]]
    async with await web(office) as http:
        page = await http.get("/office/cases", params={"q": "噪音扰民"})
    assert page.status_code == 200 and found["noise"] in page.text and found["water"] not in page.text


async def test_two_character_keyword_searched_over_the_recent_window() -> None:
    office = await factories.account("office")
    found = await _arrange()
    async with await api(office) as http:
        # Within a date range ending on the cases' day, the two characters are looked for there.
        assert await _numbers(http, q="噪音", received_to="2026-10-31") == [found["noise"]]
        assert await _numbers(http, q="停水", received_to="2026-10-31") == [found["water"]]
        assert await _numbers(http, q="噪音", received_to="2027-06-30") == []  # outside the window
    async with await web(office) as http:
        page = await http.get("/office/cases", params={"q": "噪音", "to": "2026-10-31"})
    assert found["noise"] in page.text and "两个字的关键词" in page.text


async def test_one_character_keyword_refused_naming_the_field() -> None:
    office = await factories.account("office")
    await _arrange()
    async with await api(office) as http:
        refused = await http.get("/api/v1/cases", params={"q": "噪"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "q"
    async with await web(office) as http:
        page = await http.get("/office/cases", params={"q": "噪"})
    assert page.status_code == 422 and "q 关键词至少需要两个字" in page.text


async def test_search_keeps_to_what_the_liaison_may_see() -> None:
    await factories.department("CDSW", "成都市水务局")
    await factories.case(content="小区夜间施工噪音扰民。", department_code="CDSW")
    department = await factories.department()
    liaison = await factories.account("liaison", department_id=department)
    async with await api(liaison) as http:
        assert await _numbers(http, q="噪音扰民") == []
