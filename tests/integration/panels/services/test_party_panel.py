"""The parties (complainant and liaison) see each member of the panel as soon as the seat is accepted, never a
pending invitation by name, and may ask an accepted member to step down from then on."""

from __future__ import annotations

import html
import re

import pytest

from panels.services.challenges import raise_challenge
from panels.services.invitations import answer_invitation
from panels.tables import Challenge, Seat
from review.core.errors import Conflict
from tests import factories
from tests.integration.panel_helpers import (
    api,
    case_row,
    complainant_token,
    convened_case,
    member_of_seat,
    seats_of,
    submit,
    web,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

REASON = "该评议员曾代理被评议部门的诉讼案件"


def _named(name: str, text: str) -> bool:
    return re.search(re.escape(name) + r"(?!\d)", text) is not None


async def _names(panel_id: int) -> dict[int, str]:
    rows = await Seat.select(Seat.id, Seat.member.name).where(Seat.panel == panel_id).run()
    return {r["id"]: r["member.name"] for r in rows}


async def _api_panels(number: str, token: str) -> list[dict]:
    async with factories.client(Authorization=f"Bearer {token}") as http:
        response = await http.get(f"/api/v1/cases/{number}")
    assert response.status_code == 200, response.text
    return response.json()["panels"]


async def test_parties_see_an_accepted_member_while_invitations_are_out_and_may_challenge_them() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, code, panel_id = await convened_case(office)
    liaison = await factories.account("liaison")
    seats = await seats_of(panel_id)
    names = await _names(panel_id)
    token = await complainant_token(number, code)

    async with factories.client() as tracker, await web(liaison) as department:
        tracker.cookies.set("rv_track", token)
        before = html.unescape((await tracker.get("/track/case")).text)
        before_liaison = html.unescape((await department.get(f"/liaison/cases/{number}")).text)
        before_api = await _api_panels(number, token)

        accepted = seats[0]
        await answer_invitation(
            seat_id=accepted["id"], actor=await member_of_seat(accepted["id"]), answer="accept"
        )
        after = html.unescape((await tracker.get("/track/case")).text)
        after_liaison = html.unescape((await department.get(f"/liaison/cases/{number}")).text)
        after_api = await _api_panels(number, token)
        challenged = await submit(
            tracker,
            "/track/case",
            f"/cases/{number}/challenges",
            {"seat": str(accepted["id"]), "reason": REASON},
        )

    assert (await case_row(number))["status"] == "panel_ready"  # no sheet is in yet
    for page in (before, before_liaison):
        assert not any(_named(n, page) for n in names.values()), "a pending invitation is shown by name"
        assert f"另有 {len(seats)} 个席位正在等待受邀评议员答复" in page
        assert "申请评议员回避" not in page
    for page in (after, after_liaison):
        assert _named(names[accepted["id"]], page), "the accepted member is not shown to the party"
        assert not any(_named(n, page) for sid, n in names.items() if sid != accepted["id"])
        assert f"另有 {len(seats) - 1} 个席位" in page
        assert "申请评议员回避" in page
        options = re.findall(r'<option value="(\d+)">', page)
        assert options == [str(accepted["id"])], "the challenge form offers a seat not yet accepted"
    assert before_api == [{"label": "评议组", "seated": True, "awaiting": len(seats), "seats": []}]
    [group] = after_api
    assert group["awaiting"] == len(seats) - 1
    assert [(s["seat_id"], s["name"]) for s in group["seats"]] == [(accepted["id"], names[accepted["id"]])]
    assert challenged.status_code == 303 and challenged.headers["location"] == "/track/case?challenged=1"
    stored = await Challenge.select().where(Challenge.seat == accepted["id"]).first().run()
    assert (stored["raised_by"], stored["status"]) == ("complainant", "pending")


async def test_a_pending_invitation_cannot_be_challenged_on_web_or_api() -> None:
    office = await factories.account("office")
    await factories.roster()
    _, _, panel_id = await convened_case(office)
    liaison = await factories.account("liaison")
    invited = (await seats_of(panel_id))[1]

    with pytest.raises(Conflict) as refused:
        await raise_challenge(seat_id=invited["id"], actor=liaison, reason=REASON)
    async with await api(liaison) as http:
        by_api = await http.post(f"/api/v1/seats/{invited['id']}/challenges", json={"reason": REASON})

    assert refused.value.code == "seat_not_challengeable"
    assert by_api.status_code == 409 and by_api.json()["error"]["code"] == "seat_not_challengeable"
    assert "接受邀请" in by_api.json()["error"]["message"]
    assert await Challenge.count().run() == 0
