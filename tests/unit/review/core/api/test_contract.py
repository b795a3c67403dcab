"""The typed API's refusals: a msgspec error in the documented form, naming the field by its path."""

from __future__ import annotations

from typing import Literal

import msgspec
import pytest

from review.core.api.contract import Text, invalid

pytestmark = pytest.mark.unit


class Person(msgspec.Struct):
    name: Text


class Body(msgspec.Struct):
    decision: Literal["accept", "dismiss"]
    people: list[Person] = []
    count: int = 0


def _refusal(raw: bytes) -> tuple[str, str | None]:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.json.decode(raw, type=Body)
    error = invalid(caught.value)
    return error.code, error.field


@pytest.mark.parametrize(("raw", "expected"), [
    (b"{}", ("missing_field", "decision")),
    (b'{"decision": "accept", "people": [{}]}', ("missing_field", "people.0.name")),
    (b'{"decision": 1}', ("invalid_field", "decision")),
    (b'{"decision": "maybe"}', ("invalid_field", "decision")),
    (b'{"decision": "accept", "people": [{"name": "a"}, {"name": 7}]}', ("invalid_field", "people.1.name")),
    (b'{"decision": "accept", "people": [{"name": "a\\u0000b"}]}', ("invalid_field", "people.0.name")),
    (b'{"decision": "accept", "count": true}', ("invalid_field", "count")),
    (b'{"decision": "accept", "count": 1.5}', ("invalid_field", "count")),
    (b"[]", ("invalid_body", None)),
], ids=["missing", "missing-nested", "wrong-type", "not-in-enum", "nested-in-list", "nul", "bool-for-int",
        "float-for-int", "not-an-object"])
def test_invalid_names_the_field_by_its_path(raw: bytes, expected: tuple[str, str | None]) -> None:
    assert _refusal(raw) == expected


@pytest.mark.parametrize(("raw", "words"), [
    (b'{"decision": 1}', "应为文本，不能是整数"),
    (b'{"decision": "maybe"}', "取值不在允许的范围内"),
    (b'{"decision": "accept", "people": [{"name": "a\\u0000b"}]}', "不能含 NUL 字符"),
    (b'{"decision": "accept", "people": {}}', "应为数组，不能是对象"),
], ids=["type", "enum", "nul", "array"])
def test_invalid_says_why_in_chinese(raw: bytes, words: str) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.json.decode(raw, type=Body)

    assert words in invalid(caught.value).message
