"""Invitations: reply deadlines, answers on web and API, and vacated seats refilled by the seeded procedure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from panels import jobs as panel_jobs
from panels.services.invitations import answer_invitation, expire_invitations
from panels.services.verification import verify_panel
from panels.tables import Panel, Seat
from review.convening import jobs as convening_jobs
from review.core.calendar import add_workdays
from review.core.clock import CHINA
from review.core.errors import Conflict, Forbidden, Invalid
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import (
    api,
    complainant_token,
    convened_case,
    events,
    member_of_seat,
    panel_row,
    seats_of,
    submit,
    web,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

FAR_FUTURE = datetime(2099, 1, 1, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _panel() -> tuple[str, int, list[dict[str, Any]]]:
    """A convened case with the default roster: (number, panel id, its seats)."""
    office = await factories.account("office")
    await factories.roster()
    number, _, panel_id = await convened_case(office)
    return number, panel_id, await seats_of(panel_id)


async def _verified(panel_id: int) -> list[tuple[str, bool]]:
    _, verification = await verify_panel(panel_id)
    return [(c.name, c.ok) for c in verification.checks]


async def test_convening_invites_each_seat_with_a_working_day_deadline() -> None:
    before = datetime.now(UTC)
    _, panel_id, seats = await _panel()

    assert len(seats) == 5 and {s["status"] for s in seats} == {"invited"}
    assert sum(s["is_chair"] for s in seats) == 1
    expected_day = (await add_workdays(before.astimezone(CHINA).date(), 2)).day
    deadlines = {_aware(s["reply_by"]) for s in seats}
    assert deadlines == {datetime.combine(expected_day, time(23, 59, 59), tzinfo=CHINA)}
    assert all(_aware(s["invited_at"]) >= before.replace(microsecond=0) for s in seats)
    assert (await panel_row(panel_id))["status"] == "seated"


async def test_invitation_accept_on_web_and_api() -> None:
    number, _, seats = await _panel()
    first, second = seats[0]["id"], seats[1]["id"]
    by_web, by_api = await member_of_seat(first), await member_of_seat(second)

    async with await web(by_web) as http:
        page = await http.get("/panel/invitations")
        answered = await submit(http, "/panel/invitations", f"/panel/invitations/{first}", {"answer": "accept"})
        after = await http.get("/panel/invitations")
    async with await api(by_api) as http:
        listed = await http.get("/api/v1/invitations")
        accepted = await http.post(f"/api/v1/invitations/{second}", json={"answer": "accept"})
        again = await http.post(f"/api/v1/invitations/{second}", json={"answer": "decline", "reason": "改主意"})

    assert page.status_code == 200 and number in page.text and "接受邀请" in page.text
    assert answered.status_code == 303
    assert "进入评分" in after.text
    assert [i["id"] for i in listed.json()["invitations"]] == [second]
    assert (listed.json()["load"], listed.json()["max_panels"]) == (1, 5)
    assert accepted.json() == {"status": "accepted"}
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
    statuses = {s["id"]: s["status"] for s in await seats_of(seats[0]["panel"])}
    assert (statuses[first], statuses[second]) == ("accepted", "accepted")
    assert len(await events("invitation_accepted")) == 2


async def test_invitation_decline_without_reason_is_refused() -> None:
    _, _, seats = await _panel()
    seat_id = seats[0]["id"]
    member = await member_of_seat(seat_id)

    with pytest.raises(Invalid) as refused:
        await answer_invitation(seat_id=seat_id, actor=member, answer="decline", reason="  ")
    async with await api(member) as http:
        by_api = await http.post(f"/api/v1/invitations/{seat_id}", json={"answer": "decline"})
        no_kind = await http.post(f"/api/v1/invitations/{seat_id}", json={"answer": "recuse", "reason": "亲属"})
        nonsense = await http.post(f"/api/v1/invitations/{seat_id}", json={"answer": "maybe"})
    async with await web(member) as http:
        by_web = await submit(http, "/panel/invitations", f"/panel/invitations/{seat_id}", {"answer": "decline"})

    assert refused.value.field == "reason"
    assert by_api.status_code == 422 and by_api.json()["error"]["field"] == "reason"
    assert no_kind.status_code == 422 and no_kind.json()["error"]["field"] == "kind"
    assert nonsense.status_code == 422 and nonsense.json()["error"]["field"] == "answer"
    assert by_web.status_code == 422 and "谢绝或申请回避须说明理由" in by_web.text
    assert (await seats_of(seats[0]["panel"]))[0]["status"] == "invited"


async def test_invitation_of_another_member_is_forbidden() -> None:
    _, _, seats = await _panel()
    owner_seat, other_seat = seats[0]["id"], seats[1]["id"]
    intruder = await member_of_seat(other_seat)
    office = await factories.account("office")

    with pytest.raises(Forbidden):
        await answer_invitation(seat_id=owner_seat, actor=intruder, answer="accept")
    async with await api(intruder) as http:
        by_api = await http.post(f"/api/v1/invitations/{owner_seat}", json={"answer": "decline", "reason": "没空"})
    async with await web(intruder) as http:
        by_web = await submit(http, "/panel/invitations", f"/panel/invitations/{owner_seat}", {"answer": "accept"})
    async with await api(office) as http:
        by_office = await http.post(f"/api/v1/invitations/{owner_seat}", json={"answer": "accept"})

    assert by_api.status_code == by_web.status_code == by_office.status_code == 403
    assert (await seats_of(seats[0]["panel"]))[0]["status"] == "invited"
    assert await events("invitation_accepted") == await events("invitation_declined") == []


async def test_invitation_after_deadline_cannot_be_answered() -> None:
    _, _, seats = await _panel()
    seat_id = seats[0]["id"]
    await Seat.update({Seat.reply_by: datetime.now(UTC) - timedelta(minutes=1)}).where(Seat.id == seat_id).run()

    with pytest.raises(Conflict) as refused:
        await answer_invitation(seat_id=seat_id, actor=await member_of_seat(seat_id), answer="accept")

    assert refused.value.code == "invitation_expired"


async def test_decline_refills_the_seat_with_a_new_member_of_the_same_role_and_chair() -> None:
    _, panel_id, seats = await _panel()
    chair = next(s for s in seats if s["is_chair"])
    member = await member_of_seat(chair["id"])

    async with await api(member) as http:
        declined = await http.post(f"/api/v1/invitations/{chair['id']}",
                                   json={"answer": "decline", "reason": "出差，无法参加"})
    await run_jobs()

    after = await seats_of(panel_id)
    assert declined.json() == {"status": "declined"}
    assert len(after) == 6
    old = next(s for s in after if s["id"] == chair["id"])
    new = after[-1]
    assert (old["status"], old["reason"]) == ("declined", "出差，无法参加")
    assert (new["status"], new["role"], new["is_chair"]) == ("invited", chair["role"], True)
    assert new["member"] not in {s["member"] for s in seats}
    assert _aware(new["reply_by"]) > datetime.now(UTC)
    assert [s["is_chair"] for s in after if s["status"] == "invited"].count(True) == 1
    record = (await panel_row(panel_id))["record"]
    assert [(r["replaces"], r["role"]) for r in record["refills"]] == [(chair["member"], chair["role"])]
    [refilled] = await events("seat_refilled")
    assert refilled["data"]["panel_id"] == panel_id and "unfilled" not in refilled["data"]
    assert all(ok for _, ok in await _verified(panel_id))


async def test_recusal_keeps_its_kind_and_excludes_the_member_from_the_refill() -> None:
    _, panel_id, seats = await _panel()
    seat = next(s for s in seats if s["role"] == "resident")

    status = await answer_invitation(seat_id=seat["id"], actor=await member_of_seat(seat["id"]), answer="recuse",
                                     reason="诉求人是我的表亲", kind="personal_tie")
    await run_jobs()

    after = await seats_of(panel_id)
    recused = next(s for s in after if s["id"] == seat["id"])
    assert status == "recused"
    assert (recused["status"], recused["reason_kind"], recused["reason"]) == ("recused", "personal_tie",
                                                                             "诉求人是我的表亲")
    assert after[-1]["role"] == "resident" and after[-1]["status"] == "invited"
    assert after[-1]["member"] not in {s["member"] for s in seats}
    [refill] = (await panel_row(panel_id))["record"]["refills"]
    assert {"member_id": seat["member"], "kind": "personal_tie"} in [
        {"member_id": e["member_id"], "kind": e["kind"]} for e in refill["exclusions"]]
    [event] = await events("invitation_recused")
    assert event["data"]["kind"] == "personal_tie" and event["reason"] == "诉求人是我的表亲"
    assert all(ok for _, ok in await _verified(panel_id))


async def test_expire_invitations_expires_open_seats_and_refills_them() -> None:
    _, panel_id, seats = await _panel()
    accepted = seats[0]
    await answer_invitation(seat_id=accepted["id"], actor=await member_of_seat(accepted["id"]), answer="accept")
    now = datetime.now(UTC)

    expired_panels = await expire_invitations(now=FAR_FUTURE)
    await run_jobs()
    again = await expire_invitations(now=now)

    after = await seats_of(panel_id)
    original = {s["id"]: s for s in after if s["id"] in {x["id"] for x in seats}}
    assert expired_panels == [panel_id]
    assert again == []
    assert original[accepted["id"]]["status"] == "accepted"
    assert sorted(s["status"] for i, s in original.items() if i != accepted["id"]) == ["expired"] * 4
    assert all(s["reason"] == "逾期未答复" for i, s in original.items() if i != accepted["id"])
    fresh = [s for s in after if s["id"] not in original]
    assert len(fresh) == 4 and {s["status"] for s in fresh} == {"invited"}
    assert sorted(s["role"] for s in fresh) == sorted(s["role"] for s in seats[1:])
    assert not {s["member"] for s in fresh} & {s["member"] for s in seats}
    assert len(await events("invitation_expired")) == 4
    assert all(ok for _, ok in await _verified(panel_id))


async def test_expire_invitations_job_sweeps_through_the_worker_function() -> None:
    _, panel_id, seats = await _panel()
    await Seat.update({Seat.reply_by: datetime.now(UTC) - timedelta(minutes=1)}).where(
        Seat.id == seats[1]["id"]).run()

    expired = await panel_jobs.expire_invitations({})
    await run_jobs()

    after = await seats_of(panel_id)
    assert expired == 1
    assert [s["status"] for s in after] == ["invited", "expired", "invited", "invited", "invited", "invited"]


async def test_refill_run_twice_refills_once() -> None:
    _, panel_id, seats = await _panel()
    seat = seats[0]
    await answer_invitation(seat_id=seat["id"], actor=await member_of_seat(seat["id"]), answer="decline",
                            reason="身体不适")
    await run_jobs()

    again = await asyncio.gather(convening_jobs.refill_panel({}, panel_id),
                                 convening_jobs.refill_panel({}, panel_id))

    assert again == [0, 0]
    after = await seats_of(panel_id)
    assert len(after) == 6
    assert len((await panel_row(panel_id))["record"]["refills"]) == 1
    assert len(await events("seat_refilled")) == 1


async def test_refill_jobs_racing_on_one_vacated_seat_refill_once() -> None:
    _, panel_id, seats = await _panel()
    await Seat.update({Seat.status: "declined", Seat.reason: "没空"}).where(Seat.id == seats[2]["id"]).run()

    results = await asyncio.gather(convening_jobs.refill_panel({}, panel_id),
                                   convening_jobs.refill_panel({}, panel_id))

    assert sorted(results) == [0, 1]
    assert len(await seats_of(panel_id)) == 6
    assert len((await panel_row(panel_id))["record"]["refills"]) == 1


async def test_several_refills_in_a_row_still_verify() -> None:
    _, panel_id, seats = await _panel()
    for seat in seats[:2]:
        await answer_invitation(seat_id=seat["id"], actor=await member_of_seat(seat["id"]), answer="decline",
                                reason="时间冲突")
        await run_jobs()
    newest = (await seats_of(panel_id))[-1]
    await answer_invitation(seat_id=newest["id"], actor=await member_of_seat(newest["id"]), answer="recuse",
                            reason="曾为承办部门提供法律服务", kind="works_for_department")
    await run_jobs()

    after = await seats_of(panel_id)
    checks = await _verified(panel_id)
    assert len(after) == 8
    assert len({s["member"] for s in after}) == 8  # nobody drawn twice
    assert sorted(s["role"] for s in after if s["status"] == "invited") == sorted(s["role"] for s in seats)
    assert [name for name, _ in checks if name.startswith("refill:")][-1].startswith("refill:2:")
    assert all(ok for _, ok in checks), checks


async def test_refill_without_a_free_member_records_the_shortfall() -> None:
    office = await factories.account("office")
    await factories.roster({"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1})
    _, _, panel_id = await convened_case(office)
    lawyer = next(s for s in await seats_of(panel_id) if s["role"] == "lawyer")

    await answer_invitation(seat_id=lawyer["id"], actor=await member_of_seat(lawyer["id"]), answer="decline",
                            reason="不能参加")
    await run_jobs()

    [event] = await events("seat_refilled")
    assert event["data"]["unfilled"] == "无利益冲突的可选评议员不足：还缺 律师 1 名"
    assert len(await seats_of(panel_id)) == 5
    assert (await panel_row(panel_id))["record"]["refills"][0]["seat"] is None
    assert all(ok for _, ok in await _verified(panel_id))


async def test_closed_panel_is_not_refilled() -> None:
    _, panel_id, seats = await _panel()
    await Panel.update({Panel.status: "dissolved"}).where(Panel.id == panel_id).run()
    await Seat.update({Seat.status: "declined"}).where(Seat.id == seats[0]["id"]).run()

    refilled = await convening_jobs.refill_panel({}, panel_id)

    assert refilled == 0 and len(await seats_of(panel_id)) == 5


async def test_a_recusal_reason_stays_off_the_parties_timeline() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, code, panel_id = await convened_case(office)
    seat = (await seats_of(panel_id))[0]
    await answer_invitation(seat_id=seat["id"], actor=await member_of_seat(seat["id"]), answer="recuse",
                            reason="诉求人是我的表亲", kind="personal_tie")
    liaison = await factories.account("liaison")

    async with factories.client(Authorization=f"Bearer {await complainant_token(number, code)}") as http:
        complainant = (await http.get(f"/api/v1/cases/{number}")).json()
    async with await web(liaison) as http:
        page = (await http.get(f"/liaison/cases/{number}")).text
    async with await web(office) as http:
        office_page = (await http.get(f"/office/cases/{number}")).text

    steps = {s["step"]: s for s in complainant["timeline"]}
    assert steps["评议员申请回避"]["reason"] == ""
    assert "评议员申请回避" in page and "诉求人是我的表亲" not in page
    assert "诉求人是我的表亲" not in office_page  # the office reads it where it acts on it, with the seat
    assert not [s for s in complainant["timeline"] if s["step"].isascii()], "a step shown by its code"
