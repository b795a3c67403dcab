"""The office's case list at city scale: a filtered, sorted page and a keyword search, on SQLite and PostgreSQL.

Prints one JSON line per database: {"db", "cases", "list_p99_ms", "search_p99_ms", "counts_p99_ms", …}

On a fresh database (a SQLite file, or PostgreSQL `review_bench_case_list` migrated and dropped at the end) it
inserts 1,000,000 cases on PostgreSQL (generate_series, one INSERT … SELECT per batch of 100,000) and 200,000 on
SQLite (multi-row INSERT batches through the FTS triggers), spread over three years, 60 departments, 12 districts,
8 categories, 6 channels, most cases closed; the complaint and reply texts are drawn from a few hundred Chinese
phrases, so a 4-character keyword matches about 10 % of the cases (two problems in each complaint).

Measured through the app in-process (httpx ASGITransport, as the tests do), as the office, warm:
- list_p99_ms: GET /office/cases?status=closed&department=D007&from=…&to=… (filters, received order, the counts
  per filter) then the same page's next pages by its cursor; 200 requests.
- search_p99_ms: GET /office/cases?q=<a 4-character keyword> with its counts; 100 requests over 20 keywords.
- api_page_p99_ms: GET /api/v1/cases?status=closed&department=D007 (no counts: the page alone), for comparison.
- list_cold_max_ms / search_cold_max_ms: the slowest first request under filters not asked before (20 other
  departments; each keyword's first search), whose counts the process has not kept yet (the p99 figures above
  include the 20 first searches; the list's warm-up request is not measured).

A cold run: the counts a process keeps (review.cases.queries.lists) are dropped before each series.

Usage: .venv/bin/python bench/case_list.py [--db sqlite|postgres|both] [--cases N]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import json
import os
import random
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "review_bench_case_list"
DEPARTMENTS, BATCH_SQLITE = 60, 500
DISTRICTS = ["锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区", "温江区", "双流区",
             "郫都区", "新津区"]
CATEGORIES = ["城市管理", "交通出行", "住房保障", "环境保护", "市场监管", "教育", "医疗卫生", "社会保障"]
CHANNELS = ["hotline", "mailbox", "app", "wechat", "weibo", "web"]
SUBJECTS = ["小区", "道路", "公交站", "农贸市场", "学校门口", "医院", "地铁口", "公园", "写字楼", "菜市场",
            "老旧院落", "商业街", "人行道", "停车场", "河道"]
PROBLEMS = ["夜间施工噪音扰民", "井盖缺失", "垃圾清运不及时", "污水外溢", "路灯损坏", "占道经营", "违规停车",
            "油烟扰民", "房屋漏水", "物业收费不合理", "电梯故障", "绿化带毁坏", "共享单车乱停", "供暖不足",
            "自来水停水", "燃气管道老化", "宠物扰民", "广告牌松动", "排水不畅", "信号灯故障"]
REPLIES = ["已责令责任单位整改", "已安排养护单位修复", "已协调相关部门处理", "已立案调查", "已约谈物业公司",
           "已纳入年度改造计划"]
KEYWORDS = [p[:4] for p in PROBLEMS]


def log(message: str) -> None:
    print(f"[case_list] {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True, stdout=sys.stderr)


def _texts(rng: random.Random) -> tuple[str, str]:
    content = f"{rng.choice(SUBJECTS)}{rng.choice(PROBLEMS)}，{rng.choice(SUBJECTS)}附近{rng.choice(PROBLEMS)}，多次反映未解决。"
    return content, f"{rng.choice(REPLIES)}，{rng.choice(REPLIES)}。"


async def _departments() -> list[int]:
    from review.core.tables import Department

    made = await Department.insert(*[Department(code=f"D{i:03d}", name=f"成都市第{i:03d}承办部门", level="市级",
                                                district=DISTRICTS[i % 12]) for i in range(DEPARTMENTS)]).run()
    return [int(r["id"]) for r in made]


async def seed_postgres(count: int) -> None:
    from review.core import db

    ids = await _departments()
    rng = random.Random(1204)
    contents = [_texts(rng) for _ in range(400)]
    literal = lambda values: "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"
    step = 100_000
    for start in range(0, count, step):
        end = min(count, start + step)
        await db.engine().run_ddl(
            "INSERT INTO review_case (number, source_ref, payload_hash, channel, received_at, category, district,"
            " community, department, complainant_name, complainant_phone, complainant_id_number, complainant_address,"
            " content, reply, replied_at, rating, rated_at, status, access_code_hash, status_reason, created_at,"
            " updated_at)"
            f" SELECT 'PY' || lpad(g::text, 8, '0'), 'BENCH-' || g, '', (({literal(CHANNELS)})[1 + g % 6]),"
            " now() - (g * interval '94 seconds'), (" + literal(CATEGORIES) + ")[1 + (g / 7) % 8],"
            f" ({literal(DISTRICTS)})[1 + (g / 3) % 12], '', ({ids[0]} + (g::bigint * 7919) % {DEPARTMENTS}),"
            " '某某', '', '', '', (" + literal([c for c, _ in contents]) + ")[1 + (g * 31) % 400],"
            " (" + literal([r for _, r in contents]) + ")[1 + (g * 31) % 400], now(), 'unsatisfied', now(),"
            " CASE WHEN g % 50 = 0 THEN 'received' WHEN g % 50 = 1 THEN 'accepted' WHEN g % 50 = 2 THEN"
            " 'under_review' WHEN g % 50 < 6 THEN 'dismissed' ELSE 'closed' END, '', '', now(), now()"
            f" FROM generate_series({count - start}, {count - end + 1}, -1) g")
        log(f"postgres: {end} cases")
    # As autovacuum would after a bulk load: the statistics, and the visibility map that lets the counts per
    # filter read the indexes alone (index-only scans).
    await db.engine().run_ddl("VACUUM (ANALYZE) review_case")


async def seed_sqlite(count: int) -> None:
    from review.core import db

    ids = await _departments()
    rng = random.Random(1204)
    now = datetime.now(UTC)
    columns = ("number, source_ref, payload_hash, channel, received_at, category, district, community, department,"
               " complainant_name, complainant_phone, complainant_id_number, complainant_address, content, reply,"
               " replied_at, rating, rated_at, status, access_code_hash, status_reason, created_at, updated_at")
    for start in range(0, count, BATCH_SQLITE):
        rows, args = [], []
        for g in range(count - start, max(count - start - BATCH_SQLITE, 0), -1):
            content, reply = _texts(rng)
            status = ("received", "accepted", "under_review")[g % 50] if g % 50 < 3 else (
                "dismissed" if g % 50 < 6 else "closed")
            rows.append("(" + ", ".join(["{}"] * 23) + ")")
            args += [f"PY{g:08d}", f"BENCH-{g}", "", CHANNELS[g % 6], now - timedelta(seconds=94 * g * 5),
                     CATEGORIES[(g // 7) % 8], DISTRICTS[(g // 3) % 12], "", ids[(g * 7919) % DEPARTMENTS], "某某", "",
                     "", "", content, reply, now, "unsatisfied", now, status, "", "", now, now]
        await db.fetch(f"INSERT INTO review_case ({columns}) VALUES {', '.join(rows)}", *args)
        if (start // BATCH_SQLITE) % 100 == 0:
            log(f"sqlite: {start} cases")
    await db.engine().run_ddl("ANALYZE")


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)


async def measure(name: str, count: int) -> dict:
    import httpx

    from review.accounts.services import auth
    from review.app import create_app
    from review.core import db
    from tests import factories

    office = await factories.account("office")
    token, _ = await auth.start_session(office)
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        http.cookies.set("rv_session", token)
        today = datetime.now(UTC).date()
        params = {"status": "closed", "department": "D007", "from": str(today - timedelta(days=365)),
                  "to": str(today)}
        list_ms, api_ms, search_ms, list_cold_ms, search_cold_ms = [], [], [], [], []
        from review.core import kept

        kept.forget_all()
        await http.get("/office/cases", params=params)  # warm
        for _ in range(40):
            cursor = None
            for _ in range(5):
                t = time.perf_counter()
                response = await http.get("/office/cases", params={**params, **({"cursor": cursor} if cursor else {})})
                list_ms.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.text[:300]
                found = response.text.split('rel="next" href="', 1)
                cursor = None
                if len(found) > 1:
                    from urllib.parse import parse_qs, unquote, urlparse

                    cursor = parse_qs(urlparse(unquote(found[1].split('"', 1)[0]).replace("&amp;", "&")).query)["cursor"][0]
                if not cursor:
                    break
        for _ in range(100):
            t = time.perf_counter()
            response = await http.get("/api/v1/cases", params={"status": "closed", "department": "D007", "limit": "50"},
                                      headers={"Authorization": f"Bearer {await auth.issue_token(office)}"})
            api_ms.append((time.perf_counter() - t) * 1000)
        for i in range(20):
            kept.forget_all()
            t = time.perf_counter()
            response = await http.get("/office/cases", params={**params, "department": f"D{10 + i:03d}"})
            list_cold_ms.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.text[:300]
        kept.forget_all()
        for i in range(100):
            t = time.perf_counter()
            response = await http.get("/office/cases", params={"q": KEYWORDS[i % len(KEYWORDS)]})
            search_ms.append((time.perf_counter() - t) * 1000)
            if i < len(KEYWORDS):
                search_cold_ms.append(search_ms[-1])
            assert response.status_code == 200, response.text[:300]
        t = time.perf_counter()
        home = await http.get("/office")
        home_ms = (time.perf_counter() - t) * 1000
        assert home.status_code == 200
    await db.stop()
    return {"db": name, "cases": count, "list_p99_ms": p99(list_ms), "search_p99_ms": p99(search_ms),
            "api_page_p99_ms": p99(api_ms), "list_median_ms": round(sorted(list_ms)[len(list_ms) // 2], 1),
            "search_median_ms": round(sorted(search_ms)[len(search_ms) // 2], 1),
            "list_cold_max_ms": round(max(list_cold_ms), 1), "search_cold_max_ms": round(max(search_cold_ms), 1),
            "office_home_ms": round(home_ms, 1),
            "measured": "in-process, httpx ASGITransport"}


async def run(name: str, count: int) -> dict:
    from review.core import db

    db.use_engine(db.make_engine(os.environ["DATABASE_URL"]))
    await db.start()
    await db.migrate()
    from review.demo.seeding import seed_reference

    await seed_reference()
    t = time.perf_counter()
    await (seed_postgres if name == "postgres" else seed_sqlite)(count)
    log(f"{name}: seeded {count} in {time.perf_counter() - t:.0f} s")
    result = await measure(name, count)
    result["seed_s"] = round(time.perf_counter() - t, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=0)
    args = parser.parse_args()
    if args.db == "both":  # each database in a process of its own (Piccolo keeps the first engine it finds)
        for name in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, "--db", name, *(["--cases", str(args.cases)] if args.cases
                                                                        else [])], check=True)
        return
    for name in [args.db]:
        count = args.cases or (1_000_000 if name == "postgres" else 200_000)
        folder = tempfile.mkdtemp(prefix="bench_case_list_")
        os.environ["REVIEW_DATA_DIR"] = folder
        if name == "postgres":
            psql(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            psql(f'CREATE DATABASE "{PG_DB}"')
            os.environ["DATABASE_URL"] = f"{PG_ADMIN}/{PG_DB}"
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        try:
            print(json.dumps(asyncio.run(run(name, count)), ensure_ascii=False), flush=True)
        finally:
            if name == "postgres":
                psql(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            subprocess.run(["rm", "-rf", folder], check=False)


if __name__ == "__main__":
    main()
