"""What a change moves: publishing a clock policy or loading a holiday notice counts every open case's open
clocks again and records each open stage whose due time moved (ClockShift), with one audit event; the office
sees the latest moves."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from review.cases import services as cases
from review.core.tables import AuditEvent
from review.core.workdays import package_rows
from review.deadlines import policy as rules
from review.deadlines import services
from review.deadlines.services import policy as versions
from review.deadlines.tables import ClockShift
from tests import factories
from tests.integration.panel_helpers import api, case_row, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _draft(**stage_changes: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(rules.as_data(rules.DEFAULT))
    for stage, change in stage_changes.items():
        raw["stages"][stage].update(change)
    return raw


async def _clock(number: str, stage: str) -> services.Clock:
    events = await AuditEvent.select(AuditEvent.at, AuditEvent.action).where(
        AuditEvent.case == (await case_row(number))["id"]).order_by(AuditEvent.id).run()
    return next(c for c in await services.case_clocks(events) if c.stage == stage and c.open)


async def _shifts() -> list[dict[str, Any]]:
    return await ClockShift.select().order_by(ClockShift.id).run()


async def _summaries() -> list[dict[str, Any]]:
    rows = await AuditEvent.select(AuditEvent.data).where(AuditEvent.action == "clock_shifts_recorded").run()
    return [r["data"] if isinstance(r["data"], dict) else json.loads(r["data"]) for r in rows]


def _same(a: Any, b: Any) -> bool:
    return abs((a - b).total_seconds()) < 1


async def test_a_shorter_limit_records_a_shift_for_each_open_stage_it_moves() -> None:
    office = await factories.account("office")
    first, _ = await factories.case()
    second, _ = await factories.case()
    ended, _ = await factories.case()
    await cases.screen_case(number=ended, actor=office, accept=False, reason="不属于评议范围")
    before = {n: (await _clock(n, "screening")).due for n in (first, second)}

    await versions.save_draft(actor=office, content=_draft(screening={"limit": 1, "remind_before": 0}))
    done = await versions.publish(actor=office)

    after = {n: (await _clock(n, "screening")).due for n in (first, second)}
    rows = await _shifts()
    assert done.shifts == 2
    assert sorted(r["case_number"] for r in rows) == sorted([first, second])  # not the dismissed case
    for row in rows:
        number = row["case_number"]
        assert row["cause"] == "policy" and row["cause_ref"] == "v2" and row["stage"] == "screening"
        assert row["occurrence"] == 1
        assert _same(row["due_before"], before[number]) and _same(row["due_after"], after[number])
        assert after[number] < before[number]
    assert await _summaries() == [{"cause": "policy", "cause_ref": "v2", "shifts": 2, "cases": 2}]

    async with await web(office) as http:
        page = await http.get("/office/clocks")
    assert first in page.text and second in page.text and "时限规则变更（v2）" in page.text
    assert "受理审查" in page.text
    async with await api(office) as http:
        listed = (await http.get("/api/v1/clocks/policy/shifts")).json()
    assert sorted(s["case_number"] for s in listed) == sorted([first, second])
    assert all(s["due_after"] < s["due_before"] for s in listed)


async def test_a_policy_change_that_moves_no_open_stage_records_nothing() -> None:
    office = await factories.account("office")
    await factories.case()

    await versions.save_draft(actor=office, content=_draft(delivery={"limit": 5}))
    done = await versions.publish(actor=office)

    assert done.shifts == 0 and await _shifts() == [] and await _summaries() == []


async def test_a_stage_the_new_policy_stops_timing_is_recorded_with_no_due_after() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    raw = _draft()
    del raw["stages"]["screening"]

    await versions.save_draft(actor=office, content=raw)
    await versions.publish(actor=office)

    rows = await _shifts()
    assert [(r["case_number"], r["stage"], r["due_after"]) for r in rows] == [(number, "screening", None)]
    assert rows[0]["due_before"] is not None


async def test_a_holiday_notice_that_moves_an_open_deadline_records_a_shift() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    closed, _ = await factories.case()
    await cases.screen_case(number=closed, actor=office, accept=False, reason="不属于评议范围")
    clock = await _clock(number, "screening")
    assert clock.due_day is not None
    # The notice for the due day's year, with the due day itself made a day off.
    year = clock.due_day.year
    days = [{"date": r.day.isoformat(), "kind": r.kind, "name": r.name}
            for r in package_rows() if r.day.year == year and r.day != clock.due_day]
    days.append({"date": clock.due_day.isoformat(), "kind": "holiday", "name": "测试假日"})

    async with await api(office) as http:
        loaded = await http.post("/api/v1/holidays/import",
                                 json={"year": year, "source": "国务院办公厅通知（测试）", "days": days})
    assert loaded.status_code == 201, loaded.text

    moved = await _clock(number, "screening")
    assert moved.due is not None and clock.due is not None and moved.due > clock.due
    rows = await _shifts()
    assert [(r["case_number"], r["stage"], r["cause"], r["cause_ref"]) for r in rows] == [
        (number, "screening", "holidays", str(year))]
    assert _same(rows[0]["due_before"], clock.due) and _same(rows[0]["due_after"], moved.due)
    assert await _summaries() == [{"cause": "holidays", "cause_ref": str(year), "shifts": 1, "cases": 1}]


async def test_a_holiday_notice_that_moves_nothing_records_nothing() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    clock = await _clock(number, "screening")
    assert clock.due_day is not None
    year = clock.due_day.year + 2  # a year no open clock reaches
    async with await api(office) as http:
        loaded = await http.post("/api/v1/holidays/import", json={
            "year": year, "source": "国务院办公厅通知（测试）",
            "days": [{"date": f"{year}-01-01", "kind": "holiday", "name": "元旦"}]})
    assert loaded.status_code == 201, loaded.text

    assert await _shifts() == []
    assert _same((await _clock(number, "screening")).due, clock.due)


async def test_the_shifts_of_many_open_cases_are_counted_from_one_read_of_their_events() -> None:
    office = await factories.account("office")
    numbers = [(await factories.case())[0] for _ in range(12)]
    for number in numbers[:4]:
        await cases.screen_case(number=number, actor=office, accept=True)  # now convening, 3 working days

    await versions.save_draft(actor=office, content=_draft(screening={"limit": 4}, convening={"limit": 1,
                                                                                        "remind_before": 0}))
    done = await versions.publish(actor=office)

    rows = await _shifts()
    assert done.shifts == 12
    assert sorted((r["case_number"], r["stage"]) for r in rows) == sorted(
        [(n, "convening") for n in numbers[:4]] + [(n, "screening") for n in numbers[4:]])
    for row in rows:
        later = row["due_after"] > row["due_before"]
        assert later == (row["stage"] == "screening")
        assert row["due_after"] - row["due_before"] != timedelta(0)


async def test_a_finished_stage_keeps_the_version_it_ended_under_and_an_open_one_takes_the_new() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)  # screening ends under version 1
    screening = next(c for c in await _all_clocks(number) if c.stage == "screening")
    convening = await _clock(number, "convening")

    await versions.save_draft(actor=office, content=_draft(screening={"limit": 9}, convening={"limit": 8}))
    await versions.publish(actor=office)

    after = {c.stage: c for c in await _all_clocks(number)}
    assert after["screening"].due == screening.due  # finished: still timed by version 1
    assert after["convening"].due is not None and convening.due is not None
    assert after["convening"].due > convening.due  # open: timed by version 2
    assert [(r["stage"], r["case_number"]) for r in await _shifts()] == [("convening", number)]


async def _all_clocks(number: str) -> list[services.Clock]:
    events = await AuditEvent.select(AuditEvent.at, AuditEvent.action).where(
        AuditEvent.case == (await case_row(number))["id"]).order_by(AuditEvent.id).run()
    return await services.case_clocks(events)
