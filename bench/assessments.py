"""Assessment figures over a big city's year, the public league page and the year's XLSX export, on SQLite and
on PostgreSQL.

Prints one JSON line per database:
{"db": …, "departments": …, "rulings": …, "redo_orders": …, "month_ms": …, "quarter_ms": …, "year_ms": …,
 "league_rps": …, "xlsx_s": …, "xlsx_peak_mb": …, …}

On a fresh database (SQLite file, or PostgreSQL `review_bench_assess` migrated and dropped at the end) it
inserts, in multi-row INSERT batches rather than through the case lifecycle: 300 departments; their hotline
base figures for the 12 months of the year (one current row per department and month, as an import leaves
them); the year's 250,000 rulings as the assessment side holds them, i.e. each department's monthly
outcome counts (`assessment_entry`: proper / basic / improper, points deducted under the default scheme,
settled in mediation); and for every 办理不到位 ruling (about 2 %) its case, its ruling and its redo order,
in realistic states (most accepted, some reported late, some voided, the rest still open, many of those past
their deadline).

- month_ms / quarter_ms / year_ms: `period_league(p)` (the city-wide league) computed afresh (the kept leagues
  forgotten first) plus `department_period(p, d)` (one department's figures) for 2026-06, 2026-Q2 and 2026;
  median of 7 runs after one warm-up, in-process. `*_kept_ms`: the same league read again while nothing changed.
- league_rps: `review serve` (SQLite one worker, PostgreSQL two) driven by `wrk -t2 -c32` on
  /public/assessments?period=2026-06 for `--seconds` after a 2 s warm-up.
- xlsx_s / xlsx_peak_mb: `review.assessments.services.exports.year_workbook(year)` (the year's league, each
  month's, the year's redo orders) in a fresh process: the first call's wall time, and that process's peak
  RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`, the whole process including the interpreter and its
  imports); `xlsx_heap_peak_mb` is tracemalloc's peak over a second call.

Usage: .venv/bin/python bench/assessments.py [--db sqlite|postgres|both] [--seconds 10]
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
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_assess"
YEAR = "2026"
PERIODS = {"month_ms": f"{YEAR}-06", "quarter_ms": f"{YEAR}-Q2", "year_ms": YEAR}
RUNS = 7
BATCH = 500
ACTIONS = "依法重新办理\n书面回复诉求人"
SHARES = {"proper": 0.70, "basic": 0.28, "improper": 0.02}


def log(message: str) -> None:
    print(f"[assessments] {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=sys.stderr)


async def _batched(table, rows: list) -> list[dict]:
    out: list[dict] = []
    for start in range(0, len(rows), BATCH):
        out += await table.insert(*rows[start:start + BATCH]).run()
    return out


async def seed(departments: int, rulings: int) -> dict:
    from panels.tables import CompositionTemplate, Panel
    from review.assessments.services import schemes
    from review.assessments.tables import AssessmentEntry, BaseFigures, RedoOrder
    from review.core import db
    from review.core.clock import CHINA
    from review.core.tables import Case, Department
    from review.demo.seeding import seed_reference
    from scoring.tables import CriteriaSet, Ruling

    rng = random.Random(20261204)
    now = datetime.now(UTC)
    db.engine()
    await db.start()
    try:
        await db.migrate()
        await seed_reference()
        levels = ("市级", "区级", "街道")
        made = await _batched(Department, [
            Department(code=f"D{i:03d}", name=f"成都市第{i:03d}承办部门", level=levels[i % 3], district="武侯区")
            for i in range(1, departments + 1)])
        ids = [int(r["id"]) for r in made]
        months = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
        # Base figures: a department's size is stable over the year, its months vary by ±25 %; a few are tiny
        # (below the minimum count, shown and not ranked).
        size = {d: (rng.randint(5, 25) if k % 60 == 0 else int(rng.lognormvariate(7.6, 0.7)))
                for k, d in enumerate(ids)}
        base, unsatisfied = [], {}
        for d in ids:
            for m in months:
                handled = max(1, int(size[d] * rng.uniform(0.75, 1.25)))
                replied = int(handled * rng.uniform(0.93, 1.0))
                resolved = int(replied * rng.uniform(0.6, 0.9))
                rated = int(replied * rng.uniform(0.55, 0.8))
                bad = int(rated * rng.uniform(0.08, 0.2))
                basic = int((rated - bad) * rng.uniform(0.1, 0.3))
                unsatisfied[d, m] = bad
                base.append(BaseFigures(
                    department=d, period=m, handled=handled, replied=replied, resolved=resolved, rated=rated,
                    satisfied=rated - bad - basic, basic=basic, unsatisfied=bad,
                    overdue=int(handled * rng.uniform(0.0, 0.05)), avg_reply_days=round(rng.uniform(1.0, 6.0), 2),
                    current=True, imported_at=now, source="cli"))
        await _batched(BaseFigures, base)
        # The year's rulings spread over the department-months in proportion to their unsatisfied ratings.
        weight = sum(unsatisfied.values())
        keys = list(unsatisfied)
        count = {k: int(rulings * unsatisfied[k] / weight) for k in keys}
        for k in rng.sample(keys, rulings - sum(count.values())):
            count[k] += 1
        deductions = (await schemes.in_force(months[0])).deductions
        entries, improper = [], {}
        for (d, m), n in count.items():
            grades = {"improper": sum(rng.random() < SHARES["improper"] for _ in range(n))}
            grades["basic"] = int((n - grades["improper"]) * SHARES["basic"] / (1 - SHARES["improper"]))
            grades["proper"] = n - grades["improper"] - grades["basic"]
            improper[d, m] = grades["improper"]
            entries.append(AssessmentEntry(
                department=d, period=m, ruled_proper=grades["proper"], ruled_basic=grades["basic"],
                ruled_improper=grades["improper"], points_deducted=sum(deductions[g] * v for g, v in grades.items()),
                settled_in_mediation=rng.randint(0, 3), updated_at=now))
        await _batched(AssessmentEntry, entries)
        # Every 办理不到位 ruling: its case, its ruling and its redo order.
        criteria = (await CriteriaSet.select(CriteriaSet.id).first().run())["id"]
        opened = []
        for (d, m), n in improper.items():
            year, month = (int(p) for p in m.split("-"))
            for _ in range(n):
                at = datetime(year, month, rng.randint(1, 28), rng.randint(8, 18), tzinfo=CHINA).astimezone(UTC)
                opened.append((d, min(at, now - timedelta(hours=rng.randint(1, 48)))))
        cases = await _batched(Case, [Case(
            number=f"PY{YEAR}{i:06d}", source_ref=f"BENCH-{i}", payload_hash="", channel="hotline", received_at=at,
            category="城市管理", district="武侯区", community="", department=d, complainant_name="王某",
            content="…", reply="…", replied_at=at, rating="unsatisfied", rated_at=at, status="ruled",
            access_code_hash="", criteria_set_id=criteria, created_at=at, updated_at=at)
            for i, (d, at) in enumerate(opened, 1)])
        template = (await CompositionTemplate.select(CompositionTemplate.id).first().run())["id"]
        panels = await _batched(Panel, [Panel(
            case=c["id"], template=template, template_version=1, seed_hash="", seed="", roster_hash="",
            status="concluded", convened_at=at) for c, (_, at) in zip(cases, opened, strict=True)])
        deadlines = [(at.astimezone(CHINA) + timedelta(days=21)).date() for _, at in opened]
        rows = await _batched(Ruling, [Ruling(
            case=c["id"], panel_id=p["id"], criteria_set=criteria, total=52.0, grade="improper", per_criterion="{}",
            sheet_count=5, redo_deadline=deadline, issued_at=at)
            for c, p, (_, at), deadline in zip(cases, panels, opened, deadlines, strict=True)])
        orders, today = [], now.astimezone(CHINA).date()
        for c, r, (d, at), deadline in zip(cases, rows, opened, deadlines, strict=True):
            roll = rng.random()
            due = datetime.combine(deadline, datetime.min.time(), tzinfo=CHINA)
            if deadline < today and roll < 0.75:  # accepted; one in eight reported after the deadline
                reported = due + (timedelta(days=rng.randint(1, 10)) if rng.random() < 0.125
                                  else -timedelta(days=rng.randint(1, 15)))
                fields = {"state": "accepted", "reported_at": reported, "decided_at": reported + timedelta(days=2),
                          "statement": "已整改", "feedback": rng.choice(["solved", "unsolved", ""])}
            elif roll < 0.80:
                fields = {"state": "void", "void_reason": "superseded"}
            elif roll < 0.90 and at + timedelta(days=3) < now:
                fields = {"state": "reported", "reported_at": at + timedelta(days=3), "statement": "已整改"}
            else:
                fields = {"state": "open"}
            orders.append(RedoOrder(case=c["id"], ruling_id=r["id"], department=d, actions=ACTIONS, deadline=deadline,
                                    deadline_provisional=False, opened_at=at, **fields))
        await _batched(RedoOrder, orders)
        if not db.is_sqlite():
            await db.engine().run_ddl("ANALYZE")
        overdue = sum(1 for o in orders if o.state in ("open", "reported") and o.deadline < today)
        return {"departments": len(ids), "rulings": sum(count.values()), "redo_orders": len(orders),
                "redo_overdue": overdue, "department_id": ids[len(ids) // 2]}
    finally:
        await db.stop()


async def figures(department_id: int) -> dict:
    from review.assessments.services.figures import department_period, forget_leagues, period_league
    from review.core import db

    db.engine()
    await db.start()
    out: dict = {}
    try:
        for name, period in PERIODS.items():
            samples, league_only, kept = [], [], []
            for run in range(RUNS + 1):
                forget_leagues()  # computed afresh: the figures as a first reader after a change gets them
                started = time.perf_counter()
                table = await period_league(period)
                middle = time.perf_counter()
                await department_period(period, department_id)
                ended = time.perf_counter()
                await period_league(period)  # the league kept while nothing changed
                if run:  # the first is the warm-up
                    samples.append(ended - started)
                    league_only.append(middle - started)
                    kept.append(time.perf_counter() - ended)
            out[name] = round(statistics.median(samples) * 1000, 1)
            out[name.replace("_ms", "_league_ms")] = round(statistics.median(league_only) * 1000, 1)
            out[name.replace("_ms", "_kept_ms")] = round(statistics.median(kept) * 1000, 1)
            out.setdefault("ranked", sum(f.ranked for f in table.departments))
    finally:
        await db.stop()
    return out


async def xlsx() -> dict:
    import resource
    import tracemalloc

    from review.core import db

    try:
        from review.assessments.services.exports import year_workbook
    except ImportError:
        return {"xlsx_s": None, "xlsx_note": "review.assessments.services.exports.year_workbook not found"}
    db.engine()
    await db.start()
    try:
        started = time.perf_counter()
        content = await year_workbook(YEAR)
        seconds = time.perf_counter() - started
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        await year_workbook(YEAR)
        heap = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    finally:
        await db.stop()
    return {"xlsx_s": round(seconds, 2), "xlsx_peak_mb": round(peak_rss, 1), "xlsx_heap_peak_mb": round(heap, 1),
            "xlsx_bytes": len(content)}


def child(phase: str, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--phase", phase, *args], env=env, cwd=ROOT, check=True,
                            stdout=subprocess.PIPE, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def wrk(port: int, path: str, seconds: int, connections: int) -> dict:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(ROOT / "bench" / "get.lua"),
         f"http://127.0.0.1:{port}/"],
        env={**os.environ, "BENCH_PATH": path, "BENCH_COOKIE": ""}, capture_output=True, text=True, check=True,
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def league_rps(db: str, env: dict[str, str], seconds: int, connections: int) -> dict:
    port = free_port()
    workers = "2" if db == "postgres" else "1"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "review"), "serve", "--port", str(port), "--workers", workers],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    path = f"/public/assessments?period={PERIODS['month_ms']}"
    try:
        wait_ready(port)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read()
        wrk(port, path, 2, connections)  # warm-up
        out = wrk(port, path, seconds, connections)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return {"league_rps": round(out["requests"] / (out["duration_us"] / 1e6), 1),
            "league_p99_ms": round(out["p99_us"] / 1000, 1), "league_errors": out["errors"],
            "league_page_kb": round(len(page) / 1024, 1), "workers": int(workers)}


def run(db: str, args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-bench-assess-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": ""}
    if db == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        log(f"{db}: seeding")
        started = time.perf_counter()
        built = child("seed", env, "--departments", str(args.departments), "--rulings", str(args.rulings))
        log(f"{db}: seeded in {time.perf_counter() - started:.1f} s; figures")
        result = {"db": db, **built, "seed_s": round(time.perf_counter() - started, 1)}
        result.update(child("figures", env, "--department-id", str(built["department_id"])))
        log(f"{db}: league page")
        result.update(league_rps(db, env, args.seconds, args.connections))
        log(f"{db}: year export")
        result.update(child("xlsx", env))
        print(json.dumps(result), flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'],
                           check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--departments", type=int, default=300)
    parser.add_argument("--rulings", type=int, default=250_000)
    parser.add_argument("--phase", choices=["seed", "figures", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--department-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "seed":
        print(json.dumps(asyncio.run(seed(args.departments, args.rulings))), flush=True)
        return
    if args.phase == "figures":
        print(json.dumps(asyncio.run(figures(args.department_id))), flush=True)
        return
    if args.phase == "xlsx":
        print(json.dumps(asyncio.run(xlsx())), flush=True)
        return
    if not shutil.which("wrk"):
        sys.exit("bench/assessments.py needs wrk: apt-get install wrk")
    for db in ("sqlite", "postgres"):
        if args.db in ("both", db):
            run(db, args)


if __name__ == "__main__":
    main()
