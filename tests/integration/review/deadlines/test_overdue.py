"""The office's overdue list (逾期清单): every open stage past due, and those due within a working day, with the
person it waits for, filtered by stage, department, person and state, most late first, paginated; the same at
/office/clocks/overdue and GET /api/v1/clocks/overdue, for the office only, with no complainant data."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pytest

from panels.tables import Seat
from review.core import db
from review.core.actors import Actor
from review.deadlines import queries
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.integration.panel_helpers import api, web
from tests.integration.review.deadlines.timed_cases import at, retime, timed_case
from tests.integration.scoring_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

NOW = at(11, 20, 10)  # Friday 20 November 2026, 10:00 Beijing time


@dataclass
class Arranged:
    office: Actor
    late_screening: str  # CDJT, screening due 11 Nov: 7 working days late
    late_scoring: str  # CDCG, scoring due 12 Nov: 6 late; one member has submitted
    late_redo: str  # CDZJ, redo due 16 Nov: 4 late
    late_reasoning: str  # CDCG, reasoning due 17 Nov: 3 late
    convening_soon: str  # CDCG, convening due 20 Nov (today)
    screening_later: str  # CDJT, screening due 24 Nov: neither late nor due soon at NOW
    departments: dict[str, int]
    chair: tuple[str, str]  # (person key, name) of the reasoning case's chair
    unsubmitted: list[tuple[str, str]]  # of the scoring case's members yet to submit
    liaison: str  # the redo case's department's liaison


async def _seat_people(number: str) -> list[dict]:
    return await Seat.select(Seat.member.id, Seat.member.name, Seat.member.user.id, Seat.is_chair).where(
        (Seat.panel.case.number == number) & (Seat.status == "accepted") & (Seat.panel.status == "seated")
    ).order_by(Seat.id).run()


async def arrange() -> Arranged:
    office = await factories.account("office")
    departments = {"CDJT": await factories.department("CDJT", "成都市交通运输局"),
                   "CDCG": await factories.department("CDCG", "成都市城市管理委员会"),
                   "CDZJ": await factories.department("CDZJ", "成都市住房和城乡建设局")}
    liaison = await factories.account("liaison", department_id=departments["CDZJ"])
    await factories.account("liaison", department_id=departments["CDJT"])  # no CDJT stage waits for a liaison

    late_screening = await timed_case([("intake", at(11, 9))])
    screening_later = await timed_case([("intake", at(11, 20))])
    convening_soon = await timed_case([("intake", at(11, 16)), ("accept", at(11, 17))], "accepted",
                                      department_code="CDCG")
    late_redo = await timed_case([
        ("intake", at(10, 12)), ("accept", at(10, 13)), ("convene", at(10, 14)), ("start_scoring", at(10, 15)),
        ("close_scoring", at(10, 19)), ("reasoning_signed", at(10, 20)), ("issue_ruling", at(10, 22)),
        ("verdict_rendered", at(10, 22, 11)), ("redo_order_opened", at(10, 26)),
    ], "ruled", department_code="CDZJ")

    late_reasoning, _, _, _ = await convened_case(office, department_code="CDCG")
    await retime(late_reasoning, [("intake", at(11, 2)), ("accept", at(11, 3)), ("convene", at(11, 4)),
                                  ("start_scoring", at(11, 5)), ("close_scoring", at(11, 12, 10))], "deliberation")
    chair = next(r for r in await _seat_people(late_reasoning) if r["is_chair"])

    late_scoring, _, _, members = await convened_case(office, department_code="CDCG")
    await submit_sheet(number=late_scoring, actor=members[0], scores=factories.full_scores(4))
    await retime(late_scoring, [("intake", at(11, 2)), ("accept", at(11, 3)), ("convene", at(11, 4)),
                                ("start_scoring", at(11, 5))], "under_review")
    pending = [r for r in await _seat_people(late_scoring) if r["member.user.id"] != members[0].user_id]

    return Arranged(
        office, late_screening, late_scoring, late_redo, late_reasoning, convening_soon, screening_later,
        departments, (f"member:{chair['member.id']}", chair["member.name"]),
        [(f"member:{r['member.id']}", r["member.name"]) for r in pending], liaison.display_name or "")


def _cases(page: queries.OverduePage) -> list[str]:
    return [r.case_number for r in page.items]


async def test_every_late_or_nearly_due_stage_is_listed_most_late_first_with_who_it_waits_for() -> None:
    a = await arrange()

    page = await queries.overdue(now=NOW)

    assert [(r.case_number, r.stage, r.state, r.days_over) for r in page.items] == [
        (a.late_screening, "screening", "overdue", 7),
        (a.late_scoring, "scoring", "overdue", 6),
        (a.late_redo, "redo", "overdue", 4),
        (a.late_reasoning, "reasoning", "overdue", 3),
        (a.convening_soon, "convening", "soon", 0),
    ]
    rows = {r.case_number: r for r in page.items}
    assert [str(rows[n].due_day) for n in _cases(page)] == [
        "2026-11-11", "2026-11-12", "2026-11-16", "2026-11-17", "2026-11-20"]
    assert (page.total, page.overdue, page.soon, page.pages) == (5, 4, 1, 1)
    assert [(p.key, p.name) for p in rows[a.late_reasoning].persons] == [a.chair]
    assert sorted((p.key, p.name) for p in rows[a.late_scoring].persons) == sorted(a.unsubmitted)
    assert len(a.unsubmitted) == len(rows[a.late_scoring].persons) >= 2
    assert [p.name for p in rows[a.late_redo].persons] == [a.liaison]
    assert [p.name for p in rows[a.late_screening].persons] == ["评议办"]
    assert rows[a.late_redo].department_name == "成都市住房和城乡建设局"
    assert [(c.key, c.count) for c in page.by_stage] == [
        ("screening", 1), ("convening", 1), ("scoring", 1), ("reasoning", 1), ("redo", 1)]
    assert [(c.name, c.count) for c in page.by_department] == [
        ("成都市城市管理委员会", 3), ("成都市交通运输局", 1), ("成都市住房和城乡建设局", 1)]


async def test_the_filters_narrow_the_list_and_each_count_ignores_its_own_filter() -> None:
    a = await arrange()
    cg = a.departments["CDCG"]

    by_department = await queries.overdue(filters=queries.OverdueFilters(department=cg), now=NOW)
    assert _cases(by_department) == [a.late_scoring, a.late_reasoning, a.convening_soon]
    assert [c.key for c in by_department.by_stage] == ["convening", "scoring", "reasoning"]
    assert sum(c.count for c in by_department.by_department) == 5  # every department still counted

    by_stage = await queries.overdue(filters=queries.OverdueFilters(stage="redo"), now=NOW)
    assert _cases(by_stage) == [a.late_redo]

    by_chair = await queries.overdue(filters=queries.OverdueFilters(person=a.chair[0]), now=NOW)
    assert _cases(by_chair) == [a.late_reasoning]
    by_member = await queries.overdue(filters=queries.OverdueFilters(person=a.unsubmitted[0][0]), now=NOW)
    assert _cases(by_member) == [a.late_scoring]
    by_office = await queries.overdue(filters=queries.OverdueFilters(person="office"), now=NOW)
    assert _cases(by_office) == [a.late_screening, a.convening_soon]

    soon = await queries.overdue(filters=queries.OverdueFilters(state="soon"), now=NOW)
    assert _cases(soon) == [a.convening_soon]
    late_cg = await queries.overdue(filters=queries.OverdueFilters(department=cg, state="overdue"), now=NOW)
    assert _cases(late_cg) == [a.late_scoring, a.late_reasoning]


async def test_the_list_is_paginated_in_its_order() -> None:
    a = await arrange()

    second = await queries.overdue(page=2, per_page=2, now=NOW)
    third = await queries.overdue(page=3, per_page=2, now=NOW)

    assert _cases(second) == [a.late_redo, a.late_reasoning]
    assert _cases(third) == [a.convening_soon]
    assert (second.total, second.pages, second.page) == (5, 3, 2)


async def test_a_stage_ended_or_a_case_ended_leaves_the_list() -> None:
    a = await arrange()
    assert a.late_screening in _cases(await queries.overdue(now=NOW))  # counted once already
    await retime(a.late_screening, [("intake", at(11, 9)), ("accept", at(11, 19))], "accepted")
    await retime(a.convening_soon, [("intake", at(11, 16)), ("accept", at(11, 17)), ("withdraw", at(11, 18))],
                 "withdrawn")

    page = await queries.overdue(now=NOW)

    assert a.late_screening not in _cases(page) and a.convening_soon not in _cases(page)
    assert _cases(page) == [a.late_scoring, a.late_redo, a.late_reasoning]


async def test_the_next_working_day_each_late_stage_is_a_day_later() -> None:
    a = await arrange()
    await queries.overdue(now=NOW)

    saturday = await queries.overdue(now=at(11, 21, 10))
    monday = await queries.overdue(now=at(11, 23, 10))

    assert [(r.case_number, r.days_over) for r in saturday.items][:2] == [(a.late_screening, 7), (a.late_scoring, 6)]
    assert [(r.case_number, r.days_over) for r in monday.items][:2] == [(a.late_screening, 8), (a.late_scoring, 7)]
    convening = next(r for r in monday.items if r.case_number == a.convening_soon)
    assert (convening.state, convening.days_over) == ("overdue", 1)  # was due on Friday 20 November
    later = next(r for r in monday.items if r.case_number == a.screening_later)
    assert later.state == "soon"  # due Tuesday 24 November


async def test_the_list_reads_a_fixed_number_of_queries_however_many_cases() -> None:
    await arrange()
    with db.count_queries() as few:
        await queries.overdue(now=NOW)
    for _ in range(5):
        await timed_case([("intake", at(11, 9))])
    with db.count_queries() as more:
        page = await queries.overdue(now=NOW)
    assert page.total == 10
    assert len(more) == len(few) <= 5, more.sql()


def _positions(text: str, numbers: list[str]) -> list[int]:
    return [text.index(f">{n}</a>") for n in numbers]


async def test_the_office_page_shows_the_list_its_counts_and_filters_without_personal_data() -> None:
    a = await arrange()
    everything = [a.late_screening, a.late_scoring, a.late_redo, a.late_reasoning, a.convening_soon,
                  a.screening_later]  # all past due by now: the test runs after 24 November 2026

    async with await web(a.office) as http:
        page = await http.get("/office/clocks/overdue")
        filtered = await http.get(f"/office/clocks/overdue?department={a.departments['CDCG']}&state=overdue")
        refused = await http.get("/office/clocks/overdue?stage=nonsense")

    assert page.status_code == 200
    text = html.unescape(page.text)
    positions = _positions(text, everything)
    assert positions == sorted(positions)
    assert "按环节" in text and "评分 <span class=\"badge\">1</span>" in text
    assert "成都市城市管理委员会 <span class=\"badge\">3</span>" in text
    assert a.chair[1] in text and a.liaison in text
    assert "王小明" not in text and "13800001234" not in text and "玉林南路" not in text
    assert 'href="/office/clocks/overdue"' in text  # the navigation links the list

    assert filtered.status_code == 200
    shown = html.unescape(filtered.text)
    assert all(f">{n}</a>" in shown for n in (a.late_scoring, a.late_reasoning, a.convening_soon))
    assert not any(f">{n}</a>" in shown for n in (a.late_screening, a.late_redo, a.screening_later))
    assert refused.status_code == 422


async def test_the_api_gives_the_same_list_filtered_and_paginated() -> None:
    a = await arrange()
    async with await api(a.office) as http:
        scoring = await http.get("/api/v1/clocks/overdue", params={"stage": "scoring"})
        paged = await http.get("/api/v1/clocks/overdue", params={"per_page": 2, "page": 3})
        by_person = await http.get("/api/v1/clocks/overdue", params={"person": a.chair[0]})
        wrong = await http.get("/api/v1/clocks/overdue", params={"state": "late"})

    assert scoring.status_code == 200, scoring.text
    body = scoring.json()
    assert [i["case_number"] for i in body["items"]] == [a.late_scoring]
    item = body["items"][0]
    assert item["state"] == "overdue" and item["due_day"] == "2026-11-12" and item["stage_name"] == "评分"
    assert sorted((p["key"], p["name"]) for p in item["persons"]) == sorted(a.unsubmitted)
    assert item["department_name"] == "成都市城市管理委员会"
    assert "complainant" not in scoring.text and "王小明" not in scoring.text
    assert {c["key"]: c["count"] for c in body["by_stage"]}["scoring"] == 1

    assert paged.status_code == 200
    assert [i["case_number"] for i in paged.json()["items"]] == [a.convening_soon, a.screening_later]
    assert (paged.json()["total"], paged.json()["pages"]) == (6, 3)
    assert [i["case_number"] for i in by_person.json()["items"]] == [a.late_reasoning]
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "state"


@pytest.mark.parametrize("role", ["member", "liaison"])
async def test_only_the_office_reads_the_list(role: str) -> None:
    someone = await factories.account(role)
    async with await web(someone) as http:
        page = await http.get("/office/clocks/overdue")
    async with await api(someone) as http:
        listed = await http.get("/api/v1/clocks/overdue")
    assert page.status_code == 403 and listed.status_code == 403
    assert listed.json()["error"]["code"] == "forbidden"


async def test_a_visitor_not_signed_in_is_sent_to_sign_in() -> None:
    async with factories.client() as http:
        page = await http.get("/office/clocks/overdue")
        listed = await http.get("/api/v1/clocks/overdue")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert listed.status_code == 401
