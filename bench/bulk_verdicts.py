"""Bulk issuance end to end: 500 rulings issued in one bulk issuance, rendered by two verdict workers.

Prints one JSON line: {"verdicts": 500, "per_s": …, "seconds": …, "workers": 2}

On a fresh PostgreSQL database (migrated with `review migrate`, dropped at the end) the script seeds
departments and a roster from the demo data, takes the complaints in through the real intake, and brings each
case to the point where its ruling may be issued (scoring closed, reasoning signed) with set-based SQL: a
five-member panel (lawyer chair, deputy, two residents, expert), a submitted sheet per member with a reason per
criterion, a signed deliberation, a dissent on every fifth case. Two `review worker --queue verdicts` processes
and one general `review worker` (which runs the bulk issuance job) then run on a Redis database of their own
(flushed first). The clock starts when `bulk_issuance.start()` is
called (all ready cases, as the office's form does) and stops when every verdict is valid: the `issue_bulk`
job numbers each verdict and queues its render, and the verdict workers render and store both PDFs of each.
`seconds` covers issuance and rendering; the workers are started and polling before the clock starts.

Usage: .venv/bin/python bench/bulk_verdicts.py [--verdicts 500] [--redis redis://127.0.0.1:6379/11]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the standard library's `http`: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / ".venv" / "bin" / "review"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_verdicts"
WORKERS = 2
HEALTH_CHECK = "review:verdicts:health-check"


def log(message: str) -> None:
    print(f"[bulk_verdicts] {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=sys.stderr)


async def seed(count: int) -> None:
    """Departments, roster, office login, and `count` cases ready for their ruling to be issued."""
    from panels.tables import CompositionTemplate, RosterMember, Seat
    from review.cases import services as cases
    from review.core import db
    from review.core.actors import Actor
    from review.core.clock import today_in_china
    from review.core.tables import Account, Department
    from review.demo import data as demo_data
    from scoring.tables import CriteriaSet

    rng = random.Random(20261122)
    now = datetime.now(UTC)
    await Department.insert(*[Department(code=d.code, name=d.name, level=d.level, district=d.district)
                              for d in demo_data.DEPARTMENTS]).run()
    await Account.insert(Account(username="office", display_name="评议办", role="office", password_hash="-",
                                 created_at=now)).run()
    roster = demo_data.roster_members(rng, 60)
    accounts = await Account.insert(*[
        Account(username=f"member{i:02d}", display_name=m.name, role="member", password_hash="-", created_at=now)
        for i, m in enumerate(roster, 1)
    ]).run()
    members = await RosterMember.insert(*[
        RosterMember(user=a["id"], name=m.name, role=m.role, district=m.district, community=m.community,
                     employer=m.employer, max_panels=100)
        for a, m in zip(accounts, roster)
    ]).run()
    by_role: dict[str, list[int]] = {}
    for row, m in zip(members, roster):
        by_role.setdefault(m.role, []).append(row["id"])

    hotline = Actor(kind="hotline", username="hotline")
    today = today_in_china()
    for index, complaint in enumerate(demo_data.complaints(rng, count, start=today - timedelta(days=40), days=30), 1):
        await cases.intake_case(payload=demo_data.to_intake_payload(complaint), actor=hotline)
        if index % 100 == 0:
            log(f"intake {index}/{count}")

    criteria_set = (await CriteriaSet.select(CriteriaSet.id).where(CriteriaSet.version == 1).first().run())["id"]
    template = (await CompositionTemplate.select(CompositionTemplate.id).first().run())["id"]
    async with db.transaction():
        await db.fetch("UPDATE review_case SET status = 'deliberation', criteria_set_id = {}", criteria_set)
        await db.fetch(
            "INSERT INTO panel (\"case\", template, template_version, round, seed_hash, seed, roster_hash, case_hash,"
            " record, snapshot, refill_snapshots, exclusions, status, convened_at)"
            " SELECT id, {}, 1, NULL, '', '', '', '', json_build_object(), json_build_object(), json_build_object(), '[]',"
            " 'seated', now() FROM review_case",
            template)
        panels = [r["id"] for r in await db.fetch("SELECT id FROM panel ORDER BY id")]
        seats = []
        for k, panel in enumerate(panels):
            residents = by_role["resident"]
            picks = [("lawyer", by_role["lawyer"][k % len(by_role["lawyer"])], True),
                     ("deputy", by_role["deputy"][k % len(by_role["deputy"])], False),
                     ("resident", residents[(2 * k) % len(residents)], False),
                     ("resident", residents[(2 * k + 1) % len(residents)], False),
                     ("expert", by_role["expert"][k % len(by_role["expert"])], False)]
            seats += [Seat(panel=panel, member=member, role=role, is_chair=chair, status="accepted",
                           invited_at=now, answered_at=now) for role, member, chair in picks]
        for start in range(0, len(seats), 2000):  # PostgreSQL takes at most 32,767 parameters a statement
            await Seat.insert(*seats[start:start + 2000]).run()
        # Every seated member's sheet, submitted; scores around a per-case quality, a reason for each.
        await db.fetch(
            "INSERT INTO score_sheet (\"case\", panel_id, member, member_role, criteria_set, submitted, revision,"
            " submitted_at, updated_at)"
            " SELECT p.\"case\", p.id, m.\"user\", s.role, {}, true, 1, now(), now()"
            " FROM seat s JOIN panel p ON p.id = s.panel JOIN roster_member m ON m.id = s.member", criteria_set)
        await db.fetch(
            "INSERT INTO score (score_sheet, criterion, value, reason)"
            " SELECT sh.id, c.id, GREATEST(1, LEAST(c.scale_max, 2 + sh.\"case\" % 4 + (sh.id + c.position) % 3 - 1)),"
            " '依据办理记录与双方陈述，按公布的评议标准评分。'"
            " FROM score_sheet sh JOIN criterion c ON c.criteria_set = sh.criteria_set")
        office = (await Account.select(Account.id).where(Account.username == "office").first().run())["id"]
        await db.fetch(
            "INSERT INTO deliberation (\"case\", panel_id, closed_at, closed_by, reasoning, signed_by, signed_at)"
            " SELECT p.\"case\", p.id, now(), {}, '评议组查阅了办理记录并听取双方陈述，依据公布的评议标准逐项评分，"
            "经合议作出本结论。', m.\"user\", now()"
            " FROM panel p JOIN seat s ON s.panel = p.id AND s.is_chair JOIN roster_member m ON m.id = s.member",
            office)
        await db.fetch(
            "INSERT INTO dissent (deliberation, member, member_role, text, at)"
            " SELECT d.id, m.\"user\", s.role, '本人认为承办单位已说明客观限制，建议评定为基本到位。', now()"
            " FROM deliberation d JOIN seat s ON s.panel = d.panel_id AND s.role = 'expert'"
            " JOIN roster_member m ON m.id = s.member WHERE d.\"case\" % 5 = 0")


def start_workers(env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    """The verdict workers that render, then one general worker, which runs the bulk issuance job itself."""
    workers = []
    for n, queue_name in enumerate([*["verdicts"] * WORKERS, "default"]):
        with (logs / f"worker-{n + 1}.log").open("wb") as out:
            workers.append(subprocess.Popen([str(REVIEW), "worker", "--queue", queue_name], env=env, cwd=ROOT,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
    return workers


async def wait_ready(redis_url: str, workers: list[subprocess.Popen], logs: Path, timeout: float = 60) -> None:
    """Every worker has connected to Redis and run its start-up, and a verdict worker has polled this database."""
    import redis.asyncio as redis

    client = redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            texts = [(logs / f"worker-{n + 1}.log").read_text() for n in range(len(workers))]
            if all("redis_version=" in t for t in texts) and await client.exists(HEALTH_CHECK):
                break
            for worker, text in zip(workers, texts, strict=True):
                if worker.poll() is not None:
                    raise RuntimeError(f"a worker exited:\n{text}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the verdict workers are not polling {redis_url} (no {HEALTH_CHECK} there):\n"
                                   + "\n".join(texts))
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()
    await asyncio.sleep(1)  # on_startup (database pool, sweep) ends just before the first poll


async def issue_and_wait(count: int, workers: list[subprocess.Popen], timeout: float) -> float:
    """Start the bulk issuance of every ready case; seconds until all `count` verdicts are valid."""
    from review.core import db
    from review.core.actors import Actor
    from review.core.tables import Account
    from review.verdicts import bulk as bulk_issuance

    row = await Account.select().where(Account.username == "office").first().run()
    office = Actor(kind="office", user_id=row["id"], username=row["username"], display_name=row["display_name"])
    started = time.perf_counter()
    bulk_id = await bulk_issuance.start(actor=office, numbers=[], all_ready=True)
    last = 0.0
    while True:
        # One cheap count four times a second: the poll itself must not take CPU from the workers.
        valid = (await db.fetch("SELECT COUNT(*) AS n FROM verdict WHERE status = 'valid'"))[0]["n"]
        elapsed = time.perf_counter() - started
        if valid >= count:
            return elapsed
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a verdict worker exited during the run")
        if elapsed > timeout:
            raise RuntimeError(f"only {valid}/{count} verdicts valid after {timeout:.0f} s")
        if elapsed - last >= 10:
            last = elapsed
            progress = await bulk_issuance.progress(bulk_id=bulk_id, actor=office)
            if progress.failed:
                raise RuntimeError(f"cases could not be issued: {progress.failed[:3]}")
            log(f"{elapsed:5.0f} s: issued {progress.issued}/{count}, valid {valid}/{count}, "
                f"worker CPU {', '.join(f'{cpu_seconds(w.pid):.0f} s' for w in workers)}")
        await asyncio.sleep(0.25)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(count: int, redis_url: str, env: dict[str, str], logs: Path) -> float:
    import redis.asyncio as redis

    from review.core import db
    from review.core import jobs as queue
    from review.worker import JOBS

    queue.configure(JOBS)  # the bulk issuance is queued from here
    client = redis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()
    db.engine()
    await db.start()
    workers: list[subprocess.Popen] = []
    try:
        started = time.perf_counter()
        await seed(count)
        log(f"seeded {count} cases ready to issue in {time.perf_counter() - started:.1f} s")
        workers = start_workers(env, logs)
        await wait_ready(redis_url, workers, logs)
        log(f"{WORKERS} verdict workers and a general worker polling; issuing")
        seconds = await issue_and_wait(count, workers, timeout=max(120.0, count * 2.0))
        cpu = [cpu_seconds(w.pid) for w in workers]
        log(f"all {count} valid after {seconds:.1f} s; workers used {' + '.join(f'{c:.0f}' for c in cpu)}"
            f" CPU seconds ({sum(cpu) / count:.2f} per verdict) on {os.cpu_count()} cores")
        return seconds
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        await queue.close()
        await db.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verdicts", type=int, default=500, help="cases issued in the one bulk issuance")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="a Redis database of its own (flushed)")
    args = parser.parse_args()
    if not 1 <= args.verdicts <= 2000:
        sys.exit("--verdicts must be between 1 and 2000 (the most one bulk issuance takes)")
    data_dir = Path(tempfile.mkdtemp(prefix="review-bench-verdicts-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "DATABASE_URL": f"{PG_ADMIN}/{PG_DB}",
           "REDIS_URL": args.redis, "COOKIE_SECURE": "0"}
    os.environ.update(env)  # before `review` is imported: its settings are read once
    psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{PG_DB}"')
    try:
        subprocess.run([str(REVIEW), "migrate"], env=env, cwd=ROOT, check=True, stdout=sys.stderr)
        seconds = asyncio.run(run(args.verdicts, args.redis, env, data_dir))
        print(json.dumps({"verdicts": args.verdicts, "per_s": round(args.verdicts / seconds, 2),
                          "seconds": round(seconds, 1), "workers": WORKERS}), flush=True)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)
        import redis

        client = redis.Redis.from_url(args.redis)
        client.flushdb()
        client.close()


if __name__ == "__main__":
    main()
