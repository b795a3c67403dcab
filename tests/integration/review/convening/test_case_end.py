"""A case that ends before its ruling (withdrawn, settled) dissolves its panel: open invitations are withdrawn
and the members told, seats and loads are released, and every later panel action is refused."""

from __future__ import annotations

from typing import Any

import pytest

from panels.loaders import current_loads
from panels.services import rounds
from panels.services.challenges import decide_challenge, raise_challenge
from panels.services.invitations import answer_invitation, member_load
from panels.tables import Challenge, Panel, Seat
from review.cases import services as cases
from review.cases.lifecycle import Action
from review.convening.services import convene_panel
from review.core import identity
from review.core.actors import Actor
from review.core.errors import Conflict
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import (
    accepted_case,
    api,
    case_row,
    complainant_token,
    convened_case,
    events,
    seats_of,
    submit,
    web,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _convened() -> dict[str, Any]:
    office = await factories.account("office")
    await factories.roster()
    number, code, panel_id = await convened_case(office)
    invited = await factories.invited_members(number)
    return {"office": office, "number": number, "code": code, "panel_id": panel_id, "invited": invited}


async def _end(case: dict[str, Any], action: Action = Action.withdraw) -> None:
    await cases.end_case(
        number=case["number"], actor=case["office"], action=action, reason="诉求人与部门已达成一致"
    )


async def test_withdrawn_case_withdraws_open_invitations_and_releases_every_load() -> None:
    case = await _convened()
    (accepted_seat, accepting), *still_open = case["invited"]
    await answer_invitation(seat_id=accepted_seat, actor=accepting, answer="accept")

    await _end(case)

    panel = await Panel.select(Panel.status).where(Panel.id == case["panel_id"]).first().run()
    seats = {s["id"]: s for s in await seats_of(case["panel_id"])}
    assert panel == {"status": "dissolved"}
    assert seats[accepted_seat]["status"] == "accepted"
    for seat_id, _ in still_open:
        assert seats[seat_id]["status"] == "withdrawn"
        assert seats[seat_id]["reason"] == "本案已结束（已撤回），邀请已撤回"
    assert await current_loads() == {}
    assert await member_load(accepting) == {"load": 0, "max_panels": 5}
    withdrawn = await events("invitation_withdrawn")
    [dissolved] = await events("panel_dissolved")
    assert sorted(e["data"]["seat"] for e in withdrawn) == sorted(seat_id for seat_id, _ in still_open)
    assert dissolved["data"] == {
        "panel_id": case["panel_id"],
        "case_status": "withdrawn",
        "withdrawn": len(still_open),
        "released": len(seats),
    }
    # Each member is told on their invitations page, on the web and through the API.
    _, invited = still_open[0]
    async with await web(invited) as http:
        page = await http.get("/panel/invitations")
    assert "本案已结束（已撤回），邀请已撤回" in page.text and "接受邀请" not in page.text
    async with await web(accepting) as http:
        page = await http.get("/panel/invitations")
    assert "本案已结束（已撤回），评议组已解散，无需继续评议" in page.text
    async with await api(invited) as http:
        body = (await http.get("/api/v1/invitations")).json()
    assert body["invitations"] == [] and body["load"] == 0
    assert [(e["number"], e["notice"]) for e in body["ended"]] == [
        (case["number"], "本案已结束（已撤回），邀请已撤回")
    ]


async def test_settled_case_answer_refused_on_web_and_api() -> None:
    case = await _convened()
    await _end(case, Action.settle)
    (first, member), (second, other), *_ = case["invited"]

    async with await api(member) as http:
        answered = await http.post(f"/api/v1/invitations/{first}", json={"answer": "accept"})
    async with await web(other) as http:
        page = await submit(http, "/panel/invitations", f"/panel/invitations/{second}", {"answer": "accept"})
    with pytest.raises(Conflict) as declined:
        await answer_invitation(seat_id=second, actor=other, answer="decline", reason="时间冲突")

    assert answered.status_code == 409
    assert answered.json()["error"] == {
        "code": "case_ended",
        "message": "本案已结束（调解结案），评议组已解散，不能再答复该邀请",
    }
    assert page.status_code == 409 and "本案已结束（调解结案），评议组已解散，不能再答复该邀请" in page.text
    assert declined.value.code == "case_ended"
    assert {s["status"] for s in await seats_of(case["panel_id"])} == {"withdrawn"}


async def test_refill_queued_before_the_case_ended_does_nothing() -> None:
    case = await _convened()
    seat_id, member = case["invited"][0]
    # The decline queues a refill, which runs only after the case has ended.
    await answer_invitation(seat_id=seat_id, actor=member, answer="decline", reason="出差在外")

    await _end(case)
    await run_jobs()

    seats = await seats_of(case["panel_id"])
    assert len(seats) == len(case["invited"])
    assert await events("seat_refilled") == []
    assert [e["data"]["purpose"] for e in await events("draw_seed_committed")] == ["draw"]


async def test_convene_ended_case_refused_before_any_seed_is_committed() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await accepted_case(office)
    await cases.end_case(number=number, actor=office, action=Action.withdraw, reason="诉求人撤回")

    with pytest.raises(Conflict) as refused:
        await convene_panel(number=number, actor=office)
    async with await api(office) as http:
        response = await http.post(f"/api/v1/cases/{number}/panel")

    assert refused.value.code == "case_ended"
    assert refused.value.message == "本案已结束（已撤回），评议组已解散，不能再组成评议组"
    assert response.status_code == 409 and response.json()["error"]["code"] == "case_ended"
    assert await events("draw_seed_committed") == []
    assert await Panel.count().run() == 0


async def test_round_leaves_out_a_case_withdrawn_after_it_was_requested() -> None:
    office = await factories.account("office")
    await factories.roster()
    kept, _ = await accepted_case(office)
    withdrawn, _ = await accepted_case(office)
    await rounds.request_round(actor=office)
    await cases.end_case(number=withdrawn, actor=office, action=Action.withdraw, reason="诉求人撤回")

    await run_jobs()

    assert (await case_row(kept))["status"] == "panel_ready"
    assert (await case_row(withdrawn))["status"] == "withdrawn"
    assert await Panel.count().where(Panel.case.number == withdrawn).run() == 0


async def _under_review() -> dict[str, Any]:
    case = await _convened()
    members = await factories.seated_members(case["number"])
    await submit_sheet(number=case["number"], actor=members[0], scores=factories.full_scores(3))
    assert (await case_row(case["number"]))["status"] == "under_review"
    case["seats"] = [s for s in await seats_of(case["panel_id"]) if s["status"] == "accepted"]
    return case


async def _complainant(number: str, code: str) -> Actor:

    actor = await identity.token_actor(await complainant_token(number, code))
    actor = await identity.token_actor(await complainant_token(number, code))
    assert actor is not None
    return actor


async def test_ended_case_pending_challenge_lapses_and_new_challenges_and_decisions_are_refused() -> None:
    case = await _under_review()
    complainant = await _complainant(case["number"], case["code"])
    challenge_id = await raise_challenge(
        seat_id=case["seats"][0]["id"], actor=complainant, reason="该评议员曾代理被评议部门的诉讼案件"
    )

    await _end(case)

    lapsed = (
        await Challenge.select(Challenge.status, Challenge.decision_reason)
        .where(Challenge.id == challenge_id)
        .first()
        .run()
    )
    assert lapsed == {"status": "withdrawn", "decision_reason": "本案已结束（已撤回），不再处理"}
    with pytest.raises(Conflict) as decided:
        await decide_challenge(
            challenge_id=challenge_id, actor=case["office"], uphold=True, reason="理由成立"
        )
    token = await complainant_token(case["number"], case["code"])
    async with factories.client(Authorization=f"Bearer {token}") as http:
        raised = await http.post(
            f"/api/v1/seats/{case['seats'][1]['id']}/challenges",
            json={"reason": "该评议员与承办部门负责人系同学"},
        )
    assert decided.value.code == "case_ended"
    assert decided.value.message == "本案已结束（已撤回），评议组已解散，不能再决定回避申请"
    assert raised.status_code == 409
    assert raised.json()["error"] == {
        "code": "case_ended",
        "message": "本案已结束（已撤回），评议组已解散，不能再申请评议员回避",
    }
    assert await Seat.count().where(Seat.status == "removed").run() == 0


async def test_dissolved_panel_refuses_answers_even_while_the_case_is_open() -> None:
    # A panel may be dissolved apart from its case's end (e.g. by hand): the same refusal, its own code.
    case = await _convened()
    await Panel.update({Panel.status: "dissolved"}).where(Panel.id == case["panel_id"]).run()
    seat_id, member = case["invited"][0]

    with pytest.raises(Conflict) as refused:
        await answer_invitation(seat_id=seat_id, actor=member, answer="accept")

    assert (refused.value.code, refused.value.message) == (
        "panel_dissolved",
        "该评议组已解散，不能再答复该邀请",
    )
