"""The hotline's base figures (基础数据) imported three ways — `review import-figures FILE`, the office's upload and
`POST /api/v1/assessments/figures` — all or nothing, a re-import keeping the earlier row, each import audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from review.accounts.services import auth
from review.assessments.services.imports import load_file, load_rows
from review.assessments.tables import BaseFigures
from review.core.actors import Actor
from review.core.errors import Forbidden
from review.core.tables import AuditEvent
from tests import factories
from tests.integration.panel_helpers import api, csrf_of, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

CHINESE = "部门编码,期间,受理量,回复量,解决量,评价量,满意,基本满意,不满意,超期,平均回复工作日"
ENGLISH = "department_code,period,handled,replied,resolved,rated,satisfied,basic,unsatisfied,overdue,avg_reply_days"
GOOD = ["CDJT,2026-11,1200,1190,1010,800,560,150,90,43,5.73", "CDSW,2026-11,640,636,540,420,300,80,40,12,"]
NAMES = ENGLISH.split(",")


async def _departments() -> dict[str, int]:
    return {"CDJT": await factories.department("CDJT", "成都市交通运输局"),
            "CDSW": await factories.department("CDSW", "成都市水务局")}


def _csv(tmp_path: Path, lines: list[str], *, encoding: str = "utf-8", name: str = "figures.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _xlsx(tmp_path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(CHINESE.split(","))
    for row in rows:
        sheet.append(row)
    path = tmp_path / "figures.xlsx"
    book.save(path)
    return path


def _json_rows(lines: list[str]) -> list[dict[str, Any]]:
    return [{k: v for k, v in zip(NAMES, line.split(","), strict=True) if v != ""} for line in lines]


def _cli(path: Path) -> subprocess.CompletedProcess[str]:
    """`review import-figures FILE` in its own process, on the test database (the environment conftest set)."""
    return subprocess.run([sys.executable, "-m", "review.cli", "import-figures", str(path)], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ), check=False)


async def _stored() -> list[dict[str, Any]]:
    return await BaseFigures.select(
        BaseFigures.department.code.as_alias("code"), BaseFigures.period, BaseFigures.handled,
        BaseFigures.satisfied, BaseFigures.avg_reply_days, BaseFigures.current, BaseFigures.source,
        BaseFigures.imported_by,
    ).order_by(BaseFigures.id).run()


async def _audits() -> list[dict[str, Any]]:
    rows = await AuditEvent.select(AuditEvent.actor, AuditEvent.data).where(
        AuditEvent.action == "base_figures_imported").order_by(AuditEvent.id).run()
    return [{"actor": r["actor"], **(json.loads(r["data"]) if isinstance(r["data"], str) else r["data"])}
            for r in rows]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
async def test_cli_imports_a_chinese_csv_in_utf8_or_gbk(tmp_path: Path, encoding: str) -> None:
    await _departments()

    run = _cli(_csv(tmp_path, [CHINESE, *GOOD], encoding=encoding))

    assert run.returncode == 0, run.stderr
    assert "第 2 行：可导入，CDJT 2026-11" in run.stdout and "第 3 行：可导入" in run.stdout
    assert "已导入 2 条基础数据（期间 2026-11）" in run.stdout
    assert [(r["code"], r["handled"], r["avg_reply_days"], r["current"], r["source"], r["imported_by"])
            for r in await _stored()] == [("CDJT", 1200, 5.73, True, "cli", None), ("CDSW", 640, None, True, "cli", None)]


async def test_cli_with_one_bad_row_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    await _departments()

    run = _cli(_csv(tmp_path, [CHINESE, *GOOD, "CDXX,2026-11,10,10,10,10,5,5,0,0,"], encoding="gbk"))

    assert run.returncode == 1
    assert "第 4 行：有误，部门编码（department_code）「CDXX」不是平台上的部门" in run.stdout
    assert "本次未写入任何数据" in run.stderr
    assert await _stored() == [] and await _audits() == []


async def test_cli_refuses_an_empty_file(tmp_path: Path) -> None:
    run = _cli(_csv(tmp_path, [CHINESE]))

    assert run.returncode == 1 and "没有基础数据" in run.stderr


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
async def test_office_page_uploads_a_csv_in_either_encoding(tmp_path: Path, encoding: str) -> None:
    await _departments()
    office = await factories.account("office")
    path = _csv(tmp_path, [ENGLISH, *GOOD], encoding=encoding)

    async with await web(office) as http:
        page = await http.get("/office/assessments/figures")
        done = await http.post("/office/assessments/figures", data={"csrf_token": csrf_of(page)},
                               files={"file": ("figures.csv", path.read_bytes(), "text/csv")})

    assert page.status_code == 200
    assert "平均回复工作日" in page.text and "avg_reply_days" in page.text and "CDJT,2026-11,1200" in page.text
    assert done.status_code == 200 and "已导入 2 条基础数据" in done.text
    assert [(r["code"], r["source"], r["imported_by"]) for r in await _stored()] == [
        ("CDJT", "upload", office.user_id), ("CDSW", "upload", office.user_id)]


async def test_office_page_upload_with_a_bad_row_stores_nothing_and_reports_each_row(tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    path = _csv(tmp_path, [CHINESE, *GOOD, "CDJT,2026-Q4,100,101,50,60,70,0,0,0,"], encoding="gbk")

    async with await web(office) as http:
        page = await http.get("/office/assessments/figures")
        refused = await http.post("/office/assessments/figures", data={"csrf_token": csrf_of(page)},
                                  files={"file": ("figures.csv", path.read_bytes(), "text/csv")})
        no_token = await http.post("/office/assessments/figures",
                                   files={"file": ("figures.csv", path.read_bytes(), "text/csv")})

    assert refused.status_code == 422 and "整批未导入" in refused.text
    assert "回复量（replied）为 101，超过受理量 100" in refused.text
    assert "满意、基本满意、不满意合计 70，超过评价量（rated） 60" in refused.text
    assert no_token.status_code == 403
    assert await _stored() == []


async def test_office_page_uploads_an_xlsx_written_by_openpyxl(tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    # As a spreadsheet hands them: whole numbers as floats, a year as a number, an empty average.
    path = _xlsx(tmp_path, [["CDJT", "2026-11", 1200, 1190, 1010, 800, 560, 150, 90, 43, 5.73],
                            ["CDSW", 2026, 7680.0, 7632, 6480, 5040, 3600, 960, 480, 144, None]])

    async with await web(office) as http:
        page = await http.get("/office/assessments/figures")
        done = await http.post("/office/assessments/figures", data={"csrf_token": csrf_of(page)},
                               files={"file": ("figures.xlsx", path.read_bytes(), "application/octet-stream")})

    assert done.status_code == 200, done.text
    assert [(r["code"], r["period"], r["handled"], r["avg_reply_days"]) for r in await _stored()] == [
        ("CDJT", "2026-11", 1200, 5.73), ("CDSW", "2026", 7680, None)]


async def test_page_is_for_the_office_only() -> None:
    liaison = await factories.account("liaison")
    async with await web(liaison) as http:
        assert (await http.get("/office/assessments/figures")).status_code == 403
    async with factories.client() as http:
        assert (await http.get("/office/assessments/figures")).status_code == 303


async def test_api_takes_json_rows_with_the_hotline_key() -> None:
    await _departments()
    key = await auth.create_api_key(name="hotline")

    async with factories.client(**{"X-API-Key": key}) as http:
        done = await http.post("/api/v1/assessments/figures", json={"rows": _json_rows(GOOD)})

    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["imported"], body["replaced"], body["periods"]) == (2, 0, ["2026-11"])
    assert [(r["row"], r["ok"], r["fields"]) for r in body["rows"]] == [(1, True, []), (2, True, [])]
    assert [(r["code"], r["source"], r["imported_by"]) for r in await _stored()] == [
        ("CDJT", "api", None), ("CDSW", "api", None)]
    assert [(a["actor"], a["source"], a["rows"]) for a in await _audits()] == [("hotline:hotline", "api", 2)]


async def test_api_takes_a_file_from_the_hotline(tmp_path: Path) -> None:
    await _departments()
    key = await auth.create_api_key(name="hotline")
    path = _csv(tmp_path, [CHINESE, *GOOD], encoding="gbk")

    async with factories.client(**{"X-API-Key": key}) as http:
        done = await http.post("/api/v1/assessments/figures",
                               files={"file": ("figures.csv", path.read_bytes(), "text/csv")})

    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 2


async def test_api_refuses_a_liaison_and_anyone_without_a_key() -> None:
    await _departments()
    liaison = await factories.account("liaison")
    rows = {"rows": _json_rows(GOOD)}

    async with await api(liaison) as http:
        as_liaison = await http.post("/api/v1/assessments/figures", json=rows)
    async with factories.client() as http:
        anonymous = await http.post("/api/v1/assessments/figures", json=rows)
    async with factories.client(**{"X-API-Key": "not-a-key"}) as http:
        wrong_key = await http.post("/api/v1/assessments/figures", json=rows)

    assert (as_liaison.status_code, as_liaison.json()["error"]["code"]) == (403, "forbidden")
    assert anonymous.status_code == 401 and wrong_key.status_code == 401
    assert await _stored() == []


async def test_api_office_token_imports_and_bad_rows_answer_422_naming_row_and_field() -> None:
    await _departments()
    office = await factories.account("office")
    rows = [*_json_rows(GOOD), {**_json_rows(GOOD)[0], "period": "2026-13", "overdue": 12.5},
            _json_rows(GOOD)[1]]

    async with await api(office) as http:
        refused = await http.post("/api/v1/assessments/figures", json={"rows": rows})
        empty = await http.post("/api/v1/assessments/figures", json={"rows": []})
        done = await http.post("/api/v1/assessments/figures", json={"rows": rows[:2]})

    assert refused.status_code == 422
    body = refused.json()
    assert body["imported"] == 0
    assert [(r["row"], r["ok"], r["fields"]) for r in body["rows"]] == [
        (1, True, []), (2, True, []), (3, False, ["period", "overdue"]), (4, False, ["period"])]
    assert "与第 2 行重复" in body["rows"][3]["message"]
    assert (empty.status_code, empty.json()["error"]["code"]) == (422, "empty_file")
    assert done.status_code == 200
    assert {r["imported_by"] for r in await _stored()} == {office.user_id}


async def test_reimport_keeps_the_earlier_row_not_current_and_audits_before_and_after(tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    first = await load_file(_csv(tmp_path, [CHINESE, *GOOD]), actor=office, source="upload")
    assert first.imported == 2 and first.replaced == 0

    again = await load_rows([(1, _json_rows(["CDJT,2026-11,1300,1290,1100,900,700,150,50,40,5.1"])[0])],
                            actor=Actor(kind="hotline", username="hotline"), source="api")

    assert (again.imported, again.replaced, again.periods) == (1, 1, ("2026-11",))
    assert [(r["code"], r["handled"], r["current"]) for r in await _stored()] == [
        ("CDJT", 1200, False), ("CDSW", 640, True), ("CDJT", 1300, True)]
    audits = await _audits()
    assert [(a["actor"], a["rows"], a["replaced"]) for a in audits] == [
        (office.label, 2, 0), ("hotline:hotline", 1, 1)]
    period = audits[1]["periods"]["2026-11"]
    assert (period["before"]["departments"], period["before"]["handled"], period["before"]["satisfied"]) == (
        2, 1840, 860)
    assert (period["after"]["departments"], period["after"]["handled"], period["after"]["satisfied"]) == (
        2, 1940, 1000)
    assert audits[0]["periods"]["2026-11"]["before"]["departments"] == 0


async def test_one_bad_row_among_many_stores_nothing(tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    await load_file(_csv(tmp_path, [CHINESE, *GOOD], name="first.csv"), actor=office, source="upload")
    before = await _stored()
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    lines = [f"{code},{month},100,99,80,60,40,10,10,3,5.5" for month in months for code in ("CDJT", "CDSW")]
    lines[17] = lines[17].replace(",3,5.5", ",-3,5.5")

    report = await load_file(_csv(tmp_path, [CHINESE, *lines], name="year.csv"), actor=office, source="upload")

    assert report.imported == 0 and len(report.rows) == 24
    assert [r.row for r in report.rows if not r.ok] == [19]
    assert "超期（overdue）不能为负数" in report.rows[17].message
    assert await _stored() == before
    assert len(await _audits()) == 1


async def test_liaison_may_not_import_through_the_service(tmp_path: Path) -> None:
    await _departments()
    liaison = await factories.account("liaison")

    with pytest.raises(Forbidden):
        await load_file(_csv(tmp_path, [CHINESE, *GOOD]), actor=liaison, source="upload")
    assert await _stored() == []
