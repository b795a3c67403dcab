"""The notifications' pure rules: the retry schedule, masked addresses, who takes which channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from review.notifications.domain.events import ATTEMPTS, EVENTS, mask_address, next_attempt
from review.notifications.domain.preferences import Choices, Route, routes

pytestmark = pytest.mark.unit

AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_next_attempt_waits_1_5_30_minutes_then_stops() -> None:
    assert [next_attempt(n, AT) for n in range(1, ATTEMPTS + 1)] == [
        AT + timedelta(minutes=1), AT + timedelta(minutes=5), AT + timedelta(minutes=30), None]


def test_mask_address_keeps_no_whole_number_or_mailbox() -> None:
    assert mask_address("13800001234") == "138****1234"
    assert mask_address("wang.xiaoming@example.cn") == "w***@example.cn"
    assert mask_address("12") == "****"


def test_routes_follow_the_choices() -> None:
    both = {"email", "sms"}
    full = Choices(email="a@example.cn", phone="13800001234", use_email=True, use_sms=True)
    assert routes(full, "ruling", available=both) == [Route("email", False), Route("sms", False)]
    assert routes(full, "ruling", available={"sms"}) == [Route("sms", False)]
    muted = Choices(email="a@example.cn", muted=frozenset({"reminder"}))
    assert routes(muted, "reminder", available=both) == []
    assert routes(Choices(email="a@example.cn", digest=True), "reminder", available=both) == [Route("email", True)]
    assert routes(Choices(email="", use_email=True), "ruling", available=both) == []
    # An office report is no event anyone chose: muting never applies to it.
    assert routes(Choices(email="a@example.cn", muted=frozenset(EVENTS)), "delivery_failed", available=both)
