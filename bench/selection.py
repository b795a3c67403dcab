"""Applying the selection policy to a day's intake: 1,000 new cases proposed and applied, on SQLite and PostgreSQL.

Prints one JSON line per database: {"db": …, "cases": …, "selection_s": …, "propose_s": …, "apply_s": …, …}

On a fresh database (a SQLite file, or PostgreSQL `review_bench_selection`, migrated and dropped at the end) it
inserts in multi-row batches (COPY on PostgreSQL, executemany on SQLite), not through intake: 50 departments, an
office account, `--history` earlier cases (default 30,000: the month before, already screened, their complainant
keys made as an earlier selection would have left them) and `--cases` new cases received today (default 1,000),
each with its intake event. About one new case in ten comes from a complainant of the month before about the same
department (a repeated dispute), one in twenty asked for review, a few share a phone with another new case.

Measured in a fresh process, as the office does it, with jobs in-process:
- propose_s: `screening.propose` — the queue read, the new cases' keys made, repeated disputes matched, the seed
  committed, the draw, the proposal and its 1,000 decisions written;
- apply_s: `screening.apply` and its job to the end — each case screened through the case lifecycle (one
  transaction per 100 cases, one audit event per case);
- selection_s = propose_s + apply_s (target ≤ 2 s); verify_s: `verify_selection` afterwards (not in the target).

Usage: .venv/bin/python bench/selection.py [--db sqlite|postgres|both] [--cases N] [--history N]
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
import sqlite3
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_selection"
DEPARTMENTS = 50
CATEGORIES = ["城市管理", "交通运输", "住房保障", "环境保护", "市场监管", "教育", "医疗卫生", "社会保障"]
BATCH = 5000


def log(message: str) -> None:
    print(f"[selection] {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=sys.stderr)


CASE_COLUMNS = ["id", "number", "source_ref", "payload_hash", "channel", "received_at", "category", "district",
                "community", "department", "complainant_name", "complainant_phone", "complainant_id_number",
                "complainant_address", "content", "reply", "replied_at", "rating", "rated_at", "status",
                "access_code_hash", "status_reason", "created_at", "updated_at", "review_requested"]
EVENT_COLUMNS = ["case", "actor", "action", "from_status", "to_status", "reason", "data", "at"]
KEY_COLUMNS = ["case", "key", "key_id"]


def _phone(n: int) -> str:
    return f"139{n:08d}"


async def seed(cases: int, history: int) -> dict:
    from review.core import db
    from review.core.tables import Account, Department
    from review.demo.seeding import seed_reference
    from review.selection.services.keys import complainant_key, key_id

    rng = random.Random(20261204)
    now = datetime.now(UTC)
    db.engine()
    await db.start()
    try:
        await db.migrate()
        await seed_reference()
        made = await Department.insert(*[Department(code=f"D{i:03d}", name=f"第{i:03d}承办部门", level="区级")
                                         for i in range(1, DEPARTMENTS + 1)]).run()
        departments = [int(r["id"]) for r in made]
        await Account.insert(Account(username="office", display_name="评议办", role="office", password_hash="-",
                                     created_at=now)).run()
        started = time.perf_counter()
        case_rows, event_rows, key_rows = [], [], []
        earlier: list[tuple[str, int]] = []  # (phone, department) of the month before
        current = key_id()
        for case_id in range(1, history + cases + 1):
            new = case_id > history
            if new and earlier and rng.random() < 0.1:
                phone, department = rng.choice(earlier)  # back about the same department
            else:
                phone, department = _phone(rng.randrange(10**8)), rng.choice(departments)
            # The hotline received it days ago; the department replied, the complainant rated, then it came here.
            received = now - timedelta(days=rng.uniform(3, 12) if new else rng.uniform(13, 45))
            replied = received + timedelta(days=rng.uniform(1, 3) if new else rng.uniform(1, 10))
            taken_in = now - timedelta(minutes=rng.uniform(1, 600)) if new else replied + timedelta(days=1)
            status = "received" if new else rng.choice(["accepted", "not_selected", "not_selected", "closed"])
            case_rows.append((case_id, f"PY{received.year}{case_id:07d}", f"BENCH-{case_id}", "", "hotline",
                              received, rng.choice(CATEGORIES), "武侯区", "", department, "王某", phone, "", "",
                              "…", "…", replied, "unsatisfied", replied, status, "", "", taken_in, taken_in,
                              new and rng.random() < 0.05))
            event_rows.append((case_id, "hotline:bench", "intake", "", "received", "", '{"channel": "hotline"}',
                               taken_in))
            if not new:
                earlier.append((phone, department))
                key_rows.append((case_id, complainant_key(phone), current))
        if db.is_sqlite():
            await db.stop()
            _sqlite_insert(case_rows, event_rows, key_rows)
        else:
            await _postgres_insert(case_rows, event_rows, key_rows)
        return {"cases": cases, "history": history, "seed_s": round(time.perf_counter() - started, 1)}
    finally:
        if not db.is_sqlite():
            await db.stop()


async def _postgres_insert(cases: list, events: list, keys: list) -> None:
    from review.core import db

    async with db.engine().pool.acquire() as connection:
        await connection.copy_records_to_table("review_case", records=cases, columns=CASE_COLUMNS)
        await connection.copy_records_to_table("audit_event", records=events, columns=EVENT_COLUMNS)
        await connection.copy_records_to_table("selection_complainant_key", records=keys, columns=KEY_COLUMNS)
        await connection.execute("SELECT setval('review_case_id_seq', (SELECT MAX(id) FROM review_case))")
        await connection.execute("ANALYZE")


def _text(at: datetime) -> str:
    """An instant as Piccolo writes it to SQLite (UTC, str())."""
    return str(at.astimezone(UTC))


def _sqlite_insert(cases: list, events: list, keys: list) -> None:
    from review.core import settings

    def row(values: tuple) -> tuple:
        return tuple(_text(v) if isinstance(v, datetime) else v for v in values)

    path = urlparse(settings.database_url()).path
    connection = sqlite3.connect(path)
    try:
        for table, columns, rows in (("review_case", CASE_COLUMNS, cases), ("audit_event", EVENT_COLUMNS, events),
                                     ("selection_complainant_key", KEY_COLUMNS, keys)):
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            for start in range(0, len(rows), BATCH):
                connection.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',
                                       [row(r) for r in rows[start:start + BATCH]])
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def select() -> dict:
    from review import worker
    from review.core import db
    from review.core import jobs as queue
    from review.core.actors import Actor
    from review.core.audit import store as audit
    from review.core.tables import Account
    from review.selection.services import screening
    from review.selection.services.verification import verify_selection

    queue.configure(worker.JOBS)
    db.engine()
    await db.start()
    try:
        row = await Account.select(Account.id).where(Account.username == "office").first().run()
        office = Actor(kind="office", user_id=row["id"], username="office", display_name="评议办")
        started = time.perf_counter()
        selection_id = await screening.propose(actor=office)
        propose_s = time.perf_counter() - started
        started = time.perf_counter()
        await screening.apply(selection_id=selection_id, actor=office)
        await queue.drain()
        apply_s = time.perf_counter() - started
        found = await screening.view(selection_id=selection_id, actor=office)
        await audit.seal()
        started = time.perf_counter()
        _, record, verification = await verify_selection(selection_id)
        verify_s = time.perf_counter() - started
        rules = {r["rule"]: 0 for r in record["result"]}
        for r in record["result"]:
            rules[r["rule"]] += 1
    finally:
        await db.stop()
    return {"selection_s": round(propose_s + apply_s, 3), "propose_s": round(propose_s, 3),
            "apply_s": round(apply_s, 3), "status": found.status, "applied": found.done, "selected": found.selected,
            "rules": rules, "verify_s": round(verify_s, 3), "verified": verification.ok}


def child(phase: str, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--phase", phase, *args], env=env, cwd=ROOT, check=True,
                            stdout=subprocess.PIPE, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(db: str, cases: int, history: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-bench-selection-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": "",
           "SECRET_KEY": "bench-selection-key"}
    if db == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        log(f"{db}: seeding")
        built = child("seed", env, "--cases", str(cases), "--history", str(history))
        log(f"{db}: proposing and applying")
        print(json.dumps({"db": db, **built, **child("select", env)}, ensure_ascii=False), flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'],
                           check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=1000, help="new cases received today (default 1,000)")
    parser.add_argument("--history", type=int, default=30_000, help="earlier cases of the month before")
    parser.add_argument("--phase", choices=["seed", "select"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "seed":
        print(json.dumps(asyncio.run(seed(args.cases, args.history))), flush=True)
        return
    if args.phase == "select":
        print(json.dumps(asyncio.run(select()), ensure_ascii=False), flush=True)
        return
    for db in ("sqlite", "postgres"):
        if args.db in ("both", db):
            run(db, args.cases, args.history)


if __name__ == "__main__":
    main()
