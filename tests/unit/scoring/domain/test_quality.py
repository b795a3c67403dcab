"""Rater quality (scoring.domain.quality): each member's lean against the rest of their panels, and Krippendorff's
ordinal alpha per criteria version. Expected figures are worked out by hand in the comments."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.domain.quality import LEAN_FLAG, MIN_SCORES, Agreement, MemberLean, agreement, member_leans

pytestmark = pytest.mark.unit
# Property tests run without a deadline: a busy machine slows the first example, not the property.


def _columns(rows: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Rows of (member, panel, criterion, value) or (set, panel, criterion, value) as the functions' columns."""
    width = len(rows[0]) if rows else 4
    return [np.array([r[i] for r in rows], dtype=np.int64) for i in range(width)]


def _leans(rows: list[tuple[int, int, int, int]]) -> list[MemberLean]:
    return member_leans(*_columns(rows))


def _agreement(rows: list[tuple[int, int, int, int]], scale_max: int = 5) -> list[Agreement]:
    criteria_set, panel, criterion, value = _columns(rows)
    return agreement(criteria_set, panel, criterion, value, scale_max=scale_max)


# --- tendency ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("scores", "deviation", "tendency"), [
    (MIN_SCORES, LEAN_FLAG, "lenient"),
    (MIN_SCORES, -LEAN_FLAG, "harsh"),
    (MIN_SCORES, 2.0, "lenient"),
    (MIN_SCORES, -1.25, "harsh"),
    (MIN_SCORES, LEAN_FLAG - 0.0001, "balanced"),
    (MIN_SCORES, -(LEAN_FLAG - 0.0001), "balanced"),
    (MIN_SCORES, 0.0, "balanced"),
    (MIN_SCORES - 1, 3.0, "balanced"),  # too few scores to say
    (MIN_SCORES - 1, -3.0, "balanced"),
    (500, 0.75, "lenient"),
])
def test_tendency(scores: int, deviation: float, tendency: str) -> None:
    assert MemberLean(7, scores, deviation, abs(deviation)).tendency == tendency


def test_the_published_thresholds() -> None:
    assert (LEAN_FLAG, MIN_SCORES) == (0.5, 30)


# --- member leans --------------------------------------------------------------------------------


def test_no_scores_no_leans() -> None:
    assert _leans([]) == []


def test_one_rater_has_no_one_to_lean_against() -> None:
    # Each (panel, criterion) holds this member's score alone: no other score to compare it with.
    assert _leans([(1, 10, 1, 5), (1, 10, 2, 1), (1, 11, 1, 3)]) == []


def test_two_raters_on_one_criterion() -> None:
    # Member 1 gives 5, member 2 gives 2: 5 - 2 = +3 for member 1, 2 - 5 = -3 for member 2.
    assert _leans([(1, 10, 1, 5), (2, 10, 1, 2)]) == [MemberLean(2, 1, -3.0, 3.0), MemberLean(1, 1, 3.0, 3.0)]


def test_three_raters_on_two_criteria() -> None:
    # Criterion 1: 5, 3, 1. Member 1: 5 - (3+1)/2 = +3; member 2: 3 - (5+1)/2 = 0; member 3: 1 - (5+3)/2 = -3.
    # Criterion 2: 4, 4, 4: each 0.
    # Member 1: mean (3+0)/2 = 1.5, |.| 1.5; member 2: 0, 0; member 3: -1.5, 1.5. Sorted harshest first.
    rows = [(1, 10, 1, 5), (2, 10, 1, 3), (3, 10, 1, 1), (1, 10, 2, 4), (2, 10, 2, 4), (3, 10, 2, 4)]

    assert _leans(rows) == [MemberLean(3, 2, -1.5, 1.5), MemberLean(2, 2, 0.0, 0.0), MemberLean(1, 2, 1.5, 1.5)]


def test_deviations_are_rounded_to_four_places() -> None:
    # Four raters give 5, 4, 4, 1. Member 1: 5 - (4+4+1)/3 = 5 - 3 = +2.
    # Members 2 and 3: 4 - (5+4+1)/3 = 4 - 10/3 = 2/3 = 0.6667. Member 4: 1 - (5+4+4)/3 = 1 - 13/3 = -10/3 = -3.3333.
    rows = [(1, 10, 1, 5), (2, 10, 1, 4), (3, 10, 1, 4), (4, 10, 1, 1)]

    assert _leans(rows) == [MemberLean(4, 1, -3.3333, 3.3333), MemberLean(2, 1, 0.6667, 0.6667),
                            MemberLean(3, 1, 0.6667, 0.6667), MemberLean(1, 1, 2.0, 2.0)]


def test_mean_and_mean_absolute_deviation_differ_when_signs_differ() -> None:
    # Panel 10: member 1 gives 5, member 2 gives 3: member 1 +2, member 2 -2.
    # Panel 11: member 1 gives 2, member 3 gives 5: member 1 -3, member 3 +3.
    # Member 1: mean (2-3)/2 = -0.5, mean |.| (2+3)/2 = 2.5.
    rows = [(1, 10, 1, 5), (2, 10, 1, 3), (1, 11, 1, 2), (3, 11, 1, 5)]

    assert _leans(rows) == [MemberLean(2, 1, -2.0, 2.0), MemberLean(1, 2, -0.5, 2.5), MemberLean(3, 1, 3.0, 3.0)]


def test_panels_and_criteria_are_kept_apart() -> None:
    # The same criterion on two panels, and two criteria on one panel, are four separate units:
    # panel 10 / criterion 1: 5 and 1 → member 1 +4, member 2 -4; panel 10 / criterion 2: member 1 alone;
    # panel 11 / criterion 1: member 2 alone (3) and member 3 alone on criterion 2. Only the first unit counts.
    rows = [(1, 10, 1, 5), (2, 10, 1, 1), (1, 10, 2, 1), (2, 11, 1, 3), (3, 11, 2, 5)]

    assert _leans(rows) == [MemberLean(2, 1, -4.0, 4.0), MemberLean(1, 1, 4.0, 4.0)]


def test_a_panel_and_criterion_whose_key_would_collide() -> None:
    # (panel 1, criterion 10) and (panel 2, criterion 0) are different units however the key is made.
    # Unit A: member 1 gives 5, member 2 gives 3 → +2 / -2. Unit B: member 1 gives 1, member 3 gives 1 → 0 / 0.
    # Member 1: mean (2+0)/2 = 1.0, |.| 1.0.
    rows = [(1, 1, 10, 5), (2, 1, 10, 3), (1, 2, 0, 1), (3, 2, 0, 1)]

    assert _leans(rows) == [MemberLean(2, 1, -2.0, 2.0), MemberLean(3, 1, 0.0, 0.0), MemberLean(1, 2, 1.0, 1.0)]


def test_identical_scores_lean_nowhere() -> None:
    rows = [(m, p, c, 4) for m in (1, 2, 3) for p in (10, 11) for c in (1, 2, 3)]

    leans = _leans(rows)

    assert leans == [MemberLean(m, 6, 0.0, 0.0) for m in (1, 2, 3)]
    assert {lean.tendency for lean in leans} == {"balanced"}


def test_a_member_always_a_point_above_is_lenient_after_enough_scores() -> None:
    # On each unit member 1 gives 4 and member 2 gives 3: +1 and -1 every time.
    def pair(units: int) -> list[MemberLean]:
        return _leans([row for c in range(units) for row in ((1, 10, c, 4), (2, 10, c, 3))])

    assert pair(MIN_SCORES) == [MemberLean(2, MIN_SCORES, -1.0, 1.0), MemberLean(1, MIN_SCORES, 1.0, 1.0)]
    assert [lean.tendency for lean in pair(MIN_SCORES)] == ["harsh", "lenient"]
    assert [lean.tendency for lean in pair(MIN_SCORES - 1)] == ["balanced", "balanced"]


_rows = st.lists(st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(1, 5)),
                 max_size=40)


@settings(deadline=None)
@given(_rows)
def test_lean_invariants(rows: list[tuple[int, int, int, int]]) -> None:
    leans = _leans(rows)
    units: dict[tuple[int, int], int] = {}
    for _, panel, criterion, _ in rows:
        units[(panel, criterion)] = units.get((panel, criterion), 0) + 1
    compared = [r for r in rows if units[(r[1], r[2])] >= 2]

    # each member with a compared score, once, with the number of their compared scores, harshest first
    assert sorted(lean.member_id for lean in leans) == sorted({r[0] for r in compared})
    assert {lean.member_id: lean.scores for lean in leans} == {
        m: sum(1 for r in compared if r[0] == m) for m in {r[0] for r in compared}}
    assert [lean.mean_deviation for lean in leans] == sorted(lean.mean_deviation for lean in leans)
    for lean in leans:
        assert lean.mean_abs_deviation >= abs(lean.mean_deviation) - 1e-9
        assert abs(lean.mean_deviation) <= 4  # a 1–5 scale
    # within a unit the deviations (k·v − total)/(k − 1) add up to nothing, so the weighted means do too
    assert abs(sum(lean.mean_deviation * lean.scores for lean in leans)) <= 0.0001 * len(compared) + 1e-9


@settings(deadline=None)
@given(_rows, st.integers(-3, 3), st.randoms(use_true_random=False))
def test_leans_ignore_row_order_and_a_shift_of_every_score(rows: list[tuple[int, int, int, int]], shift: int,
                                                           rng: random.Random) -> None:
    shuffled = list(rows)
    rng.shuffle(shuffled)
    shifted = [(m, p, c, v + shift) for m, p, c, v in shuffled]

    def figures(leans: list[MemberLean]) -> dict[int, tuple[int, float, float]]:
        return {lean.member_id: (lean.scores, lean.mean_deviation, lean.mean_abs_deviation) for lean in leans}

    expected = figures(_leans(rows))
    for other in (figures(_leans(shuffled)), figures(_leans(shifted))):
        assert other.keys() == expected.keys()
        for member, (scores, mean, mean_abs) in other.items():
            # the sums may be taken in another order: the same to the last rounded place
            assert scores == expected[member][0]
            assert mean == pytest.approx(expected[member][1], abs=1.01e-4)
            assert mean_abs == pytest.approx(expected[member][2], abs=1.01e-4)


# --- agreement -----------------------------------------------------------------------------------
#
# Krippendorff's alpha = 1 − Do/De over the coincidence matrix of pairable values: a unit of m values adds
# n_c·(n_k − [c = k])/(m − 1) to o_ck; e_ck = n_c·(n_k − [c = k])/(n − 1) with n_c the totals of o;
# the ordinal distance is δ_ck = (n_c + … + n_k − (n_c + n_k)/2)²; alpha = 1 − Σ o·δ / Σ e·δ.


def test_no_scores_no_versions() -> None:
    assert _agreement([]) == []


def test_perfect_agreement() -> None:
    # Unit 1: 5, 5; unit 2: 2, 2. Every pair agrees: Σ o·δ = 0, so alpha = 1.
    assert _agreement([(1, 10, 1, 5), (1, 10, 1, 5), (1, 10, 2, 2), (1, 10, 2, 2)]) == [Agreement(1, 2, 1.0)]


def test_systematic_disagreement_is_negative() -> None:
    # Units (1, 2) and (1, 2): o_12 = o_21 = 2; n_1 = n_2 = 2, n = 4.
    # δ_12 = (2 + 2 − 2)² = 4. Σ o·δ = 2·4 + 2·4 = 16.
    # e_12 = e_21 = 2·2/3 = 4/3: Σ e·δ = 2·(4/3)·4 = 32/3. alpha = 1 − 16/(32/3) = 1 − 1.5 = −0.5.
    rows = [(1, 10, 1, 1), (1, 10, 1, 2), (1, 11, 1, 1), (1, 11, 1, 2)]

    assert _agreement(rows) == [Agreement(1, 2, -0.5)]


def test_partial_agreement() -> None:
    # Units (1, 1), (2, 2), (1, 2): o_11 = 2, o_22 = 2, o_12 = o_21 = 1; n_1 = n_2 = 3, n = 6.
    # δ_12 = (3 + 3 − 3)² = 9. Σ o·δ = 2·9 = 18. e_12 = e_21 = 3·3/5 = 9/5: Σ e·δ = 2·(9/5)·9 = 32.4.
    # alpha = 1 − 18/32.4 = 1 − 5/9 = 4/9 = 0.4444.
    rows = [(1, 10, 1, 1), (1, 10, 1, 1), (1, 10, 2, 2), (1, 10, 2, 2), (1, 10, 3, 1), (1, 10, 3, 2)]

    assert _agreement(rows) == [Agreement(1, 3, 0.4444)]


def test_the_distance_is_ordinal() -> None:
    # Units (1, 1), (2, 2), (1, 3): o_11 = 2, o_22 = 2, o_13 = o_31 = 1; n_1 = 3, n_2 = 2, n_3 = 1, n = 6.
    # Ordinal: δ_12 = (3 + 2 − 2.5)² = 6.25, δ_13 = (3 + 2 + 1 − 2)² = 16, δ_23 = (2 + 1 − 1.5)² = 2.25.
    # Σ o·δ = 2·16 = 32. e_12 = 3·2/5 = 6/5, e_13 = 3·1/5 = 3/5, e_23 = 2·1/5 = 2/5, each twice:
    # Σ e·δ = 2·(6/5·6.25 + 3/5·16 + 2/5·2.25) = 2·(7.5 + 9.6 + 0.9) = 36. alpha = 1 − 32/36 = 1/9 = 0.1111.
    # (On an interval scale the same data give Σ o·δ = 2·4 = 8, Σ e·δ = 2·(6/5 + 12/5 + 2/5) = 8: alpha 0.)
    rows = [(1, 10, 1, 1), (1, 10, 1, 1), (1, 10, 2, 2), (1, 10, 2, 2), (1, 10, 3, 1), (1, 10, 3, 3)]

    assert _agreement(rows) == [Agreement(1, 3, 0.1111)]


def test_three_values_in_a_row() -> None:
    # Units (1, 2) and (2, 3): o_12 = o_21 = 1, o_23 = o_32 = 1; n_1 = 1, n_2 = 2, n_3 = 1, n = 4.
    # δ_12 = (1 + 2 − 1.5)² = 2.25, δ_23 = 2.25, δ_13 = (4 − 1)² = 9. Σ o·δ = 4·2.25 = 9.
    # e_12 = e_21 = e_23 = e_32 = 1·2/3, e_13 = e_31 = 1/3: Σ e·δ = 4·(2/3)·2.25 + 2·(1/3)·9 = 6 + 6 = 12.
    # alpha = 1 − 9/12 = 0.25.
    rows = [(1, 10, 1, 1), (1, 10, 1, 2), (1, 10, 2, 2), (1, 10, 2, 3)]

    assert _agreement(rows) == [Agreement(1, 2, 0.25)]


def test_a_unit_of_three_scores() -> None:
    # One unit (1, 1, 2) and one unit (2, 2): m = 3 in the first, so each pair weighs 1/2.
    # o_11 = 2·1/2 = 1, o_12 = o_21 = 2·1/2 = 1, o_22 = 0 + 2·1/1 = 2; n_1 = 2, n_2 = 3, n = 5.
    # δ_12 = (2 + 3 − 2.5)² = 6.25. Σ o·δ = 2·6.25 = 12.5. e_12 = e_21 = 2·3/4 = 1.5: Σ e·δ = 2·1.5·6.25 = 18.75.
    # alpha = 1 − 12.5/18.75 = 1/3 = 0.3333.
    rows = [(1, 10, 1, 1), (1, 10, 1, 1), (1, 10, 1, 2), (1, 10, 2, 2), (1, 10, 2, 2)]

    assert _agreement(rows) == [Agreement(1, 2, 0.3333)]


def test_lone_scores_are_not_units() -> None:
    # The partial-agreement data plus three units holding one score each: those pair with nothing.
    rows = [(1, 10, 1, 1), (1, 10, 1, 1), (1, 10, 2, 2), (1, 10, 2, 2), (1, 10, 3, 1), (1, 10, 3, 2),
            (1, 11, 1, 5), (1, 12, 1, 4), (1, 10, 4, 3)]

    assert _agreement(rows) == [Agreement(1, 3, 0.4444)]


def test_one_rater_gives_no_alpha() -> None:
    assert _agreement([(1, 10, 1, 5), (1, 10, 2, 3), (1, 11, 1, 1)]) == [Agreement(1, 0, None)]


def test_identical_scores_give_no_alpha() -> None:
    # Only one value was ever given: agreement against chance is undefined (De = 0).
    rows = [(1, p, c, 4) for p in (10, 11) for c in (1, 2) for _ in range(3)]

    assert _agreement(rows) == [Agreement(1, 4, None)]


def test_one_value_among_the_pairs_and_another_alone_gives_no_alpha() -> None:
    # The pairs all say 3; the lone 5 is in no unit, so the pairable values hold one value only.
    assert _agreement([(1, 10, 1, 3), (1, 10, 1, 3), (1, 11, 1, 5)]) == [Agreement(1, 1, None)]


def test_each_criteria_version_on_its_own_in_order() -> None:
    # Version 7: perfect agreement (1.0); version 3: the systematic disagreement above (−0.5);
    # version 5: one rater (no unit).
    rows = [(7, 10, 1, 5), (7, 10, 1, 5), (7, 10, 2, 2), (7, 10, 2, 2),
            (3, 20, 1, 1), (3, 20, 1, 2), (3, 21, 1, 1), (3, 21, 1, 2),
            (5, 30, 1, 4)]

    assert _agreement(rows) == [Agreement(3, 2, -0.5), Agreement(5, 0, None), Agreement(7, 2, 1.0)]


def test_values_above_the_scale_widen_it() -> None:
    # Scores of 6 and 7 on a 5-point scale: the levels reach 7. With n_6 = n_7 = 2 the figures are those of
    # the systematic disagreement above (the empty levels 1–5 add nothing to any distance): −0.5.
    rows = [(1, 10, 1, 6), (1, 10, 1, 7), (1, 11, 1, 6), (1, 11, 1, 7)]

    assert _agreement(rows) == [Agreement(1, 2, -0.5)]
    assert _agreement(rows, scale_max=10) == [Agreement(1, 2, -0.5)]


_agreement_rows = st.lists(st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 5)),
                           max_size=40)


@settings(deadline=None)
@given(_agreement_rows)
def test_agreement_invariants(rows: list[tuple[int, int, int, int]]) -> None:
    found = _agreement(rows)

    assert [a.criteria_set_id for a in found] == sorted({r[0] for r in rows})
    for entry in found:
        mine = [r for r in rows if r[0] == entry.criteria_set_id]
        units: dict[tuple[int, int], list[int]] = {}
        for _, panel, criterion, value in mine:
            units.setdefault((panel, criterion), []).append(value)
        pairable = [values for values in units.values() if len(values) >= 2]
        assert entry.units == len(pairable)
        distinct = {v for values in pairable for v in values}
        if len(distinct) < 2:
            assert entry.alpha is None
        else:
            assert entry.alpha is not None and entry.alpha <= 1.0
            if all(len(set(values)) == 1 for values in pairable):
                assert entry.alpha == 1.0


@settings(deadline=None)
@given(_agreement_rows, st.randoms(use_true_random=False))
def test_agreement_ignores_row_order_panel_names_and_lone_scores(rows: list[tuple[int, int, int, int]],
                                                                  rng: random.Random) -> None:
    shuffled = list(rows)
    rng.shuffle(shuffled)
    renamed = [(s, p + 100, c, v) for s, p, c, v in shuffled]
    with_lone = renamed + [(s, 999 + s, 1, 5) for s in {r[0] for r in rows}]

    assert _agreement(shuffled) == _agreement(rows)
    assert _agreement(renamed) == _agreement(rows)
    assert _agreement(with_lone) == _agreement(rows)
