"""Intake (DESIGN §10): only 不满意 cases, every bad field named, and a hash that ignores key order."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.cases.intake import parse_intake, payload_hash
from review.core.errors import Invalid

pytestmark = pytest.mark.unit


def valid_payload() -> dict[str, Any]:
    return {
        "source_ref": "CD12345-2026-000123",
        "channel": "hotline",
        "received_at": "2026-10-08T09:30:00+08:00",
        "category": "城市管理",
        "district": "武侯区",
        "community": "玉林社区",
        "department_code": "CDJT",
        "complainant": {"name": "王小明", "phone": "13800001234", "id_number": None, "address": None},
        "content": "小区门口占道经营，夜间噪声扰民。",
        "reply": "已安排执法队员到场处置。",
        "replied_at": "2026-10-12T16:00:00+08:00",
        "rating": "unsatisfied",
        "rated_at": "2026-10-13T10:00:00+08:00",
    }


_DROP = object()


def _with(path: str, value: Any) -> dict[str, Any]:
    payload = valid_payload()
    target = payload
    *parents, key = path.split(".")
    for parent in parents:
        target = target[parent]
    if value is _DROP:
        del target[key]
    else:
        target[key] = value
    return payload


def _refusal(payload: Any) -> Invalid:
    with pytest.raises(Invalid) as refused:
        parse_intake(payload)
    return refused.value


def test_parse_intake_valid_payload_gives_record() -> None:
    record = parse_intake(valid_payload())

    assert record.source_ref == "CD12345-2026-000123"
    assert record.channel == "hotline"
    assert record.department_code == "CDJT"
    assert record.community == "玉林社区"
    assert record.complainant.name == "王小明"
    assert record.complainant.id_number == ""
    assert record.received_at.utcoffset() is not None
    assert record.received_at <= record.replied_at <= record.rated_at
    assert record.payload_hash == payload_hash(valid_payload())


@pytest.mark.parametrize("channel", ["hotline", "mailbox", "app", "wechat", "weibo", "web"])
def test_parse_intake_every_channel_accepted(channel: str) -> None:
    assert parse_intake(_with("channel", channel)).channel == channel


@pytest.mark.parametrize("rating", ["satisfied", "basic"])
def test_parse_intake_rating_not_unsatisfied_refused(rating: str) -> None:
    refused = _refusal(_with("rating", rating))

    assert (refused.code, refused.field) == ("not_unsatisfied", "rating")
    assert refused.status == 422


@pytest.mark.parametrize("body", [None, [], "text", 1])
def test_parse_intake_body_not_object_is_invalid_body(body: Any) -> None:
    assert _refusal(body).code == "invalid_body"


REQUIRED = [
    "source_ref",
    "channel",
    "received_at",
    "category",
    "district",
    "department_code",
    "content",
    "reply",
    "replied_at",
    "rated_at",
    "complainant.name",
]


@pytest.mark.parametrize("field", REQUIRED)
@pytest.mark.parametrize("value", [_DROP, None, "", "   "])
def test_parse_intake_missing_required_field_named(field: str, value: Any) -> None:
    refused = _refusal(_with(field, value))

    assert (refused.code, refused.field) == ("missing_field", field)


@pytest.mark.parametrize("value", [_DROP, None, "王小明", ["王小明"]])
def test_parse_intake_missing_complainant_named(value: Any) -> None:
    refused = _refusal(_with("complainant", value))

    assert (refused.code, refused.field) == ("missing_field", "complainant")


@pytest.mark.parametrize("field", REQUIRED + ["community", "complainant.phone", "complainant.address"])
@pytest.mark.parametrize("value", [123, ["x"], {"x": 1}, True])
def test_parse_intake_non_text_field_named(field: str, value: Any) -> None:
    refused = _refusal(_with(field, value))

    assert (refused.code, refused.field) == ("invalid_field", field)


@pytest.mark.parametrize(
    ("field", "limit"),
    [("source_ref", 64), ("category", 32), ("district", 20), ("community", 64), ("department_code", 32)],
)
def test_parse_intake_overlong_field_named(field: str, limit: int) -> None:
    assert parse_intake(_with(field, "字" * limit))

    refused = _refusal(_with(field, "字" * (limit + 1)))

    assert (refused.code, refused.field) == ("invalid_field", field)


@pytest.mark.parametrize("rating", [_DROP, None, "", "UNSATISFIED", "不满意", 3])
def test_parse_intake_unknown_rating_is_invalid_field(rating: Any) -> None:
    refused = _refusal(_with("rating", rating))

    assert (refused.code, refused.field) == ("invalid_field", "rating")


@pytest.mark.parametrize("rating", [["unsatisfied"], {"value": "unsatisfied"}])
def test_parse_intake_rating_of_wrong_json_type_is_invalid_field(rating: Any) -> None:
    # Any JSON value can arrive; a list or object must be a 422 naming the field, not a crash.
    refused = _refusal(_with("rating", rating))

    assert (refused.code, refused.field) == ("invalid_field", "rating")


@pytest.mark.parametrize("channel", ["phone", "Hotline", "12345"])
def test_parse_intake_unknown_channel_is_invalid_field(channel: str) -> None:
    refused = _refusal(_with("channel", channel))

    assert (refused.code, refused.field) == ("invalid_field", "channel")


@pytest.mark.parametrize("phone", ["+86 138 0000 1234", "028-87654321", "13800001234"])
def test_parse_intake_phone_formats_accepted(phone: str) -> None:
    assert parse_intake(_with("complainant.phone", phone)).complainant.phone == phone


@pytest.mark.parametrize("phone", ["abc", "1380000123x", "12", "1" * 25, "(028)87654321"])
def test_parse_intake_bad_phone_named(phone: str) -> None:
    refused = _refusal(_with("complainant.phone", phone))

    assert (refused.code, refused.field) == ("invalid_field", "complainant.phone")


@pytest.mark.parametrize("field", ["received_at", "replied_at", "rated_at"])
@pytest.mark.parametrize(
    "value", ["yesterday", "2026-13-01T00:00:00+08:00", "2026-10-08T09:30:00", "2026-10-08"]
)
def test_parse_intake_bad_time_named(field: str, value: str) -> None:
    refused = _refusal(_with(field, value))

    assert (refused.code, refused.field) == ("invalid_field", field)


def test_parse_intake_rated_before_reply_names_rated_at() -> None:
    refused = _refusal(_with("rated_at", "2026-10-12T15:59:59+08:00"))

    assert (refused.code, refused.field) == ("invalid_field", "rated_at")


def test_parse_intake_reply_before_receipt_names_replied_at() -> None:
    refused = _refusal(_with("replied_at", "2026-10-08T09:29:59+08:00"))

    assert (refused.code, refused.field) == ("invalid_field", "replied_at")


def test_parse_intake_times_compared_across_time_zones() -> None:
    # 01:30Z is 09:30 in Beijing: the same instant as received_at, so the order holds.
    record = parse_intake(_with("replied_at", "2026-10-08T01:30:00+00:00"))

    assert record.replied_at == record.received_at


def test_payload_hash_equal_for_reordered_keys() -> None:
    payload = valid_payload()
    items = list(payload.items())
    random.Random(7).shuffle(items)
    reordered = dict(reversed(items))
    reordered["complainant"] = dict(reversed(list(payload["complainant"].items())))

    assert list(reordered) != list(payload)
    assert payload_hash(reordered) == payload_hash(payload)


@pytest.mark.parametrize(
    "path", [k for k in valid_payload() if k != "complainant"] + ["complainant.name", "complainant.phone"]
)
def test_payload_hash_differs_for_any_changed_value(path: str) -> None:
    original = valid_payload()
    current: Any = original
    for part in path.split("."):
        current = current[part]

    assert payload_hash(_with(path, current + "1")) != payload_hash(original)


def test_payload_hash_differs_for_added_or_null_field() -> None:
    original = payload_hash(valid_payload())

    assert payload_hash({**valid_payload(), "extra": "x"}) != original
    assert payload_hash(_with("complainant.id_number", "")) != original


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)


def _shuffled(value: Any, rnd: random.Random) -> Any:
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rnd)) for k, v in value.items()]
        rnd.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


@given(payload=st.dictionaries(st.text(max_size=6), _json, max_size=6), seed=st.integers())
def test_payload_hash_ignores_key_order_at_any_depth(payload: dict[str, Any], seed: int) -> None:
    assert payload_hash(_shuffled(copy.deepcopy(payload), random.Random(seed))) == payload_hash(payload)


@given(payload=st.dictionaries(st.text(max_size=6), _json, min_size=1, max_size=6), data=st.data())
def test_payload_hash_changes_when_a_value_changes(payload: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(payload)))
    new_value = data.draw(_json.filter(lambda v: v != payload[key] or type(v) is not type(payload[key])))

    assert payload_hash({**payload, key: new_value}) != payload_hash(payload)
