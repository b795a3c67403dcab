"""The time per stage by month: for each stage, the count, median and 90th percentile of the working days it took
in the occurrences that ended each month (Beijing time), over open and closed cases alike; the chart and its
table at /office/clocks/stages and the figures at GET /api/v1/clocks/stages, for the office only."""

from __future__ import annotations

import html

import pytest

from review.core import db, kept
from review.deadlines import policy as rules
from review.deadlines import queries
from review.deadlines.services import policy as versions
from tests import factories
from tests.integration.panel_helpers import api, web
from tests.integration.review.deadlines.timed_cases import at, timed_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

NOW = at(12, 4, 10)


async def arrange() -> None:
    """Screening in November 2026 takes 2, 1, 4, 5 and (paused two days) 2 working days; one in September takes
    1; convening in November takes 2 and 0; a screening ended at 00:30 on 1 December (Beijing) counts for
    December; one ended in November 2025 lies outside the twelve months up to November 2026."""
    await timed_case([("intake", at(11, 2)), ("accept", at(11, 4)), ("convene", at(11, 6)),
                      ("close", at(11, 30))], "closed")  # screening 2 (3, 4 Nov); convening 2 (5, 6 Nov)
    await timed_case([("intake", at(11, 9)), ("accept", at(11, 10)), ("convene", at(11, 10, 15))],
                     "panel_ready")  # screening 1; convening 0
    await timed_case([("intake", at(11, 16)), ("accept", at(11, 20))], "accepted")  # screening 4
    await timed_case([("intake", at(11, 23)), ("accept", at(11, 30, 23, 30))], "accepted")  # 5 (24–27, 30)
    await timed_case([("intake", at(11, 2)), ("supplement_requested", at(11, 3, 10)),
                      ("supplement_received", at(11, 5, 10)), ("accept", at(11, 6))], "accepted")
    # 3–6 November less the paused 4 and 5: 2
    await timed_case([("intake", at(9, 7)), ("accept", at(9, 8))], "accepted")  # September: 1
    await timed_case([("intake", at(11, 27)), ("accept", at(12, 1, 0, 30))], "accepted")  # December: 2 (30 Nov, 1 Dec)
    await timed_case([("intake", at(11, 3, year=2025)), ("accept", at(11, 5, year=2025))], "accepted")
    await timed_case([("intake", at(11, 2))])  # still in screening: no time taken yet


def _month(report: queries.StageTimesReport, stage: str, month: str) -> tuple[int, float | None, float | None]:
    item = next(s for s in report.stages if s.stage == stage)
    found = next(m for m in item.months if m.month == month)
    return found.count, found.median, found.p90


async def test_each_stage_s_median_and_90th_percentile_by_the_month_it_ended() -> None:
    await arrange()

    report = await queries.stage_times(to="2026-11", now=NOW)

    assert report.months[0] == "2025-12" and report.months[-1] == "2026-11" and len(report.months) == 12
    assert [s.stage for s in report.stages] == ["screening", "convening"]
    # November's screening: 1, 2, 2, 4, 5 → median 2; 90th percentile at rank 3.6: 4 + 0.6 × 1
    assert _month(report, "screening", "2026-11") == (5, 2.0, 4.6)
    assert _month(report, "screening", "2026-09") == (1, 1.0, 1.0)
    assert _month(report, "screening", "2026-10") == (0, None, None)
    # November's convening: 0, 2 → median 1; 90th percentile at rank 0.9: 0 + 0.9 × 2
    assert _month(report, "convening", "2026-11") == (2, 1.0, 1.8)
    assert next(s for s in report.stages if s.stage == "screening").count == 6  # not the 2025 one


async def test_a_stage_ended_after_midnight_in_beijing_counts_for_the_new_month() -> None:
    await arrange()

    report = await queries.stage_times(to="2026-12", now=NOW)

    assert _month(report, "screening", "2026-12") == (1, 2.0, 2.0)
    assert _month(report, "screening", "2026-11") == (5, 2.0, 4.6)
    assert "2025-12" not in report.months


async def test_the_figures_read_a_fixed_number_of_queries() -> None:
    await arrange()
    with db.count_queries() as few:
        await queries.stage_times(to="2026-11", now=NOW)
    for _ in range(4):
        await timed_case([("intake", at(11, 2)), ("accept", at(11, 4))], "accepted")
    kept.forget_all()  # the cases were put in November after it was counted: nothing written today does that
    with db.count_queries() as more:
        report = await queries.stage_times(to="2026-11", now=NOW)
    assert _month(report, "screening", "2026-11")[0] == 9
    assert len(more) == len(few) <= 3, more.sql()


async def test_months_that_are_over_are_counted_once_and_this_month_each_time() -> None:
    await arrange()
    first = await queries.stage_times(to="2026-12", now=NOW)
    await timed_case([("intake", at(12, 1)), ("accept", at(12, 3))], "accepted")  # screening 2 (2, 3 Dec)

    with db.count_queries() as counted:
        again = await queries.stage_times(to="2026-12", now=NOW)

    window = [sql for sql in counted.sql() if "audit_event" in sql]
    assert len(window) == 1  # the events of December's cases only
    assert [s.months[:-1] for s in again.stages] == [s.months[:-1] for s in first.stages]
    assert _month(first, "screening", "2026-12") == (1, 2.0, 2.0)
    assert _month(again, "screening", "2026-12") == (2, 2.0, 2.0)
    with db.count_queries() as past_only:  # January to November 2026, counted with the first call
        await queries.stage_times(to="2026-11", count=11, now=NOW)
    assert not [sql for sql in past_only.sql() if "audit_event" in sql]


async def test_a_stage_that_ended_keeps_the_policy_version_in_force_when_it_ended() -> None:
    await arrange()
    office = await factories.account("office")
    changed = rules.as_data(rules.DEFAULT)
    changed["stages"]["screening"]["pauses"] = []  # from now on, waiting for the complainant does not pause it
    await versions.save_draft(actor=office, content=changed)
    await versions.publish(actor=office)

    report = await queries.stage_times(to="2026-11", now=NOW)

    # the paused screening ended in November under version 1: still 2, not 4
    assert _month(report, "screening", "2026-11") == (5, 2.0, 4.6)


async def test_the_office_page_draws_a_chart_per_stage_with_its_table() -> None:
    await arrange()
    office = await factories.account("office")

    async with await web(office) as http:
        page = await http.get("/office/clocks/stages", params={"to": "2026-11"})
        refused = await http.get("/office/clocks/stages", params={"to": "11/2026"})

    assert page.status_code == 200
    text = html.unescape(page.text)
    assert text.count("<svg") == 2 and 'aria-label="受理审查：用时（个工作日）"' in text
    assert '<td data-label="月份">2026-11</td><td data-label="完成数">5</td>' in text
    assert '<td data-label="中位数">2</td>' in text and '<td data-label="90%分位">4.6</td>' in text
    assert "组成评议组" in text and "王小明" not in text
    assert refused.status_code == 422


async def test_the_api_gives_the_figures_month_by_month() -> None:
    await arrange()
    office = await factories.account("office")

    async with await api(office) as http:
        reply = await http.get("/api/v1/clocks/stages", params={"to": "2026-11"})
        wrong = await http.get("/api/v1/clocks/stages", params={"to": "2026-13"})

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["months"][-1] == "2026-11" and len(body["months"]) == 12
    screening = next(s for s in body["stages"] if s["stage"] == "screening")
    assert screening["name"] == "受理审查" and screening["unit"] == "workdays" and screening["count"] == 6
    november = next(m for m in screening["months"] if m["month"] == "2026-11")
    assert november == {"month": "2026-11", "count": 5, "median": 2.0, "p90": 4.6}
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "to"


@pytest.mark.parametrize("role", ["member", "liaison"])
async def test_only_the_office_reads_the_figures(role: str) -> None:
    someone = await factories.account(role)
    async with await web(someone) as http:
        page = await http.get("/office/clocks/stages")
    async with await api(someone) as http:
        figures = await http.get("/api/v1/clocks/stages")
    async with factories.client() as http:
        anonymous = await http.get("/api/v1/clocks/stages")
    assert page.status_code == 403 and figures.status_code == 403 and anonymous.status_code == 401
