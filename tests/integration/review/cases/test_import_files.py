"""Uploaded tables as people send them: CSV in UTF-8 (BOM or not) or GBK, broken XLSX, files over the limits,
and large files imported by a job with a progress page."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from panels.tables import RosterMember
from review.cases.importing import FLAT_COLUMNS, import_cases
from review.core import settings
from review.core.actors import Actor
from review.core.tables import Case, ImportJob
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import api, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

HEADERS = ["姓名", "角色", "区域", "社区", "工作单位", "关联部门", "专业领域", "同时在评上限"]
ROWS = [
    ["张律师", "律师", "武侯区", "玉林社区", "蜀都律师事务所", "", "城市管理、交通", 4],
    ["李代表", "人大代表", "锦江区", "", "", "", "", ""],
    ["王群众", "群众代表", "武侯区", "簇桥社区", "", "", "", 2],
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv(rows: list[list[Any]], encoding: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _office() -> Actor:
    return await factories.account("office")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
async def test_roster_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(encoding: str) -> None:
    async with await api(await _office()) as http:
        response = await http.post("/api/v1/roster/import",
                                   files={"file": ("roster.csv", _csv(ROWS, encoding), "text/csv")})
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 3
    names = {r["name"] for r in await RosterMember.select(RosterMember.name).run()}
    assert names == {"张律师", "李代表", "王群众"}


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
async def test_case_csv_in_gbk_or_utf8_bom_is_taken_in(encoding: str, tmp_path: Path) -> None:
    await factories.department()
    body = factories.payload()
    flat = {k: v for k, v in body.items() if k != "complainant"}
    flat.update({f"complainant_{k}": v for k, v in body["complainant"].items()})
    path = tmp_path / "cases.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FLAT_COLUMNS)
        writer.writeheader()
        writer.writerow({column: flat.get(column) for column in FLAT_COLUMNS})
    reports = await import_cases(path, Actor(kind="hotline", username="import"))
    assert [r.ok for r in reports] == [True], reports
    case = await Case.select().first().run()
    assert case["content"] == body["content"]


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    return buffer.getvalue()


BROKEN_XLSX = {
    "not_a_zip": "姓名,角色\n张三,律师\n".encode(),
    "zip_without_workbook": _zip_without_workbook(),
    "truncated": _xlsx(ROWS)[:2000],
}


@pytest.mark.parametrize("kind", list(BROKEN_XLSX))
async def test_broken_xlsx_is_refused_in_the_error_form_naming_the_file_field(kind: str) -> None:
    office = await _office()
    content = BROKEN_XLSX[kind]
    async with await api(office) as http:
        response = await http.post("/api/v1/roster/import", files={"file": ("roster.xlsx", content, XLSX)})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_xlsx" and error["field"] == "file"
    assert "XLSX" in error["message"]

    async with await web(office) as http:
        page = await submit(http, "/office/roster", "/office/roster/import",
                            files={"file": ("roster.xlsx", content, XLSX)})
    assert page.status_code == 422
    assert "不是有效的 XLSX 表格" in page.text
    assert await RosterMember.count().run() == 0


async def test_tables_over_the_row_cell_or_byte_limits_are_refused_naming_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = await _office()
    many = [[f"成员{i}", "律师", "武侯区", "", "", "", "", ""] for i in range(12)]
    async with await api(office) as http:
        monkeypatch.setattr(settings, "ROSTER_MAX_ROWS", 10)
        rows = await http.post("/api/v1/roster/import", files={"file": ("roster.xlsx", _xlsx(many), XLSX)})
        monkeypatch.setattr(settings, "ROSTER_MAX_ROWS", 1000)
        monkeypatch.setattr(settings, "IMPORT_MAX_CELLS", 50)
        cells = await http.post("/api/v1/roster/import",
                                files={"file": ("roster.csv", _csv(many, "utf-8"), "text/csv")})
        monkeypatch.setattr(settings, "IMPORT_MAX_CELLS", 1_000_000)
        monkeypatch.setattr(settings, "IMPORT_MAX_BYTES", 100)
        size = await http.post("/api/v1/roster/import",
                               files={"file": ("roster.csv", _csv(many, "utf-8"), "text/csv")})
    assert (rows.status_code, rows.json()["error"]["code"]) == (413, "too_many_rows")
    assert "10 行" in rows.json()["error"]["message"]
    assert (cells.status_code, cells.json()["error"]["code"]) == (413, "too_many_cells")
    assert "50 个单元格" in cells.json()["error"]["message"]
    assert (size.status_code, size.json()["error"]["code"]) == (413, "file_too_large")
    assert rows.json()["error"]["field"] == "file"
    assert await RosterMember.count().run() == 0


async def test_a_large_roster_is_imported_by_a_job_with_a_progress_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "IMPORT_JOB_BYTES", 100)
    kept = settings.DATA_DIR / "imports"
    shutil.rmtree(kept, ignore_errors=True)  # uploads other tests queued (ids restart with each test's tables)
    office = await _office()
    many = [[f"成员{i}", "律师", "武侯区", "", "", "", "", 3] for i in range(1200)]
    async with await web(office) as http:
        started = await submit(http, "/office/roster", "/office/roster/import",
                               files={"file": ("roster.xlsx", _xlsx(many), XLSX)})
        assert started.status_code == 303
        progress_url = started.headers["location"]
        assert re.fullmatch(r"/office/imports/\d+", progress_url)
        waiting = await http.get(progress_url)
        await run_jobs()
        done = await http.get(progress_url)
    assert waiting.status_code == 200
    assert f'href="{progress_url}"' in waiting.text and "http-equiv" not in waiting.text
    assert done.status_code == 200
    assert "已完成" in done.text and "已导入 1200 名评议员" in done.text
    assert await RosterMember.count().run() == 1200
    assert not any(kept.iterdir())  # the job's kept upload is gone once it is done

    async with await api(office) as http:
        queued = await http.post("/api/v1/roster/import",
                                 files={"file": ("roster.csv", _csv([["赵专家", "专家", "锦江区", "", "", "", "", ""],
                                                                     ["bad", "记者", "锦江区"]], "gbk"), "text/csv")})
        assert queued.status_code == 202, queued.text
        await run_jobs()
        report = await http.get(queued.headers["location"])
    assert report.status_code == 200
    body = report.json()
    assert (body["status"], body["finished"], body["imported"], body["refused"]) == ("done", True, 0, 1)
    assert body["rows"][0]["row"] == 3 and "（role）" in body["rows"][0]["message"]
    assert await ImportJob.count().run() == 2


async def test_a_job_over_the_limits_ends_failed_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "IMPORT_JOB_BYTES", 100)
    monkeypatch.setattr(settings, "ROSTER_MAX_ROWS", 100)
    many = [[f"成员{i}", "律师", "武侯区", "", "", "", "", 3] for i in range(150)]
    async with await api(await _office()) as http:
        queued = await http.post("/api/v1/roster/import", files={"file": ("roster.xlsx", _xlsx(many), XLSX)})
        await run_jobs()
        body = (await http.get(queued.headers["location"])).json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "too_many_rows" and "100 行" in body["error"]["message"]
    assert await RosterMember.count().run() == 0


async def test_holiday_notice_in_gbk_loads_and_a_broken_xlsx_keeps_the_form() -> None:
    from review.holidays import services as holidays
    from tests.integration.panel_helpers import csrf_of

    office = await _office()
    notice = "日期,类型,名称\n2027-01-01,放假,元旦\n2027-02-06,放假,春节\n".encode("gbk")
    async with await api(office) as http:
        loaded = await http.post("/api/v1/holidays/import", data={"year": "2027", "source": "国务院办公厅通知"},
                                 files={"file": ("notice.csv", notice, "text/csv")})
        broken = await http.post("/api/v1/holidays/import", data={"year": "2027"},
                                 files={"file": ("notice.xlsx", b"not a workbook", XLSX)})
    assert loaded.status_code == 201, loaded.text
    assert [d["name"] for d in (await holidays.year_table(2027)).days] == ["元旦", "春节"]
    assert broken.status_code == 422
    assert broken.json()["error"]["code"] == "invalid_xlsx" and broken.json()["error"]["field"] == "file"

    async with await web(office) as http:
        page = await http.get("/office/holidays?year=2027")
        answer = await http.post("/office/holidays/import",
                                 data={"csrf_token": csrf_of(page), "year": "2028", "source": "通知（待核）"},
                                 files={"file": ("notice.xlsx", b"not a workbook", XLSX)})
    assert answer.status_code == 422
    assert "不是有效的 XLSX 表格" in answer.text and "通知（待核）" in answer.text
