"""The webhooks' pure rules: bodies and signatures by the Standard Webhooks specification (checked with the
reference library), the retry schedule with its jitter and Retry-After, the address rules, thin payloads."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from review.core import leak_gate
from review.webhooks import payloads

AT = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_the_reference_library_verifies_a_signed_body() -> None:
    secret = payloads.new_secret()
    content = payloads.body("ruling.issued", {"case_number": "PY2026000001", "grade": "proper"}, AT)
    message_id = payloads.new_message_id()
    now = int(datetime.now(UTC).timestamp())
    headers = payloads.headers([secret], message_id, now, content)
    assert Webhook(secret).verify(content, headers) == json.loads(content)
    with pytest.raises(WebhookVerificationError):
        Webhook(payloads.new_secret()).verify(content, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(content.replace("proper", "improper"), headers)


def test_two_secrets_sign_and_either_verifies() -> None:
    old, new = payloads.new_secret(), payloads.new_secret()
    content = payloads.body("case.received", {"case_number": "PY2026000002"}, AT)
    headers = payloads.headers([new, old], "msg_1", int(datetime.now(UTC).timestamp()), content)
    assert headers["webhook-signature"].count("v1,") == 2
    assert Webhook(old).verify(content, headers) and Webhook(new).verify(content, headers)


def test_the_body_is_type_timestamp_data() -> None:
    sent = json.loads(payloads.body("redo.closed", {"case_number": "PY1", "redo_id": 4}, AT))
    assert sent == {"type": "redo.closed", "timestamp": AT.isoformat(), "data": {"case_number": "PY1", "redo_id": 4}}


@pytest.mark.parametrize("data", [{"complainant": "张三"}, {"phone": "13800001234"}, {"content": "…"}])
def test_a_payload_may_carry_no_personal_field(data: dict) -> None:
    with pytest.raises(ValueError, match="may not carry"):
        payloads.body("case.received", data, AT)


def test_unknown_event_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        payloads.body("case.deleted", {}, AT)


def test_every_event_type_is_documented_and_its_example_is_thin() -> None:
    assert set(payloads.EXAMPLES) == set(payloads.EVENT_TYPES)
    for event_type, data in payloads.EXAMPLES.items():
        content = payloads.body(event_type, data, AT)
        assert leak_gate.scan({"载荷": content}, allowed=payloads.codes(data)) == [], event_type


def test_the_leak_gate_stops_a_phone_number_in_a_code_field() -> None:
    data = {**payloads.EXAMPLES["case.received"], "channel": "13812345678"}
    hits = leak_gate.scan({"载荷": payloads.body("case.received", data, AT)}, allowed=payloads.codes(data))
    assert [hit.kind for hit in hits] == ["phone"]


def test_the_schedule_is_the_specifications_with_jitter() -> None:
    rng = random.Random(7)
    waits = [payloads.next_delay(n, rng=rng) for n in range(1, payloads.ATTEMPTS)]
    schedule = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    assert all(w is not None and abs(w - s) <= s * payloads.JITTER for w, s in zip(waits, schedule, strict=True))
    assert len({round(w or 0, 6) for w in waits}) == len(waits)
    assert payloads.next_delay(payloads.ATTEMPTS) is None  # the tenth failure is final
    assert payloads.next_delay(1, scale=0.001, rng=random.Random(1)) < 0.01  # type: ignore[operator]


def test_retry_after_is_honoured_on_429_and_503_only() -> None:
    rng = random.Random(3)
    assert payloads.wait(1, 429, 120.0, rng=rng) == 120.0
    assert payloads.wait(1, 503, 60.0, rng=rng) == 60.0
    assert payloads.wait(1, 500, 120.0, rng=random.Random(3)) < 6  # type: ignore[operator]
    assert payloads.wait(2, 429, 1.0, rng=rng) > 200  # type: ignore[operator]  # never sooner than the schedule
    assert payloads.retry_after("30", AT) == 30.0
    assert payloads.retry_after("Fri, 04 Dec 2026 08:02:00 GMT", AT) == 120.0
    assert payloads.retry_after("soon", AT) is None and payloads.retry_after(None, AT) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                                     "::1", "fe80::1", "fc00::1", "0.0.0.0", "::ffff:127.0.0.1", "100.64.0.1",
                                     "224.0.0.1"])
def test_internal_addresses_are_refused(address: str) -> None:
    assert payloads.address_problem(address, []) is not None


def test_a_listed_network_and_public_addresses_are_allowed() -> None:
    assert payloads.address_problem("8.8.8.8", []) is None
    assert payloads.address_problem("2001:4860:4860::8888", []) is None
    assert payloads.address_problem("10.0.0.5", payloads.networks("10.0.0.0/24, 192.168.1.1")) is None
    assert payloads.address_problem("10.0.1.5", payloads.networks("10.0.0.0/24")) is not None


@pytest.mark.parametrize(("url", "allow_http", "refused"), [
    ("https://hooks.example.com/x", False, False),
    ("http://hooks.example.com/x", False, True),
    ("http://hooks.example.com/x", True, False),
    ("ftp://hooks.example.com/x", True, True),
    ("https://a:b@hooks.example.com/x", False, True),
    ("https:///nohost", False, True),
])
def test_url_rules(url: str, allow_http: bool, refused: bool) -> None:
    assert (payloads.url_problem(url, allow_http=allow_http) is not None) is refused


def test_an_excerpt_is_short() -> None:
    assert len(payloads.excerpt("x" * 5000)) == 500
    assert timedelta(seconds=sum(payloads.RETRY_DELAYS)) > timedelta(days=3)
