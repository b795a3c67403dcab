"""Rater-quality figures over a year of a big city's reviews, on PostgreSQL.

Prints one JSON line: {"scores": …, "seconds": …, …}

Builds 30,000 reviewed cases with 5 sheets each (150,000 sheets, 900,000 scores from 150 members, some of
them lenient or harsh on purpose) in a fresh database with set-based SQL, then times `rater_quality()`,
the same service the office's page calls (one query returning columns as arrays, then NumPy and
krippendorff).
Usage: .venv/bin/python bench/rater_quality.py [--cases 30000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_quality"

_BUILD = [
    "INSERT INTO department (code, name, level, district) VALUES ('CDJT', '成都市交通运输局', '市级', '')",
    ("INSERT INTO account (username, display_name, role, password_hash, active, created_at)"
    " SELECT 'member' || lpad(i::text, 3, '0'), '评议员' || i, 'member', '-', true, now()"
    " FROM generate_series(1, 150) i"),
    ("INSERT INTO review_case (number, source_ref, payload_hash, channel, received_at, category, district, community,"
    " department, complainant_name, complainant_phone, complainant_id_number, complainant_address, content, reply,"
    " replied_at, rating, rated_at, status, access_code_hash, status_reason, criteria_set_id, created_at, updated_at)"
    " SELECT 'PY2026' || lpad(i::text, 6, '0'), 'Q-' || i, '', 'hotline', now(), '城市管理', '武侯区', '',"
    " (SELECT id FROM department), '王某', '', '', '', '…', '…', now(), 'unsatisfied', now(), 'ruled', '', '',"
    " (SELECT id FROM criteria_set WHERE version = 1), now(), now() FROM generate_series(1, {cases}) i"),
    # One concluded panel per case: sheets and deliberations name a real panel (review.piccolo_app.REFERENCES).
    ("INSERT INTO panel (\"case\", template, template_version, seed_hash, seed, roster_hash, case_hash, record,"
    " snapshot, refill_snapshots, exclusions, status, convened_at)"
    " SELECT id, (SELECT min(id) FROM composition_template), 1, '', '', '', '', '{}', '{}', '{}', '[]', 'concluded',"
    " now() FROM review_case"),
    "INSERT INTO deliberation (\"case\", panel_id, closed_at, reasoning) SELECT \"case\", id, now(), '' FROM panel",
    # Five distinct members per panel: k * 30 + (case mod 30) for k = 0..4.
    ("INSERT INTO score_sheet (\"case\", panel_id, member, member_role, criteria_set, submitted, revision,"
    " submitted_at, updated_at)"
    " SELECT c.id, p.id, (SELECT min(id) FROM account) + k * 30 + (c.id % 30), 'lawyer', c.criteria_set_id, true, 1,"
    " now(), now() FROM review_case c JOIN panel p ON p.\"case\" = c.id CROSS JOIN generate_series(0, 4) k"),
    # Each case has a true quality; members 1–10 lean up a point, 11–20 down a point; the rest add noise.
    ("INSERT INTO score (score_sheet, criterion, value, reason)"
    " SELECT sh.id, cr.id, LEAST(5, GREATEST(1, (2 + (sh.\"case\" * 7919 % 4))"
    "   + CASE WHEN sh.member - (SELECT min(id) FROM account) < 10 THEN 1"
    "          WHEN sh.member - (SELECT min(id) FROM account) < 20 THEN -1 ELSE 0 END"
    "   + floor(random() * 3)::int - 1)), '理由'"
    " FROM score_sheet sh JOIN criterion cr ON cr.criteria_set = sh.criteria_set"),
    "ANALYZE",
]


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True)


async def measure(cases: int) -> dict:
    from review.core import db
    from review.demo.seeding import seed_reference
    from scoring.queries import rater_quality

    db.engine()
    await db.start()
    try:
        await db.migrate()
        await seed_reference()
        for statement in _BUILD:
            await db.engine().run_ddl(statement.replace("{cases}", str(cases)))
        await rater_quality()  # warm: first use imports NumPy's and krippendorff's code paths
        started = time.perf_counter()
        report = await rater_quality()
        seconds = time.perf_counter() - started
    finally:
        await db.stop()
    leans = {m.lean.tendency for m in report.members}
    return {"scores": report.scores, "seconds": round(seconds, 3), "members": len(report.members),
            "alpha": [a.alpha for _, a in report.agreement], "tendencies_found": sorted(leans)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=30_000)
    args = parser.parse_args()
    psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{PG_DB}"')
    os.environ["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
    os.environ.setdefault("REVIEW_DATA_DIR", "/tmp/review-bench-quality")
    sys.path.insert(0, str(ROOT))
    try:
        print(json.dumps(asyncio.run(measure(args.cases))), flush=True)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
