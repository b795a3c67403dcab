"""The one rule for score values (scoring/values.py): integers on the scale, nothing coerced."""

from __future__ import annotations

import math

import pytest

from scoring.domain.values import BadValue, form_value, score_value


@pytest.mark.parametrize(
    "raw", [True, False, 3.7, 3.0, math.inf, -math.inf, math.nan, "3", "٣", "３", [3], 0, 6, -2]
)
def test_score_value_refuses_anything_but_an_integer_on_the_scale(raw: object) -> None:
    with pytest.raises(BadValue) as refused:
        score_value(raw, scale_max=5, name="办理时效")

    assert "「办理时效」" in str(refused.value)


@pytest.mark.parametrize(("raw", "value"), [(1, 1), (5, 5), (None, None), ("", None)])
def test_score_value_keeps_integers_and_empty(raw: object, value: int | None) -> None:
    assert score_value(raw, scale_max=5, name="办理时效") == value


@pytest.mark.parametrize(
    ("text", "passed_on"), [("3", 3), ("", None), ("٣", "٣"), ("３", "３"), ("3.0", "3.0"), (" 3", " 3")]
)
def test_form_value_turns_only_ascii_digits_into_integers(text: str, passed_on: object) -> None:
    assert form_value(text) == passed_on
