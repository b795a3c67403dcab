"""Publishing a day's rulings: 1,000 rulings made public on SQLite and on PostgreSQL, in worker time.

Prints one JSON line per database:
{"db": …, "rulings": …, "published": …, "publish_s": …, "publish_1000_s": …, "publish_cpu_s": …, "pdf_gate_ms": …}

On a fresh database (SQLite file, or PostgreSQL `review_bench_publication` migrated and dropped at the end) it
inserts, in multi-row batches rather than through the lifecycle, a day's 1,000 ruled cases: each with its own
complainant (name, phone, ID number, address) and a complaint text of four to eight sentences from the masking
corpus (names, numbers and addresses in every written form), a ruling with its reasoning and score table, a valid
verdict whose public PDF is stored, and the complainant's consent. The timed part is the worker's: the periodic
publication sweep (`review.publication.services.sync_due`) over those cases — for each, the case's facts read
in one row, the complaint, reply and reasoning masked, the leak gate over every published text, the published
row, its audit event, the complainant's notification and the `ruling.published` webhook written in one
transaction — and the notification deliveries queued after (drained before the clock stops). Rendering the
verdicts' PDFs is their own job and benchmark (`bench/verdict_pdf.py`); the gate's reading of a public PDF is
timed separately here as `pdf_gate_ms` (one rendered public verdict, text layer and metadata, median of 20).

Usage: .venv/bin/python bench/publication.py [--db sqlite|postgres|both] [--rulings 1000]
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
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_publication"
BATCH = 500


def log(message: str) -> None:
    print(f"[publication] {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=sys.stderr)


async def _batched(table, rows: list) -> list[dict]:
    out: list[dict] = []
    for start in range(0, len(rows), BATCH):
        out += await table.insert(*rows[start:start + BATCH]).run()
    return out


async def seed(count: int) -> dict:
    from panels.tables import CompositionTemplate, Panel
    from review.core import db
    from review.core.tables import Case, Department
    from review.demo.seeding import seed_reference
    from review.publication.tables import PublicationConsent
    from review.verdicts.tables import Verdict
    from scoring.tables import CriteriaSet, Criterion, Ruling
    from tests.unit.review.core.privacy_corpus import corpus

    now = datetime.now(UTC)
    db.engine()
    await db.start()
    try:
        await db.migrate()
        await seed_reference()
        department = (await Department.insert(Department(code="CDJT", name="成都市交通运输局", level="市级")).run())[0]["id"]
        criteria = (await CriteriaSet.select(CriteriaSet.id).first().run())["id"]
        codes = [c["code"] for c in await Criterion.select(Criterion.code).where(Criterion.criteria_set == criteria).run()]
        samples = corpus(count, seed=20261204)
        cases = await _batched(Case, [Case(
            number=f"PB2026{i:06d}", source_ref=f"BENCH-PUB-{i}", payload_hash="", channel="hotline", received_at=now,
            category="城市管理", district="武侯区", community="玉林社区", department=department,
            complainant_name=s.known.name, complainant_phone=s.known.phone, complainant_id_number=s.known.id_number,
            complainant_address=s.known.address, content=s.text, reply="已安排工作人员现场核查并答复诉求人。",
            replied_at=now, rating="unsatisfied", rated_at=now, status="ruled", access_code_hash="",
            criteria_set_id=criteria, created_at=now, updated_at=now) for i, s in enumerate(samples, 1)])
        template = (await CompositionTemplate.select(CompositionTemplate.id).first().run())["id"]
        panels = await _batched(Panel, [Panel(
            case=c["id"], template=template, template_version=1, seed_hash="", seed="", roster_hash="",
            status="concluded", convened_at=now) for c in cases])
        per = json.dumps(dict.fromkeys(codes, 3.6))
        rulings = await _batched(Ruling, [Ruling(
            case=c["id"], panel_id=p["id"], criteria_set=criteria, total=72.0, grade="basic", per_criterion=per,
            sheet_count=5, reasoning=f"评议组经合议认为，承办部门已到现场核查，但对{s.known.name[:1]}某反映的情况答复不够具体。",
            issued_at=now) for c, p, s in zip(cases, panels, samples, strict=True)])
        today = now.date()
        await _batched(Verdict, [Verdict(
            case=c["id"], ruling_id=r["id"], number=f"评〔2026〕{i}号", year=2026, sequence=i, code=f"PB{i:010d}",
            status="valid", full_sha256="0" * 64, public_sha256=f"{i:064d}", issued_on=today, rendered_at=now)
            for i, (c, r) in enumerate(zip(cases, rulings, strict=True), 1)])
        await _batched(PublicationConsent, [PublicationConsent(case=c["id"], answer="granted", channel="web",
                                                               answered_at=now) for c in cases])
        if not db.is_sqlite():
            await db.engine().run_ddl("ANALYZE")
        return {"rulings": len(cases)}
    finally:
        await db.stop()


async def publish(count: int) -> dict:
    from review.core import db
    from review.core import jobs as queue
    from review.publication import services as publication
    from review.publication.tables import PublishedRuling
    from review.worker import JOBS

    queue.configure(JOBS)
    db.engine()
    await db.start()
    try:
        started_cpu, started = time.process_time(), time.perf_counter()
        looked = await publication.sync_due(limit=count)
        await queue.drain()
        wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        published = await PublishedRuling.count().where(PublishedRuling.status == "published")
        return {"looked_at": looked, "published": published, "publish_s": round(wall, 2),
                "publish_1000_s": round(wall * 1000 / count, 2), "publish_cpu_s": round(cpu, 2)}
    finally:
        await db.stop()


def pdf_gate_ms() -> float:
    """The gate's reading of one rendered public verdict (text layer and metadata, PDFium, and the scan)."""
    from review.core import leak_gate
    from review.verdicts.render import render_verdict_pdf
    from tests.integration.review.verdicts.test_render import make_doc

    doc = make_doc(public=True, complainant_display="")
    pdf = render_verdict_pdf(doc)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        hits = leak_gate.scan(leak_gate.pdf_parts(pdf), allowed=(doc.number, doc.verification_code, doc.case_number,
                                                                    doc.criteria_hash, doc.verify_url))
        times.append((time.perf_counter() - started) * 1000)
        assert not hits, hits
    return round(statistics.median(times), 1)


def child(phase: str, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--phase", phase, *args], env=env, cwd=ROOT, check=True,
                            stdout=subprocess.PIPE, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(db: str, count: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"review-bench-publication-{db}-"))
    env = {**os.environ, "REVIEW_DATA_DIR": str(data_dir), "COOKIE_SECURE": "0", "REDIS_URL": ""}
    if db == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        log(f"{db}: seeding {count} ruled cases")
        result = {"db": db, **child("seed", env, "--rulings", str(count))}
        log(f"{db}: publishing")
        result.update(child("publish", env, "--rulings", str(count)))
        result["pdf_gate_ms"] = child("pdf", env)["pdf_gate_ms"]
        print(json.dumps(result), flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if db == "postgres":
            subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'],
                           check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rulings", type=int, default=1000)
    parser.add_argument("--phase", choices=["seed", "publish", "pdf"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "seed":
        print(json.dumps(asyncio.run(seed(args.rulings))), flush=True)
        return
    if args.phase == "publish":
        print(json.dumps(asyncio.run(publish(args.rulings))), flush=True)
        return
    if args.phase == "pdf":
        print(json.dumps({"pdf_gate_ms": pdf_gate_ms()}), flush=True)
        return
    for db in ("sqlite", "postgres"):
        if args.db in ("both", db):
            run(db, args.rulings)


if __name__ == "__main__":
    main()
