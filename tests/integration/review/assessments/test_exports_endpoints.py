"""The assessments' exports: the league table, a department's history and the redo orders as CSV (with a BOM),
XLSX (typed cells, the scheme's hash in the note) and JSON; formula-like cells neutralised, no personal data,
the office's redo orders closed to the public, and a year's workbook written by a job and downloaded."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from review.assessments.services import exports
from review.assessments.tables import AssessmentEntry, BaseFigures, RedoOrder
from review.core.tables import Case
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import api, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

NAMES = ("handled", "replied", "resolved", "rated", "satisfied", "basic", "unsatisfied")
FIGURES = {"AAA": (200, 198, 170, 150, 120, 10, 20), "BBB": (400, 390, 300, 300, 200, 40, 60)}


async def _base(department_id: int, period: str, counts: tuple[int, ...]) -> None:
    await BaseFigures.insert(BaseFigures(department=department_id, period=period, overdue=0, avg_reply_days=2.0,
                                         current=True, imported_at=datetime.now(UTC), source="cli",
                                         **dict(zip(NAMES, counts, strict=True)))).run()


async def _setup() -> dict[str, int]:
    ids = {"AAA": await factories.department("AAA", "交通运输局"),
           "BBB": await factories.department("BBB", "=HYPERLINK(\"http://x\")局")}
    for code, counts in FIGURES.items():
        await _base(ids[code], "2026-10", counts)
        await _base(ids[code], "2026-11", counts)
    await AssessmentEntry.insert(AssessmentEntry(department=ids["BBB"], period="2026-10", ruled_improper=2,
                                                 updated_at=datetime.now(UTC))).run()
    number, _ = await factories.case(department_code="AAA")
    case_id = (await Case.select(Case.id).where(Case.number == number).first().run())["id"]
    await RedoOrder.insert(RedoOrder(case=case_id, ruling_id=1, department=ids["AAA"], deadline=date(2026, 10, 30),
                                     state="open", opened_at=datetime(2026, 10, 9, 2, tzinfo=UTC),
                                     statement="联系王小明 13800001234")).run()
    return ids


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_league_exports_in_the_three_formats_agree_and_neutralise_formulas() -> None:
    await _setup()
    async with factories.client() as http:
        xlsx = await http.get("/public/assessments/export.xlsx", params={"period": "2026-10"})
        as_csv = await http.get("/public/assessments/export.csv", params={"period": "2026-10"})
        as_json = await http.get("/public/assessments/export.json", params={"period": "2026-10"})
        page = await http.get("/public/assessments", params={"period": "2026-10"})
        bad = await http.get("/public/assessments/export.pdf", params={"period": "2026-10"})
        wrong = await http.get("/public/assessments/export.csv", params={"period": "2026-13"})
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-disposition"] == 'attachment; filename="assessments-2026-10.xlsx"'
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "/public/assessments/export.xlsx?period=2026-10" in page.text
    assert bad.status_code == 404 and wrong.status_code in (400, 422) and "期间应写作" in wrong.text

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "SHA-256" in rows[1][0] and "2026-10" in rows[1][0]
    header = list(rows[2])
    assert header[:3] == ["排名", "部门代码", "部门名称"] and "受理量" in header and "综合得分" in header
    first = dict(zip(header, rows[3], strict=True))
    assert first["排名"] == 1 and first["部门代码"] == "AAA" and first["受理量"] == 200
    assert isinstance(first["综合得分"], float) and isinstance(first["满意率（修正后）"], float)
    second = dict(zip(header, rows[4], strict=True))
    assert second["部门名称"].startswith("'=") and second["扣分"] == 4

    table = _csv(as_csv.content)
    assert table[0][:3] == ["排名", "部门代码", "部门名称"]
    assert table[1][1] == "AAA" and table[1][3] == "200" and table[2][2].startswith("'=")
    assert as_csv.headers["content-disposition"] == 'attachment; filename="assessments-2026-10.csv"'

    body = json.loads(as_json.content)
    assert "SHA-256" in body["note"] and [r["code"] for r in body["rows"]] == ["AAA", "BBB"]
    assert body["rows"][0]["handled"] == 200 and body["rows"][1]["name"].startswith("'=")


async def test_a_department_history_and_the_api_exports() -> None:
    await _setup()
    office = await factories.account("office")
    async with factories.client() as http:
        history = await http.get("/public/assessments/departments/AAA/export.csv", params={"period": "2026-11"})
        unknown = await http.get("/public/assessments/departments/ZZZ/export.csv", params={"period": "2026-11"})
        page = await http.get("/public/assessments/departments/AAA", params={"period": "2026-11"})
    assert history.status_code == 200, history.text
    assert history.headers["content-disposition"] == 'attachment; filename="assessments-AAA-history-2026-11.csv"'
    assert unknown.status_code == 404
    assert "/public/assessments/departments/AAA/export.xlsx?period=2026-11" in page.text
    rows = _csv(history.content)
    assert rows[0][0] == "期间" and len(rows) == 13
    by_period = {r[0]: r for r in rows[1:]}
    assert by_period["2026-10"][1] == "200" and by_period["2026-09"][1] == "" and "尚无" in by_period["2026-09"][-1]
    async with await api(office) as http:
        league = await http.get("/api/v1/assessments/export", params={"period": "2026-10", "format": "csv"})
        redo = await http.get("/api/v1/assessments/redo-orders/export", params={"period": "2026-10",
                                                                                "format": "json"})
        bad = await http.get("/api/v1/assessments/export", params={"period": "2026-10", "format": "doc"})
    assert league.status_code == 200 and _csv(league.content)[1][1] == "AAA"
    assert redo.status_code == 200 and len(json.loads(redo.content)["rows"]) == 1
    assert bad.status_code == 404


async def test_redo_orders_export_is_the_office_s_and_holds_no_personal_data() -> None:
    ids = await _setup()
    office = await factories.account("office")
    liaison = await factories.account("liaison", department_id=ids["BBB"])
    async with factories.client() as http:
        public = await http.get("/office/assessments/redo/export.csv", params={"period": "2026-10"},
                                follow_redirects=False)
    async with await web(office) as http:
        xlsx = await http.get("/office/assessments/redo/export.xlsx", params={"period": "2026-10"})
        as_csv = await http.get("/office/assessments/redo/export.csv", params={"period": "2026-10"})
        november = await http.get("/office/assessments/redo/export.json", params={"period": "2026-11"})
        page = await http.get("/office/assessments", params={"period": "2026-10"})
    async with await api(liaison) as http:
        own = await http.get("/api/v1/assessments/redo-orders/export", params={"period": "2026-10",
                                                                               "format": "json"})
    async with await web(liaison) as http:
        liaison_page = await http.get("/liaison/assessments", params={"period": "2026-10"})
        liaison_csv = await http.get("/liaison/assessments/redo/export.csv", params={"period": "2026-10"})
        not_office = await http.get("/office/assessments/redo/export.csv", params={"period": "2026-10"},
                                    follow_redirects=False)
    assert "/liaison/assessments/redo/export.xlsx?period=2026-10" in liaison_page.text
    assert liaison_csv.status_code == 200 and len(_csv(liaison_csv.content)) == 1  # the heading row only
    assert not_office.status_code in (302, 303, 403)
    assert public.status_code in (302, 303, 401, 403)
    assert xlsx.status_code == 200, xlsx.text
    assert "/office/assessments/redo/export.xlsx?period=2026-10" in page.text
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    header = list(rows[2])
    order = dict(zip(header, rows[3], strict=True))
    assert order["部门"] == "交通运输局" and order["整改期限"] == "2026-10-30" and order["已超期"] == "是"
    assert isinstance(order["超期工作日"], int) and order["超期工作日"] > 0
    for body in (xlsx.content, as_csv.content):
        assert "王小明".encode() not in body and b"13800001234" not in body
    text = as_csv.content.decode("utf-8-sig")
    assert "王小明" not in text and "13800001234" not in text and "受理编号" in text
    assert json.loads(november.content)["rows"] == []
    assert own.status_code == 200 and json.loads(own.content)["rows"] == []  # BBB's liaison: none of AAA's


async def test_a_year_export_runs_as_a_job_and_downloads() -> None:
    await _setup()
    office = await factories.account("office")
    seen: list[tuple[int, int]] = []

    async def counted(done: int, total: int) -> None:
        seen.append((done, total))

    content = await exports.year_workbook("2026", counted)
    assert seen[-1] == (14, 14) and len(seen) == 14
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[0] == "排名 2026" and "排名 2026-10" in book.sheetnames and "整改 2026" in book.sheetnames
    assert len(book.sheetnames) == 14

    async with await web(office) as http:
        started = await submit(http, "/office/assessments", "/office/assessments/exports", {"year": "2026"})
        assert started.status_code == 303, started.text
        where = started.headers["location"]
        await run_jobs()
        page = await http.get(where)
        download = await http.get(f"{where}/download")
        refused = await submit(http, "/office/assessments", "/office/assessments/exports", {"year": "2026-10"})
    assert "已完成" in page.text and "14/14" in page.text and f"{where}/download" in page.text
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="assessments-2026.xlsx"'
    assert load_workbook(io.BytesIO(download.content)).sheetnames == book.sheetnames
    assert refused.status_code in (400, 422) and "年度导出" in refused.text
    async with factories.client() as http:
        anonymous = await http.get(f"{where}/download", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401, 403)
    async with await api(office) as http:
        queued = await http.post("/api/v1/assessments/exports", json={"year": "2026"})
        await run_jobs()
        shown = await http.get(f"/api/v1/assessments/exports/{queued.json()['id']}")
        fetched = await http.get(shown.json()["download"])
    assert queued.status_code == 202, queued.text
    assert shown.json()["status"] == "done" and fetched.status_code == 200
    assert fetched.content[:2] == b"PK"
    async with await web(office) as http:
        earlier = await http.get(where)
        gone = await http.get(f"{where}/download")
    assert "已被新的导出取代" in earlier.text and gone.status_code == 404  # the later export of 2026 took its place
