"""Aggregation and the ruling rule (DESIGN §4): combine, weigh, grade, and hold back without quorum."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.domain.aggregate import (
    CriterionSpec,
    RulingRule,
    Sheet,
    aggregate_scores,
    grade_for,
)
from scoring.domain.default_criteria import DEFAULT_CRITERIA, DEFAULT_RULE

pytestmark = pytest.mark.unit

CRITERIA = [CriterionSpec(c["code"], float(c["weight"]), 5) for c in DEFAULT_CRITERIA]
RULE = RulingRule.from_json(DEFAULT_RULE)
ROLES = ["lawyer", "deputy", "resident", "resident", "expert"]


def _uniform(score: int, roles: list[str] = ROLES) -> list[Sheet]:
    return [Sheet(role, {c.code: score for c in CRITERIA}) for role in roles]


def _one_criterion(values: list[int], roles: list[str] | None = None) -> list[Sheet]:
    roles = roles or ["lawyer"] + ["deputy"] * (len(values) - 1)
    return [Sheet(role, {"C": v}) for role, v in zip(roles, values, strict=True)]


ONE = [CriterionSpec("C", 1.0, 5)]


def test_default_rule_matches_published_thresholds() -> None:
    assert (RULE.method, RULE.min_sheets, RULE.required_roles) == ("mean", 3, ("lawyer",))
    assert (RULE.proper_at, RULE.basic_at, RULE.dispersion_limit) == (85.0, 60.0, 1.5)


def test_ruling_rule_from_json_ignores_unknown_keys() -> None:
    rule = RulingRule.from_json({"method": "median", "required_roles": ["lawyer", "deputy"], "note": "x"})

    assert rule.method == "median"
    assert rule.required_roles == ("lawyer", "deputy")
    assert rule.min_sheets == 3


@pytest.mark.parametrize(
    ("method", "values", "expected"),
    [
        ("mean", [1, 2, 3, 5], 2.75),
        ("mean", [4, 4, 5], 4.3333),
        ("median", [1, 2, 3, 5], 2.5),
        ("median", [1, 5, 5], 5.0),
        ("trimmed_mean", [1, 4, 4, 5], 4.0),
        ("trimmed_mean", [1, 2, 3, 4, 5], 3.0),
        # Fewer than four sheets: nothing is trimmed.
        ("trimmed_mean", [1, 4, 5], 3.3333),
    ],
)
def test_aggregate_scores_combines_per_method(method: str, values: list[int], expected: float) -> None:
    rule = RulingRule(method=method, min_sheets=1, dispersion_limit=10)

    result = aggregate_scores(ONE, _one_criterion(values), rule)

    assert result.per_criterion == {"C": expected}


def test_aggregate_scores_all_maximum_gives_100() -> None:
    result = aggregate_scores(CRITERIA, _uniform(5), RULE)

    assert result.total == 100.0
    assert result.grade == "proper"
    assert result.quorum_met


def test_aggregate_scores_all_one_gives_20_on_five_point_scale() -> None:
    result = aggregate_scores(CRITERIA, _uniform(1), RULE)

    assert result.total == 20.0
    assert result.grade == "improper"


def test_aggregate_scores_total_is_weighted() -> None:
    criteria = [CriterionSpec("A", 3.0, 5), CriterionSpec("B", 1.0, 10)]
    sheets = [Sheet(role, {"A": 5, "B": 0}) for role in ("lawyer", "deputy", "resident")]

    result = aggregate_scores(criteria, sheets, RULE)

    assert result.total == 75.0


def test_aggregate_scores_weights_need_not_sum_to_100() -> None:
    scaled = [CriterionSpec(c.code, c.weight / 7, c.scale_max) for c in CRITERIA]
    sheets = [
        Sheet(r, {c.code: (i + j) % 5 + 1 for j, c in enumerate(CRITERIA)}) for i, r in enumerate(ROLES)
    ]

    assert aggregate_scores(scaled, sheets, RULE).total == aggregate_scores(CRITERIA, sheets, RULE).total


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (100, "proper"),
        (85.0, "proper"),
        (84.99, "basic"),
        (60.0, "basic"),
        (59.99, "improper"),
        (0, "improper"),
    ],
)
def test_grade_for_boundaries(total: float, grade: str) -> None:
    assert grade_for(total, RULE) == grade


def test_aggregate_scores_exact_85_is_proper() -> None:
    # 4.25 / 5 = 85 %: the boundary reached through the whole computation, not just grade_for.
    sheets = _one_criterion([5, 4, 4, 4])

    result = aggregate_scores(ONE, sheets, RULE)

    assert result.total == 85.0
    assert result.grade == "proper"


def test_aggregate_scores_exact_60_is_basic() -> None:
    result = aggregate_scores(ONE, _one_criterion([3, 3, 3]), RULE)

    assert (result.total, result.grade) == (60.0, "basic")


def test_aggregate_scores_too_few_sheets_withholds_grade() -> None:
    result = aggregate_scores(CRITERIA, _uniform(5, ["lawyer", "deputy"]), RULE)

    assert result.grade is None
    assert not result.quorum_met
    assert result.missing == ["至少需要 3 份评分表，现有 2 份"]
    assert result.total == 100.0


def test_aggregate_scores_missing_required_role_withholds_grade() -> None:
    result = aggregate_scores(CRITERIA, _uniform(5, ["deputy", "resident", "expert"]), RULE)

    assert result.grade is None
    assert not result.quorum_met
    assert result.missing == ["缺少角色 lawyer 的评分"]


def test_aggregate_scores_reports_every_quorum_failure() -> None:
    rule = RulingRule(min_sheets=4, required_roles=("lawyer", "deputy"))

    result = aggregate_scores(CRITERIA, _uniform(4, ["resident"]), rule)

    assert result.missing == [
        "至少需要 4 份评分表，现有 1 份",
        "缺少角色 lawyer 的评分",
        "缺少角色 deputy 的评分",
    ]


def test_aggregate_scores_no_sheets_gives_empty_result() -> None:
    result = aggregate_scores(CRITERIA, [], RULE)

    assert (result.per_criterion, result.total, result.grade, result.quorum_met) == ({}, 0.0, None, False)
    assert len(result.missing) == 2


def test_aggregate_scores_quorum_met_exactly_at_minimum() -> None:
    result = aggregate_scores(CRITERIA, _uniform(3, ["lawyer", "resident", "resident"]), RULE)

    assert result.quorum_met
    assert result.missing == []
    assert result.grade == "basic"


def test_aggregate_scores_dispersion_beyond_limit_flagged() -> None:
    criteria = [CriterionSpec("A", 1.0, 5), CriterionSpec("B", 1.0, 5)]
    sheets = [
        Sheet(r, {"A": a, "B": 4}) for r, a in zip(["lawyer", "deputy", "resident"], [1, 5, 5], strict=True)
    ]

    result = aggregate_scores(criteria, sheets, RULE)

    assert result.dispersed == ["A"]
    assert result.grade is not None


def test_aggregate_scores_dispersion_at_limit_not_flagged() -> None:
    # Scores 1 and 4 have a population standard deviation of exactly 1.5.
    result = aggregate_scores(ONE, _one_criterion([1, 4, 1, 4]), RULE)

    assert result.dispersed == []
    assert aggregate_scores(ONE, _one_criterion([1, 5, 1, 5]), RULE).dispersed == ["C"]


def test_aggregate_scores_single_sheet_never_dispersed() -> None:
    rule = RulingRule(min_sheets=1, dispersion_limit=0)

    assert aggregate_scores(ONE, _one_criterion([1]), rule).dispersed == []


_scores = st.integers(min_value=1, max_value=5)
_sheets = st.lists(
    st.builds(
        Sheet,
        member_role=st.sampled_from(["lawyer", "deputy", "resident", "expert"]),
        scores=st.fixed_dictionaries({c.code: _scores for c in CRITERIA}),
    ),
    max_size=7,
)
_rules = st.builds(
    RulingRule,
    method=st.sampled_from(["mean", "median", "trimmed_mean"]),
    min_sheets=st.integers(min_value=1, max_value=5),
    required_roles=st.lists(st.sampled_from(["lawyer", "deputy"]), unique=True).map(tuple),
    dispersion_limit=st.sampled_from([0.5, 1.0, 1.5]),
)


@given(sheets=_sheets, rule=_rules, shuffle_seed=st.integers())
def test_aggregate_scores_permuting_sheets_never_changes_result(
    sheets: list[Sheet], rule: RulingRule, shuffle_seed: int
) -> None:
    permuted = list(sheets)
    random.Random(shuffle_seed).shuffle(permuted)

    assert aggregate_scores(CRITERIA, permuted, rule) == aggregate_scores(CRITERIA, sheets, rule)


@given(sheets=_sheets.filter(bool), rule=_rules)
def test_aggregate_scores_total_within_scale_and_grade_iff_quorum(
    sheets: list[Sheet], rule: RulingRule
) -> None:
    result = aggregate_scores(CRITERIA, sheets, rule)

    assert 20.0 <= result.total <= 100.0
    assert all(1 <= v <= 5 for v in result.per_criterion.values())
    assert result.quorum_met == (result.missing == [])
    assert (result.grade is None) == (not result.quorum_met)
    if result.grade is not None:
        assert result.grade == grade_for(result.total, rule)
