"""Convening rounds: every accepted case seated in one job, the seed hidden until done, infeasible cases reported."""

from __future__ import annotations

import json
from typing import Any

import pytest

from panels.services import rounds
from panels.services.invitations import answer_invitation
from panels.tables import ConveningRound, Panel, Seat
from review.convening import rounds as round_seating
from review.core.actors import Actor
from review.core.errors import Conflict, Forbidden
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import accepted_case, api, case_row, events, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

ROSTER = {"lawyer": 4, "deputy": 4, "resident": 8, "expert": 4}


async def _accepted(office: Actor, n: int, **overrides: Any) -> list[str]:
    return [(await accepted_case(office, **overrides))[0] for _ in range(n)]


async def _round(round_id: int) -> dict[str, Any]:
    row = await ConveningRound.select().where(ConveningRound.id == round_id).first().run()
    assert row is not None
    row["report"] = json.loads(row["report"]) if isinstance(row["report"], str) else row["report"]
    return row


async def _seats_by_case(numbers: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = await Seat.select(Seat.panel.case.number, Seat.role, Seat.status, Seat.is_chair, Seat.member,
                             Seat.panel.round, Seat.reply_by).run()
    found: dict[str, list[dict[str, Any]]] = {n: [] for n in numbers}
    for row in rows:
        found.setdefault(row["panel.case.number"], []).append(row)
    return found


async def test_round_seats_every_accepted_case_and_verifies() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    numbers = await _accepted(office, 4)
    not_accepted, _ = await factories.case()

    round_id = await rounds.request_round(actor=office)
    pending = await rounds.round_status(round_id)
    with pytest.raises(Conflict) as busy:
        await rounds.request_round(actor=office)
    await run_jobs()
    done = await rounds.round_status(round_id)

    stored = await _round(round_id)
    assert pending["status"] in ("queued", "running") and pending["seed"] == ""
    assert len(pending["seed_hash"]) == 64 and pending["total"] == 4
    assert busy.value.code == "round_running"
    assert (done["status"], done["done"], done["total"]) == ("done", 4, 4)
    assert done["seed"] == stored["seed"] and done["seed_hash"] == pending["seed_hash"]
    assert done["report"]["unfilled"] == []
    assert all(spread <= 1 for spread in done["report"]["load_spread"].values())
    seats = await _seats_by_case(numbers)
    for number in numbers:
        assert (await case_row(number))["status"] == "panel_ready"
        assert sorted(s["role"] for s in seats[number]) == ["deputy", "expert", "lawyer", "resident", "resident"]
        assert {s["status"] for s in seats[number]} == {"invited"}
        assert {s["panel.round"] for s in seats[number]} == {round_id}
        assert sum(s["is_chair"] for s in seats[number]) == 1
        assert all(s["reply_by"] is not None for s in seats[number])
    assert (await case_row(not_accepted))["status"] == "received"
    assert await rounds.verify_round(round_id) == (True, [])
    [requested] = await events("round_requested")
    [finished] = await events("round_done")
    assert requested["data"]["seed_hash"] == stored["seed_hash"] and "seed" not in requested["data"]
    assert (finished["data"]["seed"], finished["data"]["seated"], finished["data"]["unfilled"]) == (
        stored["seed"], 4, 0)


async def test_round_job_run_again_changes_nothing() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    await _accepted(office, 2)
    round_id = await rounds.request_round(actor=office)
    await run_jobs()
    panels_before = await Panel.count().run()

    again = await round_seating.run_round(round_id=round_id)

    assert again == "done"
    assert await Panel.count().run() == panels_before == 2
    assert await Seat.count().run() == 10


async def test_round_tampered_snapshot_fails_verification() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    await _accepted(office, 2)
    round_id = await rounds.request_round(actor=office)
    await run_jobs()
    snapshot = (await _round(round_id))["snapshot"]
    snapshot = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
    snapshot["members"][0]["load"] += 2
    await ConveningRound.update({ConveningRound.snapshot: json.dumps(snapshot)}).where(
        ConveningRound.id == round_id).run()

    ok, problems = await rounds.verify_round(round_id)

    assert not ok and "名册快照与登记的名册摘要不一致" in problems


async def test_round_infeasible_reports_unfilled_cases_and_leaves_them_accepted() -> None:
    office = await factories.account("office")
    await factories.department("CDSW", "成都市水务局")
    await factories.roster({"lawyer": 4}, affiliations=("CDJT",))
    await factories.roster({"deputy": 4, "resident": 8, "expert": 4})
    blocked = await _accepted(office, 2, department_code="CDJT")
    fine = await _accepted(office, 1, department_code="CDSW")

    round_id = await rounds.request_round(actor=office)
    await run_jobs()

    found = await rounds.round_status(round_id)
    assert found["status"] == "done"
    [line] = found["report"]["unfilled"]
    assert line.startswith("武侯区 的 2 件案件缺少无利益冲突的律师")
    assert "任职于或服务于被评议部门" in line
    unfilled = found["report"]["unfilled_cases"]
    assert [(u["role"], sorted(u["cases"])) for u in unfilled] == [("lawyer", sorted(blocked))]
    for number in blocked:
        assert (await case_row(number))["status"] == "accepted"
    assert (await case_row(fine[0]))["status"] == "panel_ready"
    assert len((await _seats_by_case(blocked))[blocked[0]]) == 0
    assert await rounds.verify_round(round_id) == (True, [])
    async with await web(office) as http:
        page = await http.get(f"/office/rounds/{round_id}")
    assert "未能组成评议组的案件" in page.text and all(n in page.text for n in blocked)
    assert fine[0] not in page.text


async def test_round_office_page_refreshes_while_running_and_not_when_done() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    numbers = await _accepted(office, 2)

    async with await web(office) as http:
        listing = await http.get("/office/rounds")
        started = await submit(http, "/office/rounds", "/office/rounds")
        running = await http.get(started.headers["location"])
        refused = await submit(http, "/office/rounds", "/office/rounds")
        await run_jobs()
        finished = await http.get(started.headers["location"])
        seed = (await _round(int(started.headers["location"].rsplit("/", 1)[1])))["seed"]

    assert "待组成评议组的案件：<strong>2</strong> 件" in listing.text
    assert started.status_code == 303 and started.headers["location"].startswith("/office/rounds/")
    assert running.headers["refresh"] == "2" and 'http-equiv="refresh"' not in running.text
    assert seed not in running.text
    assert refused.status_code == 409 and "已有一批正在组成" in refused.text
    assert "refresh" not in finished.headers
    assert "已完成" in finished.text and seed in finished.text and "2 / 2" in finished.text
    assert [(await case_row(n))["status"] for n in numbers] == ["panel_ready"] * 2


async def test_round_api_reports_the_same_and_refuses_a_second_request() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    await _accepted(office, 3)

    async with await api(office) as http:
        started = await http.post("/api/v1/rounds")
        second = await http.post("/api/v1/rounds")
        round_id = started.json()["id"]
        await run_jobs()
        done = await http.get(f"/api/v1/rounds/{round_id}")
        missing = await http.get("/api/v1/rounds/424242")

    stored = await _round(round_id)
    assert started.status_code == 202
    assert started.json()["seed"] == "" and started.json()["seed_hash"] == stored["seed_hash"]
    assert started.json()["total"] == 3 and started.json()["status"] in ("queued", "running")
    assert second.status_code == 409 and second.json()["error"]["code"] == "round_running"
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["done"], done.json()["total"]) == ("done", 3, 3)
    assert done.json()["seed"] == stored["seed"]
    assert done.json()["report"]["unfilled"] == []
    assert missing.status_code == 404
    assert await ConveningRound.count().run() == 1


async def test_round_without_accepted_cases_is_refused() -> None:
    office = await factories.account("office")

    with pytest.raises(Conflict) as refused:
        await rounds.request_round(actor=office)

    assert refused.value.code == "no_cases"
    assert await ConveningRound.count().run() == 0


@pytest.mark.parametrize("kind", ["member", "liaison"])
async def test_round_request_by_others_is_refused(kind: str) -> None:
    office = await factories.account("office")
    actor = await factories.account(kind)
    await _accepted(office, 1)

    with pytest.raises(Forbidden):
        await rounds.request_round(actor=actor)
    async with await api(actor) as http:
        response = await http.post("/api/v1/rounds")
        status = await http.get("/api/v1/rounds/1")

    assert response.status_code == status.status_code == 403
    assert await ConveningRound.count().run() == 0


async def test_round_panel_public_draw_record_verifies() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    await _accepted(office, 2)
    round_id = await rounds.request_round(actor=office)
    await run_jobs()
    panel_id = (await Panel.select(Panel.id).where(Panel.round == round_id).first().run())["id"]

    async with factories.client() as http:
        response = await http.get(f"/api/v1/draws/{panel_id}")

        page = await http.get(f"/public/draws/{panel_id}")

    assert response.status_code == 200
    assert response.json()["verification"]["ok"] is True, response.json()["verification"]
    assert response.json()["round"] == round_id
    assert f"由第 {round_id} 批次统一组成" in page.text and "复核未通过" not in page.text


async def test_round_panel_with_a_swapped_member_fails_its_public_verification() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    await _accepted(office, 2)
    round_id = await rounds.request_round(actor=office)
    await run_jobs()
    panels = await Panel.select(Panel.id, Panel.record).where(Panel.round == round_id).order_by(Panel.id).run()
    first, second = (json.loads(p["record"]) if isinstance(p["record"], str) else p["record"] for p in panels)
    outsider = next(s for s in second["result"] if s["member_id"] not in {x["member_id"] for x in first["result"]})
    swapped = next(s for s in first["result"] if s["role"] == outsider["role"])
    swapped["member_id"] = outsider["member_id"]
    await Panel.update({Panel.record: json.dumps(first, ensure_ascii=False)}).where(
        Panel.id == panels[0]["id"]).run()

    async with factories.client() as http:
        tampered = (await http.get(f"/api/v1/draws/{panels[0]['id']}")).json()
        intact = (await http.get(f"/api/v1/draws/{panels[1]['id']}")).json()

    assert tampered["verification"]["ok"] is False
    assert "复算" in tampered["verification"]["checks"][0]["message"]
    assert intact["verification"]["ok"] is True


async def test_round_panel_refilled_after_a_decline_still_verifies_as_the_round_drew_it() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    await _accepted(office, 2)
    round_id = await rounds.request_round(actor=office)
    await run_jobs()
    panel_id = (await Panel.select(Panel.id).where(Panel.round == round_id).first().run())["id"]
    seat = await Seat.select(Seat.id, Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel == panel_id) & (Seat.is_chair == False)).first().run()
    member = Actor(kind="member", user_id=seat["member.user.id"], username=seat["member.user.username"])

    await answer_invitation(seat_id=seat["id"], actor=member, answer="decline", reason="出差")
    await run_jobs()  # the refill

    record = (await Panel.select(Panel.record).where(Panel.id == panel_id).first().run())["record"]
    record = json.loads(record) if isinstance(record, str) else record
    async with factories.client() as http:
        verification = (await http.get(f"/api/v1/draws/{panel_id}")).json()["verification"]
    assert len(record["refills"]) == 1 and record["round"] == round_id
    assert verification["ok"] is True, verification
