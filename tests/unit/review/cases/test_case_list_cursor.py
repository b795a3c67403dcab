"""The case list's cursor: what it encodes comes back; a changed cursor or one for another order is refused."""

from __future__ import annotations

import base64
import json

import pytest

from review.cases.queries import cursor
from review.core.errors import Invalid

KEY = b"k" * 32


def test_cursor_round_trip() -> None:
    position = {"sort": "received", "phase": "rest", "after": ["2026-10-08T01:30:00+00:00", 17]}
    assert cursor.decode(cursor.encode(position, KEY), KEY, sort="received") == position


@pytest.mark.parametrize("change", ["body", "mac", "junk", "other_key"])
def test_cursor_tampered_refused_naming_the_field(change: str) -> None:
    good = cursor.encode({"sort": "received", "after": ["2026-10-08T01:30:00+00:00", 17]}, KEY)
    body, mac = good.split(".")
    if change == "body":
        forged = base64.urlsafe_b64encode(json.dumps({"sort": "received", "after": ["2027-01-01", 9]}).encode())
        bad = f"{forged.decode().rstrip('=')}.{mac}"
    elif change == "mac":
        bad = f"{body}.{mac[:-2]}AA"
    elif change == "junk":
        bad = "不是游标"
    else:
        bad = cursor.encode({"sort": "received", "after": ["2026-10-08T01:30:00+00:00", 17]}, b"x" * 32)
    with pytest.raises(Invalid) as refused:
        cursor.decode(bad, KEY, sort="received")
    assert refused.value.field == "cursor" and "篡改" in refused.value.message


def test_cursor_of_another_order_refused() -> None:
    made = cursor.encode({"sort": "due", "phase": "due", "after": ["", 3]}, KEY)
    with pytest.raises(Invalid) as refused:
        cursor.decode(made, KEY, sort="received")
    assert refused.value.field == "cursor"
