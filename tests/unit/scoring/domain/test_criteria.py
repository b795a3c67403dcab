"""Criteria versions as data (DESIGN §4): draft validation, the content hash, and a published version's
result, which never changes whatever is drafted or published after it."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.domain.aggregate import Aggregate, CriterionSpec, RulingRule, Sheet, aggregate_scores
from scoring.domain.criteria import (
    ROLE_CODES,
    CriteriaContent,
    DraftInvalid,
    canonical,
    content_hash,
    content_json,
    parse_content,
    parse_rule,
)
from scoring.domain.default_criteria import DEFAULT_CRITERIA, DEFAULT_NAME, DEFAULT_RULE
from scoring.domain.default_criteria import content_hash as default_content_hash

pytestmark = pytest.mark.unit

# Version 1 is seeded into every database at set-up and printed on verdicts: its hash is a published fact.
VERSION_1_HASH = "c3c45793ece0f7b8693bcfd791148c37570b7fe6171a6cf40c713812a6936aa0"


def _default_raw() -> dict[str, Any]:
    return copy.deepcopy({"name": DEFAULT_NAME, "criteria": DEFAULT_CRITERIA, "rule": DEFAULT_RULE})


def _result(content: CriteriaContent, sheets: list[Sheet]) -> Aggregate:
    """What a case pinned to `content` gets from its sheets: the content is all the computation reads."""
    specs = [CriterionSpec(c.code, c.weight, c.scale_max) for c in content.criteria]
    return aggregate_scores(specs, sheets, content.rule)


def _republished(content: CriteriaContent) -> CriteriaContent:
    """The content as anyone reads it back from the published JSON (the API's `content`)."""
    return parse_content(json.loads(json.dumps(content_json(content), ensure_ascii=False)))


# Version 1, its hash and its results.


def test_version_1_hash_is_the_published_one() -> None:
    content = parse_content(_default_raw())

    assert content_hash(content) == VERSION_1_HASH
    assert default_content_hash(DEFAULT_NAME, DEFAULT_CRITERIA, DEFAULT_RULE) == VERSION_1_HASH


def test_version_1_result_on_a_known_panel_is_fixed() -> None:
    content = parse_content(_default_raw())
    sheets = [
        Sheet("lawyer", {"C1": 5, "C2": 4, "C3": 4, "C4": 3, "C5": 4, "C6": 5}),
        Sheet("deputy", {"C1": 4, "C2": 4, "C3": 3, "C4": 3, "C5": 4, "C6": 4}),
        Sheet("resident", {"C1": 3, "C2": 3, "C3": 3, "C4": 2, "C5": 3, "C6": 4}),
        Sheet("resident", {"C1": 4, "C2": 3, "C3": 4, "C4": 2, "C5": 3, "C6": 5}),
        Sheet("expert", {"C1": 5, "C2": 4, "C3": 4, "C4": 3, "C5": 4, "C6": 4}),
    ]

    result = _result(content, sheets)

    # C1 4.2·15 + C2 3.6·20 + C3 3.6·15 + C4 2.6·25 + C5 3.6·15 + C6 4.4·10 = 352 of 500 → 70.4
    assert result.per_criterion == {"C1": 4.2, "C2": 3.6, "C3": 3.6, "C4": 2.6, "C5": 3.6, "C6": 4.4}
    assert (result.total, result.grade, result.dispersed) == (70.4, "basic", [])


def test_newer_version_changes_new_results_but_not_version_1s() -> None:
    v1 = parse_content(_default_raw())
    sheets = [Sheet(role, {c.code: 4 for c in v1.criteria}) for role in ("lawyer", "deputy", "resident")]
    before = _result(v1, sheets)
    raw = _default_raw()
    raw["rule"] = {**raw["rule"], "proper_at": 75}
    raw["criteria"][3]["weight"] = 40
    v2 = parse_content(raw)

    assert (before.total, before.grade) == (80.0, "basic")
    assert _result(v2, sheets).grade == "proper"  # the same sheets, judged by the newer rule
    assert _result(v1, sheets) == before
    assert content_hash(v1) == VERSION_1_HASH != content_hash(v2)


# Draft validation: every mistake is named by the field to fix.


def _with(path: str, value: Any) -> dict[str, Any]:
    """The default draft with one value replaced (dotted path; list indexes as numbers)."""
    raw = _default_raw()
    *parents, last = path.split(".")
    target: Any = raw
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("name", "   ", "name"),
        ("name", None, "name"),
        ("name", "标" * 101, "name"),
        ("criteria", [], "criteria"),
        ("criteria", "C1", "criteria"),
        ("criteria", [dict(DEFAULT_CRITERIA[0], code=f"K{i}") for i in range(21)], "criteria"),
        ("criteria.1", "C2", "criteria.1"),
        ("criteria.1.code", "", "criteria.1.code"),
        ("criteria.1.code", "C" * 17, "criteria.1.code"),
        ("criteria.1.code", " C1 ", "criteria"),  # the same code twice, once the spaces are gone
        ("criteria.2.name", "", "criteria.2.name"),
        ("criteria.2.name", "名" * 65, "criteria.2.name"),
        ("criteria.0.levels", ["只有一级"], "criteria.0.levels"),
        ("criteria.0.levels", [str(i) for i in range(11)], "criteria.0.levels"),
        ("criteria.0.levels", ["很差", "  ", "很好"], "criteria.0.levels"),
        ("criteria.0.levels", None, "criteria.0.levels"),
        ("criteria.0.weight", 0, "criteria.0.weight"),
        ("criteria.0.weight", -5, "criteria.0.weight"),
        ("criteria.0.weight", "重", "criteria.0.weight"),
        ("criteria.0.weight", None, "criteria.0.weight"),
        ("criteria.0.weight", float("nan"), "criteria.0.weight"),
        ("criteria.0.weight", float("inf"), "criteria.0.weight"),
        ("rule", "mean", "rule"),
        ("rule.method", "mode", "rule.method"),
        ("rule.min_sheets", 0, "rule.min_sheets"),
        ("rule.min_sheets", 16, "rule.min_sheets"),
        ("rule.min_sheets", "三", "rule.min_sheets"),
        ("rule.required_roles", ["lawyer", "judge"], "rule.required_roles"),
        ("rule.required_roles", {"lawyer": 1}, "rule.required_roles"),
        ("rule.proper_at", 60, "rule.proper_at"),
        ("rule.proper_at", 100.5, "rule.proper_at"),
        ("rule.basic_at", 0, "rule.proper_at"),
        ("rule.basic_at", 90, "rule.proper_at"),
        ("rule.dispersion_limit", 0, "rule.dispersion_limit"),
        ("rule.dispersion_limit", float("inf"), "rule.dispersion_limit"),
        ("rule.reconsideration_days", 0, "rule.reconsideration_days"),
        ("rule.reconsideration_days", 61, "rule.reconsideration_days"),
    ],
)
def test_parse_content_refuses_and_names_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(DraftInvalid) as refused:
        parse_content(_with(path, value))

    assert refused.value.field == field
    assert refused.value.message and str(refused.value) == refused.value.message


def test_parse_content_refuses_null_level_descriptors() -> None:
    with pytest.raises(DraftInvalid) as refused:
        parse_content(_with("criteria.0.levels", [None, None, None]))

    assert refused.value.field == "criteria.0.levels"


def test_parse_content_refuses_what_is_not_an_object() -> None:
    for raw in (None, [], "评议标准"):
        with pytest.raises(DraftInvalid) as refused:
            parse_content(raw)
        assert refused.value.field == "name"


def test_parse_content_accepts_form_shapes_and_normalises_them() -> None:
    raw = _default_raw()
    raw["name"] = "  评议标准（第二版）  "
    raw["criteria"][0]["levels"] = "很差\n\n较差\n  一般 \n较好\n很好\n"
    raw["criteria"][0]["weight"] = "15"
    raw["criteria"][1]["description"] = None
    raw["rule"] = {**DEFAULT_RULE, "required_roles": "lawyer，deputy, lawyer", "min_sheets": "4"}

    content = parse_content(raw)

    assert content.name == "评议标准（第二版）"
    assert content.criteria[0].levels == ("很差", "较差", "一般", "较好", "很好")
    assert (content.criteria[0].weight, content.criteria[0].scale_max) == (15.0, 5)
    assert content.criteria[1].description == ""
    assert content.rule.required_roles == ("deputy", "lawyer")  # sorted, once each: the hash sees one order
    assert content.rule.min_sheets == 4


def test_parse_rule_defaults_are_the_published_thresholds() -> None:
    rule = parse_rule({})

    assert rule == RulingRule(method="mean", min_sheets=3, required_roles=("lawyer",), proper_at=85.0, basic_at=60.0,
                              dispersion_limit=1.5, reconsideration_days=10)


def test_canonical_is_compact_sorted_utf8_with_float_numbers() -> None:
    text = canonical(parse_content(_default_raw()))

    assert text.startswith('{"criteria":[{"code":"C1","description":"是否')
    assert '"weight":15.0' in text and '"proper_at":85.0' in text and '"min_sheets":3' in text
    assert ": " not in text and ", " not in text
    assert text == json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# Property-based: any valid draft.

_words = st.text(alphabet="评议标准办理到位答复及时沟通态度ABCxyz 0123", min_size=1, max_size=12).filter(str.strip)
_levels = st.lists(_words, min_size=2, max_size=7)
_weights = st.integers(min_value=1, max_value=60) | st.floats(min_value=0.05, max_value=100, allow_nan=False)


@st.composite
def _raw_contents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid draft as JSON-like input, with the values as a form or client might send them."""
    codes = draw(st.lists(st.text(alphabet="ABCDEFGHJK0123456789", min_size=1, max_size=4), min_size=1, max_size=6,
                          unique=True))
    criteria = [{"code": code, "name": draw(_words), "description": draw(st.just("") | _words),
                 "weight": draw(_weights), "levels": draw(_levels)} for code in codes]
    basic = draw(st.integers(min_value=1, max_value=90))
    rule = {
        "method": draw(st.sampled_from(["mean", "trimmed_mean", "median"])),
        "min_sheets": draw(st.integers(min_value=1, max_value=6)),
        "required_roles": draw(st.lists(st.sampled_from(ROLE_CODES), unique=True, max_size=3)),
        "basic_at": basic,
        "proper_at": draw(st.integers(min_value=basic + 1, max_value=100) | st.just(basic + 0.5)),
        "dispersion_limit": draw(st.floats(min_value=0.1, max_value=3)),
        "reconsideration_days": draw(st.integers(min_value=1, max_value=60)),
    }
    return {"name": draw(_words), "criteria": criteria, "rule": rule}


def _sheets_for(content: CriteriaContent) -> st.SearchStrategy[list[Sheet]]:
    scores = st.fixed_dictionaries({c.code: st.integers(min_value=1, max_value=c.scale_max)
                                    for c in content.criteria})
    return st.lists(st.builds(Sheet, member_role=st.sampled_from(ROLE_CODES), scores=scores), max_size=7)


def _shuffled(value: Any, rng: random.Random) -> Any:
    """The same JSON with every object's keys in another order."""
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rng)) for k, v in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@settings(deadline=None)
@given(raw=_raw_contents())
def test_content_hash_is_sha256_of_the_canonical_text(raw: dict[str, Any]) -> None:
    content = parse_content(raw)

    assert content_hash(content) == hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()
    assert content_hash(parse_content(copy.deepcopy(raw))) == content_hash(content)


@settings(deadline=None)
@given(raw=_raw_contents(), seed=st.integers())
def test_content_hash_ignores_key_order_of_the_draft(raw: dict[str, Any], seed: int) -> None:
    assert content_hash(parse_content(_shuffled(raw, random.Random(seed)))) == content_hash(parse_content(raw))


@settings(deadline=None)
@given(raw=_raw_contents())
def test_published_json_reads_back_to_the_same_content_and_hash(raw: dict[str, Any]) -> None:
    content = parse_content(raw)

    again = _republished(content)

    assert again == content
    assert content_hash(again) == content_hash(content)
    assert canonical(again) == canonical(content)


def _mutations(content: CriteriaContent) -> list[tuple[str, CriteriaContent]]:
    """Every single-field change a version can undergo, each to a value different from the old one."""
    first = content.criteria[0]
    rule = content.rule

    def criterion(**changes: Any) -> CriteriaContent:
        return replace(content, criteria=(replace(first, **changes), *content.criteria[1:]))

    out = [
        ("name", replace(content, name=content.name + "（修订）")),
        ("code", criterion(code=first.code + "X")),
        ("criterion name", criterion(name=first.name + "乙")),
        ("description", criterion(description=first.description + "。")),
        ("weight", criterion(weight=first.weight + 0.5)),
        ("level text", criterion(levels=(first.levels[0] + "乙", *first.levels[1:]))),
        ("one more level", criterion(levels=(*first.levels, "更好"))),
        ("added criterion", replace(content, criteria=(*content.criteria, replace(first, code=first.code + "Z")))),
        ("method", replace(content, rule=replace(rule, method="median" if rule.method != "median" else "mean"))),
        ("min_sheets", replace(content, rule=replace(rule, min_sheets=rule.min_sheets + 1))),
        ("required_roles", replace(content, rule=replace(rule, required_roles=tuple(sorted(
            set(ROLE_CODES) - set(rule.required_roles)))))),
        ("proper_at", replace(content, rule=replace(rule, proper_at=rule.proper_at - 0.25))),
        ("basic_at", replace(content, rule=replace(rule, basic_at=rule.basic_at + 0.25))),
        ("dispersion_limit", replace(content, rule=replace(rule, dispersion_limit=rule.dispersion_limit + 0.1))),
        ("reconsideration_days", replace(content, rule=replace(
            rule, reconsideration_days=rule.reconsideration_days % 60 + 1))),
    ]
    if len(first.levels) > 2:
        out.append(("one level fewer", criterion(levels=first.levels[:-1])))
    if len(content.criteria) > 1:
        out.append(("criteria order", replace(content, criteria=content.criteria[::-1])))
    return out


@settings(deadline=None)
@given(raw=_raw_contents())
def test_content_hash_changes_when_any_field_changes(raw: dict[str, Any]) -> None:
    content = parse_content(raw)
    original = content_hash(content)

    changed = {what: content_hash(other) for what, other in _mutations(content)}

    assert [what for what, h in changed.items() if h == original] == []
    assert content_hash(content) == original  # the mutations made new contents; the old one is untouched


@settings(deadline=None)
@given(data=st.data(), v1_raw=_raw_contents(), v2_raw=_raw_contents())
def test_published_version_result_never_changes(data: st.DataObject, v1_raw: dict[str, Any],
                                                v2_raw: dict[str, Any]) -> None:
    # The office publishes version 1, a panel scores under it; then a newer version is drafted, edited and
    # published, possibly with the same codes. Version 1's result and hash are what they were.
    published: dict[int, CriteriaContent] = {1: parse_content(v1_raw)}
    hash_1 = content_hash(published[1])
    sheets = data.draw(_sheets_for(published[1]), label="sheets")
    before = _result(published[1], sheets)

    for c, earlier in zip(v2_raw["criteria"], v1_raw["criteria"]):
        c["code"] = earlier["code"]  # the newer version reuses the codes with other weights and levels
    codes = [c["code"] for c in v2_raw["criteria"]]
    v2_raw["criteria"] = [c for i, c in enumerate(v2_raw["criteria"]) if c["code"] not in codes[:i]]
    parse_content(v2_raw)  # drafted
    v2_raw["rule"]["method"] = "median"  # edited before publication
    published[2] = parse_content(v2_raw)
    order = data.draw(st.permutations(range(len(sheets))), label="order")

    assert _result(published[1], sheets) == before
    assert _result(_republished(published[1]), sheets) == before  # as read back from the published JSON
    assert _result(published[1], [sheets[i] for i in order]) == before  # whatever order the members come in
    assert content_hash(published[1]) == hash_1


@pytest.mark.parametrize(("field", "value"), [
    ("min_sheets", 2.7), ("min_sheets", "3.5"), ("reconsideration_days", 10.5),
    ("proper_at", True), ("dispersion_limit", False),
])
def test_parse_rule_refuses_fractions_of_whole_numbers_and_booleans(field: str, value: object) -> None:
    with pytest.raises(DraftInvalid) as refused:
        parse_rule({**DEFAULT_RULE, field: value})

    assert refused.value.field == f"rule.{field}"


def test_parse_rule_without_required_roles_keeps_the_default_lawyer() -> None:
    rule = {k: v for k, v in DEFAULT_RULE.items() if k != "required_roles"}

    assert parse_rule(rule).required_roles == ("lawyer",)
    assert parse_rule({**rule, "required_roles": []}).required_roles == ()
