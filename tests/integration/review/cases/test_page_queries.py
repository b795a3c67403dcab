"""A page's number of SQL queries does not grow with the rows it shows: each page is built with N rows and
with 3N, and the statements one request runs (`review.core.db.count_queries`) are counted on both.

Each count is taken on a warm process: the page is requested once first (published criteria, the holiday
calendar and the like are read once per process), the kept case pages are dropped, then one request is
counted. Transaction control is not counted; every other statement is, the ORM's as well as `db.fetch`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from httpx import AsyncClient

from panels.services.challenges import decide_challenge, raise_challenge
from panels.services.templates import save_template
from panels.tables import RosterMember, Seat
from review.assessments.services import record_outcome
from review.cases import services as cases
from review.cases.lifecycle import Action
from review.cases.page_cache import forget_pages
from review.convening.services import convene_panel
from review.core import db, identity
from review.core.actors import Actor
from review.core.db.counting import QueryCount
from review.core.tables import Case
from review.rulings.services.deliberation import (
    add_dissent,
    close_scoring,
    issue_ruling,
    post_message,
    save_reasoning,
    sign_reasoning,
)
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.integration.panel_helpers import complainant_token, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

N = 4


@dataclass
class Taken:
    queries: QueryCount
    page: str


async def _count(http: AsyncClient, path: str) -> Taken:
    """The statements one warm request of `path` runs, and the page it answered."""
    warm = await http.get(path)
    assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
    forget_pages()
    with db.count_queries() as counted:
        response = await http.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert counted.count > 0
    return Taken(counted, response.text)


def _same(small: Taken, large: Taken, shown: list[str]) -> None:
    """The same count for N rows and 3N, the larger page showing every one of `shown` (it did list them)."""
    missing = [text for text in shown if text not in large.page]
    assert not missing, f"the page does not show {missing}"
    assert large.queries.count == small.queries.count, (
        f"{small.queries.count} queries with N rows, {large.queries.count} with 3N:\n" + "\n".join(large.queries.sql()))


# --- the counter itself ------------------------------------------------------------------------


async def test_the_counter_sees_orm_queries_fetch_and_nested_blocks() -> None:
    await factories.department()
    with db.count_queries() as outer:
        await Case.select(Case.id).run()  # the ORM, through the engine
        await Case.count().run()
        with db.count_queries() as inner:
            await db.fetch("SELECT COUNT(*) AS n FROM review_case")
        async with db.transaction():  # BEGIN and COMMIT are not counted, what runs inside is
            await db.fetch("SELECT 1 AS one")
            await Case.exists().where(Case.id == 0).run()
    await db.fetch("SELECT 1 AS one")

    assert (inner.count, outer.count) == (1, 5)
    assert "review_case" in outer.sql()[0]


async def test_the_counter_sees_a_request_and_its_read_only_connection() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        with db.count_queries() as counted:
            response = await http.get("/office/cases")
    assert response.status_code == 200
    sql = " ".join(counted.sql())
    assert "login_session" in sql and "review_case" in sql  # the guard's session read and the page's own


# --- arrangements ------------------------------------------------------------------------------


async def _cases(office: Actor, count: int, *, convene: bool = True) -> list[str]:
    """`count` cases in a spread of states: received, accepted, convened (and the panel invited)."""
    numbers = []
    for index in range(count):
        number, _ = await factories.case()
        numbers.append(number)
        if index % 3 >= 1:
            await cases.screen_case(number=number, actor=office, accept=True)
        if index % 3 == 2 and convene:
            await convene_panel(number=number, actor=office)
    return numbers


async def _seat_on(office: Actor, count: int) -> dict[str, list[str]]:
    """`count` cases convened from one panel's worth of members: some still invited, some accepted, some
    ended after acceptance (their panels dissolved: the members' ended invitations), by state."""
    made: dict[str, list[str]] = {"invited": [], "accepted": [], "ended": []}
    for index in range(count):
        number, _ = await factories.case()
        await cases.screen_case(number=number, actor=office, accept=True)
        await convene_panel(number=number, actor=office)
        if index % 3 >= 1:
            await factories.seated_members(number)
        if index % 3 == 2:
            await cases.end_case(number=number, actor=office, action=Action.withdraw, reason="诉求人撤回")
        made[("invited", "accepted", "ended")[index % 3]].append(number)
    return made


async def _one_panel_roster() -> list[Actor]:
    """Exactly the default template's seats, able to sit on as many panels as the tests convene."""
    members = await factories.roster({"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1})
    await RosterMember.update({RosterMember.max_panels: 20}, force=True).run()
    return members


# --- list pages --------------------------------------------------------------------------------


async def test_office_case_list() -> None:
    office = await factories.account("office")
    await factories.roster()
    numbers = await _cases(office, N)
    async with await web(office) as http:
        small = await _count(http, "/office/cases")
        numbers += await _cases(office, 2 * N)
        large = await _count(http, "/office/cases")
    _same(small, large, numbers)


async def test_liaison_case_list() -> None:
    office = await factories.account("office")
    liaison = await factories.account("liaison")
    await factories.roster()
    numbers = await _cases(office, N)
    async with await web(liaison) as http:
        small = await _count(http, "/liaison")
        numbers += await _cases(office, 2 * N)
        large = await _count(http, "/liaison")
    _same(small, large, numbers)


async def test_member_case_list() -> None:
    office = await factories.account("office")
    member = (await _one_panel_roster())[0]
    first = await _seat_on(office, N)
    async with await web(member) as http:
        small = await _count(http, "/panel")
        more = await _seat_on(office, 2 * N)
        large = await _count(http, "/panel")
    _same(small, large, first["accepted"] + more["accepted"])
    assert not any(number in large.page for number in more["invited"] + more["ended"])


async def test_member_invitations() -> None:
    office = await factories.account("office")
    member = (await _one_panel_roster())[0]
    first = await _seat_on(office, N)
    async with await web(member) as http:
        small = await _count(http, "/panel/invitations")
        more = await _seat_on(office, 2 * N)
        large = await _count(http, "/panel/invitations")
    _same(small, large, [number for made in (first, more) for numbers in made.values() for number in numbers])


async def test_office_roster() -> None:
    office = await factories.account("office")
    await factories.roster({"lawyer": N, "deputy": N, "resident": N, "expert": N}, affiliations=("CDJT",))
    await factories.roster({"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}, with_logins=False)
    await factories.roster()
    await _cases(office, 3)  # some members with a load
    async with await web(office) as http:
        small = await _count(http, "/office/roster")
        await factories.roster({"lawyer": 2 * N, "deputy": 2 * N, "resident": 2 * N, "expert": 2 * N},
                               district="锦江区")
        await factories.roster({"lawyer": 2, "deputy": 2, "resident": 4, "expert": 2}, with_logins=False)
        large = await _count(http, "/office/roster")
    names = [r["name"] for r in await RosterMember.select(RosterMember.name).run()]
    assert len(names) == 4 * N + 5 + 14 + 8 * N + 10
    _same(small, large, names)


async def _assessment_rows(departments: range) -> None:
    for index in departments:
        department_id = await factories.department(f"D{index:03d}", f"部门{index}")
        async with db.transaction():
            for period, grade in (("2026-10", "proper"), ("2026-11", "improper"), ("2026-11", "basic")):
                await record_outcome(department_id=department_id, grade=grade, period=period)


async def test_public_assessments() -> None:
    await _assessment_rows(range(N))
    async with factories.client() as http:
        small = await _count(http, "/public/assessments")
        await _assessment_rows(range(N, 3 * N))
        large = await _count(http, "/public/assessments")
    _same(small, large, [f"部门{index}" for index in range(3 * N)])


# --- the case page -----------------------------------------------------------------------------


def _sheet(value: int) -> list[dict[str, object]]:
    return factories.full_scores(value)


STAGES = ("scoring", "deliberating", "ruled")


async def _case_at(stage: str, office: Actor, seats: int) -> tuple[str, list[Actor]]:
    """A case whose panel of `seats` members has accepted, been challenged (each challenge rejected) and
    scored (each sheet submitted); from "deliberating" on, scoring is closed, each member has written in the
    thread and each but the chair has dissented; "ruled": the chair signed and the ruling is issued.
    Returns the number and the members other than the chair.

    The roster holds exactly the seats the template asks for (the members of earlier calls included)."""
    residents = seats - 2
    await save_template(actor=office, fields={"name": f"{seats}人评议组", "chair_roles": ["lawyer"],
                                              "seats": {"lawyer": 1, "deputy": 1, "resident": residents},
                                              "prefer_local_residents": False, "reply_days": 5})
    have = await RosterMember.count().where(RosterMember.role == "resident").run()
    if not await RosterMember.exists().where(RosterMember.role == "lawyer").run():
        await factories.roster({"lawyer": 1, "deputy": 1})
    await factories.roster({"resident": residents - have})
    number, code = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    members = await factories.seated_members(number)
    assert len(members) == seats
    party = await identity.token_actor(await complainant_token(number, code))
    assert party is not None
    for seat in await Seat.select(Seat.id).where(
            (Seat.panel.case.number == number) & (Seat.status == "accepted")).run():
        challenge_id = await raise_challenge(seat_id=seat["id"], actor=party, reason="与诉求人曾有业务往来")
        await decide_challenge(challenge_id=challenge_id, actor=office, uphold=False, reason="所述往来与本案无关")
    for index, member in enumerate(members):
        await submit_sheet(number=number, actor=member, scores=_sheet(3 + index % 3))
    chair = await factories.chair_of(number)
    if stage != "scoring":
        await close_scoring(number=number, actor=office)
        for member in members:
            await post_message(number=number, actor=member, body=f"{member.username} 的合议意见")
            if member.user_id != chair.user_id:
                await add_dissent(number=number, actor=member, text=f"{member.username} 保留意见")
    if stage == "ruled":
        await save_reasoning(number=number, actor=chair, reasoning="评议组依据公布的评议标准逐项评分，经合议作出本结论。")
        await sign_reasoning(number=number, actor=chair)
        await issue_ruling(number=number, actor=office)
    return number, [m for m in members if m.user_id != chair.user_id]


async def _shown_on_case_page(stage: str, number: str) -> list[str]:
    """What the case's page names: each seat's member and, once deliberating, each message."""
    seats = await Seat.select(Seat.member.name, Seat.member.user.username).where(Seat.panel.case.number == number).run()
    messages = [f"{r['member.user.username']} 的合议意见" for r in seats] if stage != "scoring" else []
    return [r["member.name"] for r in seats] + messages


@pytest.mark.parametrize("stage", STAGES)
async def test_case_page_for_the_office(stage: str) -> None:
    office = await factories.account("office")
    small_case, _ = await _case_at(stage, office, N)
    large_case, _ = await _case_at(stage, office, 3 * N)
    async with await web(office) as http:
        small = await _count(http, f"/office/cases/{small_case}")
        large = await _count(http, f"/office/cases/{large_case}")
    _same(small, large, await _shown_on_case_page(stage, large_case))


@pytest.mark.parametrize("stage", STAGES)
async def test_case_page_for_a_seated_member(stage: str) -> None:
    office = await factories.account("office")
    small_case, small_members = await _case_at(stage, office, N)
    large_case, large_members = await _case_at(stage, office, 3 * N)
    async with await web(small_members[0]) as http:
        small = await _count(http, f"/panel/cases/{small_case}")
    async with await web(large_members[-1]) as http:
        large = await _count(http, f"/panel/cases/{large_case}")
    _same(small, large, await _shown_on_case_page(stage, large_case))
