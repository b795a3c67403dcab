"""Does anything stall the event loop? A probe's latency while heavy work runs beside it, on SQLite and PostgreSQL.

Prints one JSON line per database:
{"db": "sqlite|postgres", "p99_ms": …, "max_ms": …, "probes": …, …}

The app is served by `review serve` in its own process (SQLite: one process, jobs in-process; PostgreSQL: two
processes, jobs on Redis run by a `review worker` and a `review worker --queue verdicts`). On a fresh database
with demo data and 100 cases ready for their ruling (brought there through the real services), these run
together for `--seconds`:

- 40 wrong logins a second (`POST /api/v1/auth/token`; the per-client login limit is raised for the run so
  that every attempt reaches the password check);
- the upload of a 300,000-row roster XLSX (`POST /api/v1/roster/import`: a job, polled until it ends; with the
  default ROSTER_MAX_ROWS it is refused once row 20,001 is read, `--roster-max-rows 300000` imports it all);
- a 100,000-row case CSV (35 MB: IMPORT_MAX_BYTES is raised to 64 MiB for the run) imported by
  `review import-cases` (the platform's case import; a process of its own that shares the database);
- a bulk issuance of the 100 ready cases (`POST /api/v1/verdicts/bulk`: issued and rendered by jobs).

Meanwhile a probe, in a process of its own, requests `/healthz` and an office case page (kept, after a warm-up)
every 50 ms, each on its own keep-alive connection; p99 and max are over both. The 1-minute load average before and after is reported
(the machine may be shared). The processes' logs are kept in the temp folder, review-bench-stall/logs-DB/.

Usage: .venv/bin/python bench/stall.py [--seconds 60] [--only sqlite|postgres] [--redis redis://127.0.0.1:6379/3]
                                      [--roster-max-rows N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the standard library's `http`: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import csv
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / ".venv" / "bin" / "review"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_stall"
CACHE = Path(tempfile.gettempdir()) / "review-bench-stall"
ROSTER_ROWS = 300_000
CASE_ROWS = 100_000
READY_CASES = 100
LOGINS_PER_S = 40
PROBE_EVERY = 0.05
LOADS = ("logins", "roster", "cases", "bulk")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def log(message: str) -> None:
    print(f"[stall] {message}", file=sys.stderr, flush=True)


# --- inputs ------------------------------------------------------------------------------------------------


def roster_file() -> Path:
    """A 300,000-row roster workbook (name, role, district), written once and kept in the temp folder."""
    path = CACHE / f"roster-{ROSTER_ROWS}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    CACHE.mkdir(exist_ok=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名", "角色", "区域"])
    roles = ["律师", "人大代表", "群众代表", "专家"]
    for i in range(ROSTER_ROWS):
        sheet.append([f"成员{i}", roles[i % 4], "武侯区"])
    book.save(path.with_suffix(".tmp"))
    path.with_suffix(".tmp").rename(path)
    return path


def cases_file() -> Path:
    """A 100,000-row case CSV in the import's flat columns (UTF-8 with BOM, as Excel saves it), complaint and
    reply texts cut short (about 35 MB)."""
    path = CACHE / f"cases-{CASE_ROWS}.csv"
    if path.exists():
        return path
    from review.cases.importing import FLAT_COLUMNS
    from review.demo import data as demo_data

    CACHE.mkdir(exist_ok=True)
    rng = random.Random(20261203)
    today = __import__("datetime").date.today()
    with path.with_suffix(".tmp").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FLAT_COLUMNS)
        writer.writeheader()
        for n, complaint in enumerate(demo_data.complaints(rng, CASE_ROWS, start=today - timedelta(days=40),
                                                           days=30)):
            body = demo_data.to_intake_payload(complaint)
            flat = {k: v for k, v in body.items() if k != "complainant"}
            flat.update({f"complainant_{k}": v for k, v in body["complainant"].items()})
            flat["source_ref"] = f"STALL-{n:06d}"
            flat["content"], flat["reply"] = flat["content"][:40], (flat.get("reply") or "")[:20] or None
            writer.writerow({column: flat.get(column) for column in FLAT_COLUMNS})
    path.with_suffix(".tmp").rename(path)
    return path


async def prepare() -> None:
    """(In a child process with the run's environment.) Schema, demo data, and 100 cases whose ruling may be
    issued: accepted, convened, seats accepted, every sheet submitted, scoring closed, reasoning signed."""
    from review.cases.services import intake_case, screen_case
    from review.convening.services import convene_panel
    from review.core import db
    from review.core import jobs as queue
    from review.core.actors import Actor
    from review.core.tables import Case
    from review.demo.seeding import _accept_invitations, _chair, _panel_members, _user_id, seed_demo
    from review.rulings.services.deliberation import close_scoring, save_reasoning, sign_reasoning
    from review.rulings.services.sheets import criteria_of, submit_sheet
    from review.worker import JOBS

    queue.configure(JOBS)
    db.engine()
    await db.start()
    await db.migrate()
    await seed_demo(cases_count=20, progress=lambda m: None)
    await db.fetch("UPDATE roster_member SET max_panels = 100")
    office = Actor(kind="office", user_id=await _user_id("office"), username="office")
    hotline = Actor(kind="hotline", username="hotline")
    from review.demo import data as demo_data

    rng = random.Random(7)
    today = __import__("datetime").date.today()
    for complaint in demo_data.complaints(rng, READY_CASES, start=today - timedelta(days=40), days=30):
        payload = demo_data.to_intake_payload(complaint)
        payload["source_ref"] = f"READY-{rng.random()}"
        number = (await intake_case(payload=payload, actor=hotline)).case_number
        await screen_case(number=number, actor=office, accept=True)
        await convene_panel(number=number, actor=office)
        await _accept_invitations(number)
        criteria_set = (await Case.select(Case.criteria_set_id).where(Case.number == number).first().run())
        criteria = await criteria_of(criteria_set["criteria_set_id"])
        for user_id, username in await _panel_members(number):
            await submit_sheet(number=number, actor=Actor(kind="member", user_id=user_id, username=username),
                               scores=[{"criterion": c["code"], "value": 4, "reason": "依据办理记录评分。"}
                                       for c in criteria])
        await close_scoring(number=number, actor=office)
        chair = await _chair(number)
        await save_reasoning(number=number, actor=chair, reasoning="评议组依据公布的评议标准逐项评分，经合议作出本结论。")
        await sign_reasoning(number=number, actor=chair)
    await queue.drain()
    await db.stop()


# --- the run -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=subprocess.DEVNULL)


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def office_session(base: str) -> tuple[httpx.Client, str]:
    """A browser logged in as the demo office, and a ruled case's page."""
    browser = httpx.Client(base_url=base, timeout=30)
    page = browser.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    browser.post("/login", data={"csrf_token": token, "username": "office", "password": "demo-office", "next": ""})
    listing = browser.get("/office/cases?status=ruled").text
    number = re.search(r"/office/cases/(PY\d+)", listing).group(1)  # type: ignore[union-attr]
    return browser, f"/office/cases/{number}"


def probe(base: str, cookies: dict[str, str], page: str, stop: Any, out: Any) -> None:
    """(In a process of its own, so that the loads' client threads in this one cannot delay it.) Every 50 ms:
    /healthz, then the kept case page, each timed on its own keep-alive connection; the samples go to `out`."""
    health = httpx.Client(base_url=base, timeout=30)
    browser = httpx.Client(base_url=base, timeout=30, cookies=cookies)
    samples: list[tuple[str, float, int, float]] = []
    next_at = begun = time.perf_counter()
    while not stop.is_set():
        for name, client, path in (("healthz", health, "/healthz"), ("case_page", browser, page)):
            started = time.perf_counter()
            status = client.get(path).status_code
            samples.append((name, (time.perf_counter() - started) * 1000, status, started - begun))
        next_at += PROBE_EVERY
        time.sleep(max(0.0, next_at - time.perf_counter()))
    out.send(samples)
    out.close()


def wrong_logins(base: str, stop: threading.Event, counts: dict[str, int]) -> None:
    """40 a second, each on its own request, whatever the answers take."""
    pool = ThreadPoolExecutor(max_workers=32)
    client = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=32,
                                                                          max_keepalive_connections=0))

    def attempt(n: int) -> None:
        try:
            status = client.post("/api/v1/auth/token", json={"username": "office", "password": f"wrong-{n}"}).status_code
        except httpx.HTTPError as error:
            status = f"{type(error).__name__}: {str(error)[:60]}"
        key = str(status) if not stop.is_set() else "unanswered_when_the_run_ended"
        counts[key] = counts.get(key, 0) + 1

    next_at, n = time.perf_counter(), 0
    while not stop.is_set():
        pool.submit(attempt, n)
        n += 1
        next_at += 1 / LOGINS_PER_S
        time.sleep(max(0.0, next_at - time.perf_counter()))
    pool.shutdown(wait=True)


def poll(client: httpx.Client, url: str, stop: threading.Event, done: dict) -> None:
    while not stop.is_set():
        body = client.get(url).json()
        done.update(body if isinstance(body, dict) else {})
        if body.get("finished"):
            return
        time.sleep(1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(db: str, seconds: int, redis_url: str, roster_max_rows: int | None, loads: set[str]) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-stall-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": "",
           "LOGIN_ATTEMPTS_PER_CLIENT": "1000000/minute", "IMPORT_MAX_BYTES": str(64 * 1024 * 1024)}
    if roster_max_rows:
        env["ROSTER_MAX_ROWS"] = str(roster_max_rows)
    if db == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
        env["REDIS_URL"] = redis_url
        import redis

        redis.from_url(redis_url).flushdb()
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    roster, cases = roster_file(), cases_file()
    log(f"{db}: preparing the database")
    subprocess.run([sys.executable, __file__, "--prepare"], env=env, check=True, cwd=ROOT)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = data_dir / "logs"
    logs.mkdir()
    processes = []

    def start(name: str, *args: str) -> subprocess.Popen:
        with (logs / f"{name}.log").open("wb") as out:
            process = subprocess.Popen([str(REVIEW), *args], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        processes.append(process)
        return process

    start("server", "serve", "--port", str(port), "--workers", "2" if db == "postgres" else "1")
    if db == "postgres":
        start("worker", "worker")
        start("verdict-worker", "worker", "--queue", "verdicts")
    stop = threading.Event()
    try:
        try:
            wait_ready(base)
        except RuntimeError:
            raise RuntimeError((logs / "server.log").read_text()[-3000:]) from None
        browser, page = office_session(base)
        for _ in range(20):
            browser.get(page)  # warm: the page is kept after its first render in each process
        # A fresh connection per call: the server closes idle keep-alive connections after 5 s.
        api = httpx.Client(base_url=base, timeout=120, limits=httpx.Limits(max_keepalive_connections=0))
        token = api.post("/api/v1/auth/token", json={"username": "office", "password": "demo-office"}).json()["token"]
        api.headers["Authorization"] = f"Bearer {token}"
        load_before = os.getloadavg()[0]
        context = multiprocessing.get_context("spawn")
        probe_stop = context.Event()
        samples_in, samples_out = context.Pipe(duplex=False)
        prober = context.Process(target=probe, args=(base, dict(browser.cookies), page, probe_stop, samples_out))
        prober.start()
        time.sleep(2)
        logins: dict[str, int] = {}
        roster_state: dict = {}
        bulk_state: dict = {}
        threads = [threading.Thread(target=wrong_logins, args=(base, stop, logins), daemon=True)] \
            if "logins" in loads else []

        def upload_roster() -> None:
            with roster.open("rb") as handle:
                answer = api.post("/api/v1/roster/import", files={"file": ("roster.xlsx", handle.read(), XLSX)})
            roster_state["upload_status"] = answer.status_code
            if answer.status_code == 202:
                poll(api, answer.headers["location"], stop, roster_state)
            else:
                roster_state.update(answer.json())

        def bulk() -> None:
            answer = api.post("/api/v1/verdicts/bulk", json={"all_ready": True})
            bulk_state["start_status"] = answer.status_code
            url = f"/api/v1/verdicts/bulk/{answer.json()['id']}"
            while not stop.is_set():
                bulk_state.update(api.get(url).json())
                if bulk_state.get("status") == "finished":
                    return
                time.sleep(1)

        threads += [threading.Thread(target=upload_roster, daemon=True)] if "roster" in loads else []
        threads += [threading.Thread(target=bulk, daemon=True)] if "bulk" in loads else []
        codes = data_dir / "codes.csv"
        importer = start("import-cases", "import-cases", str(cases), "--codes-out", str(codes)) \
            if "cases" in loads else None
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        probe_stop.set()
        samples = samples_in.recv()
        prober.join()
        if importer is not None:
            importer.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(timeout=30)
        load_after = os.getloadavg()[0]
        imported_cases = max(0, sum(1 for _ in codes.open()) - 1) if codes.exists() else 0
        latencies = [ms for _, ms, _, _ in samples]
        by = {name: [ms for n, ms, _, _ in samples if n == name] for name in ("healthz", "case_page")}
        return {
            "db": db, "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
            "probes": len(latencies), "p50_ms": round(statistics.median(latencies), 1),
            "healthz_p99_ms": round(percentile(by["healthz"], 0.99), 1),
            "case_page_p99_ms": round(percentile(by["case_page"], 0.99), 1),
            "slowest": sorted(([round(ms), round(at, 1), name] for name, ms, _, at in samples), reverse=True)[:5],
            "probe_errors": sum(1 for _, _, status, _ in samples if status != 200),
            "seconds": seconds, "loads": sorted(loads), "wrong_logins": logins,
            "roster": {k: roster_state.get(k) for k in ("upload_status", "status", "rows_read", "imported", "error")},
            "bulk": {k: bulk_state.get(k) for k in ("total", "issued", "rendered", "status")},
            "cases_imported": imported_cases, "load_1m_before": round(load_before, 2),
            "load_1m_after": round(load_after, 2),
        }
    finally:
        stop.set()
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        kept_logs = CACHE / f"logs-{db}"
        shutil.rmtree(kept_logs, ignore_errors=True)
        shutil.copytree(logs, kept_logs, dirs_exist_ok=True)
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'],
                           check=False, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--roster-max-rows", type=int, help="ROSTER_MAX_ROWS for the run (default: the setting's)")
    parser.add_argument("--loads", default=",".join(LOADS), help="which loads run (default: all four)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        asyncio.run(prepare())
        return
    for db in ("sqlite", "postgres"):
        if args.only in (None, db):
            print(json.dumps(run(db, args.seconds, args.redis, args.roster_max_rows, set(args.loads.split(","))), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
