"""The mediation live room under load: 40 rooms × 5 participants over two web processes on one PostgreSQL + Redis.

Prints one JSON line: {"rooms": …, "participants": …, "messages": …, "p99_ms": …, "p50_ms": …, "lost": …,
"duplicated": …, "dropped_sockets": …, …}

Each room is a case in mediation with five real parties, each admitted by the room's own check (room_admits): the
complainant (a track login, case number + access code, through the API), the department's liaison, and three
members seated on the case's panel (one the chair). Every participant holds the room's socket and posts one message
a second through the API with a bearer token (each at its own phase in the second), for `--seconds`; sockets and
posts are spread over both processes, and a participant's socket is never on the process it posts to, so every
delivery between two participants of a room crosses Redis half the time. During the run 10 % of the sockets are
dropped by their client and, half a second later, resumed on the other process with ?after= the last id seen.

Latency is from the client's send time (just before the POST) to the receipt of the event on each other
participant's socket, in this one client process (one clock). `p99_ms` counts the deliveries of messages posted
while the receiver was connected; those posted while it was away are `resumed_deliveries` (their latency includes
the half second away). `lost` counts (message, receiver) pairs never received by the end, after resuming;
`duplicated` counts events a participant received more than once; `out_of_order` events received after a higher id.

Seeding (the cases taken in, accepted and put in mediation through the services, panels and seats inserted, staff
tokens issued) runs against the bench database before the servers start. MEDIATION_MESSAGE_RATE is raised to
120/minute for the run (the default, 20/minute, would refuse one message a second after the first twenty).

Usage: .venv/bin/python bench/mediation_room.py [--rooms 40] [--seconds 30] [--drop 0.1]
                                                [--redis redis://127.0.0.1:6379/5]
BENCH_DEBUG=/some/folder keeps the servers' output there (web.log) and prints each lost delivery on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the standard library's `http` package: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import importlib.util
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_http", ROOT / "bench" / "http.py")
assert _spec and _spec.loader
bench_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)

PG_DB = "review_bench_mediation"
MEMBERS = 3  # seated on each room's panel; with the complainant and the liaison, five participants
RATE = "120/minute"
AWAY = 0.5  # seconds a dropped socket stays away before it resumes

_SEED = """
import asyncio, json, sys
from datetime import datetime, timezone

from panels.tables import CompositionTemplate, Panel, RosterMember, Seat
from review.accounts.services import auth
from review.cases import services as cases
from review.core import db
from review.core.actors import Actor
from review.core.tables import Account, Department
from review.demo.seeding import seed_reference
from review.mediation.services import stage

HOTLINE = Actor(kind="hotline", username="hotline")


async def main(rooms, members, out):
    db.engine(); await db.start(); await db.migrate(); await seed_reference()
    now = datetime.now(timezone.utc)

    async def account(username, role, department=None):
        rows = await Account.insert(Account(username=username, display_name=username, role=role,
                                            department=department, password_hash="-", created_at=now)).run()
        return Actor(kind=role, user_id=rows[0]["id"], username=username, display_name=username,
                     department_id=department)

    office = await account("bench-office", "office")
    template = (await CompositionTemplate.select(CompositionTemplate.id).first().run())["id"]
    spec = []
    for r in range(rooms):
        code = f"BENCH{r:02d}"
        department = (await Department.insert(Department(code=code, name=f"测试部门{r}", level="市级")).run())[0]["id"]
        liaison = await account(f"liaison-{r:02d}", "liaison", department)
        taken = await cases.intake_case(actor=HOTLINE, payload={
            "source_ref": f"BENCH-ROOM-{r}", "channel": "hotline", "received_at": "2026-10-08T09:30:00+08:00",
            "category": "城市管理", "district": "武侯区", "department_code": code,
            "complainant": {"name": "王小明", "phone": "13800001234", "id_number": None, "address": None},
            "content": "玉林南路人行道井盖缺失。", "reply": "已安排修复。", "replied_at": "2026-10-12T16:00:00+08:00",
            "rating": "unsatisfied", "rated_at": "2026-10-13T10:00:00+08:00"})
        await cases.screen_case(number=taken.case_number, actor=office, accept=True)
        case_id = (await db.fetch("SELECT id FROM review_case WHERE number = {}", taken.case_number))[0]["id"]
        panel = (await Panel.insert(Panel(case=case_id, template=template, template_version=1, seed_hash="",
                                          seed="", roster_hash="", convened_at=now)).run())[0]["id"]
        staff = [liaison]
        for m in range(members):
            member = await account(f"member-{r:02d}-{m}", "member")
            roster = (await RosterMember.insert(RosterMember(user=member.user_id, name=member.username,
                                                             role="lawyer", district="武侯区")).run())[0]["id"]
            await Seat.insert(Seat(panel=panel, member=roster, role="lawyer", is_chair=(m == 0),
                                   status="accepted")).run()
            staff.append(member)
        mediation_id = await stage.open_mediation(number=taken.case_number, actor=office)
        spec.append({"mediation_id": mediation_id, "number": taken.case_number, "code": taken.access_code,
                     "staff": [await auth.issue_token(a, client="bench") for a in staff]})
    await db.stop()
    with open(out, "w") as f:
        json.dump(spec, f)

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
"""


@dataclass
class Participant:
    room: int
    index: int
    mediation_id: int
    token: str
    posts_to: int  # the web process it posts to
    socket_on: int  # the web process its socket is on now (the other one)
    last: int = 0
    seen: set[int] = field(default_factory=set)
    away: list[tuple[float, float]] = field(default_factory=list)  # (closed, resumed) of each drop
    socket: Any = None
    reader: asyncio.Task[None] | None = None
    dropping: bool = False

    def away_at(self, at: float) -> bool:
        return any(closed <= at <= resumed for closed, resumed in self.away)


@dataclass
class Run:
    urls: list[str]
    sent: dict[str, tuple[float, Participant]] = field(default_factory=dict)  # tag → (send time, poster)
    acknowledged: dict[str, int] = field(default_factory=dict)  # tag → event id
    live: list[float] = field(default_factory=list)  # latencies, ms
    resumed: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    post_errors: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    unexpected_closes: int = 0
    close_codes: dict[str, int] = field(default_factory=dict)
    began: float = field(default_factory=time.perf_counter)
    received: int = 0

    def ws_url(self, p: Participant) -> str:
        return self.urls[p.socket_on].replace("http://", "ws://") + f"/mediation/{p.mediation_id}/socket?after={p.last}"


async def _read(run: Run, p: Participant) -> None:
    assert p.socket is not None
    async for message in p.socket:
        if message.type != aiohttp.WSMsgType.TEXT:
            break
        at = time.perf_counter()
        event = json.loads(message.data)
        if "id" not in event:
            continue  # a control message (who is present, why the socket closes)
        if event["id"] in p.seen:
            run.duplicated += 1
            continue
        if event["id"] < p.last:
            run.out_of_order += 1
        p.seen.add(event["id"])
        p.last = max(p.last, event["id"])
        run.received += 1
        sent = run.sent.get(event["body"])
        if sent is None or sent[1] is p:
            continue
        (run.resumed if p.away_at(sent[0]) else run.live).append((at - sent[0]) * 1000)
    if not p.dropping:  # closed by the server: resume on the other process, as a client would
        run.unexpected_closes += 1
        run.close_codes[str(p.socket.close_code)] = run.close_codes.get(str(p.socket.close_code), 0) + 1
        if os.environ.get("BENCH_DEBUG"):
            print("closed", p.room, p.index, p.socket.close_code, round(time.perf_counter() - run.began, 3),
                  file=sys.stderr)
        asyncio.get_running_loop().create_task(_resume(run, p, pause=0.0))


async def _connect(run: Run, p: Participant, session: aiohttp.ClientSession) -> None:
    p.socket = await session.ws_connect(run.ws_url(p), headers={"Authorization": f"Bearer {p.token}"},
                                        autoping=True, heartbeat=None)
    p.reader = asyncio.get_running_loop().create_task(_read(run, p))


async def _resume(run: Run, p: Participant, *, pause: float, session: aiohttp.ClientSession | None = None) -> None:
    closed = time.perf_counter()
    await asyncio.sleep(pause)
    p.socket_on = 1 - p.socket_on
    p.dropping = False
    await _connect(run, p, session or _SESSIONS[0])
    p.away.append((closed, time.perf_counter()))


async def _drop(run: Run, p: Participant, at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    p.dropping = True
    closed = time.perf_counter()
    await p.socket.close()
    if p.reader is not None:
        await p.reader
    await asyncio.sleep(AWAY)
    p.socket_on = 1 - p.socket_on
    p.dropping = False
    await _connect(run, p, _SESSIONS[0])
    p.away.append((closed, time.perf_counter()))


_SESSIONS: list[aiohttp.ClientSession] = []


async def _talk(run: Run, p: Participant, session: aiohttp.ClientSession, start: float, seconds: int) -> None:
    phase = random.random()
    url = f"{run.urls[p.posts_to]}/api/v1/mediation/{p.mediation_id}/messages"
    headers = {"Authorization": f"Bearer {p.token}"}
    for n in range(seconds):
        await asyncio.sleep(max(0.0, start + phase + n - time.perf_counter()))
        tag = f"r{p.room}p{p.index}n{n} 调解发言"
        sent = time.perf_counter()
        run.sent[tag] = (sent, p)
        try:
            async with session.post(url, json={"text": tag}, headers=headers) as response:
                body = await response.json()
                if response.status != 201:
                    run.post_errors += 1
                    continue
        except aiohttp.ClientError:
            run.post_errors += 1
            continue
        run.post_ms.append((time.perf_counter() - sent) * 1000)
        run.acknowledged[tag] = int(body["id"])


async def _lag(stop: asyncio.Event, lags: list[float]) -> None:
    """How late this client's own loop wakes (a busy client would inflate every latency it measures)."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append((time.perf_counter() - before - 0.01) * 1000)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def drive(urls: list[str], spec: list[dict[str, Any]], seconds: int, drop: float) -> dict[str, Any]:
    run = Run(urls=urls)
    connector = [aiohttp.TCPConnector(limit=0) for _ in urls]
    _SESSIONS[:] = [aiohttp.ClientSession(connector=c) for c in connector]
    participants: list[Participant] = []
    try:
        for r, room in enumerate(spec):
            posts_to = r % 2
            tracked = await (await _SESSIONS[posts_to].post(
                f"{urls[posts_to]}/api/v1/track", json={"case_number": room["number"], "access_code": room["code"]})
            ).json()
            for i, token in enumerate([tracked["token"], *room["staff"]]):
                posts = (r + i) % 2
                participants.append(Participant(room=r, index=i, mediation_id=room["mediation_id"], token=token,
                                                posts_to=posts, socket_on=1 - posts))
        for p in participants:
            await _connect(run, p, _SESSIONS[0])
        await asyncio.sleep(0.5)
        stop, lags = asyncio.Event(), []
        lagging = asyncio.ensure_future(_lag(stop, lags))
        start = time.perf_counter() + 0.2
        dropped = random.sample(participants, round(len(participants) * drop))
        tasks = [asyncio.ensure_future(_talk(run, p, _SESSIONS[p.posts_to], start, seconds)) for p in participants]
        tasks += [asyncio.ensure_future(_drop(run, p, start + random.uniform(2, max(2.5, seconds - 3))))
                  for p in dropped]
        await asyncio.gather(*tasks)
        stop.set()
        await lagging
        expected = {(tag, q.index, q.room) for tag, (_, poster) in run.sent.items() if tag in run.acknowledged
                    for q in participants if q.room == poster.room and q is not poster}
        deadline = time.monotonic() + 10  # what is still in flight arrives, or counts as lost
        while time.monotonic() < deadline and len(run.live) + len(run.resumed) < len(expected):
            await asyncio.sleep(0.1)
        by_key = {(q.room, q.index): q for q in participants}
        missing = [(tag, by_key[(room, index)]) for tag, index, room in expected
                   if run.acknowledged[tag] not in by_key[(room, index)].seen]
        lost = len(missing)
        for tag, q in missing if os.environ.get("BENCH_DEBUG") else ():
            sent_at = run.sent[tag][0]
            print("lost", tag, run.acknowledged[tag], "to", q.room, q.index, "away",
                  [(round(c - sent_at, 3), round(r - sent_at, 3)) for c, r in q.away],
                  "ids seen around", sorted(i for i in q.seen if abs(i - run.acknowledged[tag]) < 6),
                  file=sys.stderr)
        stored = 0
        for r, room in enumerate(spec):
            p = next(q for q in participants if q.room == r)
            async with _SESSIONS[0].get(f"{urls[0]}/api/v1/mediation/{room['mediation_id']}/events",
                                        headers={"Authorization": f"Bearer {p.token}"}) as response:
                stored += len(await response.json())
        for p in participants:
            p.dropping = True
            await p.socket.close()
    finally:
        for session in _SESSIONS:
            await session.close()
    return {
        "rooms": len(spec), "participants": len(participants), "messages": len(run.acknowledged),
        "stored": stored, "deliveries": len(expected),
        "p99_ms": _pct(run.live, 0.99), "p50_ms": _pct(run.live, 0.50), "max_ms": _pct(run.live, 1.0),
        "p99_all_ms": _pct(run.live + run.resumed, 0.99),
        "lost": lost, "duplicated": run.duplicated, "out_of_order": run.out_of_order,
        "dropped_sockets": len(dropped), "resumed_deliveries": len(run.resumed),
        "resumed_max_ms": _pct(run.resumed, 1.0), "unexpected_closes": run.unexpected_closes,
        "close_codes": run.close_codes,
        "post_p50_ms": _pct(run.post_ms, 0.5), "post_p99_ms": _pct(run.post_ms, 0.99), "post_errors": run.post_errors,
        "client_lag_p99_ms": _pct(lags, 0.99), "seconds": seconds, "processes": len(urls),
        "mean_ms": round(statistics.fmean(run.live), 1) if run.live else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--drop", type=float, default=0.1, help="share of the sockets dropped and resumed")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5", help="a Redis database of the bench's own")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    random.seed(args.seed)
    data_dir = Path(tempfile.mkdtemp(prefix="review-bench-mediation-"))
    for sql in (f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)', f'CREATE DATABASE "{PG_DB}"'):
        subprocess.run(["psql", f"{bench_http.PG_ADMIN}/postgres", "-qc", sql], check=True)
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, capture_output=True)
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": args.redis,
           "DATABASE_URL": f"{bench_http.PG_ADMIN}/{PG_DB}", "MEDIATION_MESSAGE_RATE": RATE}
    servers = []
    try:
        spec_path = data_dir / "rooms.json"
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", _SEED, str(args.rooms), str(MEMBERS), str(spec_path)], env=env,
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        seeded = time.perf_counter() - began
        ports = [bench_http.free_port() for _ in range(2)]
        logs = (Path(os.environ["BENCH_DEBUG"]) if os.environ.get("BENCH_DEBUG") else data_dir) / "web.log"
        for port in ports:
            servers.append(subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "review"), "serve", "--port", str(port)],
                env={**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, cwd=data_dir,
                stdout=logs.open("ab"), stderr=subprocess.STDOUT, start_new_session=True))
        for port in ports:
            bench_http.wait_ready(port)
        try:
            import uvloop  # the servers run on it too (uvicorn's default when it is installed)

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        spec = json.loads(spec_path.read_text())
        result = runner(drive([f"http://127.0.0.1:{p}" for p in ports], spec, args.seconds, args.drop))
        print(json.dumps({**result, "seed_s": round(seeded, 1)}), flush=True)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"web process {server.pid} still running 20 s after SIGTERM: killed", file=sys.stderr)
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
        subprocess.run(["psql", f"{bench_http.PG_ADMIN}/postgres", "-qc",
                        f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'], check=False)


if __name__ == "__main__":
    main()
