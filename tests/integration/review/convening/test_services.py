"""Who the draw may seat: members without a login are excluded, the load margin is recorded and published,
and the demo's township categories seat a township representative."""

from __future__ import annotations

import json

import pytest

from panels.services import rounds
from panels.tables import Panel, RosterMember, Seat
from review.convening.services import convene_panel
from review.demo.seeding import seed_demo_templates
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import accepted_case, convened_case, panel_row, seats_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

ROSTER = {"lawyer": 3, "deputy": 3, "resident": 2, "expert": 3}


async def _no_login_ids() -> set[int]:
    rows = await RosterMember.select(RosterMember.id).where(RosterMember.user.is_null()).run()
    return {r["id"] for r in rows}


async def test_convene_member_without_login_excluded_and_shown_on_the_record() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    await factories.roster({"resident": 5}, with_logins=False)
    no_login = await _no_login_ids()

    _, _, panel_id = await convened_case(office)

    seated = {s["member"] for s in await seats_of(panel_id)}
    panel = await panel_row(panel_id)
    assert not seated & no_login
    assert {(e["member"], e["kind"], e["reason"]) for e in panel["exclusions"]} >= {
        (member, "no_account", "尚未开通账号") for member in no_login
    }
    assert panel["record"]["rule"] == {"version": 2, "load_margin": 2}
    async with factories.client() as http:
        page = await http.get(f"/public/draws/{panel_id}")
    assert page.status_code == 200
    assert "尚未开通账号：5 人次" in page.text
    assert "负载余量 2" in page.text
    assert "结果与记录一致" in page.text
    async with factories.client() as http:
        listing = await http.get("/public/draws")
    assert "负载余量 2" in listing.text and "尚未开通账号的评议员不参加抽取" in listing.text


async def test_round_member_without_login_never_seated() -> None:
    office = await factories.account("office")
    await factories.roster({**ROSTER, "resident": 4})
    await factories.roster({"resident": 6}, with_logins=False)
    no_login = await _no_login_ids()
    for _ in range(2):
        await accepted_case(office)

    round_id = await rounds.request_round(actor=office)
    await run_jobs()

    status = await rounds.round_status(round_id)
    seated = {r["member"] for r in await Seat.select(Seat.member).run()}
    assert status["status"] == "done" and status["report"]["unfilled"] == []
    assert len(seated) == 2 * 5 and not seated & no_login
    assert status["report"]["conflicts"]["no_account"] == 6 * 2


async def test_demo_township_category_panel_seats_a_township_representative() -> None:
    office = await factories.account("office")
    await seed_demo_templates()
    await factories.roster({**ROSTER, "township": 2})

    _, _, township_panel = await convened_case(office, category="城市管理")
    _, _, other_panel = await convened_case(office, category="交通出行")

    assert sorted(s["role"] for s in await seats_of(township_panel)) == [
        "deputy",
        "expert",
        "lawyer",
        "resident",
        "resident",
        "township",
    ]
    assert "township" not in {s["role"] for s in await seats_of(other_panel)}


async def test_demo_township_category_round_seats_a_township_representative() -> None:
    office = await factories.account("office")
    await seed_demo_templates()
    await factories.roster({**ROSTER, "township": 2})
    number, _ = await accepted_case(office, category="民政服务")

    await rounds.request_round(actor=office)
    await run_jobs()

    panel = await Panel.select(Panel.id, Panel.record).where(Panel.case.number == number).first().run()
    assert panel is not None
    roles = sorted(s["role"] for s in await seats_of(panel["id"]))
    record = json.loads(panel["record"]) if isinstance(panel["record"], str) else panel["record"]
    assert roles == ["deputy", "expert", "lawyer", "resident", "resident", "township"]
    assert record["template"]["seats"]["township"] == 1


async def test_convene_load_margin_comes_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from review.core import settings

    monkeypatch.setattr(settings, "PANEL_LOAD_MARGIN", 1.5)
    office = await factories.account("office")
    await factories.roster(ROSTER)
    number, _ = await accepted_case(office)

    panel_id = await convene_panel(number=number, actor=office)

    assert (await panel_row(panel_id))["record"]["rule"] == {"version": 2, "load_margin": 1.5}
