"""Repeated disputes by the complainant's key: the same person about the same department within the policy's days,
or back after the department's reply; phone numbers alike however typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from review.selection.disputes import KeyedCase, normalise_phone, repeat_rules
from review.selection.policy import DEFAULT, Policy

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def case(case_id: int, key: str = "k1", department: int = 1, days: float = 0, replied: float | None = None) -> KeyedCase:
    return KeyedCase(case_id, key, department, T0 + timedelta(days=days),
                     None if replied is None else T0 + timedelta(days=replied))


@pytest.mark.parametrize("typed", ["13800001234", "+86 138-0000-1234", "0086 13800001234", "１３８ ０００ ０１２３４",
                                   "(86)138 0000 1234"])
def test_a_number_however_typed_normalises_alike(typed: str) -> None:
    assert normalise_phone(typed) == "13800001234"


def test_too_short_or_missing_numbers_name_nobody() -> None:
    assert normalise_phone("") == "" and normalise_phone("110") == "" and normalise_phone("无") == ""


def test_same_complainant_and_department_within_the_days_is_a_repeat_both_ways() -> None:
    earlier, later = case(1, days=0), case(2, days=29)

    found = repeat_rules([earlier, later], [earlier, later], DEFAULT)

    assert found == {1: "repeat", 2: "repeat"}


def test_another_department_another_person_or_too_long_apart_is_no_repeat() -> None:
    known = [case(1, days=0), case(2, department=2, days=3), case(3, key="k2", days=3), case(4, days=31)]

    found = repeat_rules([known[1], known[2], known[3]], known, DEFAULT)

    assert found == {}


def test_back_within_the_days_after_the_reply_is_reopened_even_long_after_the_first() -> None:
    first = case(1, days=-90, replied=-10)  # received three months ago, answered ten days ago
    again = case(2, days=0)

    found = repeat_rules([again], [first, again], DEFAULT)

    assert found == {2: "reopened"}


def test_zero_days_turn_each_rule_off() -> None:
    first, again = case(1, days=-5, replied=-2), case(2, days=0)
    off = Policy(name="x", repeat_days=0, reopen_days=0, sample_rate=0.1)

    assert repeat_rules([again], [first, again], off) == {}
    assert repeat_rules([again], [first, again], Policy("x", 7, 0, 0.1)) == {2: "repeat"}


def test_a_case_without_a_key_matches_nothing() -> None:
    assert repeat_rules([case(1, key=""), case(2, key="")], [case(1, key=""), case(2, key="")], DEFAULT) == {}
