"""The case list's counts per filter: a keyword search counts at most COUNT_CAP matches ("1,000+" beyond, the
counts per filter once the filters narrow it under the cap); the counts a process keeps show a new case and a
case that moved at once, and a page turned under the same filters is not counted again."""

from __future__ import annotations

import pytest

from review.cases import services as cases
from review.cases.queries import lists
from review.cases.queries.lists import CaseFilters, case_page
from tests import factories
from tests.integration.panel_helpers import web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

NOISE = "小区夜间施工噪音扰民，影响休息。"


def _counts(page: lists.CasePage) -> tuple[dict[str, int | None], dict[str, int | None]]:
    return ({c.key: c.count for c in page.by_status}, {c.key: c.count for c in page.by_department})


async def test_search_over_the_cap_says_so_and_counts_once_narrowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lists, "COUNT_CAP", 3)
    office = await factories.account("office")
    numbers = [(await factories.case(content=NOISE))[0] for _ in range(4)]
    await factories.case(content="自来水停水三天未恢复。")
    await cases.screen_case(number=numbers[0], actor=office, accept=True)
    page = await case_page(office, CaseFilters(q="噪音扰民"))
    assert page.over_cap and len(page.items) == 4
    assert all(c.count is None for c in page.by_status) and page.by_department == []
    async with await web(office) as http:
        html = (await http.get("/office/cases", params={"q": "噪音扰民"})).text
    assert "关键词匹配超过 3 件" in html and '全部 <span class="badge">3+</span>' in html
    # Narrowed under the cap, the departments are counted; the statuses still match 4 in all.
    narrowed = await case_page(office, CaseFilters(q="噪音扰民", status="received"))
    statuses, departments = _counts(narrowed)
    assert narrowed.over_cap and set(statuses.values()) == {None} and departments == {"CDJT": 3}
    # Under the cap, exact counts.
    monkeypatch.setattr(lists, "COUNT_CAP", 10)
    lists.forget_counts()
    exact = await case_page(office, CaseFilters(q="噪音扰民"))
    assert not exact.over_cap and _counts(exact) == ({"received": 3, "accepted": 1}, {"CDJT": 4})
    async with await web(office) as http:
        html = (await http.get("/office/cases", params={"q": "噪音扰民"})).text
    assert "关键词匹配超过" not in html and '全部 <span class="badge">4</span>' in html


async def test_kept_counts_show_a_new_case_and_a_move_at_once() -> None:
    office = await factories.account("office")
    first, _ = await factories.case(content=NOISE)
    await factories.case(content=NOISE)
    assert _counts(await case_page(office, CaseFilters())) == ({"received": 2}, {"CDJT": 2})
    await factories.case(content="自来水停水三天未恢复。")  # a new case: counted on the next page shown
    assert _counts(await case_page(office, CaseFilters())) == ({"received": 3}, {"CDJT": 3})
    assert _counts(await case_page(office, CaseFilters(q="噪音扰民"))) == ({"received": 2}, {"CDJT": 2})
    await cases.screen_case(number=first, actor=office, accept=True)  # a move: counted at once too
    assert _counts(await case_page(office, CaseFilters())) == ({"received": 2, "accepted": 1}, {"CDJT": 3})
    assert _counts(await case_page(office, CaseFilters(q="噪音扰民"))) == ({"received": 1, "accepted": 1},
                                                                          {"CDJT": 2})
    assert (await lists.status_counts(office)) == {"received": 2, "accepted": 1}


async def test_a_page_turned_under_the_same_filters_is_not_counted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    for _ in range(3):
        await factories.case(content=NOISE)
    counted: list[str] = []
    status_counts, department_counts = lists._status_counts, lists._department_counts

    async def counting_status(where: lists._Where) -> list[lists.Count]:
        counted.append("status")
        return await status_counts(where)

    async def counting_department(where: lists._Where) -> list[lists.Count]:
        counted.append("department")
        return await department_counts(where)

    monkeypatch.setattr(lists, "_status_counts", counting_status)
    monkeypatch.setattr(lists, "_department_counts", counting_department)
    first = await case_page(office, CaseFilters(), limit=2)
    second = await case_page(office, CaseFilters(), cursor=first.next_cursor, limit=2)
    assert counted == ["status", "department"] and _counts(second) == ({"received": 3}, {"CDJT": 3})
    assert len(first.items) == 2 and len(second.items) == 1
    # Under other filters, counted afresh.
    await case_page(office, CaseFilters(status="received"))
    assert counted == ["status", "department"] * 2
