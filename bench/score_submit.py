"""Score-sheet submission through the HTTP API from 20 concurrent clients, on SQLite and on PostgreSQL.

Prints one JSON line per database: {"db": …, "sheets_per_s": …, "p99_ms": …, …}

Each request is a member submitting a new sheet (6 criteria, each with a reason) with a bearer token, for a
case under review on whose panel they sit. The server and wrk are run the way bench/http.py runs them.
Usage: .venv/bin/python bench/score_submit.py [--seconds 10] [--connections 20] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_http", ROOT / "bench" / "http.py")
assert _spec and _spec.loader
bench_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)

MEMBERS = 20
THREADS = 2

_PREPARE = """
import asyncio, json, sys
from datetime import datetime, timezone
from review.accounts.services import auth
from review.cases.services import services as cases
from review.core import db
from review.core.actors import Actor
from review.demo.seeding import seed_reference
from review.core.tables import Account, Department
from panels.tables import CompositionTemplate, Panel, RosterMember, Seat

async def main(case_count, out):
    db.engine(); await db.start(); await db.migrate(); await seed_reference()
    now = datetime.now(timezone.utc)
    await Department.insert(Department(code="CDJT", name="成都市交通运输局", level="市级")).run()
    template = (await CompositionTemplate.select(CompositionTemplate.id).first().run())["id"]
    members = []
    for i in range({members}):
        acc = (await Account.insert(Account(username=f"bench{{i:02d}}", display_name=f"评议员{{i}}", role="member",
                                            password_hash="-", created_at=now)).run())[0]["id"]
        roster = (await RosterMember.insert(RosterMember(user=acc, name=f"评议员{{i}}", role="lawyer",
                                                         district="武侯区")).run())[0]["id"]
        token = await auth.issue_token(Actor(kind="member", user_id=acc, username=f"bench{{i:02d}}"))
        members.append((roster, token))
    hotline = Actor(kind="hotline", username="hotline")
    numbers = []
    criteria = (await db.fetch("SELECT id FROM criteria_set WHERE version = 1"))[0]["id"]
    for n in range(case_count):
        result = await cases.intake_case(actor=hotline, payload={{
            "source_ref": f"BENCH-SCORE-{{n}}", "channel": "hotline", "received_at": "2026-10-08T09:30:00+08:00",
            "category": "城市管理", "district": "武侯区", "department_code": "CDJT",
            "complainant": {{"name": "王小明", "phone": "13800001234", "id_number": None, "address": None}},
            "content": "玉林南路人行道井盖缺失。", "reply": "已安排修复。", "replied_at": "2026-10-12T16:00:00+08:00",
            "rating": "unsatisfied", "rated_at": "2026-10-13T10:00:00+08:00"}})
        numbers.append(result.case_number)
    async with db.transaction():
        await db.fetch("UPDATE review_case SET status = 'under_review', criteria_set_id = {{}}", criteria)
        rows = await db.fetch("SELECT id, number FROM review_case")
        panels = []
        for start in range(0, len(rows), 500):  # PostgreSQL takes at most 32,767 parameters a statement
            panels += await Panel.insert(*[Panel(case=r["id"], template=template, template_version=1, seed_hash="",
                                                 seed="", roster_hash="", convened_at=now)
                                           for r in rows[start:start + 500]]).run()
        seats = [Seat(panel=p["id"], member=roster, role="lawyer", is_chair=(i == 0), status="accepted")
                 for p in panels for i, (roster, _) in enumerate(members)]
        for start in range(0, len(seats), 2000):
            await Seat.insert(*seats[start:start + 2000]).run()
    await db.stop()
    # Pair k goes to case k mod N: requests in flight at the same time are on different cases.
    with open(out, "w") as f:
        for k in range(case_count * len(members)):
            f.write(f"{{members[k // case_count][1]}} {{numbers[k % case_count]}}\\n")

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
""".replace("{members}", str(MEMBERS)).replace("{{", "{").replace("}}", "}")


def run(db: str, seconds: int, connections: int, cases: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-bench-score-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": ""}
    if db == "postgres":
        bench_http.reset_postgres()
        env["DATABASE_URL"] = f"{bench_http.PG_ADMIN}/{bench_http.PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    pairs = data_dir / "pairs.txt"
    subprocess.run([sys.executable, "-c", _PREPARE, str(cases), str(pairs)], env=env, check=True, cwd=ROOT)
    port = bench_http.free_port()
    workers = "2" if db == "postgres" else "1"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "review"), "serve", "--port", str(port), "--workers", workers],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        bench_http.wait_ready(port)
        extra = {"BENCH_PAIRS": str(pairs), "BENCH_THREADS": str(THREADS)}
        out = bench_http.wrk(port, "score_submit.lua", seconds, connections, extra)
        count = subprocess.run(
            [sys.executable, "-c", ("import asyncio\nfrom review.core import db\n"
             "async def m():\n db.engine(); await db.start()\n"
             " r = await db.fetch('SELECT COUNT(*) AS n FROM score_sheet WHERE submitted = {}', True)\n"
             " print(r[0]['n']); await db.stop()\nasyncio.run(m())")],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        print(json.dumps({
            "db": db, "sheets_per_s": round(out["requests"] / (out["duration_us"] / 1e6), 1),
            "p99_ms": round(out["p99_us"] / 1000, 1), "p50_ms": round(out["p50_us"] / 1000, 1),
            "errors": out["errors"], "sheets_stored": int(count), "requests": out["requests"],
            "connections": connections, "seconds": seconds, "workers": int(workers),
        }), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{bench_http.PG_ADMIN}/postgres", "-qc",
                            f'DROP DATABASE IF EXISTS "{bench_http.PG_DB}" WITH (FORCE)'], check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--cases", type=int, default=1500, help="cases under review (20 seats each)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/score_submit.py needs wrk: apt-get install wrk")
    for db in ("sqlite", "postgres"):
        if args.only in (None, db):
            run(db, args.seconds, args.connections, args.cases)


if __name__ == "__main__":
    main()
