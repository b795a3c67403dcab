"""The holiday table: seeded from chinese_calendar, loaded by the office from the State Council notice (page,
API, CLI), and every deadline counted across a year without it stored as 暂定 until that year is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from panels.services.seating import invite
from panels.tables import Seat
from review.core import calendar
from review.core.actors import Actor
from review.core.clock import CHINA, today_in_china
from review.core.tables import AuditEvent, Holiday, ProvisionalDeadline
from review.core.workdays import package_rows
from review.deadlines.tables import ClockShift
from review.holidays import services as holidays
from review.holidays.importing import load_file, load_year, text_rows
from review.rulings.services.deliberation import close_scoring, issue_ruling, save_reasoning, sign_reasoning
from review.rulings.services.sheets import submit_sheet
from review.verdicts.services import stored_path
from review.verdicts.tables import Verdict
from scoring.tables import Ruling
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import api, csrf_of, web
from tests.integration.scoring_helpers import convened_case, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

# An example notice for 2027, not the real one: 元旦 1–3 Jan, 春节 6–12 Feb with Sat 20 Feb worked.
NOTICE_2027 = """日期,类型,名称
2027-01-01,放假,元旦
2027-01-02,放假,元旦
2027-01-03,放假,元旦
2027-02-06,放假,春节
2027-02-07,放假,春节
2027-02-08,放假,春节
2027-02-09,放假,春节
2027-02-10,放假,春节
2027-02-11,放假,春节
2027-02-12,放假,春节
2027-02-20,调休上班,春节
"""


def _csv(tmp_path: Path, text: str, name: str = "notice.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def _improper_ruling(office: Actor, issued: datetime) -> tuple[str, int]:
    """A case scored low (办理不到位, redo ordered) and ruled at `issued`: (number, ruling id)."""
    number, _, office, _ = await convened_case(office)
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(1))
    await close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)
    await save_reasoning(number=number, actor=chair, reasoning="承办单位未到现场核查。")
    await sign_reasoning(number=number, actor=chair)
    return number, await issue_ruling(number=number, actor=office, now=issued)


async def _ruling(ruling_id: int) -> dict:
    return (
        await Ruling.select(Ruling.redo_deadline, Ruling.redo_deadline_provisional)
        .where(Ruling.id == ruling_id)
        .first()
        .run()
    )


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


async def test_seed_fills_every_covered_year_once_and_keeps_office_rows() -> None:
    office = await factories.account("office")
    years = {r.day.year for r in package_rows()}
    count = await Holiday.count()
    assert count == len(package_rows())
    assert {(await holidays.year_table(y)).status for y in years} == {"official"}
    assert (await holidays.year_table(2027)).status == "missing"

    # The office reloads 2026 with one day fewer; seeding again must keep that table.
    rows_2026 = [
        f"{r.day.isoformat()},{'放假' if r.kind == 'holiday' else '调休上班'},{r.name}"
        for r in package_rows()
        if r.day.year == 2026 and r.day != date(2026, 10, 7)
    ]
    await load_year(raw=text_rows("\n".join(rows_2026)), actor=office, source="国务院办公厅通知（测试）")
    assert await holidays.seed_from_package() == []

    table = await holidays.year_table(2026)
    assert table.sources == ("国务院办公厅通知（测试）",)
    assert date(2026, 10, 7) not in {d["day"] for d in table.days}
    assert await Holiday.count() == count - 1


async def test_redo_from_11_december_2026_is_provisional_until_2027_is_loaded(tmp_path: Path) -> None:
    office = await factories.account("office")
    number, ruling_id = await _improper_ruling(
        office, datetime.combine(date(2026, 12, 11), time(10), tzinfo=CHINA)
    )
    await run_jobs()

    # 15 working days from Fri 11 Dec: 1 Jan 2027 skipped by the provisional rule, Mon 4 Jan, marked 暂定.
    assert await _ruling(ruling_id) == {"redo_deadline": date(2027, 1, 4), "redo_deadline_provisional": True}
    async with await web(office) as http:
        page = await http.get(f"/office/cases/{number}")
    assert "整改期限：2027-01-04" in page.text and "（暂定）" in page.text
    async with await api(office) as http:
        body = (await http.get(f"/api/v1/cases/{number}")).json()
    assert (body["redo_deadline"], body["redo_deadline_provisional"]) == ("2027-01-04", True)
    verdict = await Verdict.select().where(Verdict.ruling_id == ruling_id).first().run()
    assert "2027年1月4日（暂定）" in _pdf_text(stored_path(verdict["full_sha256"])).replace("\n", "")

    report = await load_file(
        path=_csv(tmp_path, NOTICE_2027), actor=office, source="国务院办公厅通知（示例）"
    )

    assert report.loaded == 11 and report.year == 2027
    assert await _ruling(ruling_id) == {"redo_deadline": date(2027, 1, 4), "redo_deadline_provisional": False}
    assert not await ProvisionalDeadline.exists().where(ProvisionalDeadline.settled_at.is_null()).run()
    recounted = (
        await AuditEvent.select(AuditEvent.data).where(AuditEvent.action == "deadline_recounted").run()
    )
    assert [_json(e["data"]) for e in recounted] == [
        {
            "changes": [
                {
                    "what": "ruling.redo_deadline",
                    "label": "整改期限",
                    "old": "2027-01-04",
                    "new": "2027-01-04",
                    "provisional": False,
                }
            ]
        }
    ]
    loaded = (
        await AuditEvent.select(AuditEvent.data, AuditEvent.actor)
        .where(AuditEvent.action == "holidays_loaded")
        .first()
        .run()
    )
    data = _json(loaded["data"])
    assert (data["year"], data["status"], data["before"]["status"], len(data["days"])) == (
        2027,
        "official",
        "missing",
        11,
    )
    assert [(c["old"], c["new"], c["provisional"]) for c in data["changes"]] == [
        ("2027-01-04", "2027-01-04", False)
    ]
    async with await web(office) as http:
        page = await http.get(f"/office/cases/{number}")
    assert "整改期限：2027-01-04" in page.text and "（暂定）" not in page.text


async def test_loading_2027_moves_a_provisional_reply_deadline_past_spring_festival(tmp_path: Path) -> None:
    office = await factories.account("office")
    number, _, _, _ = await convened_case(office)
    seat = (
        await Seat.select(Seat.panel, Seat.member, Seat.role)
        .where(Seat.panel.case.number == number)
        .first()
        .run()
    )
    case_id = (await Seat.select(Seat.panel.case.id).where(Seat.panel == seat["panel"]).first().run())[
        "panel.case.id"
    ]
    # Invited on Thu 4 Feb 2027 with two working days: Fri 5 and Mon 8 Feb by the provisional rule.
    await invite(
        [
            Seat(
                panel=seat["panel"],
                member=seat["member"],
                role=seat["role"],
                status="invited",
                invited_at=datetime(2027, 2, 4, 2, tzinfo=UTC),
            )
        ],
        case_id=case_id,
        now=datetime(2027, 2, 4, 2, tzinfo=UTC),
        reply_days=2,
    )
    added = (
        await Seat.select()
        .where(Seat.panel == seat["panel"])
        .order_by(Seat.id, ascending=False)
        .first()
        .run()
    )
    assert added["reply_by_provisional"]
    assert added["reply_by"].astimezone(CHINA).date() == date(2027, 2, 8)

    report = await load_file(
        path=_csv(tmp_path, NOTICE_2027), actor=office, source="国务院办公厅通知（示例）"
    )

    # With the notice: Fri 5 Feb, then 6–12 Feb off, Mon 15 Feb.
    after = await Seat.select().where(Seat.id == added["id"]).first().run()
    assert after["reply_by"].astimezone(CHINA) == datetime(2027, 2, 15, 23, 59, 59, tzinfo=CHINA)
    assert not after["reply_by_provisional"]
    assert [(c["what"], c["old"], c["new"]) for c in report.changes] == [
        ("seat.reply_by", "2027-02-08", "2027-02-15")
    ]
    # The invitation's clock moved with it, shown with the other clocks' moves.
    moved = await ClockShift.select().where(ClockShift.stage == "invitation").run()
    assert [(m["case_number"], m["occurrence"], m["cause"]) for m in moved] == [(number, added["id"], "holidays")]
    assert moved[0]["due_before"].astimezone(CHINA) == datetime(2027, 2, 8, 23, 59, 59, tzinfo=CHINA)
    assert moved[0]["due_after"].astimezone(CHINA) == datetime(2027, 2, 15, 23, 59, 59, tzinfo=CHINA)


async def test_bad_rows_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    office = await factories.account("office")
    before = await Holiday.count()
    bad = _csv(
        tmp_path,
        "日期,类型,名称\n2027-01-01,放假,元旦\n2027-02-30,放假,春节\n2027-02-08,调休上班,春节\n"
        "2027-02-09,休假,春节\n2027-01-01,放假,元旦\n2028-06-01,放假,端午\n",
    )

    report = await load_file(path=bad, actor=office, source="国务院办公厅通知")

    assert report.loaded == 0
    assert [(r.row, r.ok) for r in report.rows] == [
        (2, True),
        (3, False),
        (4, False),
        (5, False),
        (6, False),
        (7, False),
    ]
    messages = [r.message for r in report.rows]
    assert "没有这一天" in messages[1] and "周六或周日" in messages[2] and "放假" in messages[3]
    assert "重复" in messages[4] and "不属于 2027 年" in messages[5]
    assert await Holiday.count() == before
    assert (await holidays.year_table(2027)).status == "missing"
    assert not await AuditEvent.exists().where(AuditEvent.action == "holidays_loaded").run()


async def test_holiday_page_is_office_only_and_loads_from_the_form() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    async with await web(member) as http:
        assert (await http.get("/office/holidays")).status_code == 403
    async with await web(office) as http:
        page = await http.get("/office/holidays?year=2026")
        assert page.status_code == 200 and "2026-10-10" in page.text and "调休上班" in page.text
        bad = await http.post(
            "/office/holidays",
            data={
                "csrf_token": csrf_of(page),
                "year": "2027",
                "source": "国务院办公厅通知",
                "days": "2027-13-01 放假 元旦",
            },
        )
        assert bad.status_code == 422 and "有误" in bad.text
        assert (await holidays.year_table(2027)).status == "missing"
        done = await http.post(
            "/office/holidays",
            data={
                "csrf_token": csrf_of(page),
                "year": "2027",
                "source": "国务院办公厅通知（示例）",
                "status": "provisional",
                "days": "2027-01-01 放假 元旦\n2027-02-06，放假，春节\n",
            },
        )
        assert done.status_code == 200 and "已载入 2027 年节假日安排 2 天" in done.text
    table = await holidays.year_table(2027)
    assert table.status == "provisional" and [d["day"] for d in table.days] == [
        date(2027, 1, 1),
        date(2027, 2, 6),
    ]
    assert not (await calendar.calendar()).is_official(2027)


async def test_banner_asks_the_office_for_next_years_notice_from_1_november() -> None:
    assert await calendar.notice_wanted(date(2026, 10, 31)) is None
    assert await calendar.notice_wanted(date(2026, 11, 1)) == 2027
    assert await calendar.notice_wanted(date(2027, 3, 1)) == 2027

    office = await factories.account("office")
    liaison = await factories.account("liaison", department_id=await factories.department())
    wanted = await calendar.notice_wanted(today_in_china())
    assert wanted is not None, "this machine's date is expected to be after 1 November 2026"
    async with await web(office) as http:
        page = await http.get("/office/cases")
        assert f"{wanted} 年的节假日安排尚未载入" in page.text
    async with await web(liaison) as http:
        assert "节假日安排尚未载入" not in (await http.get("/liaison")).text

    await load_year(
        raw=text_rows(f"{wanted}-01-01 放假 元旦"), actor=office, source="国务院办公厅通知（示例）"
    )
    async with await web(office) as http:
        assert "节假日安排尚未载入" not in (await http.get("/office/cases")).text


async def test_api_lists_a_year_and_imports_for_the_office_only() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    async with await api(office) as http:
        listed = (await http.get("/api/v1/holidays", params={"year": "2026"})).json()
        assert listed["status"] == "official" and listed["provisional"] is False
        assert {"date": "2026-10-10", "kind": "workday", "name": "国庆节", "status": "official"} in listed[
            "days"
        ]
        bad = await http.post(
            "/api/v1/holidays/import",
            json={"year": 2027, "days": [{"date": "2027-01-04", "kind": "workday"}]},
        )
        assert bad.status_code == 422 and bad.json()["loaded"] == 0
        done = await http.post(
            "/api/v1/holidays/import",
            json={
                "year": 2027,
                "source": "国务院办公厅通知（示例）",
                "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}],
            },
        )
        assert done.status_code == 201 and done.json()["loaded"] == 1
        assert (await http.get("/api/v1/holidays", params={"year": "2027"})).json()["status"] == "official"
    async with await api(member) as http:
        refused = await http.post("/api/v1/holidays/import", json={"days": []})
        assert refused.status_code == 403


async def test_cli_imports_a_file_and_lists_the_year(tmp_path: Path) -> None:
    path = _csv(tmp_path, NOTICE_2027)
    env = {**os.environ}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "review.cli", "holidays", *args],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    bad = cli(
        "import",
        str(_csv(tmp_path, "日期,类型,名称\n2027-01-01,放假,元旦\n2027-01-05,调休上班,元旦\n", "bad.csv")),
    )
    assert bad.returncode == 1 and "第 3 行：有误" in bad.stdout and "未写入任何日期" in bad.stderr
    done = cli("import", str(path), "--source", "国务院办公厅通知（示例）")
    assert done.returncode == 0, done.stderr
    assert "已载入 2027 年节假日安排 11 天（正式）" in done.stdout
    listed = cli("list", "2027")
    assert listed.returncode == 0
    assert "2027 年：正式，来源 国务院办公厅通知（示例）" in listed.stdout
    assert "2027-02-20\t调休上班\t春节" in listed.stdout
    assert (await holidays.year_table(2027)).status == "official"


def _json(value: object) -> dict:
    import json

    return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]
