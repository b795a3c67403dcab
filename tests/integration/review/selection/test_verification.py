"""A selection re-run from its published record: `review verify-selection ID` and the public record agree with the
draw, the audit chain, the policy published and what applying did; a record tampered with fails."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from review.core.tables import AuditEvent
from review.selection.policy import canonical_text
from review.selection.services import screening
from review.selection.services.verification import verify_selection
from review.selection.tables import Selection, SelectionDecision
from tests import factories
from tests.integration.review.selection.helpers import applied, intake

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """A command in its own process, on the test database (the environment conftest set)."""
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ), check=False)


async def _cli(selection_id: int) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_run, "review.cli", "verify-selection", str(selection_id))


async def _stored(selection_id: int) -> dict:
    row = await Selection.select(Selection.record).where(Selection.id == selection_id).first().run()
    return json.loads(row["record"])


async def _rewrite(selection_id: int, record: dict) -> None:
    await Selection.update({Selection.record: canonical_text(record)}).where(Selection.id == selection_id).run()


async def test_an_applied_selection_verifies_from_its_record_and_on_the_command_line() -> None:
    office = await factories.account("office")
    await intake(15)
    selection_id = await applied(office)

    _, record, verification = await verify_selection(selection_id)
    done = await _cli(selection_id)

    assert verification.ok, [c.message for c in verification.failures]
    names = {c.name for c in verification.checks}
    assert {"seed", "policy", "candidates", "result", "published", "commitment", "drawn", "decisions",
            "applied"} <= names
    assert record["seed"] and record["seed_hash"]
    assert done.returncode == 0, done.stderr
    assert f"第 {selection_id} 号选取记录复核通过" in done.stdout


async def test_the_seed_was_committed_before_the_draw() -> None:
    office = await factories.account("office")
    await intake(3)

    selection_id = await screening.propose(actor=office)

    events = await AuditEvent.select(AuditEvent.id, AuditEvent.action, AuditEvent.data).where(
        AuditEvent.case.is_null()).order_by(AuditEvent.id).run()
    data = [(e["id"], e["action"], json.loads(e["data"]) if isinstance(e["data"], str) else e["data"])
            for e in events]
    committed = next(e for e in data if e[1] == "draw_seed_committed" and e[2]["purpose"] == "selection")
    drawn = next(e for e in data if e[1] == "selection_drawn")
    record = await _stored(selection_id)
    assert committed[0] < drawn[0]
    assert committed[2]["seed_hash"] == record["seed_hash"] and "seed" not in committed[2]
    assert committed[2]["candidates_hash"] == record["candidates_hash"] == drawn[2]["candidates_hash"]


def _flip(record: dict) -> None:
    row = next(r for r in record["result"] if not r["selected"])
    row.update(selected=True, rule="sampled")


@pytest.mark.parametrize(("name", "tamper"), [
    ("a result flipped", _flip),
    ("another seed", lambda r: r.update(seed="0" * 64)),
    ("a candidate left out", lambda r: r["candidates"].pop()),
])
async def test_a_tampered_record_fails_verification_and_the_command(name: str, tamper: object) -> None:
    office = await factories.account("office")
    await intake(12)
    selection_id = await applied(office)
    record = await _stored(selection_id)
    tamper(record)  # type: ignore[operator]
    await _rewrite(selection_id, record)

    _, _, verification = await verify_selection(selection_id)
    done = await _cli(selection_id)

    assert not verification.ok, name
    assert "drawn" in {c.name for c in verification.failures}  # the record is not the one the chain names
    assert done.returncode == 1
    assert "复核未通过" in done.stderr


async def test_a_record_and_its_seed_rewritten_together_fail_on_the_chain() -> None:
    office = await factories.account("office")
    await intake(12)
    selection_id = await screening.propose(actor=office)
    record = await _stored(selection_id)
    record["seed"] = "1" * 64
    record["seed_hash"] = hashlib.sha256(record["seed"].encode()).hexdigest()
    await _rewrite(selection_id, record)
    await Selection.update({Selection.seed: record["seed"], Selection.seed_hash: record["seed_hash"]}).where(
        Selection.id == selection_id).run()

    _, _, verification = await verify_selection(selection_id)

    assert {"commitment", "drawn"} <= {c.name for c in verification.failures}


async def test_decisions_changed_behind_the_record_fail() -> None:
    office = await factories.account("office")
    await intake(8)
    selection_id = await screening.propose(actor=office)
    first = await SelectionDecision.select(SelectionDecision.id, SelectionDecision.proposed).where(
        SelectionDecision.selection == selection_id).first().run()
    await SelectionDecision.update({SelectionDecision.proposed: not first["proposed"]}).where(
        SelectionDecision.id == first["id"]).run()

    _, _, verification = await verify_selection(selection_id)

    assert [c.name for c in verification.failures] == ["decisions"]


async def test_the_public_download_re_runs_with_the_standalone_verifier(tmp_path: Path) -> None:
    office = await factories.account("office")
    await intake(10)
    selection_id = await applied(office)
    async with factories.client() as http:
        page = await http.get(f"/public/selection/draws/{selection_id}")
        download = await http.get(f"/public/selection/draws/{selection_id}.json")
        api = await http.get(f"/api/v1/selection/draws/{selection_id}")
    good = tmp_path / "record.json"
    good.write_bytes(download.content)
    record = json.loads(download.content)
    _flip(record)
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    passed = await asyncio.to_thread(_run, "review.selection.verify", str(good))
    failed = await asyncio.to_thread(_run, "review.selection.verify", str(bad))

    assert page.status_code == 200 and "复算与核对通过" in page.text
    assert api.status_code == 200 and api.json()["verification"]["ok"] is True
    assert api.json()["record"] == json.loads(download.content)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert failed.returncode == 1 and "✗" in failed.stdout
