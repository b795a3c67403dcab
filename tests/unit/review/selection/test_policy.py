"""The selection policy as data: what a draft may say, each refusal naming its field, and the canonical JSON and
hash that a published version is known by."""

from __future__ import annotations

from fractions import Fraction

import pytest

from review.selection import policy as rules
from review.selection.policy import DEFAULT, PolicyInvalid, parse_policy

pytestmark = pytest.mark.unit


def _draft(**overrides: object) -> dict:
    return {**rules.policy_json(DEFAULT), **overrides}


def test_published_json_reads_back_to_the_same_policy_and_hash() -> None:
    again = parse_policy(rules.policy_json(DEFAULT))

    assert again == DEFAULT
    assert rules.policy_hash(again) == rules.policy_hash(DEFAULT) == rules.content_hash(rules.policy_json(DEFAULT))


def test_canonical_form_is_sorted_compact_utf8() -> None:
    text = rules.canonical(DEFAULT)

    assert text.startswith('{"name":"评议案件选取规则",') and ", " not in text and "\\u" not in text


@pytest.mark.parametrize("rate", [-0.1, 1.5, 2, "1.01"])
def test_rate_outside_zero_to_one_is_refused_naming_the_field(rate: object) -> None:
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(_draft(sample_rate=rate))

    assert refused.value.field == "sample_rate"
    assert "0 至 1" in refused.value.message


@pytest.mark.parametrize(("field", "value", "words"), [
    ("sample_rate", "十分之一", "应为数字"),
    ("sample_rate", True, "应为数字"),
    ("sample_rate", 0.12345, "4 位小数"),
    ("sample_rate", float("nan"), "应为数字"),
    ("repeat_days", 366, "0–365"),
    ("repeat_days", 2.5, "整数"),
    ("reopen_days", -1, "0–365"),
    ("name", "  ", "名称"),
    ("name", "规" * 101, "100"),
])
def test_bad_fields_are_refused_naming_the_field(field: str, value: object, words: str) -> None:
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(_draft(**{field: value}))

    assert refused.value.field == field
    assert words in refused.value.message


def test_unknown_and_missing_fields_are_named() -> None:
    with pytest.raises(PolicyInvalid) as unknown:
        parse_policy(_draft(sample_size=100))
    body = _draft()
    del body["repeat_days"]
    with pytest.raises(PolicyInvalid) as missing:
        parse_policy(body)

    assert unknown.value.field == "sample_size"
    assert missing.value.field == "repeat_days"


@pytest.mark.parametrize("rate", [0, 1, "0.5", 0.0001])
def test_rates_from_zero_to_one_are_taken(rate: object) -> None:
    assert 0 <= parse_policy(_draft(sample_rate=rate)).sample_rate <= 1


def test_rates_are_exact_decimals_and_read_as_percents() -> None:
    policy = parse_policy(_draft(sample_rate="0.025"))

    assert policy.rate == Fraction(1, 40)
    assert policy.percent == "2.5%"
    assert parse_policy(_draft(sample_rate=1)).percent == "100%"


def test_rules_in_words_say_what_a_day_of_zero_turns_off() -> None:
    words = [r["words"] for r in parse_policy(_draft(repeat_days=0, reopen_days=14)).rules()]

    assert "不按「同一诉求人再次投诉」选取" in words[1]
    assert "14 天内" in words[2]
    assert "10%" in words[3] and "未入选" in words[4]
