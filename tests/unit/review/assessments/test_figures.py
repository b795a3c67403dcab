"""The pure figures: months summed, reply days weighted by replies, Wilson intervals, competition ranks."""

from __future__ import annotations

import pytest

from review.assessments.figures import Base, Department, add, league, ranked, summed, wilson
from review.assessments.scheme import DEFAULT


def _counts(**values: int) -> dict[str, int]:
    base = {"handled": 100, "replied": 100, "resolved": 80, "rated": 50, "satisfied": 30, "basic": 10,
            "unsatisfied": 10, "overdue": 2}
    return {**base, **values}


def test_reply_days_add_up_weighted_by_replies() -> None:
    counts, days = add([Base(_counts(replied=100), 4.0), Base(_counts(replied=300), 8.0)])
    assert counts["replied"] == 400 and counts["handled"] == 200
    assert days == pytest.approx((4 * 100 + 8 * 300) / 400)
    assert add([Base(_counts(replied=0), 3.0)])[1] is None


def test_a_year_sums_the_months_it_has_and_names_the_rest() -> None:
    rows = {f"2026-{m:02d}": Base(_counts()) for m in range(1, 11)}
    year = summed("2026", rows)
    assert year.counts is not None and year.counts["handled"] == 1000
    assert year.missing == ("2026-11", "2026-12")
    assert summed("2025", rows).counts is None


def test_wilson_interval_is_wide_for_few_and_narrow_for_many() -> None:
    few = wilson(4, 5)
    many = wilson(800, 1000)
    assert few is not None and many is not None
    assert few[1] - few[0] > 0.4 and many[1] - many[0] < 0.06
    assert few[0] < 0.8 < few[1]
    assert wilson(0, 0) is None
    low, high = wilson(0, 10) or (None, None)
    assert low == 0.0 and high is not None and 0.25 < high < 0.35  # 0/10 still leaves up to ~31 %


def test_equal_scores_share_a_rank_and_the_next_is_skipped() -> None:
    departments = [Department(i, f"D{i}", f"部门{i}") for i in range(4)]
    rows = {0: {"2026-11": Base(_counts(satisfied=40, unsatisfied=0))},
            1: {"2026-11": Base(_counts())}, 2: {"2026-11": Base(_counts())},
            3: {"2026-11": Base(_counts(satisfied=0, unsatisfied=40))}}
    table = league("2026-11", departments, rows, {}, DEFAULT, scheme_version=1, scheme_hash="x", min_count=30)
    assert [(f.code, f.rank) for f in table.departments] == [("D0", 1), ("D1", 2), ("D2", 2), ("D3", 4)]
    assert ranked(reversed(table.departments))[0].code == "D0"


def test_city_rates_are_ratios_of_totals() -> None:
    departments = [Department(1, "A", "甲"), Department(2, "B", "乙"), Department(3, "C", "丙")]
    rows = {1: {"2026-11": Base(_counts(handled=1000, replied=990))},
            2: {"2026-11": Base(_counts(handled=10, replied=5))}}
    table = league("2026-11", departments, rows, {}, DEFAULT, scheme_version=1, scheme_hash="x", min_count=30)
    reply = table.city.rate("reply")
    assert reply is not None and reply.value == 995 / 1010
    assert table.not_imported == ("C",)
    assert [f.code for f in table.departments] == ["A", "B", "C"]  # B below the minimum count, C without figures
