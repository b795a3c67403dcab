"""The roster: import (CSV, XLSX) all or nothing, office edits, members' own declarations and their effect."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from panels.services.roster import declare, import_roster, update_member
from panels.tables import RosterMember
from review.convening.services import convene_panel
from review.core.actors import Actor
from review.core.clock import today_in_china
from review.core.errors import Forbidden, Invalid
from tests import factories
from tests.integration.panel_helpers import (
    accepted_case,
    api,
    csrf_of,
    events,
    member_row_of,
    panel_row,
    submit,
    web,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

HEADERS = ["姓名", "角色", "区域", "社区", "工作单位", "关联部门", "专业领域", "同时在评上限", "登录名"]


def _rows(login: str) -> list[list[Any]]:
    return [
        ["张律师", "律师", "武侯区", "玉林社区", "蜀都律师事务所", "", "城市管理、交通", 4, login],
        ["李代表", "人大代表", "锦江区", "", "", "CDSW", "", "", ""],
        ["王群众", "resident", "武侯区", "簇桥社区", "", "CDJT，CDSW", "", 2, ""],
    ]


def _write_csv(folder: Path, rows: list[list[Any]]) -> Path:
    path = folder / "roster.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _write_xlsx(folder: Path, rows: list[list[Any]]) -> Path:
    path = folder / "roster.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


WRITERS: dict[str, Callable[[Path, list[list[Any]]], Path]] = {"csv": _write_csv, "xlsx": _write_xlsx}
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


async def _departments() -> None:
    await factories.department("CDJT", "成都市交通运输局")
    await factories.department("CDSW", "成都市水务局")


def _bad(kind: str, login: str) -> tuple[list[list[Any]], str]:
    """Good rows with one broken: (rows, the field the report must name). The broken row is sheet row 3."""
    rows = _rows(login)
    if kind == "role":
        rows[1][1] = "记者"
    elif kind == "affiliations":
        rows[1][5] = "CDSW、NOPE"
    elif kind == "max_panels_text":
        rows[1][7] = "很多"
    elif kind == "max_panels_range":
        rows[1][7] = 30
    elif kind == "duplicate_login":
        rows[1][8] = login
    return rows, {"max_panels_text": "max_panels", "max_panels_range": "max_panels",
                  "duplicate_login": "username"}.get(kind, kind)


BAD_KINDS = ["role", "affiliations", "max_panels_text", "max_panels_range", "duplicate_login"]


# --- import through the service --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(WRITERS))
async def test_import_roster_good_rows_are_all_imported_with_the_report(fmt: str, tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    login = await factories.account("member")
    path = WRITERS[fmt](tmp_path, _rows(login.username))

    report = await import_roster(path=path, actor=office)

    assert report.ok and report.imported == 3
    assert [(r.row, r.ok) for r in report.rows] == [(2, True), (3, True), (4, True)]
    assert report.rows[0].message == "张律师（lawyer）"
    stored = {r["name"]: r for r in await RosterMember.select().order_by(RosterMember.id).run()}
    assert set(stored) == {"张律师", "李代表", "王群众"}
    lawyer, deputy, resident = stored["张律师"], stored["李代表"], stored["王群众"]
    assert (lawyer["role"], lawyer["user"], lawyer["max_panels"]) == ("lawyer", login.user_id, 4)
    assert json.loads(lawyer["expertise"]) == ["城市管理", "交通"]
    assert (deputy["role"], deputy["user"], deputy["max_panels"]) == ("deputy", None, 3)
    assert json.loads(resident["affiliations"]) == ["CDJT", "CDSW"]
    assert [e["data"] for e in await events("roster_imported")] == [{"members": 3, "file": f".{fmt}"}]


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("kind", BAD_KINDS)
async def test_import_roster_one_bad_row_imports_nothing_and_names_row_and_field(
        fmt: str, kind: str, tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    login = await factories.account("member")
    rows, field = _bad(kind, login.username)
    path = WRITERS[fmt](tmp_path, rows)

    report = await import_roster(path=path, actor=office)

    assert report.imported == 0 and not report.ok
    assert [(r.row, r.ok) for r in report.rows] == [(2, True), (3, False), (4, True)]
    assert report.rows[1].message.endswith(f"（{field}）")
    assert await RosterMember.count().run() == 0
    assert await events("roster_imported") == []


async def test_import_roster_unknown_department_names_the_code(tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    rows, _ = _bad("affiliations", "")

    report = await import_roster(path=_write_csv(tmp_path, rows), actor=office)

    assert "NOPE" in report.rows[1].message and "CDSW" not in report.rows[1].message


@pytest.mark.parametrize("kind", ["member", "liaison"])
async def test_import_roster_by_member_or_liaison_is_refused(kind: str, tmp_path: Path) -> None:
    await _departments()
    actor = await factories.account(kind)

    with pytest.raises(Forbidden):
        await import_roster(path=_write_csv(tmp_path, _rows("")), actor=actor)

    assert await RosterMember.count().run() == 0


# --- import through the web form and the API -------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(WRITERS))
async def test_import_roster_web_form_imports_good_file_and_refuses_bad_one(fmt: str, tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    login = await factories.account("member")
    bad_rows, _ = _bad("role", login.username)
    (tmp_path / "bad").mkdir()
    bad = WRITERS[fmt](tmp_path / "bad", bad_rows)
    good = WRITERS[fmt](tmp_path, _rows(login.username))

    async with await web(office) as http:
        refused = await submit(http, "/office/roster", "/office/roster/import",
                               files={"file": (bad.name, bad.read_bytes(), MIME[fmt])})
        count_after_refusal = await RosterMember.count().run()
        imported = await submit(http, "/office/roster", "/office/roster/import",
                                files={"file": (good.name, good.read_bytes(), MIME[fmt])})
        listing = await http.get("/office/roster")

    assert refused.status_code == 422
    assert "整批未导入" in refused.text and "记者" in refused.text and "（role）" in refused.text
    assert count_after_refusal == 0
    assert imported.status_code == 200
    assert "已导入 3 名评议员" in imported.text
    assert await RosterMember.count().run() == 3
    assert all(name in listing.text for name in ("张律师", "李代表", "王群众"))


async def test_import_roster_web_form_without_csrf_imports_nothing(tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    path = _write_csv(tmp_path, _rows(""))

    async with await web(office) as http:
        await http.get("/office/roster")
        response = await http.post("/office/roster/import", files={"file": (path.name, path.read_bytes())})

    assert response.status_code == 403
    assert await RosterMember.count().run() == 0


async def test_import_roster_web_form_refuses_other_file_types(tmp_path: Path) -> None:
    office = await factories.account("office")

    async with await web(office) as http:
        response = await submit(http, "/office/roster", "/office/roster/import",
                                files={"file": ("roster.txt", b"name\n", "text/plain")})

    assert response.status_code == 422
    assert "只支持 CSV、XLSX 文件" in response.text


@pytest.mark.parametrize("fmt", list(WRITERS))
async def test_import_roster_api_imports_good_file_and_reports_bad_row(fmt: str, tmp_path: Path) -> None:
    await _departments()
    office = await factories.account("office")
    login = await factories.account("member")
    bad_rows, _ = _bad("max_panels_range", login.username)
    (tmp_path / "bad").mkdir()
    bad = WRITERS[fmt](tmp_path / "bad", bad_rows)
    good = WRITERS[fmt](tmp_path, _rows(login.username))

    async with await api(office) as http:
        refused = await http.post("/api/v1/roster/import", files={"file": (bad.name, bad.read_bytes(), MIME[fmt])})
        count_after_refusal = await RosterMember.count().run()
        imported = await http.post("/api/v1/roster/import",
                                   files={"file": (good.name, good.read_bytes(), MIME[fmt])})

    assert refused.status_code == 422
    assert refused.json()["imported"] == 0
    assert [(r["row"], r["ok"]) for r in refused.json()["rows"]] == [(2, True), (3, False), (4, True)]
    assert refused.json()["rows"][1]["message"].endswith("（max_panels）")
    assert count_after_refusal == 0
    assert imported.status_code == 201
    assert imported.json()["imported"] == 3
    assert await RosterMember.count().run() == 3


@pytest.mark.parametrize("kind", ["member", "liaison"])
async def test_import_roster_api_and_web_refuse_member_and_liaison(kind: str, tmp_path: Path) -> None:
    await _departments()
    actor = await factories.account(kind)
    path = _write_csv(tmp_path, _rows(""))

    async with await api(actor) as http:
        by_api = await http.post("/api/v1/roster/import", files={"file": (path.name, path.read_bytes())})
    async with await web(actor) as http:
        token = csrf_of(await http.get("/"))
        by_web = await http.post("/office/roster/import", data={"csrf_token": token},
                                 files={"file": (path.name, path.read_bytes())})

    assert by_api.status_code == 403 and by_api.json()["error"]["code"] == "forbidden"
    assert by_web.status_code == 403
    assert await RosterMember.count().run() == 0


# --- office edits ---------------------------------------------------------------------------------------


async def _one_member() -> tuple[int, Actor]:
    actors = await factories.roster({"lawyer": 1})
    return (await member_row_of(actors[0]))["id"], actors[0]


async def test_update_member_by_office_changes_the_member_and_audits() -> None:
    await _departments()
    office = await factories.account("office")
    member_id, _ = await _one_member()

    await update_member(member_id=member_id, actor=office,
                        fields={"district": "锦江区", "affiliations": "cdsw", "max_panels": "7", "active": "否"})

    row = await RosterMember.select().where(RosterMember.id == member_id).first().run()
    assert (row["district"], json.loads(row["affiliations"]), row["max_panels"], row["active"]) == (
        "锦江区", ["CDSW"], 7, False)
    [event] = await events("roster_member_updated")
    assert event["data"] == {"member": member_id, "fields": ["active", "affiliations", "district", "max_panels"]}


async def test_update_member_web_form_saves_and_refuses_bad_field() -> None:
    await _departments()
    office = await factories.account("office")
    member_id, _ = await _one_member()
    page = f"/office/roster/{member_id}"
    base = {"name": "改名律师", "role": "lawyer", "district": "青羊区", "community": "", "employer": "某所",
            "affiliations": "CDJT", "organisations": "", "expertise": "", "max_panels": "6", "active": "1"}

    async with await web(office) as http:
        saved = await submit(http, page, page, base)
        refused = await submit(http, page, page, {**base, "district": "锦江区", "max_panels": "0"})
        unknown = await submit(http, page, page, {**base, "affiliations": "XXXX"})

    assert saved.status_code == 303 and saved.headers["location"] == f"{page}?saved=1"
    assert refused.status_code == 422 and "同时在评上限应在 1 到 20 之间" in refused.text
    assert unknown.status_code == 422 and "关联部门代码不存在：XXXX" in unknown.text
    row = await RosterMember.select().where(RosterMember.id == member_id).first().run()
    assert (row["name"], row["district"], row["max_panels"], json.loads(row["affiliations"])) == (
        "改名律师", "青羊区", 6, ["CDJT"])


@pytest.mark.parametrize(("body", "field"), [
    ({"max_panels": 99}, "max_panels"),
    ({"role": "journalist"}, "role"),
    ({"affiliations": ["NOPE"]}, "affiliations"),
    ({"name": ""}, "name"),
    ({"district": " "}, "district"),
])
async def test_update_member_api_refuses_bad_field_naming_it(body: dict[str, Any], field: str) -> None:
    await _departments()
    office = await factories.account("office")
    member_id, _ = await _one_member()
    before = await RosterMember.select().where(RosterMember.id == member_id).first().run()

    async with await api(office) as http:
        response = await http.post(f"/api/v1/roster/{member_id}", json=body)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert await RosterMember.select().where(RosterMember.id == member_id).first().run() == before


async def test_update_member_api_saves_and_returns_the_member() -> None:
    await _departments()
    office = await factories.account("office")
    member_id, _ = await _one_member()

    async with await api(office) as http:
        response = await http.post(f"/api/v1/roster/{member_id}",
                                   json={"role": "律师", "affiliations": ["CDSW", "cdjt"], "max_panels": 2})
        missing = await http.post("/api/v1/roster/999999", json={"max_panels": 2})

    assert response.status_code == 200
    assert (response.json()["affiliations"], response.json()["max_panels"]) == (["CDSW", "CDJT"], 2)
    assert missing.status_code == 404
    row = await RosterMember.select().where(RosterMember.id == member_id).first().run()
    assert (json.loads(row["affiliations"]), row["max_panels"]) == (["CDSW", "CDJT"], 2)


async def test_update_member_by_the_member_is_refused() -> None:
    member_id, member = await _one_member()

    with pytest.raises(Forbidden):
        await update_member(member_id=member_id, actor=member, fields={"max_panels": 20})
    async with await api(member) as http:
        response = await http.post(f"/api/v1/roster/{member_id}", json={"max_panels": 20})

    assert response.status_code == 403
    assert (await member_row_of(member))["max_panels"] == 5


# --- declarations -----------------------------------------------------------------------------------------


async def test_declarations_member_keeps_own_on_web_and_api() -> None:
    await _departments()
    _, member = await _one_member()

    async with await web(member) as http:
        shown = await http.get("/panel/declarations")
        saved = await submit(http, "/panel/declarations", "/panel/declarations", {
            "employer": "蜀都律师事务所", "affiliations": "cdsw", "organisations": "某协会", "expertise": "交通",
            "unavailable": "2030-01-01 至 2030-01-10\n2030-03-01 至 2030-03-02"})
    async with await api(member) as http:
        listed = await http.get("/api/v1/me/declarations")
        updated = await http.post("/api/v1/me/declarations", json={"expertise": ["城市管理", "水务"]})

    assert shown.status_code == 200 and "本人申报" in shown.text
    assert saved.status_code == 303
    assert listed.json()["employer"] == "蜀都律师事务所"
    assert listed.json()["affiliations"] == ["CDSW"]
    assert listed.json()["unavailable"] == [{"from": "2030-01-01", "to": "2030-01-10"},
                                            {"from": "2030-03-01", "to": "2030-03-02"}]
    assert updated.status_code == 200 and updated.json()["expertise"] == ["城市管理", "水务"]
    row = await member_row_of(member)
    assert json.loads(row["organisations"]) == ["某协会"] and json.loads(row["expertise"]) == ["城市管理", "水务"]
    assert row["declared_at"] is not None
    assert len(await events("declarations_updated")) == 2


async def test_declarations_unknown_department_is_refused_on_service_web_and_api() -> None:
    await _departments()
    _, member = await _one_member()

    with pytest.raises(Invalid) as refused:
        await declare(actor=member, fields={"affiliations": "CDSW、NOPE"})
    async with await web(member) as http:
        page = await submit(http, "/panel/declarations", "/panel/declarations", {"affiliations": "NOPE"})
    async with await api(member) as http:
        response = await http.post("/api/v1/me/declarations", json={"affiliations": ["NOPE"]})

    assert (refused.value.field, refused.value.message) == ("affiliations", "关联部门代码不存在：NOPE")
    assert page.status_code == 422 and "关联部门代码不存在：NOPE" in page.text
    assert response.status_code == 422 and response.json()["error"]["field"] == "affiliations"
    row = await member_row_of(member)
    assert json.loads(row["affiliations"]) == [] and row["declared_at"] is None


@pytest.mark.parametrize("periods", [[{"from": "2030-02-10", "to": "2030-02-01"}], [{"from": "soon", "to": "x"}]])
async def test_declarations_bad_period_is_refused(periods: list[dict[str, str]]) -> None:
    _, member = await _one_member()

    async with await api(member) as http:
        response = await http.post("/api/v1/me/declarations", json={"unavailable": periods})

    assert response.status_code == 422 and response.json()["error"]["field"] == "unavailable"
    assert json.loads((await member_row_of(member))["unavailable"]) == []


async def test_declarations_are_for_members_only() -> None:
    office = await factories.account("office")
    unlinked = await factories.account("member")

    async with await api(office) as http:
        by_office = await http.get("/api/v1/me/declarations")
    async with await api(unlinked) as http:
        by_unlinked = await http.get("/api/v1/me/declarations")

    assert by_office.status_code == 403
    assert by_unlinked.status_code == 404 and by_unlinked.json()["error"]["code"] == "member_not_found"


def _exclusions_of(panel: dict[str, Any], member_id: int) -> list[str]:
    return [e["kind"] for e in panel["exclusions"] if e["member"] == member_id]


async def test_declared_unavailable_period_covering_today_excludes_from_next_draw() -> None:
    office = await factories.account("office")
    # Exactly one lawyer more than a panel needs is not enough to prove anything: make the declarer the
    # only lawyer but one, so that the draw would otherwise be free to pick them.
    members = await factories.roster({"lawyer": 2, "deputy": 2, "resident": 3, "expert": 2})
    declarer = members[0]
    today = today_in_china()
    await declare(actor=declarer, fields={"unavailable": [{"from": (today - timedelta(days=1)).isoformat(),
                                                           "to": (today + timedelta(days=1)).isoformat()}]})
    number, _ = await accepted_case(office)

    panel_id = await convene_panel(number=number, actor=office)

    panel = await panel_row(panel_id)
    declarer_id = (await member_row_of(declarer))["id"]
    assert _exclusions_of(panel, declarer_id) == ["unavailable"]
    assert declarer_id not in {s["member_id"] for s in panel["record"]["result"]}


async def test_declared_period_not_covering_today_leaves_member_eligible() -> None:
    office = await factories.account("office")
    members = await factories.roster({"lawyer": 2, "deputy": 2, "resident": 3, "expert": 2})
    await declare(actor=members[0], fields={"unavailable": "2001-01-01 至 2001-01-31"})
    number, _ = await accepted_case(office)

    panel = await panel_row(await convene_panel(number=number, actor=office))

    assert _exclusions_of(panel, (await member_row_of(members[0]))["id"]) == []


async def test_declared_affiliation_with_case_department_excludes_from_draw() -> None:
    await _departments()
    office = await factories.account("office")
    members = await factories.roster({"lawyer": 2, "deputy": 2, "resident": 3, "expert": 2})
    await declare(actor=members[0], fields={"affiliations": "cdjt"})
    await declare(actor=members[1], fields={"affiliations": "CDSW"})
    number, _ = await accepted_case(office, department_code="CDJT")

    panel = await panel_row(await convene_panel(number=number, actor=office))

    first, second = (await member_row_of(members[0]))["id"], (await member_row_of(members[1]))["id"]
    assert _exclusions_of(panel, first) == ["works_for_department"]
    assert _exclusions_of(panel, second) == []
    assert [e["reason"] for e in panel["exclusions"] if e["member"] == first] == ["任职于或服务于被评议部门"]
    seated = {s["member_id"] for s in panel["record"]["result"]}
    assert first not in seated and second in seated  # the only other lawyer fills the seat
