"""Reconsideration (复议): asked once and in time by a party, decided by the office, heard by a new and larger
panel without the earlier members; the new ruling supersedes the old one, its verdict and its assessment count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from panels.tables import Panel, Seat
from review.assessments.services import assessments
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.tables import Case
from review.rulings.services.reconsideration import decide_reconsideration, request_reconsideration, window
from review.rulings.services.sheets import submit_sheet
from review.verdicts import services as verdicts
from review.verdicts.tables import Verdict
from scoring.tables import Reconsideration, Ruling
from tests import factories
from tests.conftest import run_jobs
from tests.integration.scoring_helpers import accept_invitations, convened_case, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

FIRST_PANEL = {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}


async def _ruled(value: int) -> tuple[str, int, Actor, Actor]:
    """A case ruled on scores of `value` everywhere: (number, ruling id, office, the complainant)."""
    number, _, office, _ = await convened_case()
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(value))
    ruling_id = await factories.rule_case(number, office)
    await run_jobs()
    case_id = (await Case.select(Case.id).where(Case.number == number).first().run())["id"]
    return number, ruling_id, office, Actor(kind="complainant", case_id=case_id)


async def _seats(panel_id: int) -> dict[int, str]:
    rows = await Seat.select(Seat.member, Seat.role).where(Seat.panel == panel_id).run()
    return {r["member"]: r["role"] for r in rows}


async def test_accepted_reconsideration_seats_a_larger_new_panel_and_supersedes_the_ruling() -> None:
    number, first_id, office, complainant = await _ruled(1)  # scored low: 处理不当
    first_panel = (await Ruling.select(Ruling.panel_id).where(Ruling.id == first_id).first().run())["panel_id"]
    before = {(a["department_code"], a["period"]): a for a in await assessments()}

    await request_reconsideration(number=number, actor=complainant, reason="评议组未考虑已提交的维修记录。")
    assert await decide_reconsideration(number=number, actor=office, accept=True) == "accepted"
    from review.convening.services import convene_panel

    second_panel = await convene_panel(number=number, actor=office)
    await accept_invitations(number)
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(5))
    second_id = await factories.rule_case(number, office, reasoning="复议评议组核实维修记录后认为办理到位。")
    await run_jobs()

    old_seats, new_seats = await _seats(first_panel), await _seats(second_panel)
    assert not set(old_seats) & set(new_seats), "a member of the first panel sat again"
    assert len(new_seats) > len(old_seats) == sum(FIRST_PANEL.values())
    first, second = [await Ruling.select().where(Ruling.id == i).first().run() for i in (first_id, second_id)]
    assert (first["status"], first["grade"]) == ("superseded", "improper")
    assert (second["status"], second["grade"], second["supersedes"]) == ("in_force", "proper", first_id)
    old_verdict = await Verdict.select().where(Verdict.ruling_id == first_id).first().run()
    new_verdict = await Verdict.select().where(Verdict.ruling_id == second_id).first().run()
    assert old_verdict["status"] == "superseded" and old_verdict["superseded_by_ruling"] == second_id
    assert new_verdict["status"] == "valid" and new_verdict["number"] != old_verdict["number"]
    # The assessment counts the case once, by the ruling in force.
    after = {(a["department_code"], a["period"]): a for a in await assessments()}
    assert len(after) == 1
    (key, row), = after.items()
    assert (before[key]["ruled_improper"], before[key]["points_deducted"]) == (1, 2)
    assert (row["ruled_proper"], row["ruled_basic"], row["ruled_improper"], row["points_deducted"]) == (1, 0, 0, 0)
    assert (await Case.select(Case.status).where(Case.number == number).first().run())["status"] == "ruled"
    _, problem = await audit.verify()
    assert problem is None


async def test_reconsideration_is_asked_once_in_time_by_a_party_of_the_case() -> None:
    number, ruling_id, office, complainant = await _ruled(3)
    case_id = complainant.case_id
    deadline = (await window(case_id)).deadline
    stranger = await factories.account("liaison", department_id=await factories.department("CDSW", "成都市水务局"))
    member = (await factories.seated_members(number))[0]

    from review.core.errors import Conflict, Forbidden, Invalid, NotFound

    with pytest.raises(Forbidden):
        await request_reconsideration(number=number, actor=member, reason="理由")
    with pytest.raises(NotFound):  # another department's liaison learns nothing about the case
        await request_reconsideration(number=number, actor=stranger, reason="理由")
    with pytest.raises(Invalid):
        await request_reconsideration(number=number, actor=complainant, reason="  ")
    with pytest.raises(Conflict) as late:
        await request_reconsideration(number=number, actor=complainant, reason="理由",
                                      today=deadline + timedelta(days=1))
    await request_reconsideration(number=number, actor=complainant, reason="理由", today=deadline)
    with pytest.raises(Conflict) as twice:
        await request_reconsideration(number=number, actor=complainant, reason="再次申请")
    with pytest.raises(Invalid):  # refusing needs a reason
        await decide_reconsideration(number=number, actor=office, accept=False)
    assert await decide_reconsideration(number=number, actor=office, accept=False, reason="理由不成立") == "refused"

    assert late.value.code == "too_late" and twice.value.code == "already_requested"
    assert await Reconsideration.count().where(Reconsideration.case == case_id).run() == 1
    ruling = await Ruling.select(Ruling.status).where(Ruling.id == ruling_id).first().run()
    assert ruling["status"] == "in_force"
    assert (await Case.select(Case.status).where(Case.id == case_id).first().run())["status"] == "ruled"
    assert await Panel.count().where(Panel.case == case_id).run() == 1


async def test_liaison_asks_through_the_api_and_the_office_accepts_on_the_web() -> None:
    number, _, office, complainant = await _ruled(3)
    department_id = (await Case.select(Case.department).where(Case.id == complainant.case_id).first().run())[
        "department"]
    liaison = await factories.account("liaison", department_id=department_id)
    from review.accounts.services import auth

    async with factories.client(Authorization=f"Bearer {await auth.issue_token(liaison)}") as http:
        asked = await http.post(f"/api/v1/cases/{number}/reconsideration", json={"reason": "整改已完成，请复核。"})
    assert asked.status_code in (200, 201), asked.text
    async with factories.client(Authorization=f"Bearer {await auth.issue_token(office)}") as http:
        decided = await http.post(f"/api/v1/cases/{number}/reconsideration/decision", json={"accept": True})
    assert decided.status_code == 200, decided.text
    request = await Reconsideration.select().where(Reconsideration.case == complainant.case_id).first().run()
    assert (request["requested_by"], request["status"]) == ("liaison", "accepted")
    assert (await Case.select(Case.status).where(Case.number == number).first().run())["status"] == \
        "reconsideration"


async def _accepted_names(panel_id: int) -> tuple[str, list[str]]:
    """(the chair's name, every accepted member's name) of one panel."""
    rows = await Seat.select(Seat.member.name, Seat.is_chair).where(
        (Seat.panel == panel_id) & (Seat.status == "accepted")).run()
    return next(r["member.name"] for r in rows if r["is_chair"]), [r["member.name"] for r in rows]


def _named(name: str, text: str) -> bool:
    """`name` appears in `text` as a whole name (lawyer-1 is not lawyer-12)."""
    return re.search(re.escape(name) + r"(?!\d)", text) is not None


async def test_reconsideration_verdict_names_its_own_panel_and_chair_and_pages_show_both_panels() -> None:
    from review.convening.services import convene_panel
    from tests.integration.panel_helpers import web
    from tests.integration.review.verdicts.test_services import pdf_text

    number, first_id, office, complainant = await _ruled(1)
    first_panel = (await Ruling.select(Ruling.panel_id).where(Ruling.id == first_id).first().run())["panel_id"]
    await request_reconsideration(number=number, actor=complainant, reason="评议组未考虑已提交的维修记录。")
    await decide_reconsideration(number=number, actor=office, accept=True)
    second_panel = await convene_panel(number=number, actor=office)
    await accept_invitations(number)
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(5))
    second_id = await factories.rule_case(number, office, reasoning="复议评议组核实维修记录后认为办理到位。")
    await run_jobs()

    first_chair, first_names = await _accepted_names(first_panel)
    second_chair, second_names = await _accepted_names(second_panel)
    new_verdict = await Verdict.select().where(Verdict.ruling_id == second_id).first().run()
    old_verdict = await Verdict.select().where(Verdict.ruling_id == first_id).first().run()
    new_text = "".join(pdf_text(verdicts.stored_path(new_verdict["full_sha256"])).split())
    old_text = "".join(pdf_text(verdicts.stored_path(old_verdict["full_sha256"])).split())

    assert f"本案复议评议组由{len(second_names)}名评议员组成。组长：{second_chair}（" in new_text
    assert f"评议组组长：{second_chair}" in new_text
    assert all(_named(n, new_text) for n in second_names)
    assert not any(_named(n, new_text) for n in first_names), "the reconsideration verdict names the first panel"
    assert f"本案评议组由{len(first_names)}名评议员组成。组长：{first_chair}（" in old_text
    assert not any(_named(n, old_text) for n in second_names)

    async with await web(office) as http:
        page = (await http.get(f"/office/cases/{number}")).text
    first_part, _, second_part = page.partition("复议评议组")
    assert "初次评议组" in first_part and second_part
    first_block = first_part.split("初次评议组", 1)[1]
    second_block = second_part.split("</ul>", 1)[0]
    assert re.search(re.escape(first_chair) + r"(?!\d)[^<]*<strong>组长</strong>", first_block)
    assert re.search(re.escape(second_chair) + r"(?!\d)[^<]*<strong>组长</strong>", second_block)
    assert not any(_named(n, second_block) for n in first_names)
    assert all(_named(n, second_block) for n in second_names)
