"""Webhooks end to end: events committed by the platform reach a receiver that verifies each with the reference
library (`standardwebhooks`) and fails a fifth of the first attempts.

Prints one JSON line per database:
{"db": …, "events": …, "undelivered": …, "duplicate_accepts": …, "first_attempt_p99_ms": …,
 "first_attempt_p50_ms": …, "first_attempt_max_ms": …, "delivered_s": …, "rate": …, "attempts": …,
 "refused_signatures": …}

On a fresh database (a SQLite file, or PostgreSQL `review_bench_webhooks` migrated and dropped at the end) one
endpoint is registered for `case.received`; a receiver (Starlette on uvicorn, its own process, 127.0.0.1)
verifies every request's signature, answers 500 to the first attempt at every fifth webhook-id and 200 to the
rest, and counts each id it accepted. The platform then commits `--events` events (default 10,000), each in a
transaction of its own as a service commits a change, at `--rate` a second; the retry schedule is shortened by
WEBHOOK_RETRY_SCALE=0.01 (5 s → 50 ms). SQLite: jobs in the platform's process, as `review serve` runs them
without Redis. PostgreSQL: Redis and two `review worker` processes deliver, as in production.

- undelivered: events whose id the receiver never accepted; duplicate_accepts: acceptances beyond the first.
- first_attempt_*_ms: from the instant the event's transaction committed (taken right after COMMIT) to the
  receiver's first request carrying its id (both clocks are the machine's).
- delivered_s: from the first commit until every event was accepted.

Usage: .venv/bin/python bench/webhooks.py [--db sqlite|postgres|both] [--events 10000] [--rate 100]
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
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / ".venv" / "bin" / "review"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_webhooks"
REDIS = "redis://127.0.0.1:6379/13"
FAIL_EVERY = 5  # the first attempt at every fifth id fails: 20 %
SETTLE_TIMEOUT = 300.0


def log(message: str) -> None:
    print(f"[webhooks] {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=sys.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the receiver (its own process) -------------------------------------------------------------------------


def receive(port: int, secret: str) -> None:
    import uvicorn
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    verifier = Webhook(secret)
    accepted: dict[str, int] = {}
    first_seen: dict[str, float] = {}
    counts = {"attempts": 0, "refused": 0, "seen": 0}

    async def hook(request: Request) -> Response:
        at = time.time()
        body = await request.body()
        counts["attempts"] += 1
        try:
            verifier.verify(body, dict(request.headers))
        except WebhookVerificationError:
            counts["refused"] += 1
            return Response("bad signature", status_code=400)
        message_id = request.headers["webhook-id"]
        if message_id not in first_seen:
            first_seen[message_id] = at
            counts["seen"] += 1
            if counts["seen"] % FAIL_EVERY == 0:
                return Response("try again", status_code=500)
        accepted[message_id] = accepted.get(message_id, 0) + 1
        return Response("ok")

    async def stats(request: Request) -> Response:
        return JSONResponse({"accepted": accepted, "first_seen": first_seen, **counts})

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/stats", stats)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


def receiver_stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as answer:
        return json.loads(answer.read())


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            receiver_stats(port)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the receiver did not start")


# --- the platform's side ------------------------------------------------------------------------------------


async def register(url: str) -> str:
    from review.core import db
    from review.core.actors import Actor
    from review.demo.seeding import seed_reference
    from review.webhooks import services as webhooks

    db.engine()
    await db.start()
    try:
        await db.migrate()
        await seed_reference()
        _, secret = await webhooks.register(actor=Actor(kind="office", username="bench"), url=url,
                                            events=["case.received"])
    finally:
        await db.stop()
    return secret


async def emit(events: int, rate: float, port: int) -> dict:
    from review import worker
    from review.core import db
    from review.core import jobs as queue
    from review.webhooks import services as webhooks
    from review.webhooks.tables import WebhookDelivery

    queue.configure(worker.JOBS)
    db.engine()
    await db.start()
    committed: dict[str, float] = {}
    try:
        began = time.monotonic()
        first_commit = time.time()
        for n in range(events):
            due = began + n / rate
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            async with db.transaction():
                message_id = await webhooks.emit("case.received", {"case_number": f"PY2026{n:06d}",
                                                                   "channel": "hotline", "department_code": "CDJT"})
            committed[str(message_id)] = time.time()
            if n and n % 2000 == 0:
                log(f"{n} events committed")
        log("every event committed; waiting for the deliveries")
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            left = await WebhookDelivery.count().where(WebhookDelivery.status != "delivered")
            if not left:
                break
            if not os.environ.get("REDIS_URL"):
                await webhooks.send_due()  # the in-process sweeper's round, as `review serve` runs it
            await asyncio.sleep(0.5)
        settled = time.time()
        await queue.drain()
    finally:
        await db.stop()
    stats = await asyncio.to_thread(receiver_stats, port)
    accepted, first_seen = stats["accepted"], stats["first_seen"]
    latencies = sorted((first_seen[i] - at) * 1000 for i, at in committed.items() if i in first_seen)
    last_accept = settled
    return {
        "events": events,
        "undelivered": sum(1 for i in committed if i not in accepted),
        "duplicate_accepts": sum(max(0, n - 1) for n in accepted.values()),
        "first_attempt_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1) if latencies else None,
        "first_attempt_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "first_attempt_max_ms": round(latencies[-1], 1) if latencies else None,
        "delivered_s": round(last_accept - first_commit, 1),
        "rate": rate,
        "attempts": stats["attempts"],
        "refused_signatures": stats["refused"],
    }


def child(phase: str, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--phase", phase, *args], env=env, cwd=ROOT, check=True,
                            stdout=subprocess.PIPE, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(db: str, events: int, rate: float) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-bench-webhooks-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": "",
           "WEBHOOK_ALLOW_HTTP": "1", "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32", "WEBHOOK_RETRY_SCALE": "0.01",
           "PUBLIC_BASE_URL": "https://review.example.cn",
           "BACKGROUND_NICE": "0"}  # on this shared machine a niced worker waits behind every other process
    if db == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
        env["REDIS_URL"] = REDIS
        subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, stdout=subprocess.DEVNULL)
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    port = free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        secret = child("register", env, "--port", str(port))["secret"]
        processes.append(subprocess.Popen([sys.executable, __file__, "--phase", "receive", "--port", str(port),
                                           "--secret", secret], env=env, cwd=ROOT))
        if db == "postgres":
            processes += [subprocess.Popen([str(REVIEW), "worker"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
                          for _ in range(2)]
        wait_for(port)
        log(f"{db}: {events} events at {rate:g} a second")
        result = child("emit", env, "--port", str(port), "--events", str(events), "--rate", str(rate))
        print(json.dumps({"db": db, **result}), flush=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'],
                           check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="events committed a second")
    parser.add_argument("--phase", choices=["register", "receive", "emit"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "register":
        print(json.dumps({"secret": asyncio.run(register(f"http://127.0.0.1:{args.port}/hook"))}), flush=True)
        return
    if args.phase == "receive":
        receive(args.port, args.secret)
        return
    if args.phase == "emit":
        print(json.dumps(asyncio.run(emit(args.events, args.rate, args.port))), flush=True)
        return
    for db in ("sqlite", "postgres"):
        if args.db in ("both", db):
            run(db, args.events, args.rate)


if __name__ == "__main__":
    main()
