"""Challenges (申请回避): the parties ask for a seated member to step down, the office decides, all audited."""

from __future__ import annotations

from typing import Any

import pytest

from panels.services.challenges import decide_challenge, raise_challenge
from panels.tables import Challenge, Seat
from review.core import identity
from review.core.actors import Actor
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import (
    api,
    case_row,
    complainant_token,
    convened_case,
    csrf_of,
    events,
    panel_row,
    seats_of,
    submit,
    web,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

REASON = "该评议员曾代理被评议部门的诉讼案件"


async def _under_review() -> dict[str, Any]:
    """A case whose panel has accepted and started scoring, with both parties and the office at hand."""
    office = await factories.account("office")
    await factories.roster()
    number, code, panel_id = await convened_case(office)
    members = await factories.seated_members(number)
    await submit_sheet(number=number, actor=members[0], scores=factories.full_scores(3))
    assert (await case_row(number))["status"] == "under_review"
    seats = [s for s in await seats_of(panel_id) if s["status"] == "accepted"]
    return {"office": office, "number": number, "code": code, "panel_id": panel_id, "seats": seats,
            "liaison": await factories.account("liaison"), "members": members}


async def _complainant(number: str, code: str) -> Actor:

    actor = await identity.token_actor(await complainant_token(number, code))
    actor = await identity.token_actor(await complainant_token(number, code))
    assert actor is not None and actor.kind == "complainant"
    return actor


async def _challenge(seat_id: int) -> dict[str, Any]:
    row = await Challenge.select().where(Challenge.seat == seat_id).first().run()
    assert row is not None
    return row


async def _seat(seat_id: int) -> dict[str, Any]:
    row = await Seat.select().where(Seat.id == seat_id).first().run()
    assert row is not None
    return row


async def test_challenge_by_complainant_on_api_is_pending_and_audited() -> None:
    ctx = await _under_review()
    seat = ctx["seats"][1]
    token = await complainant_token(ctx["number"], ctx["code"])

    async with factories.client(Authorization=f"Bearer {token}") as http:
        response = await http.post(f"/api/v1/seats/{seat['id']}/challenges", json={"reason": REASON})

    assert response.status_code == 201 and response.json()["status"] == "pending"
    stored = await _challenge(seat["id"])
    assert (stored["id"], stored["raised_by"], stored["reason"], stored["status"]) == (
        response.json()["challenge_id"], "complainant", REASON, "pending")
    [event] = await events("challenge_raised")
    assert (event["actor"], event["reason"], event["data"]["by"]) == ("complainant", REASON, "complainant")
    assert event["case"] == (await case_row(ctx["number"]))["id"]


async def test_challenge_by_complainant_on_the_web_form_with_tracking_cookie() -> None:
    ctx = await _under_review()
    seat = ctx["seats"][2]
    token = await complainant_token(ctx["number"], ctx["code"])

    async with factories.client() as http:
        http.cookies.set("rv_track", token)
        page = await http.get("/track/case")
        response = await submit(http, "/track/case", f"/cases/{ctx['number']}/challenges",
                                {"seat": str(seat["id"]), "reason": REASON})
        after = await http.get(response.headers["location"])

    assert page.status_code == 200 and "申请评议员回避" in page.text
    assert response.status_code == 303 and response.headers["location"] == "/track/case?challenged=1"
    assert "回避申请已提交" in after.text and "待决定" in after.text
    assert (await _challenge(seat["id"]))["raised_by"] == "complainant"


async def test_challenge_by_the_department_liaison_on_web_and_api() -> None:
    ctx = await _under_review()
    first, second = ctx["seats"][0], ctx["seats"][1]
    page = f"/liaison/cases/{ctx['number']}"

    async with await web(ctx["liaison"]) as http:
        by_web = await submit(http, page, f"/cases/{ctx['number']}/challenges",
                              {"seat": str(first["id"]), "reason": REASON})
    async with await api(ctx["liaison"]) as http:
        by_api = await http.post(f"/api/v1/seats/{second['id']}/challenges", json={"reason": REASON})

    assert by_web.status_code == 303 and by_web.headers["location"] == f"{page}?challenged=1"
    assert by_api.status_code == 201
    assert (await _challenge(first["id"]))["raised_by"] == "department"
    assert (await _challenge(second["id"]))["raised_by"] == "department"
    assert [e["actor"] for e in await events("challenge_raised")] == [f"liaison:{ctx['liaison'].username}"] * 2


async def test_challenge_by_another_department_looks_like_a_missing_seat() -> None:
    ctx = await _under_review()
    stranger = await factories.account("liaison", department_id=await factories.department("CDSW", "成都市水务局"))
    seat_id = ctx["seats"][0]["id"]

    with pytest.raises(NotFound):
        await raise_challenge(seat_id=seat_id, actor=stranger, reason=REASON)
    async with await api(stranger) as http:
        theirs = await http.post(f"/api/v1/seats/{seat_id}/challenges", json={"reason": REASON})
        missing = await http.post("/api/v1/seats/999999/challenges", json={"reason": REASON})
    async with await web(stranger) as http:
        token = csrf_of(await http.get("/liaison"))
        by_web = await http.post(f"/cases/{ctx['number']}/challenges",
                                 data={"csrf_token": token, "seat": str(seat_id), "reason": REASON})

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert by_web.status_code == 404
    assert ctx["number"] not in by_web.text
    assert await Challenge.count().run() == 0
    assert await events("challenge_raised") == []


async def test_challenge_by_the_complainant_of_another_case_is_not_found() -> None:
    ctx = await _under_review()
    other_number, other_code = await factories.case()
    token = await complainant_token(other_number, other_code)

    async with factories.client(Authorization=f"Bearer {token}") as http:
        response = await http.post(f"/api/v1/seats/{ctx['seats'][0]['id']}/challenges", json={"reason": REASON})

    assert response.status_code == 404 and response.json()["error"]["code"] == "seat_not_found"
    assert await Challenge.count().run() == 0


async def test_challenge_by_a_member_or_the_office_is_refused() -> None:
    ctx = await _under_review()
    seat_id = ctx["seats"][0]["id"]
    member = ctx["members"][1]

    with pytest.raises(NotFound):
        await raise_challenge(seat_id=seat_id, actor=member, reason=REASON)
    async with await api(member) as http:
        by_member = await http.post(f"/api/v1/seats/{seat_id}/challenges", json={"reason": REASON})
    async with await api(ctx["office"]) as http:
        by_office = await http.post(f"/api/v1/seats/{seat_id}/challenges", json={"reason": REASON})

    assert by_member.status_code == by_office.status_code == 403
    assert "seat" not in by_member.text and REASON not in by_member.text
    assert await Challenge.count().run() == 0


async def test_challenge_with_a_short_reason_is_refused() -> None:
    ctx = await _under_review()
    seat_id = ctx["seats"][0]["id"]

    with pytest.raises(Invalid) as refused:
        await raise_challenge(seat_id=seat_id, actor=ctx["liaison"], reason=" 不公 ")
    async with await api(ctx["liaison"]) as http:
        response = await http.post(f"/api/v1/seats/{seat_id}/challenges", json={"reason": "不公"})

    assert refused.value.field == "reason"
    assert response.status_code == 422 and response.json()["error"]["field"] == "reason"
    assert await Challenge.count().run() == 0


async def test_challenge_twice_while_pending_is_a_conflict_per_party() -> None:
    ctx = await _under_review()
    seat_id = ctx["seats"][0]["id"]
    complainant = await _complainant(ctx["number"], ctx["code"])
    await raise_challenge(seat_id=seat_id, actor=ctx["liaison"], reason=REASON)

    async with await api(ctx["liaison"]) as http:
        again = await http.post(f"/api/v1/seats/{seat_id}/challenges", json={"reason": REASON + "，再次申请"})
    other_party = await raise_challenge(seat_id=seat_id, actor=complainant, reason=REASON)

    assert again.status_code == 409 and again.json()["error"]["code"] == "challenge_pending"
    assert other_party > 0
    assert sorted(r["raised_by"] for r in await Challenge.select().run()) == ["complainant", "department"]


async def test_challenge_of_a_seat_not_yet_accepted_is_refused() -> None:
    office = await factories.account("office")
    await factories.roster()
    _, _, panel_id = await convened_case(office)
    liaison = await factories.account("liaison")

    with pytest.raises(Conflict) as refused:
        await raise_challenge(seat_id=(await seats_of(panel_id))[0]["id"], actor=liaison, reason=REASON)

    assert refused.value.code == "seat_not_challengeable"


async def test_decide_uphold_removes_the_member_keeps_the_reason_and_refills() -> None:
    ctx = await _under_review()
    seat = ctx["seats"][0]
    challenge_id = await raise_challenge(seat_id=seat["id"], actor=ctx["liaison"], reason=REASON)

    async with await api(ctx["office"]) as http:
        listed = await http.get("/api/v1/challenges")
        decided = await http.post(f"/api/v1/challenges/{challenge_id}/decision",
                                  json={"uphold": True, "reason": "确有代理关系，决定回避"})
        again = await http.post(f"/api/v1/challenges/{challenge_id}/decision",
                                json={"uphold": False, "reason": "改判"})
    await run_jobs()

    assert [c["id"] for c in listed.json()] == [challenge_id]
    assert decided.json() == {"status": "upheld"}
    assert again.status_code == 409 and again.json()["error"]["code"] == "challenge_decided"
    removed = await _seat(seat["id"])
    assert (removed["status"], removed["reason_kind"], removed["reason"]) == (
        "removed", "challenge_upheld", "确有代理关系，决定回避")
    stored = await _challenge(seat["id"])
    assert (stored["status"], stored["decided_by"], stored["decision_reason"], stored["reason"]) == (
        "upheld", ctx["office"].user_id, "确有代理关系，决定回避", REASON)
    after = await seats_of(ctx["panel_id"])
    assert len(after) == 6
    assert (after[-1]["role"], after[-1]["is_chair"], after[-1]["status"]) == (seat["role"], seat["is_chair"],
                                                                              "invited")
    assert after[-1]["member"] not in {s["member"] for s in after[:-1]}
    [refill] = (await panel_row(ctx["panel_id"]))["record"]["refills"]
    assert {"member_id": seat["member"], "kind": "challenge_upheld"} in [
        {"member_id": e["member_id"], "kind": e["kind"]} for e in refill["exclusions"]]
    [event] = await events("challenge_upheld")
    assert (event["actor"], event["reason"], event["data"]) == (
        f"office:{ctx['office'].username}", "确有代理关系，决定回避", {"challenge": challenge_id, "seat": seat["id"]})
    assert len(await events("seat_refilled")) == 1


async def test_decide_reject_on_the_office_page_keeps_the_seat() -> None:
    ctx = await _under_review()
    seat = ctx["seats"][1]
    complainant = await _complainant(ctx["number"], ctx["code"])
    challenge_id = await raise_challenge(seat_id=seat["id"], actor=complainant, reason=REASON)

    async with await web(ctx["office"]) as http:
        page = await http.get("/office/challenges")
        response = await submit(http, "/office/challenges", f"/office/challenges/{challenge_id}",
                                {"decision": "reject", "reason": "理由不成立"})
        empty = await http.get("/office/challenges")
    await run_jobs()

    assert page.status_code == 200 and ctx["number"] in page.text and REASON in page.text
    assert response.status_code == 303
    assert "没有待决定的回避申请" in empty.text
    assert (await _seat(seat["id"]))["status"] == "accepted"
    stored = await _challenge(seat["id"])
    assert (stored["status"], stored["decision_reason"]) == ("rejected", "理由不成立")
    assert len(await seats_of(ctx["panel_id"])) == 5
    [event] = await events("challenge_rejected")
    assert event["reason"] == "理由不成立" and event["data"]["challenge"] == challenge_id
    assert await events("seat_refilled") == []


async def test_decide_needs_the_office_and_a_reason() -> None:
    ctx = await _under_review()
    challenge_id = await raise_challenge(seat_id=ctx["seats"][0]["id"], actor=ctx["liaison"], reason=REASON)

    with pytest.raises(Forbidden):
        await decide_challenge(challenge_id=challenge_id, actor=ctx["liaison"], uphold=False, reason="自己驳回")
    with pytest.raises(Invalid):
        await decide_challenge(challenge_id=challenge_id, actor=ctx["office"], uphold=True, reason=" ")
    async with await api(ctx["liaison"]) as http:
        by_liaison = await http.post(f"/api/v1/challenges/{challenge_id}/decision",
                                     json={"uphold": False, "reason": "驳回"})

    assert by_liaison.status_code == 403
    assert (await _challenge(ctx["seats"][0]["id"]))["status"] == "pending"
    assert await events("challenge_upheld") == await events("challenge_rejected") == []
