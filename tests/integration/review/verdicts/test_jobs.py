"""A verdict worker killed mid-render leaves no partial file, and the render completes on retry.

Real processes on real Redis: the ruling is issued here, which queues `render_verdict` on the verdicts queue;
a `review worker --queue verdicts` subprocess picks it up and is SIGKILLed while WeasyPrint is laying out the
verdict (a complaint and a reply of the longest length intake accepts keep it busy for seconds). arq's
in-progress key of the dead worker's job then has to expire before any worker may take the job again: its
lifetime is the longest timeout among the worker's functions plus 10 s — on the verdict worker, the render
timeout — so the killed worker runs with a small VERDICT_RENDER_TIMEOUT. The second worker keeps the default.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from review.cases import services as cases
from review.core import settings
from review.core.jobs import job_id
from review.rulings.services.deliberation import issue_ruling
from review.verdicts import services as verdicts
from review.verdicts.jobs import VERDICT_QUEUE
from tests import factories
from tests.conftest import REDIS_URL
from tests.integration.review.verdicts.test_services import scored_case

# PostgreSQL only (the SQLite run has no Redis, and its embedded database is not shared with worker processes).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres_only,
    pytest.mark.redis_only,  # the verdict worker runs on Redis
    pytest.mark.usefixtures("clean_db"),
]

REVIEW = Path(sys.executable).with_name("review")
HEALTH_CHECK = f"{VERDICT_QUEUE}:health-check"
# The killed worker's in-progress key lives max(render, bulk timeout) + 10 s: 18 s here. It must be killed
# before its own render timeout fires (arq would then fail the job for good), which the CPU check below ensures.
KILLED_WORKER_ENV = {"VERDICT_RENDER_TIMEOUT": "8"}
# Render CPU seen in the worker's non-main threads (asyncio.to_thread) before the kill: layout is under way.
RENDER_CPU_BEFORE_KILL_S = 0.5
WORKER_START_S = 30
RETRY_WITHIN_S = 60
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _start_worker(log: Path, **extra_env: str) -> subprocess.Popen:
    env = {**os.environ, **extra_env}  # the same DATABASE_URL, REDIS_URL and REVIEW_DATA_DIR as this process
    with log.open("ab") as out:
        return subprocess.Popen([str(REVIEW), "worker", "--queue", "verdicts"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (arq closes cleanly: its health-check key goes), SIGKILL if it has not gone in 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _thread_cpu_s(pid: int) -> float:
    """CPU seconds spent by the process's threads other than its main one (where renders run)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        if task.name == str(pid):
            continue
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLK_TCK


def _stored_files() -> list[Path]:
    root = settings.verdict_dir()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_killed_verdict_worker_leaves_no_partial_file_and_the_job_completes_on_retry(tmp_path: Path) -> None:
    import redis.asyncio as redis

    earlier = set(_stored_files())  # other tests' verdicts share the store
    content = ("诉求人反映小区旁建筑工地夜间施工噪声扰民，多次向社区和工地反映均未解决。" * 600)[:20000]
    reply = ("承办单位答复称已联系施工单位负责人，要求其严格遵守夜间施工管理规定并加强巡查。" * 600)[:20000]
    office = await factories.account("office")
    await factories.roster()
    number = await scored_case(office, content=content, reply=reply)
    await issue_ruling(number=number, actor=office)  # queues render_verdict in Redis; nothing runs in-process
    case_id = (await cases.Case.select(cases.Case.id).where(cases.Case.number == number).first().run())["id"]
    pending = await verdicts.for_case(case_id)
    job = job_id("render_verdict", pending["id"])
    in_progress = f"arq:in-progress:{job}"

    client = redis.from_url(REDIS_URL)
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    workers: list[subprocess.Popen] = []
    try:
        assert await client.zscore(VERDICT_QUEUE, job) is not None, "render_verdict was not queued in Redis"

        first = _start_worker(first_log, **KILLED_WORKER_ENV)
        workers.append(first)
        deadline = time.monotonic() + WORKER_START_S
        # A polling arq worker keeps `<queue>:health-check` in the Redis it reads: it must be REDIS_URL's.
        while not await client.exists(in_progress) and not await client.exists(HEALTH_CHECK):
            assert first.poll() is None, f"worker exited early:\n{first_log.read_text()}"
            assert time.monotonic() < deadline, (
                f"`review worker --queue verdicts` is not polling the Redis of REDIS_URL={REDIS_URL} "
                f"(no {HEALTH_CHECK} key there):\n{first_log.read_text()}")
            await asyncio.sleep(0.02)
        while not await client.exists(in_progress):
            assert first.poll() is None, f"worker exited early:\n{first_log.read_text()}"
            assert time.monotonic() < deadline, f"worker never took the job:\n{first_log.read_text()}"
            await asyncio.sleep(0.02)
        taken = time.monotonic()
        while _thread_cpu_s(first.pid) < RENDER_CPU_BEFORE_KILL_S:
            assert first.poll() is None, f"worker exited mid-job:\n{first_log.read_text()}"
            assert time.monotonic() - taken < 6, f"render did not start:\n{first_log.read_text()}"
            await asyncio.sleep(0.01)
        assert await client.exists(in_progress), "the job finished before the kill: the render is too quick"
        cpu_at_kill = _thread_cpu_s(first.pid)
        os.killpg(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        killed_after = time.monotonic() - taken

        # Nothing half-written: no temp file, no PDF that is not exactly its content's hash; the row still pending.
        leftovers = [p for p in _stored_files() if p not in earlier]
        assert not [p for p in leftovers if p.suffix != ".pdf"], f"partial files left: {leftovers}"
        for path in leftovers:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem, f"partial PDF left: {path}"
        row = await verdicts.for_case(case_id)
        assert row["status"] == "pending" and not row["full_sha256"] and not row["public_sha256"]
        assert row["rendered_at"] is None
        # The dead worker's job stays queued, held by its in-progress key until that expires.
        assert await client.zscore(VERDICT_QUEUE, job) is not None
        assert await client.pttl(in_progress) > 0

        second = _start_worker(second_log)
        workers.append(second)
        deadline = time.monotonic() + RETRY_WITHIN_S
        while (row := await verdicts.for_case(case_id))["status"] != "valid":
            assert second.poll() is None, f"second worker exited:\n{second_log.read_text()}"
            assert time.monotonic() < deadline, (
                f"verdict still {row['status']} {RETRY_WITHIN_S} s after the kill:\n{second_log.read_text()}")
            await asyncio.sleep(0.2)
        log = second_log.read_text()
    finally:
        for worker in workers:
            _stop(worker)
        await client.aclose()

    assert f"{job}:render_verdict" in log and "try=2" in log, log  # arq's second try of the same job
    assert row["id"] == pending["id"] and row["number"] == pending["number"] and row["rendered_at"] is not None
    for digest in (row["full_sha256"], row["public_sha256"]):
        data = verdicts.stored_path(digest).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest
        assert data.startswith(b"%PDF-")
    assert row["full_sha256"] != row["public_sha256"]
    files = [p for p in _stored_files() if p not in earlier]
    assert files == sorted({verdicts.stored_path(row["full_sha256"]), verdicts.stored_path(row["public_sha256"])})
    assert not await _queued(job), "the job is still queued after it completed"
    took = next((line for line in log.splitlines() if "←" in line), "")
    print(f"\nkilled {killed_after:.2f} s into the job ({cpu_at_kill:.2f} s of render CPU, {len(leftovers)} files "
          f"stored by then); the second worker's try: {took}")


async def _queued(job: str) -> bool:
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL)
    try:
        return await client.zscore(VERDICT_QUEUE, job) is not None or bool(await client.exists(f"arq:in-progress:{job}"))
    finally:
        await client.aclose()
