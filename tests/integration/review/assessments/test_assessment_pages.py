"""Where the assessment figures are read: the public league page and a department's page, the liaison's page,
the office's overview, and the API with the same figures, paginated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from review.assessments.tables import AssessmentEntry, BaseFigures
from tests import factories
from tests.integration.panel_helpers import api, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

# handled, replied, resolved, rated, satisfied, basic, unsatisfied
FIGURES = {"AAA": (200, 198, 170, 150, 120, 10, 20), "BBB": (400, 390, 300, 300, 200, 40, 60),
           "CCC": (10, 10, 9, 8, 7, 0, 1)}


async def _base(department_id: int, period: str, counts: tuple[int, ...]) -> None:
    names = ("handled", "replied", "resolved", "rated", "satisfied", "basic", "unsatisfied")
    await BaseFigures.insert(BaseFigures(department=department_id, period=period, overdue=0, avg_reply_days=2.0,
                                         current=True, imported_at=datetime.now(UTC), source="cli",
                                         **dict(zip(names, counts, strict=True)))).run()


async def _setup() -> dict[str, int]:
    ids = {code: await factories.department(code, f"{code}局") for code in (*FIGURES, "DDD")}
    for code, counts in FIGURES.items():
        await _base(ids[code], "2026-10", counts)
    await AssessmentEntry.insert(AssessmentEntry(department=ids["BBB"], period="2026-10", ruled_improper=2,
                                                 updated_at=datetime.now(UTC))).run()
    await AssessmentEntry.insert(AssessmentEntry(department=ids["DDD"], period="2026-10", ruled_proper=1,
                                                 updated_at=datetime.now(UTC))).run()
    return ids


async def test_league_page_city_figures_unranked_and_the_api_agree() -> None:
    await _setup()
    office = await factories.account("office")
    async with factories.client() as http:
        page = await http.get("/public/assessments")
        bad = await http.get("/public/assessments", params={"period": "2026-13"})
        department = await http.get("/public/assessments/departments/BBB", params={"period": "2026-10"})
    assert page.status_code == 200, page.text
    text = page.text
    assert "<svg" in text and '<option value="2026-10" selected>' in text and "2026-Q4" in text
    listed = text[text.index("<h2>排名</h2>"):]
    # AAA 89.8 before BBB 83.5 − 4 points for its two 办理不到位; CCC below the minimum count, after them
    assert listed.index("AAA局") < listed.index("BBB局") < listed.index("CCC局")
    assert "不参与排名" in text and "尚无本期基础数据的部门" in text and "DDD局" in text
    assert bad.status_code in (400, 422) and "期间应写作" in bad.text
    assert department.status_code == 200 and "办理不到位" in department.text
    async with await api(office) as http:
        first = (await http.get("/api/v1/assessments", params={"period": "2026-10", "per_page": 2})).json()
        second = (await http.get("/api/v1/assessments", params={"period": "2026-10", "per_page": 2,
                                                                "page": 2})).json()
        refused = await http.get("/api/v1/assessments", params={"period": "26-10"})
        history = (await http.get("/api/v1/assessments/departments/AAA",
                                  params={"from": "2026-09", "to": "2026-10"})).json()
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "period"
    assert (first["total"], first["pages"], first["page"]) == (4, 2, 1)
    codes = [i["code"] for i in first["items"] + second["items"]]
    assert codes == ["AAA", "BBB", "CCC", "DDD"]
    assert [i["ranked"] for i in first["items"] + second["items"]] == [True, True, False, False]
    city = {r["code"]: r for r in first["city"]["rates"]}
    for code, rate in city.items():
        items = [i for i in first["items"] + second["items"] if i["imported"]]
        top = sum(next(r for r in i["rates"] if r["code"] == code)["numerator"] for i in items)
        below = sum(next(r for r in i["rates"] if r["code"] == code)["denominator"] for i in items)
        assert (rate["numerator"], rate["denominator"]) == (top, below)
        assert rate["value"] == pytest.approx(top / below)
        assert f"{rate['value'] * 100:.1f}%" in text
    assert first["not_imported"] == ["DDD"] and second["items"][1]["held"] is True
    assert [i["period"] for i in history["items"]] == ["2026-09", "2026-10"]
    assert history["items"][0]["imported"] is False and history["items"][1]["imported"] is True


async def test_liaison_sees_only_their_department_and_the_office_sees_what_is_missing() -> None:
    ids = await _setup()
    liaison = await factories.account("liaison", department_id=ids["AAA"])
    office = await factories.account("office")
    async with await api(liaison) as http:
        mine = (await http.get("/api/v1/assessments", params={"period": "2026-10"})).json()
        other = await http.get("/api/v1/assessments/departments/BBB", params={"periods": "2026-10"})
    assert [i["code"] for i in mine["items"]] == ["AAA"] and other.status_code == 403
    async with await web(liaison) as http:
        own = await http.get("/liaison/assessments", params={"period": "2026-10"})
    assert own.status_code == 200 and "AAA局" in own.text and "BBB局" not in own.text and "<svg" in own.text
    async with await web(office) as http:
        overview = await http.get("/office/assessments", params={"period": "2026-Q4"})
    assert overview.status_code == 200
    assert "2026-11、2026-12" in overview.text and "DDD" in overview.text and "/office/assessments/figures" in overview.text
