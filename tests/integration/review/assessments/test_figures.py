"""A period's figures read back: city-wide figures as ratios of totals (Chengdu 2017's published figures),
months summed to quarters, rulings held until the figures arrive, a late redo order deducting, the minimum count
for ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from review.assessments.services import figures
from review.assessments.services.imports import load_rows
from review.assessments.tables import AssessmentEntry, BaseFigures, RedoOrder
from review.core.actors import Actor
from review.core.tables import Case
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

OFFICE = Actor(kind="office", username="office")

# Chengdu 2017 (成都市12345 年度报告): 236.2 万件, 回复率 99.2 %, 解决率 84.1 %, 满意率 86.7 %, 超期率 3.59 %,
# 平均 5.73 个工作日. Ten departments of very different sizes whose counts add up to those totals; the largest
# absorbs the remainder, so the small ones' rates sit far from the city's.
HANDLED = [900_000, 500_000, 300_000, 200_000, 150_000, 100_000, 80_000, 60_000, 42_000, 30_000]


def _fill(total: int, rates: list[float], base: list[int]) -> list[int]:
    rest = [round(r * b) for r, b in zip(rates, base[1:], strict=True)]
    return [total - sum(rest), *rest]


def _chengdu_rows() -> list[dict[str, object]]:
    replied = _fill(2_343_104, [0.993, 0.99, 0.988, 0.985, 0.982, 0.978, 0.975, 0.97, 0.96], HANDLED)
    resolved = _fill(1_986_442, [0.84, 0.83, 0.81, 0.79, 0.77, 0.75, 0.72, 0.70, 0.66], HANDLED)
    overdue = _fill(84_796, [0.036, 0.038, 0.042, 0.046, 0.05, 0.055, 0.06, 0.065, 0.07], HANDLED)
    rated = [round(h * 0.6) for h in HANDLED]
    pleased = _fill(round(0.867 * sum(rated)), [0.86, 0.85, 0.83, 0.81, 0.79, 0.77, 0.75, 0.72, 0.70], rated)
    days = [5.36, 5.7, 5.9, 6.0, 6.1, 6.2, 6.3, 6.4, 6.5, 6.8]
    rows = []
    for i, handled in enumerate(HANDLED):
        satisfied = round(pleased[i] * 0.75)
        rows.append({"department_code": f"CD{i:02d}", "period": "2017", "handled": handled, "replied": replied[i],
                     "resolved": resolved[i], "rated": rated[i], "satisfied": satisfied,
                     "basic": pleased[i] - satisfied, "unsatisfied": rated[i] - pleased[i], "overdue": overdue[i],
                     "avg_reply_days": days[i]})
    return rows


async def test_chengdu_2017_city_figures_are_ratios_of_totals_not_averages_of_rates() -> None:
    for i in range(len(HANDLED)):
        await factories.department(f"CD{i:02d}", f"成都市第{i + 1}部门")
    report = await load_rows(list(enumerate(_chengdu_rows(), start=2)), actor=OFFICE, source="cli")
    assert report.imported == len(HANDLED)

    table = await figures.period_league("2017")
    city = table.city
    assert city.departments == 10 and city.base["handled"] == 2_362_000

    def percent(code: str, digits: int = 1) -> float:
        rate = city.rate(code)
        assert rate is not None and rate.value is not None
        return round(rate.value * 100, digits)

    assert percent("reply") == 99.2
    assert percent("resolution") == 84.1
    assert percent("satisfaction") == 86.7
    assert percent("overdue", 2) == 3.59
    assert city.avg_reply_days is not None and round(city.avg_reply_days, 2) == 5.73
    reply = city.rate("reply")
    assert reply is not None and (reply.numerator, reply.denominator) == (2_343_104, 2_362_000)

    # The plain average of the departments' rates is not the city's figure.
    def plain(code: str) -> float:
        values = [f.rate(code).value for f in table.departments]  # type: ignore[union-attr]
        return sum(v for v in values if v is not None) / len(values)

    assert round(plain("reply") * 100, 1) != 99.2
    assert round(plain("resolution") * 100, 1) != 84.1
    assert round(plain("satisfaction") * 100, 1) != 86.7
    assert round(plain("overdue") * 100, 2) != 3.59
    assert round(sum(f.avg_reply_days or 0 for f in table.departments) / 10, 2) != 5.73

    ranks = [f.rank for f in table.departments]
    assert ranks == sorted(ranks) and ranks[0] == 1  # type: ignore[type-var]
    scores = [f.composite for f in table.departments]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


async def _base(department: int, period: str, **counts: int) -> None:
    values = {"handled": 100, "replied": 100, "resolved": 80, "rated": 50, "satisfied": 30, "basic": 10,
              "unsatisfied": 10, "overdue": 2, **counts}
    await BaseFigures.insert(BaseFigures(department=department, period=period, current=True,
                                         imported_at=datetime.now(UTC), source="cli", **values)).run()


async def test_a_quarter_adds_its_months_and_names_the_months_missing() -> None:
    department = await factories.department("CDJT", "成都市交通运输局")
    await _base(department, "2026-10", handled=100, replied=90)
    await _base(department, "2026-11", handled=300, replied=300)
    quarter = await figures.department_period("2026-Q4", department)
    assert quarter.base["handled"] == 400 and quarter.base["replied"] == 390
    assert quarter.missing == ("2026-12",)
    reply = quarter.rate("reply")
    assert reply is not None and (reply.numerator, reply.denominator) == (390, 400)
    assert reply.interval is not None and reply.interval[0] < 390 / 400 < reply.interval[1]
    # A quarter imported whole is read as imported, not summed.
    await _base(department, "2026-Q4", handled=999, replied=999)
    assert (await figures.department_period("2026-Q4", department)).base["handled"] == 999


async def test_rulings_before_the_figures_are_held_then_applied() -> None:
    department = await factories.department("CDJT", "成都市交通运输局")
    await AssessmentEntry.insert(AssessmentEntry(department=department, period="2026-11", ruled_proper=3,
                                                 ruled_basic=2, ruled_improper=1, points_deducted=2,
                                                 updated_at=datetime.now(UTC))).run()
    held = await figures.department_period("2026-11", department)
    assert held.held and not held.imported and held.composite is None and not held.ranked

    await _base(department, "2026-11", rated=50, satisfied=30, basic=10, unsatisfied=10)
    applied = await figures.department_period("2026-11", department)
    assert not applied.held
    assert applied.counts["satisfied"] == 33 and applied.counts["basic"] == 12 and applied.counts["unsatisfied"] == 5
    satisfaction = applied.rate("satisfaction")
    assert satisfaction is not None and satisfaction.base_value == 40 / 50 and satisfaction.value == 45 / 50
    assert applied.points == 2  # 办理不到位 deducts 2 points under the default scheme


async def test_a_department_below_the_minimum_count_is_shown_not_ranked() -> None:
    big = await factories.department("CDJT", "成都市交通运输局")
    small = await factories.department("CDSW", "成都市水务局")
    await _base(big, "2026-11", handled=500, replied=500, resolved=400, rated=200, satisfied=150, basic=30,
                unsatisfied=20, overdue=5)
    await _base(small, "2026-11", handled=5, replied=5, resolved=5, rated=5, satisfied=5, basic=0, unsatisfied=0,
                overdue=0)
    table = await figures.period_league("2026-11")
    by_code = {f.code: f for f in table.departments}
    assert by_code["CDJT"].rank == 1 and by_code["CDJT"].ranked
    assert by_code["CDSW"].rank is None and not by_code["CDSW"].ranked and by_code["CDSW"].composite is not None
    assert [f.code for f in table.departments] == ["CDJT", "CDSW"]


async def test_a_redo_order_past_its_deadline_deducts_and_one_reported_in_time_does_not() -> None:
    department = await factories.department("CDJT", "成都市交通运输局")
    await _base(department, "2026-11")
    number, _ = await factories.case()
    case_id = (await Case.select(Case.id).where(Case.number == number).first().run())["id"]
    opened = datetime(2026, 11, 10, 2, tzinfo=UTC)
    deadline = date(2026, 12, 1)
    for number, (state, reported) in enumerate([("open", None), ("accepted", datetime(2026, 11, 30, 2, tzinfo=UTC)),
                                                 ("accepted", datetime(2026, 12, 3, 2, tzinfo=UTC)),
                                                 ("void", None)]):
        await RedoOrder.insert(RedoOrder(case=case_id, ruling_id=number + 1, department=department, deadline=deadline,
                                         state=state, opened_at=opened, reported_at=reported)).run()
    before = await figures.department_period("2026-11", department, now=datetime(2026, 11, 20, tzinfo=UTC))
    assert before.outcomes["redo_overdue"] == 0
    after = await figures.department_period("2026-11", department,
                                            now=datetime(2026, 12, 2, tzinfo=UTC) + timedelta(hours=1))
    # the open order past its deadline, and the one accepted on a report made after it
    assert after.outcomes["redo_overdue"] == 2 and after.points == before.points + 2
