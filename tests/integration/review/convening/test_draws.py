"""Public draw records: re-run on every view, free of personal data, and failing loudly once tampered with."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest

from panels.domain.draw import from_snapshot, template_from_json
from panels.domain.draw_record import record_draw, record_json
from panels.services.invitations import answer_invitation
from panels.services.verification import verify_panel
from panels.tables import Panel, RosterMember, Seat
from panels.verify import main as verify_main
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.conftest import run_jobs
from tests.integration import scoring_helpers
from tests.integration.panel_helpers import (
    convened_case,
    member_of_seat,
    panel_row,
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
    outside = {k: v for k, v in body.items() if k != "replay"}
    assert not {"member", "member_id", "members", "user", "user_id"} & _keys(outside)
    assert [k for k in _keys(body["verification"]) if k == "name"] == ["name"]  # only the checks' names
    assert "name" not in _keys({k: v for k, v in outside.items() if k not in ("verification", "template")})
    # The replay names members only by pseudonyms of 16 hex digits, never by their ids.
    _, ids = await _roster_secrets()
    pseudonyms = {m["id"] for m in body["replay"]["members"]}
    assert all(len(p) == 16 and int(p, 16) >= 0 for p in pseudonyms)
    assert not pseudonyms & {str(i) for i in ids}
    assert {s["member"] for s in body["replay"]["panel"]} <= pseudonyms
    assert "抽取时的名册" in page.text and f"/public/draws/{panel_id}.json" in page.text
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

    # The seats and the public replay no longer agree with the record either.
    assert await _failures(panel_id) == ["panel", "seats", "replay"]


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

    from panels.services.roster import declare

    office = await factories.account("office")
    members = await factories.roster()
    today = datetime.now(UTC).date()
    await declare(actor=members[0], fields={"unavailable": [{"from": (today - timedelta(days=2)).isoformat(),
                                                             "to": (today + timedelta(days=2)).isoformat()}]})
    _, _, panel_id = await convened_case(office)
    assert "unavailable" in {e["kind"] for e in (await panel_row(panel_id))["exclusions"]}

    assert await _failures(panel_id) == []


async def _cli_failures(panel_id: int) -> tuple[int, str]:
    code, out, err = await _cli("verify-draw", str(panel_id))
    return code, out + err


async def test_verify_draw_member_swapped_in_the_seat_table_names_the_seat() -> None:
    _, panel_id = await _drawn()
    seats = await seats_of(panel_id)
    _, ids = await _roster_secrets()
    outsider = next(i for i in ids if i not in {s["member"] for s in seats})
    await Seat.update({Seat.member: outsider}).where(Seat.id == seats[2]["id"]).run()

    code, output = await _cli_failures(panel_id)

    assert await _failures(panel_id) == ["seats"]
    assert code == 1
    assert "✗ 座位表与抽取记录不符：第 3 席" in output
    assert f"席位 3：记录为评议员 {seats[2]['member']}，实际为评议员 {outsider}" in output
    async with factories.client() as http:
        page = await http.get(f"/public/draws/{panel_id}")
    assert "座位表与抽取记录不符：第 3 席" in page.text
    assert f"评议员 {outsider}" not in page.text and f"评议员 {seats[2]['member']}" not in page.text


async def test_verify_draw_record_rewritten_with_a_new_seed_fails_the_audit_commitment() -> None:
    _, panel_id = await _drawn()
    row = await panel_row(panel_id)
    snapshot = row["snapshot"]
    candidates, facts, salt = from_snapshot(snapshot)
    # A forger who rewrites the seed, its hash and the result that seed gives, and the seats to match.
    _, forged, _ = record_draw(seed="f" * 64, candidates=candidates, case=facts, salt=salt,
                               template=template_from_json(row["record"]["template"]),
                               pseudonym_key=snapshot["pseudonym_key"])
    assert forged.result != tuple(record_draw(seed=row["seed"], candidates=candidates, case=facts, salt=salt,
                                              template=forged.template,
                                              pseudonym_key=snapshot["pseudonym_key"])[1].result)
    await Panel.update({Panel.record: json.dumps(record_json(forged), ensure_ascii=False),
                        Panel.seed: forged.seed, Panel.seed_hash: forged.seed_hash}).where(
        Panel.id == panel_id).run()
    for seat, drawn in zip(await seats_of(panel_id), forged.result, strict=True):
        await Seat.update({Seat.member: drawn.member_id, Seat.role: drawn.role, Seat.is_chair: drawn.is_chair}).where(
            Seat.id == seat["id"]).run()

    code, output = await _cli_failures(panel_id)

    assert await _failures(panel_id) == ["commitment"]
    assert code == 1
    assert "✗ 记录的种子哈希与审计链中抽取前登记的事件（draw_seed_committed）不符" in output
    assert "✓ 重新抽取得到相同的评议组" in output and "✓ 座位表中的评议员与抽取记录及其补选一致" in output


async def test_verify_draw_declined_seat_refilled_by_its_own_committed_seed_verifies() -> None:
    _, panel_id = await _drawn(refilled=True)

    _, verification = await verify_panel(panel_id)
    code, output = await _cli_failures(panel_id)

    names = [c.name for c in verification.checks]
    assert verification.ok, verification.failures
    assert {"commitment", "refill:0:commitment", "refill:0:result", "seats", "replay"} <= set(names)
    assert code == 0 and "✓ 第 1 次补选：种子哈希与审计链中补选前登记的事件（draw_seed_committed）一致" in output


async def test_verify_draw_refill_seed_not_committed_fails_its_commitment() -> None:
    _, panel_id = await _drawn(refilled=True)
    await _tamper(panel_id, lambda record, _: record["refills"][0].update(seed_hash="0" * 64))

    failures = await _failures(panel_id)

    assert "refill:0:commitment" in failures and "commitment" not in failures


async def test_verify_draw_compares_the_panel_the_verdict_prints() -> None:
    number, _, office, members = await scoring_helpers.convened_case()
    for member in members:
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(2))
    await factories.rule_case(number, office)
    panel_id = (await Panel.select(Panel.id).where(Panel.case.number == number).first().run())["id"]

    _, honest = await verify_panel(panel_id)
    seats = await seats_of(panel_id)
    _, ids = await _roster_secrets()
    outsider = next(i for i in ids if i not in {s["member"] for s in seats})
    await Seat.update({Seat.member: outsider}).where(Seat.id == seats[0]["id"]).run()
    code, output = await _cli_failures(panel_id)

    verdict = next(c for c in honest.checks if c.name.startswith("verdict:"))
    assert honest.ok and "所列评议组与抽取记录一致（5 人）" in verdict.message
    assert await _failures(panel_id) == ["seats", verdict.name]
    assert code == 1 and f"意见书列出评议员 {outsider}" in output
    assert f"记录中的评议员 {seats[0]['member']}" in output


async def test_public_draw_json_download_re_runs_outside_the_server(tmp_path: Any) -> None:
    _, panel_id = await _drawn(refilled=True)

    async with factories.client() as http:
        download = await http.get(f"/public/draws/{panel_id}.json")
        by_query = await http.get(f"/public/draws/{panel_id}?format=json")
        api = await http.get(f"/api/v1/draws/{panel_id}")
    path = tmp_path / "record.json"
    path.write_bytes(download.content)

    assert download.status_code == by_query.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="draw-{panel_id}.json"'
    assert download.json() == by_query.json() == api.json()["replay"]
    names, _ = await _roster_secrets()
    assert not [n for n in names if n in download.text]
    assert verify_main([str(path)]) == 0
    assert len(download.json()["refills"]) == 1
