"""Each correction rule of the scheme, applied to a department's figures when they are read."""

from __future__ import annotations

import dataclasses

import pytest

from review.assessments.corrections import correct, corrected_counts, points
from review.assessments.scheme import DEFAULT

BASE = {"handled": 1000, "replied": 990, "resolved": 840, "rated": 900, "satisfied": 700, "basic": 80,
        "unsatisfied": 120, "overdue": 30}


def test_proper_moves_a_case_from_unsatisfied_to_satisfied() -> None:
    counts, unmatched = corrected_counts(BASE, {"proper": 10})
    assert (counts["unsatisfied"], counts["satisfied"], counts["basic"], unmatched) == (110, 710, 80, 0)
    assert counts["rated"] == 900  # the case is still rated once


def test_basic_moves_a_case_to_basically_satisfied() -> None:
    counts, _ = corrected_counts(BASE, {"basic": 5})
    assert (counts["unsatisfied"], counts["satisfied"], counts["basic"]) == (115, 700, 85)


def test_improper_moves_nothing_and_deducts_with_overdue_redos_deducting_more() -> None:
    counts, _ = corrected_counts(BASE, {"improper": 3})
    assert counts == BASE
    assert points({"improper": 3}, DEFAULT) == 3 * DEFAULT.deductions["improper"]
    assert points({"improper": 3, "redo_overdue": 2}, DEFAULT) == 3 * 2 + 2 * DEFAULT.redo_overdue_points


def test_a_settlement_changes_no_figure_and_deducts_nothing() -> None:
    result = correct(BASE, {"settled": 4}, DEFAULT)
    assert result.counts == BASE and result.points == 0 and result.rates == result.base_rates


def test_rulings_beyond_the_unsatisfied_count_are_reported_not_invented() -> None:
    counts, unmatched = corrected_counts({**BASE, "unsatisfied": 3}, {"proper": 2, "basic": 4})
    assert counts["unsatisfied"] == 0 and counts["satisfied"] == 702 and counts["basic"] == 81
    assert unmatched == 3


def test_the_satisfaction_rate_follows_the_schemes_choice_about_basic() -> None:
    strict = dataclasses.replace(DEFAULT, rates=tuple(
        dataclasses.replace(r, numerator=("satisfied",)) if r.code == "satisfaction" else r for r in DEFAULT.rates))
    lenient = correct(BASE, {"basic": 20}, DEFAULT)
    counted = correct(BASE, {"basic": 20}, strict)
    assert lenient.rates["satisfaction"] == pytest.approx(800 / 900)
    assert counted.rates["satisfaction"] == pytest.approx(700 / 900)  # basic is not satisfied under this one


def test_composite_and_grade_from_the_corrected_rates_less_points() -> None:
    result = correct(BASE, {"proper": 20, "improper": 5}, DEFAULT)
    expected = 30 * 0.99 + 35 * 0.84 + 35 * (720 + 80) / 900 - 10
    assert result.composite == pytest.approx(round(expected, 2))
    assert result.grade == "良好"
    assert result.base_rates["satisfaction"] == pytest.approx(780 / 900)


def test_a_period_without_figures_scores_nothing_yet() -> None:
    result = correct({}, {"proper": 2, "improper": 1}, DEFAULT)
    assert result.composite is None and result.grade is None and result.points == 2
    assert result.unmatched == 2  # held: applied when the figures arrive
