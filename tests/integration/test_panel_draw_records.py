"""Public draw records: re-run on every view, free of personal data, and failing loudly once tampered with."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest

from panels.invitations import answer_invitation
from panels.tables import Panel, RosterMember
from review.draws import verify_panel
from tests import factories
from tests.integration.panel_helpers import (
    convened_case,
    member_of_seat,
    panel_row,
    run_jobs,
    seats_of,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

COMPLAINANT = ("王小明", "13800001234")


async def _drawn(*, refilled: bool = False) -> tuple[str, int]:
    """A convened case (number, panel id); with one seat declined and refilled when asked."""
    office = await factories.account("office")
    await factories.roster()
    number, _, panel_id = await convened_case(office)
    if refilled:
        seat = (await seats_of(panel_id))[0]
        await answer_invitation(seat_id=seat["id"], actor=await member_of_seat(seat["id"]), answer="decline",
                                reason="出差")
        await run_jobs()
        assert len(await seats_of(panel_id)) == 6
    return number, panel_id


async def _roster_secrets() -> tuple[list[str], list[int]]:
    rows = await RosterMember.select(RosterMember.name, RosterMember.id).run()
    return [r["name"] for r in rows], [r["id"] for r in rows]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def _tamper(panel_id: int, change: Any) -> None:
    row = await panel_row(panel_id)
    record, snapshot = row["record"], row["snapshot"]
    change(record, snapshot)
    await Panel.update({Panel.record: json.dumps(record, ensure_ascii=False),
                        Panel.snapshot: json.dumps(snapshot, ensure_ascii=False)}).where(Panel.id == panel_id).run()


async def _failures(panel_id: int) -> list[str]:
    _, verification = await verify_panel(panel_id)
    return [c.name for c in verification.failures]


@pytest.mark.parametrize("refilled", [False, True], ids=["draw", "with_refill"])
async def test_public_draw_page_and_api_verify_and_hold_no_personal_data(refilled: bool) -> None:
    _, panel_id = await _drawn(refilled=refilled)
    names, _ = await _roster_secrets()
    seated = await seats_of(panel_id)

    async with factories.client() as http:
        page = await http.get(f"/public/draws/{panel_id}")
        response = await http.get(f"/api/v1/draws/{panel_id}")
        listing = await http.get("/public/draws")

    body = response.json()
    assert page.status_code == response.status_code == listing.status_code == 200
    assert "已用公布的种子重新运行抽取，结果与记录一致" in page.text and "✗" not in page.text
    assert body["verification"]["ok"] is True
    assert all(c["ok"] for c in body["verification"]["checks"])
    assert len(body["seats"]) == 5 and len(body["refills"]) == (1 if refilled else 0)
    stored = (await panel_row(panel_id))["record"]
    assert (body["seed"], body["seed_hash"]) == (stored["seed"], stored["seed_hash"])
    assert f"/public/draws/{panel_id}" in listing.text
    for text in (page.text, response.text, listing.text):
        assert not [n for n in names if n in text]
        assert not [p for p in COMPLAINANT if p in text]
    assert not {"member", "member_id", "members", "user", "user_id"} & _keys(body)
    assert [k for k in _keys(body["verification"]) if k == "name"] == ["name"]  # only the checks' names
    assert "name" not in _keys({k: v for k, v in body.items() if k not in ("verification", "template")})
    panel = await panel_row(panel_id)
    assert body["template"]["name"] == "标准评议组（5 人）"
    assert body["template"]["version"] == panel["template_version"] == stored["template"]["version"] == 1
    assert body["template"]["seats"] == {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}
    assert len(seated) == 5 + refilled


async def test_public_draw_unknown_is_not_found() -> None:
    async with factories.client() as http:
        page = await http.get("/public/draws/424242")
        response = await http.get("/api/v1/draws/424242")

    assert page.status_code == response.status_code == 404
    assert response.json()["error"]["code"] == "draw_not_found"


async def test_draw_tampered_seed_fails_the_seed_check_on_page_and_api() -> None:
    _, panel_id = await _drawn()
    await _tamper(panel_id, lambda record, _: record.update(seed="0" * 64))

    failures = await _failures(panel_id)
    async with factories.client() as http:
        page = await http.get(f"/public/draws/{panel_id}")
        response = await http.get(f"/api/v1/draws/{panel_id}")

    assert failures[0] == "seed"
    assert "复核未通过" in page.text and "种子在抽取后被更换" in page.text
    assert response.json()["verification"]["ok"] is False
    assert {c["name"]: c["ok"] for c in response.json()["verification"]["checks"]}["seed"] is False


async def test_draw_tampered_member_load_in_snapshot_fails_the_roster_check() -> None:
    _, panel_id = await _drawn()

    def raise_load(_: dict[str, Any], snapshot: dict[str, Any]) -> None:
        snapshot["members"][0]["load"] += 3

    await _tamper(panel_id, raise_load)

    failures = await _failures(panel_id)
    assert "roster" in failures and "seed" not in failures


async def test_draw_tampered_result_fails_the_panel_check() -> None:
    _, panel_id = await _drawn()
    others = (await _roster_secrets())[1]

    def swap_member(record: dict[str, Any], _: dict[str, Any]) -> None:
        seated = {s["member_id"] for s in record["result"]}
        replacement = next(m for m in others if m not in seated)
        record["result"][0]["member_id"] = replacement

    await _tamper(panel_id, swap_member)

    assert await _failures(panel_id) == ["panel"]


async def test_draw_tampered_refill_seed_fails_the_refill_seed_check() -> None:
    _, panel_id = await _drawn(refilled=True)
    await _tamper(panel_id, lambda record, _: record["refills"][0].update(seed="f" * 64))

    assert "refill:0:seed" in await _failures(panel_id)


async def _cli(*args: str) -> tuple[int, str, str]:
    # The test database stays open in this process; the command opens its own connection, as in production.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; from review.cli import main; sys.exit(main())", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=dict(os.environ))
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_verify_draw_command_exit_codes() -> None:
    _, panel_id = await _drawn(refilled=True)

    ok = await _cli("verify-draw", str(panel_id))
    await _tamper(panel_id, lambda record, _: record.update(seed="0" * 64))
    tampered = await _cli("verify-draw", str(panel_id))
    missing = await _cli("verify-draw", "424242")

    assert ok[0] == 0, ok
    assert "复核通过" in ok[1] and "✗" not in ok[1]
    assert tampered[0] == 1
    assert "✗ 公开的种子与抽取前登记的种子哈希不一致" in tampered[1] and "复核未通过" in tampered[2]
    assert missing[0] == 1 and "抽取记录不存在" in missing[2]


async def test_draw_with_a_member_unavailable_today_still_verifies() -> None:
    from datetime import UTC, datetime, timedelta

    from panels.roster_service import declare

    office = await factories.account("office")
    members = await factories.roster()
    today = datetime.now(UTC).date()
    await declare(actor=members[0], fields={"unavailable": [{"from": (today - timedelta(days=2)).isoformat(),
                                                             "to": (today + timedelta(days=2)).isoformat()}]})
    _, _, panel_id = await convened_case(office)
    assert "unavailable" in {e["kind"] for e in (await panel_row(panel_id))["exclusions"]}

    assert await _failures(panel_id) == []
