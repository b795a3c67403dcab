"""全程留痕: the audit chain proves its own length against the heads published every day."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from review.core import db
from review.core.audit import heads as audit_heads
from review.core.audit import store as audit
from review.core.tables import AuditEvent, PublishedHead
from review.worker import WorkerSettings
from tests import factories
from tests.integration.panel_helpers import api, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _events(count: int) -> None:
    for n in range(count):
        async with db.transaction():
            await audit.record(case_id=None, actor="system:test", action="note", reason=f"第 {n} 条")
    await audit.seal()


async def _cut_tail(keep: int) -> None:
    """What a forger does: delete the events after `keep` and move chain_head back to match."""
    row = await AuditEvent.select(AuditEvent.hash).where(AuditEvent.seq == keep).first().run()
    await AuditEvent.delete().where(AuditEvent.seq > keep).run()
    await db.fetch("UPDATE chain_head SET last_hash = {}, count = {} WHERE id = 1", row["hash"], keep)


async def test_verify_intact_chain_passes_with_the_count_and_the_heads() -> None:
    await _events(4)
    assert await audit_heads.publish(day=date(2026, 12, 1))
    await _events(2)
    await audit_heads.publish()

    found = await audit.report()

    assert found.problem is None
    assert (found.checked, found.heads) == (6, 2)
    assert found.message() == "审计链完整：已核验 6 条事件，与 2 个公布的链头相符。"
    assert await audit.verify() == (6, None)


async def test_verify_tail_deleted_with_chain_head_moved_back_breaks_at_the_published_head() -> None:
    await _events(5)
    await audit_heads.publish(day=date(2026, 12, 1))
    await _cut_tail(3)

    found = await audit.report()

    assert found.checked == 3
    assert found.broken is not None
    assert found.message().startswith("已核验 3 条事件，第 4 条不存在：链在 ")
    assert "公布的链头（第 5 条）之前结束，第 4 至 5 条事件已被删除" in found.message()
    checked, problem = await audit.verify()
    assert checked == 3 and problem is not None


async def test_verify_tail_replaced_by_new_events_breaks_where_the_hash_differs() -> None:
    await _events(5)
    await audit_heads.publish(day=date(2026, 12, 1))
    await _cut_tail(3)
    await _events(4)  # the chain grows past the head again, from the moved-back chain_head

    found = await audit.report()

    assert found.checked == 4
    assert found.broken is not None
    assert found.message().startswith("已核验 4 条事件，第 5 条的哈希与 ")
    assert "公布的链头不符" in found.message()


async def test_verify_kept_copy_of_the_heads_finds_a_cut_after_the_table_was_emptied() -> None:
    await _events(5)
    await audit_heads.publish(day=date(2026, 12, 1))
    async with factories.client() as http:
        kept = (await http.get("/api/v1/audit/heads")).json()
    await _cut_tail(2)
    await PublishedHead.delete(force=True).run()  # the forger removes the published heads as well

    assert (await audit.report()).problem is None  # the database alone no longer tells
    found = await audit.report(heads=[audit_heads.from_json(h) for h in kept["heads"]])

    assert found.checked == 2
    assert found.message().startswith("已核验 2 条事件，第 3 条不存在")


async def test_verify_audit_command_reads_kept_heads_and_exits_1(tmp_path: Path) -> None:
    await _events(3)
    await audit_heads.publish()
    async with factories.client() as http:
        kept = (await http.get("/api/v1/audit/heads")).text
    (tmp_path / "heads.json").write_text(kept, encoding="utf-8")
    await _cut_tail(1)
    await PublishedHead.delete(force=True).run()

    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "review.cli", "verify-audit", "--heads", str(tmp_path / "heads.json")],
        capture_output=True, text=True, env={**os.environ, "REDIS_URL": ""}, timeout=120)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "已核验 1 条事件，第 2 条不存在" in done.stderr


async def test_verify_reports_an_unsealed_event_with_an_old_time() -> None:
    await _events(2)
    written = datetime.now(UTC) - timedelta(hours=3)
    await AuditEvent.insert(AuditEvent(case=None, actor="office:forger", action="note", reason="补写", data={},
                                       at=written)).run()
    forged = await AuditEvent.select(AuditEvent.id).where(AuditEvent.actor == "office:forger").first().run()

    found = await audit.report()

    assert [(e.event_id, e.sealed_at) for e in found.late] == [(forged["id"], None)]
    assert found.problem is not None and found.problem.event_id == forged["id"]
    assert f"事件 #{forged['id']}：时间记为 " in found.message()
    assert "仍未封存" in found.message()
    # Sealed now (by the verifier, or by any process's sealer), it stays reported: sealed hours after its time.
    again = await audit.report()
    assert again.broken is None and again.checked == 3
    assert [e.event_id for e in again.late] == [forged["id"]]
    assert "才封存，晚于封存间隔" in again.message()


async def test_verify_reports_an_event_placed_after_a_head_published_after_its_time() -> None:
    await _events(2)
    await audit_heads.publish()
    await AuditEvent.insert(AuditEvent(case=None, actor="office:forger", action="note", reason="补写", data={},
                                       at=datetime.now(UTC) - timedelta(hours=3))).run()
    await audit.seal()
    await db.fetch("UPDATE audit_event SET sealed_at = at WHERE actor = {}", "office:forger")  # hiding the lateness
    forged = await AuditEvent.select(AuditEvent.id).where(AuditEvent.actor == "office:forger").first().run()

    found = await audit.report()

    assert found.broken is None and found.checked == 3
    assert [e.event_id for e in found.late] == [forged["id"]]
    assert "却排在 " in found.message() and "公布的链头（第 2 条）之后" in found.message()


async def test_verify_recent_unsealed_event_is_no_finding() -> None:
    await _events(1)
    async with db.transaction():
        await audit.record(case_id=None, actor="system:test", action="note")

    found = await audit.report()

    assert found.problem is None and found.checked == 2


async def test_publish_daily_publishes_one_head_a_day() -> None:
    await _events(2)

    first = await audit_heads.publish_daily({})
    await _events(1)
    second = await audit_heads.publish_daily({})

    heads = await audit_heads.published()
    assert (first, second) == (True, False)
    assert [(h["seq"], h["day"] is not None) for h in heads] == [(2, True)]


async def test_publish_concurrent_calls_for_a_day_publish_one_head() -> None:
    await _events(3)

    made = await asyncio.gather(*[audit_heads.publish(day=date(2026, 12, 2)) for _ in range(20)])

    assert made.count(True) == 1
    assert await PublishedHead.count().where(PublishedHead.day == date(2026, 12, 2)).run() == 1


async def test_publish_on_demand_adds_a_head_each_time() -> None:
    await _events(1)
    await audit_heads.publish_daily({})

    await audit_heads.publish()
    await audit_heads.publish()

    assert await PublishedHead.count().run() == 3


def test_worker_publishes_the_daily_head_every_hour() -> None:
    assert any(job.coroutine is audit_heads.publish_daily for job in WorkerSettings.cron_jobs)


async def test_public_audit_page_shows_the_heads_and_no_personal_data() -> None:
    number, code = await factories.case()
    await audit_heads.publish(day=date(2026, 12, 1))
    head = (await audit_heads.published())[0]

    async with factories.client() as http:
        page = await http.get("/public/audit")

    assert page.status_code == 200
    assert head["hash"] in page.text and "每日公布（2026-12-01）" in page.text
    assert 'href="/api/v1/audit/heads"' in page.text
    assert "<script" not in page.text and 'method="post"' not in page.text
    for secret in (number, code, "王小明", "13800001234", "玉林南路"):
        assert secret not in page.text


async def test_office_audit_page_publishes_a_head_on_demand() -> None:
    office = await factories.account("office")
    await _events(2)

    async with await web(office) as http:
        response = await submit(http, "/office/audit", "/office/audit")
        page = await http.get(response.headers["location"])

    assert response.status_code == 303
    assert "按需公布" in page.text
    assert [h["seq"] for h in await audit_heads.published()] == [2]


async def test_api_audit_heads_lists_them_for_anyone_and_publishes_for_the_office() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    await _events(2)

    async with await api(office) as http:
        made = await http.post("/api/v1/audit/heads")
    async with await api(member) as http:
        refused = await http.post("/api/v1/audit/heads")
    async with factories.client() as http:
        listed = await http.get("/api/v1/audit/heads")

    assert made.status_code == 201
    assert made.json()["seq"] == 2 and made.json()["day"] is None
    assert refused.status_code == 403
    body = listed.json()
    assert listed.status_code == 200
    assert body["genesis"] == "0" * 64
    assert body["heads"] == [made.json()]
    assert json.loads(listed.text)["heads"][0]["hash"] == (await audit_heads.published())[0]["hash"]
