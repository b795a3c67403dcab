"""The reminder sweep over 200,000 open stage clocks on PostgreSQL (50,000 on SQLite).

Prints one JSON line per database:
{"db": …, "cases": …, "clocks": …, "sweep_s": …, "found": …, "fired": …, "second_sweep_sent": …, …}

On a fresh database (SQLite file, or PostgreSQL `review_bench_sweep` migrated and dropped at the end) it inserts,
in multi-row batches rather than through the case lifecycle (COPY on PostgreSQL, executemany on SQLite): 50
departments with a liaison each, 3 office accounts, and cases each standing in one stage with the audit events
that led there — screening, convening, scoring, the chair's reasoning, issuing, a redo order after the ruling
(with the reconsideration period open beside it) or mediation (which pauses scoring and runs two clocks of its
own) — until the open stage clocks reach the count asked. Each open stage started a random time ago, up to a
quarter past its limit, so some are late. Every reminder and escalation step due before the previous sweep, ten
minutes before `now`, is recorded as fired, as a sweep every ten minutes would have left it (computed with the
pure `clocks()`).

`now` is a working day's 09:05 (Beijing): the morning sweep, the day's heaviest, fires every step that fell due at
09:00. Measured in a fresh process, as a worker runs it:
- sweep_s: `review.deadlines.services.sweep.sweep(now=…)`, wall time; find_s: its part spent finding what is
  due (the SQL pre-filter, the cases' events, `clocks()`), fire_s: recording and auditing;
- tell_s / notified: the job the sweep queues (`tell_clock_alerts`), storing the steps' notifications;
- second_sweep_s / second_sweep_sent: the same sweep right after (what it recorded plus what was notified);
- steady_sweep_s: a sweep at 09:15, when nothing new is due (a sweep of most of the day).

Usage: .venv/bin/python bench/clock_sweep.py [--db sqlite|postgres|both] [--clocks N]
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
PG_DB = "review_bench_sweep"
CLOCKS = {"postgres": 200_000, "sqlite": 50_000}
DEPARTMENTS = 50
BATCH = 5000
NOW_LOCAL = "2026-12-09T09:05:00+08:00"  # a Wednesday
SWEEP_EVERY = timedelta(minutes=10)

# Where a case stands: its status and the actions that led there, the last one starting the open stage(s).
PATHS = {
    "screening": ("received", ["intake"]),
    "convening": ("accepted", ["intake", "accept"]),
    "scoring": ("under_review", ["intake", "accept", "convene", "start_scoring"]),
    "reasoning": ("deliberation", ["intake", "accept", "convene", "start_scoring", "close_scoring"]),
    "issuing": ("deliberation", ["intake", "accept", "convene", "start_scoring", "close_scoring",
                                 "reasoning_signed"]),
    "redo": ("ruled", ["intake", "accept", "convene", "start_scoring", "close_scoring", "reasoning_signed",
                       "issue_ruling", "verdict_rendered", "redo_order_opened"]),
    "mediation": ("mediation", ["intake", "accept", "convene", "start_scoring", "open_mediation"]),
}
WEIGHTS = {"screening": 12, "convening": 12, "scoring": 34, "reasoning": 12, "issuing": 8, "redo": 12, "mediation": 10}
LIMIT_DAYS = {"screening": 2, "convening": 3, "scoring": 5, "reasoning": 3, "issuing": 2, "redo": 15, "mediation": 15}


def log(message: str) -> None:
    print(f"[clock_sweep] {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=sys.stderr)


def _cases(rng: random.Random, now: datetime, target: int, policy, days, departments: list[int]):
    """Cases (number, status, department, events as (action, at)) until their open clocks reach `target`, and
    every step fired before the previous sweep."""
    from review.deadlines.clocks import Event, clocks

    previous = now - SWEEP_EVERY
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    made, fired, open_clocks = [], [], 0
    while open_clocks < target:
        kind = rng.choices(kinds, weights)[0]
        status, actions = PATHS[kind]
        # The open stage started up to a quarter past its limit ago (calendar days, 7 for each 5 working).
        start = now - timedelta(days=rng.uniform(0, LIMIT_DAYS[kind] * 1.25 * 7 / 5))
        times = [start]
        for _ in actions[1:]:
            times.append(times[-1] - timedelta(hours=rng.uniform(4, 72)))
        events = list(zip(actions, reversed(times), strict=True))
        number = f"PY2026{len(made) + 1:07d}"
        computed = clocks([Event(at, action) for action, at in events], policy, days, previous)
        for clock in computed:
            if clock.end is not None:
                continue
            open_clocks += 1
            for alert in clock.alerts:
                if alert.at <= previous and (alert.kind == "escalate" or clock.due is None or alert.at < clock.due):
                    at = alert.at + timedelta(minutes=rng.randint(0, 9))
                    fired.append((f"{number}:{alert.key}", number, alert.stage, alert.occurrence, alert.kind,
                                  alert.step, alert.to, alert.at, at, at))  # fired and told then
        made.append((number, status, rng.choice(departments), events))
    return made, fired, open_clocks


def _text(at: datetime) -> str:
    """An instant as Piccolo writes it to SQLite (UTC, str())."""
    return str(at.astimezone(UTC))


async def seed(target: int) -> dict:
    from review.core import db
    from review.core.calendar import calendar
    from review.core.tables import Account, Department
    from review.deadlines.services import policy_in_force
    from review.demo.seeding import seed_reference

    rng = random.Random(20261207)
    now = datetime.fromisoformat(NOW_LOCAL).astimezone(UTC)
    db.engine()
    await db.start()
    try:
        await db.migrate()
        await seed_reference()
        made = await Department.insert(*[Department(code=f"D{i:03d}", name=f"第{i:03d}承办部门", level="区级")
                                         for i in range(1, DEPARTMENTS + 1)]).run()
        departments = [int(r["id"]) for r in made]
        at = datetime.now(UTC)
        await Account.insert(
            *[Account(username=f"office{i}", display_name=f"评议办{i}", role="office", password_hash="-",
                      created_at=at) for i in range(1, 4)],
            *[Account(username=f"liaison-D{i:03d}", display_name=f"联络员{i}", role="liaison", department=d,
                      password_hash="-", created_at=at) for i, d in enumerate(departments, 1)]).run()
        started = time.perf_counter()
        cases, fired, open_clocks = _cases(rng, now, target, await policy_in_force(), await calendar(), departments)
        log(f"{len(cases)} cases, {open_clocks} open clocks, {len(fired)} steps fired before; "
            f"computed in {time.perf_counter() - started:.1f} s")
        case_rows, event_rows = [], []
        for case_id, (number, status, department, events) in enumerate(cases, 1):
            received = events[0][1]
            case_rows.append((case_id, number, f"BENCH-{case_id}", "", "hotline", received, "城市管理", "武侯区", "",
                              department, "王某", "", "", "", "…", "…", received, "unsatisfied", received, status,
                              "", "", received, events[-1][1]))
            event_rows += [(case_id, "system:bench", action, "", "", "", "{}", at) for action, at in events]
        if db.is_sqlite():
            await db.stop()
            _sqlite_insert(case_rows, event_rows, fired)
        else:
            await _postgres_insert(case_rows, event_rows, fired)
        return {"cases": len(cases), "clocks": open_clocks, "events": len(event_rows), "fired_before": len(fired),
                "seed_s": round(time.perf_counter() - started, 1)}
    finally:
        if not db.is_sqlite():
            await db.stop()


CASE_COLUMNS = ["id", "number", "source_ref", "payload_hash", "channel", "received_at", "category", "district",
                "community", "department", "complainant_name", "complainant_phone", "complainant_id_number",
                "complainant_address", "content", "reply", "replied_at", "rating", "rated_at", "status",
                "access_code_hash", "status_reason", "created_at", "updated_at"]
EVENT_COLUMNS = ["case", "actor", "action", "from_status", "to_status", "reason", "data", "at"]
ALERT_COLUMNS = ["key", "case_number", "stage", "occurrence", "kind", "step", "recipient", "due", "fired_at",
                 "notified_at"]


async def _postgres_insert(cases: list, events: list, fired: list) -> None:
    from review.core import db

    async with db.engine().pool.acquire() as connection:
        await connection.copy_records_to_table("review_case", records=cases, columns=CASE_COLUMNS)
        await connection.copy_records_to_table("audit_event", records=events, columns=EVENT_COLUMNS)
        await connection.copy_records_to_table("clock_alert", records=fired, columns=ALERT_COLUMNS)
        await connection.execute("SELECT setval('review_case_id_seq', (SELECT MAX(id) FROM review_case))")
        await connection.execute("ANALYZE")


def _sqlite_insert(cases: list, events: list, fired: list) -> None:
    from review.core import settings

    def row(values: tuple) -> tuple:
        return tuple(_text(v) if isinstance(v, datetime) else v for v in values)

    path = urlparse(settings.database_url()).path
    connection = sqlite3.connect(path)
    try:
        for table, columns, rows in (("review_case", CASE_COLUMNS, cases), ("audit_event", EVENT_COLUMNS, events),
                                     ("clock_alert", ALERT_COLUMNS, fired)):
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            for start in range(0, len(rows), BATCH):
                connection.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',
                                       [row(r) for r in rows[start:start + BATCH]])
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def sweeps() -> dict:
    from review import worker
    from review.core import db
    from review.core import jobs as queue
    from review.deadlines.services.sweep import sweep
    from review.notifications.tables import Notification

    now = datetime.fromisoformat(NOW_LOCAL).astimezone(UTC)
    queue.configure(worker.JOBS)
    db.engine()
    await db.start()
    try:
        started = time.perf_counter()
        first = await sweep(now=now)
        first_s = time.perf_counter() - started
        # The job the sweep queued, running in-process as it would in a worker: the steps' notifications stored
        # (the deliveries it queues in turn are left out of the time).
        started = time.perf_counter()
        await queue._tasks["tell_clock_alerts"]
        tell_s = time.perf_counter() - started
        notified = await Notification.count()
        await queue.drain()
        started = time.perf_counter()
        second = await sweep(now=now)
        second_s = time.perf_counter() - started
        await queue.drain()
        second_notified = await Notification.count() - notified
        started = time.perf_counter()
        steady = await sweep(now=now + SWEEP_EVERY)
        steady_s = time.perf_counter() - started
        await queue.drain()
        steady_notified = await Notification.count() - notified - second_notified
    finally:
        await db.stop()
    return {"sweep_s": round(first_s, 2), "find_s": first.find_s, "fire_s": first.fire_s,
            "candidates": first.candidates, "computed_clocks": first.clocks, "found": first.found,
            "fired": first.fired, "notified": notified, "tell_s": round(tell_s, 2),
            "second_sweep_s": round(second_s, 2), "second_sweep_sent": second.fired + second_notified,
            "second_sweep_candidates": second.candidates,
            "steady_sweep_s": round(steady_s, 2), "steady_sweep_sent": steady.fired + steady_notified,
            "steady_sweep_candidates": steady.candidates}


def child(phase: str, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--phase", phase, *args], env=env, cwd=ROOT, check=True,
                            stdout=subprocess.PIPE, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(db: str, clocks: int | None) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-bench-sweep-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": ""}
    if db == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        log(f"{db}: seeding")
        built = child("seed", env, "--clocks", str(clocks or CLOCKS[db]))
        log(f"{db}: sweeping")
        print(json.dumps({"db": db, **built, **child("sweep", env)}), flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'],
                           check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clocks", type=int, help="open stage clocks (default 200,000 on PostgreSQL, 50,000 SQLite)")
    parser.add_argument("--phase", choices=["seed", "sweep"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "seed":
        print(json.dumps(asyncio.run(seed(args.clocks))), flush=True)
        return
    if args.phase == "sweep":
        print(json.dumps(asyncio.run(sweeps())), flush=True)
        return
    for db in ("sqlite", "postgres"):
        if args.db in ("both", db):
            run(db, args.clocks)


if __name__ == "__main__":
    main()
