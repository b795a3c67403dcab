"""The text rule and the whole-number rule for request input, without I/O."""

from __future__ import annotations

import pytest

from review.core.errors import Invalid
from review.core.input_text import MAX_JSON_DEPTH, check_json, refuse_unstorable
from review.core.params import LARGEST, int_param

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfff", "\x00"])
def test_unstorable_text_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        refuse_unstorable(text, "reason")
    assert (refused.value.code, refused.value.field) == ("invalid_text", "reason")


@pytest.mark.parametrize("text", ["", "王某", "😀 \ufffd \t\n", "\U0010ffff"])
def test_storable_text_passes(text: str) -> None:
    refuse_unstorable(text, "reason")


def test_json_tree_names_the_nested_field() -> None:
    with pytest.raises(Invalid) as refused:
        check_json({"complainant": {"name": "王"}, "scores": [{"reason": "ok"}, {"reason": "a\x00"}]})
    assert refused.value.field == "scores.1.reason"


def test_json_tree_depth_limit() -> None:
    deep: object = 1
    for _ in range(MAX_JSON_DEPTH):
        deep = [deep]
    check_json(deep)
    with pytest.raises(Invalid) as refused:
        check_json([deep])
    assert refused.value.code == "invalid_json"


@pytest.mark.parametrize(("value", "expected"), [(None, 7), ("", 7), ("12", 12), (" 3 ", 3), (0, 0), (5, 5)])
def test_int_param_reads_whole_numbers(value: object, expected: int) -> None:
    assert int_param(value, "page", 7) == expected


@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", "٣", "３", "+1", "1_000", "-1", str(LARGEST + 1),
                                   "9" * 30, True, 2.0, [1]])
def test_int_param_refuses_anything_else_naming_the_field(value: object) -> None:
    with pytest.raises(Invalid) as refused:
        int_param(value, "page", 1)
    assert (refused.value.code, refused.value.field) == ("invalid_field", "page")
