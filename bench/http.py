"""Intake API and a case page under concurrent load on 127.0.0.1, on SQLite and on PostgreSQL.

Prints one JSON line per database and endpoint:
{"db": "sqlite|postgres", "endpoint": "intake|case_page", "rps": …, "p99_ms": …, …}

Load comes from wrk (Debian package `wrk`), bounded in time; the server is `review serve`.
SQLite runs the embedded default (one process); PostgreSQL runs two worker processes.
`--pages-kept 0` serves every view of the case page freshly rendered (`CASE_PAGES_KEPT`), as on a case's first
view after a change.
Usage: .venv/bin/python bench/http.py [--seconds 10] [--connections 32] [--only sqlite|postgres] [--pages-kept N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `http` package: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict[str, str]) -> None:
    """Fresh schema and a small demo data set (20 cases at every stage) in the target database."""
    code = (
        "import asyncio\n"
        "from review.core import db\nfrom review.core import jobs as queue\n"
        "from review.demo.seeding import seed_demo\n"
        "from review.worker import JOBS\n"
        "async def main():\n"
        "    queue.configure(JOBS); db.engine(); await db.start(); await db.migrate()\n"
        "    await seed_demo(cases_count=20, progress=lambda m: None)\n"
        "    await queue.drain(); await db.stop()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)


def reset_postgres() -> None:
    for sql in (f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)', f'CREATE DATABASE "{PG_DB}"'):
        subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True)


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def office_session(port: int) -> tuple[str, str]:
    """Log in as the demo office through the form; returns (cookie header, a ruled case's page path)."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = f"csrf_token={token}&username=office&password=demo-office&next=".encode()
    opener.open(f"http://127.0.0.1:{port}/login", data=body).read()
    listing = opener.open(f"http://127.0.0.1:{port}/office/cases?status=ruled").read().decode()
    number = re.search(r"/office/cases/(PY\d+)", listing).group(1)  # type: ignore[union-attr]
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, f"/office/cases/{number}"


def wrk(port: int, script: str, seconds: int, connections: int, env: dict[str, str]) -> dict:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(ROOT / "bench" / script),
         f"http://127.0.0.1:{port}/"],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def run(db: str, seconds: int, connections: int, pages_kept: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-bench-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": "",
           "CASE_PAGES_KEPT": str(pages_kept)}
    if db == "postgres":
        reset_postgres()
        env["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    prepare(env)
    port = free_port()
    workers = "2" if db == "postgres" else "1"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "review"), "serve", "--port", str(port), "--workers", workers],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        wait_ready(port)
        cookie, path = office_session(port)
        # The page first: tens of thousands of intakes leave the database busy vacuuming for a while.
        for endpoint, script, extra in (
            ("case_page", "get.lua", {"BENCH_COOKIE": cookie, "BENCH_PATH": path}),
            ("intake", "intake.lua", {"BENCH_API_KEY": "demo-hotline-key"}),
        ):
            wrk(port, script, 2, connections, extra)  # warm-up
            out = wrk(port, script, seconds, connections, extra)
            # Concurrent writers must leave an intact audit chain.
            chain_ok = subprocess.run([str(ROOT / ".venv" / "bin" / "review"), "verify-audit"], env=env, cwd=ROOT,
                                      capture_output=True, check=False).returncode == 0
            print(json.dumps({
                "db": db, "endpoint": endpoint, "rps": round(out["requests"] / (out["duration_us"] / 1e6), 1),
                "p99_ms": round(out["p99_us"] / 1000, 1), "p50_ms": round(out["p50_us"] / 1000, 1),
                "errors": out["errors"], "connections": connections, "seconds": seconds, "workers": int(workers),
                "pages_kept": pages_kept, "audit_chain_ok": chain_ok,
            }), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'], check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--pages-kept", type=int, default=1_000)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/http.py needs wrk: apt-get install wrk")
    for db in ("sqlite", "postgres"):
        if args.only in (None, db):
            run(db, args.seconds, args.connections, args.pages_kept)


if __name__ == "__main__":
    main()
