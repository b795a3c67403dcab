"""The assessment scheme as plain data: validation naming the field, canonical JSON and hash, the version in force."""

from __future__ import annotations

import json

import pytest

from review.assessments import scheme as rules
from review.assessments.scheme import DEFAULT, SchemeInvalid, parse_scheme, scheme_hash, scheme_json

pytestmark = pytest.mark.unit


def _draft(**changes: object) -> dict:
    return {**scheme_json(DEFAULT), **changes}


def test_default_is_todays_rules_and_reads_back_from_its_json() -> None:
    assert dict(DEFAULT.deductions) == {"proper": 0, "basic": 0, "improper": 2}
    assert DEFAULT.redo_working_days == 15
    assert dict(DEFAULT.weights) == {"reply": 30, "resolution": 35, "satisfaction": 35}
    assert [(b.label, b.min_score) for b in DEFAULT.bands] == [("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)]
    assert parse_scheme(scheme_json(DEFAULT)) == DEFAULT
    assert DEFAULT.rate("satisfaction").words == "满意率 = （满意 + 基本满意） ÷ 评价量"


def test_rates_composite_and_grade() -> None:
    counts = {"handled": 1000, "replied": 992, "resolved": 841, "rated": 900, "satisfied": 700, "basic": 80,
              "overdue": 36}
    rates = {r.code: r.value(counts) for r in DEFAULT.rates}
    assert rates["satisfaction"] == pytest.approx(780 / 900)
    assert rates["overdue"] == pytest.approx(0.036)
    score = DEFAULT.composite(rates, points=4)
    assert score == pytest.approx(round(30 * 0.992 + 35 * 0.841 + 35 * 780 / 900 - 4, 2))
    assert DEFAULT.grade(score) == "良好" and DEFAULT.grade(90) == "优秀" and DEFAULT.grade(59.99) == "不合格"
    assert DEFAULT.rate("reply").value({"handled": 0}) is None
    assert DEFAULT.composite({"reply": None, "resolution": 1, "satisfaction": 1}) is None


def test_hash_is_over_the_canonical_form_whatever_the_key_order() -> None:
    reordered = dict(reversed(list(scheme_json(DEFAULT).items())))
    assert scheme_hash(parse_scheme(reordered)) == scheme_hash(DEFAULT)
    assert json.loads(rules.canonical(DEFAULT)) == scheme_json(DEFAULT)
    changed = _draft(deductions={"proper": 0, "basic": 0, "improper": 3})
    assert scheme_hash(parse_scheme(changed)) != scheme_hash(DEFAULT)


def test_basic_counts_as_satisfied_is_the_schemes_choice() -> None:
    strict = parse_scheme({k: v for k, v in _draft(basic_counts_as_satisfied=False).items() if k != "rates"})
    assert strict.rate("satisfaction").numerator == ("satisfied",)
    assert "不计入满意率的分子" in strict.corrections()[1]["words"]
    with pytest.raises(SchemeInvalid) as mismatch:
        parse_scheme(_draft(basic_counts_as_satisfied=False))  # the rates still count 基本满意
    assert mismatch.value.field == "rates.2.numerator"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"name": " "}, "name", "方案名称"),
    ({"weights": {"reply": 30, "resolution": 35, "satisfaction": 30}}, "weights", "100"),
    ({"weights": {"reply": 30, "resolution": 35, "satisfaction": 35, "overdue": 0}}, "weights.overdue", "权重"),
    ({"weights": {"reply": -10, "resolution": 55, "satisfaction": 55}}, "weights.reply", "负"),
    ({"deductions": {"proper": 0, "basic": 0, "improper": 1.5}}, "deductions.improper", "整数"),
    ({"deductions": {"proper": 0, "basic": 0, "improper": "两"}}, "deductions.improper", "数字"),
    ({"redo_working_days": 0}, "redo_working_days", "1–60"),
    ({"redo_overdue_points": -1}, "redo_overdue_points", "0–100"),
    ({"bands": [{"label": "好", "min": 60}, {"label": "差", "min": 70}]}, "bands.1.min", "低于"),
    ({"bands": [{"label": "好", "min": 60}, {"label": "差", "min": 10}]}, "bands.1.min", "应为 0"),
    ({"bands": [{"label": "好", "min": 60}, {"label": "好", "min": 0}]}, "bands", "重复"),
    ({"bands": [{"label": "", "min": 60}, {"label": "差", "min": 0}]}, "bands.0.label", "名称"),
    ({"rates": [{"code": "reply", "numerator": ["replied"], "denominator": ["handled"]}]}, "rates", "缺少"),
    ({"rates": [{"code": "reply", "numerator": ["answers"], "denominator": ["handled"]}]}, "rates.0.numerator",
     "不是基础数据"),
    ({"extra": 1}, "extra", "没有"),
])
def test_bad_draft_names_the_field_in_chinese(changes: dict, field: str, words: str) -> None:
    with pytest.raises(SchemeInvalid) as refused:
        parse_scheme(_draft(**changes))
    assert refused.value.field == field
    assert words in refused.value.message


def test_version_in_force_is_the_latest_published_not_after_the_period() -> None:
    published = [(1, "2000-01"), (2, "2027-01"), (3, "2027-07")]
    assert rules.in_force(published, "2026-12") == 1
    assert rules.in_force(published, "2027-01") == 2
    assert rules.in_force(published, "2027-Q3") == 3
    assert rules.in_force(published, "2027-Q2") == 2
    assert rules.in_force(published, "2027") == 2  # a year starts in its first month
    assert rules.in_force([(2, "2027-01")], "2026-05") is None
    with pytest.raises(SchemeInvalid):
        rules.parse_month("2027-1")
    with pytest.raises(ValueError):
        rules.first_month("2027-Q5")
