"""The office's case list pages by keyset: never a case skipped or repeated while cases arrive between pages;
each filter, the sort by due date, the counts per filter, the scoping of members and liaisons, and refusals of a
tampered cursor and of filter values naming nothing, on the web page and the API alike."""

from __future__ import annotations

import re

import pytest

from review.cases import services as cases
from tests import factories
from tests.integration.panel_helpers import api, convened_case, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _received(day: int, hour: int = 9) -> str:
    return f"2026-10-{day:02d}T{hour:02d}:30:00+08:00"


async def _case(**overrides: str) -> tuple[str, str]:
    """A received case; replied and rated after any received time the tests use."""
    return await factories.case(replied_at="2026-11-20T10:00:00+08:00", rated_at="2026-11-21T10:00:00+08:00",
                                **overrides)


async def _numbers(http, path: str, **params: str) -> tuple[list[str], str | None]:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    return [row["case_number"] for row in response.json()], response.headers.get("x-next-cursor")


async def test_paging_never_skips_or_repeats_while_cases_arrive() -> None:
    office = await factories.account("office")
    # Two cases share a received time: the id breaks the tie.
    first = [(await _case(received_at=_received(1 + i % 6)))[0] for i in range(8)]
    seen: list[str] = []
    async with await api(office) as http:
        numbers, cursor = await _numbers(http, "/api/v1/cases", limit="3")
        seen += numbers
        while cursor:
            # New cases come in between pages, newer and older than the page's last row.
            await _case(received_at=_received(20))
            await _case(received_at=_received(1, 6))
            numbers, cursor = await _numbers(http, "/api/v1/cases", limit="3", cursor=cursor)
            seen += numbers
    assert len(seen) == len(set(seen)), "a case was shown twice"
    assert set(first) <= set(seen), "a case was skipped"


async def test_limit_honoured_and_bounded() -> None:
    office = await factories.account("office")
    for _ in range(3):
        await _case()
    async with await api(office) as http:
        numbers, cursor = await _numbers(http, "/api/v1/cases", limit="2")
        assert len(numbers) == 2 and cursor
        too_many = await http.get("/api/v1/cases", params={"limit": "201"})
    assert too_many.status_code == 422 and too_many.json()["error"]["field"] == "limit"


async def test_each_filter_selects_only_its_cases() -> None:
    office = await factories.account("office")
    await factories.department("CDSW", "成都市水务局")
    base, _ = await _case(received_at=_received(3))
    others = {
        "department": ((await _case(department_code="CDSW"))[0], {"department": "CDSW"}),
        "district": ((await _case(district="锦江区"))[0], {"district": "锦江区"}),
        "category": ((await _case(category="交通出行"))[0], {"category": "交通出行"}),
        "channel": ((await _case(channel="wechat"))[0], {"channel": "wechat"}),
        "date": ((await _case(received_at=_received(25)))[0],
                 {"received_from": "2026-10-25", "received_to": "2026-10-25"}),
    }
    accepted, _ = await _case()
    await cases.screen_case(number=accepted, actor=office, accept=True)
    async with await api(office) as http:
        for name, (number, params) in others.items():
            numbers, _ = await _numbers(http, "/api/v1/cases", **params)
            assert numbers == [number], name
        numbers, _ = await _numbers(http, "/api/v1/cases", status="accepted")
        assert numbers == [accepted]
        numbers, _ = await _numbers(http, "/api/v1/cases", status="received", received_to="2026-10-08")
        assert base in numbers and others["date"][0] not in numbers


async def test_member_filter_and_scoping() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _, _ = await convened_case(office)
    members = await factories.seated_members(number)
    other, _ = await _case()
    from panels.tables import RosterMember

    seat_member = await RosterMember.select(RosterMember.id).where(RosterMember.user == members[0].user_id).first().run()
    async with await api(office) as http:
        numbers, _ = await _numbers(http, "/api/v1/cases", member=str(seat_member["id"]))
        assert numbers == [number]
        unknown = await http.get("/api/v1/cases", params={"member": "999999"})
        assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "member"
    async with await api(members[0]) as http:
        numbers, _ = await _numbers(http, "/api/v1/cases")
        assert numbers == [number] and other not in numbers
    async with await web(members[0]) as http:
        page = await http.get("/panel", params={"q": other})
        assert page.status_code == 200 and f"/panel/cases/{other}" not in page.text and "暂无案件" in page.text


async def test_liaison_sees_only_their_department() -> None:
    await factories.department("CDSW", "成都市水务局")
    ours, _ = await _case()
    theirs, _ = await _case(department_code="CDSW")
    department = await factories.department()
    liaison = await factories.account("liaison", department_id=department)
    async with await api(liaison) as http:
        numbers, _ = await _numbers(http, "/api/v1/cases")
        assert numbers == [ours]
        numbers, _ = await _numbers(http, "/api/v1/cases", q=theirs)
        assert numbers == []
    async with await web(liaison) as http:
        page = await http.get("/liaison")
    assert f"/liaison/cases/{ours}" in page.text and theirs not in page.text


@pytest.mark.parametrize(("field", "value"), [("status", "lost"), ("department", "NOPE"), ("channel", "fax"),
                                              ("district", "火星区"), ("category", "不存在的类别"),
                                              ("sort", "name"), ("overdue", "maybe"), ("from", "2026-13-01")])
async def test_unknown_filter_value_refused_naming_the_field(field: str, value: str) -> None:
    office = await factories.account("office")
    await _case()
    api_field = {"from": "received_from"}.get(field, field)
    async with await api(office) as http:
        refused = await http.get("/api/v1/cases", params={api_field: value})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == field
    async with await web(office) as http:
        page = await http.get("/office/cases", params={field: value})
    assert page.status_code == 422 and field in page.text and "<form" in page.text


async def test_tampered_cursor_refused_web_and_api() -> None:
    office = await factories.account("office")
    for _ in range(3):
        await _case()
    async with await api(office) as http:
        _, cursor = await _numbers(http, "/api/v1/cases", limit="1")
        assert cursor
        body, mac = cursor.split(".")
        forged = f"{body[:-1]}{'A' if body[-1] != 'A' else 'B'}.{mac}"
        refused = await http.get("/api/v1/cases", params={"cursor": forged})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "cursor"
    assert "篡改" in refused.json()["error"]["message"]
    async with await web(office) as http:
        page = await http.get("/office/cases", params={"cursor": forged})
    assert page.status_code == 422 and "篡改" in page.text


async def test_counts_per_filter() -> None:
    office = await factories.account("office")
    await factories.department("CDSW", "成都市水务局")
    for _ in range(2):
        await _case()
    accepted, _ = await _case()
    await cases.screen_case(number=accepted, actor=office, accept=True)
    await _case(department_code="CDSW")
    async with await web(office) as http:
        page = await http.get("/office/cases", params={"department": "CDJT"})
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    # The status counts under the department filter; the department counts under no status filter.
    assert re.search(r"已受理 <span class=\"badge\">2</span>", text)
    assert re.search(r"已立案 <span class=\"badge\">1</span>", text)
    assert re.search(r"成都市水务局</a> <span class=\"badge\">1</span>", text)
    assert re.search(r"成都市交通运输局</a> <span class=\"badge\">3</span>", text)


async def test_sort_by_due_puts_late_cases_first(monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    # Cases received long ago and never screened: their screening stage is past due on the clocks.
    late, _ = await _case(received_at="2026-01-05T09:30:00+08:00")
    fresh, _ = await _case(received_at=_received(9))
    from datetime import UTC, datetime

    from review.core.tables import AuditEvent
    await AuditEvent.update({AuditEvent.at: datetime(2026, 1, 5, 1, 30, tzinfo=UTC)}).where(
        AuditEvent.case.number == late).run()
    async with await api(office) as http:
        numbers, _ = await _numbers(http, "/api/v1/cases", sort="due")
        overdue, _ = await _numbers(http, "/api/v1/cases", overdue="1")
        by_received, _ = await _numbers(http, "/api/v1/cases")
    assert numbers[0] == late and set(numbers) == {late, fresh}
    assert late in overdue and fresh not in overdue
    assert by_received[0] == fresh


