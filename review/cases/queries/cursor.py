"""The case list's page cursor (游标): where the next page starts, signed so that it cannot be forged.

A cursor is the last row's sort key, JSON in base64url with an HMAC over it under the platform's key; a cursor
changed in any way, or made for another order, is refused with a message naming the `cursor` field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from review.core.errors import Invalid

_TAMPERED = "cursor 无效或已被篡改，请从第一页重新浏览"


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"case-list-cursor\0" + body, hashlib.sha256).digest()[:16]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def encode(position: dict[str, Any], key: bytes) -> str:
    """The cursor for `position` (JSON values only)."""
    body = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(body)}.{_b64(_mac(key, body))}"


def decode(cursor: str, key: bytes, *, sort: str) -> dict[str, Any]:
    """The position a cursor names, checked against its signature and the list's order; 422 otherwise."""
    try:
        body_text, mac_text = cursor.split(".")
        body = base64.urlsafe_b64decode(body_text + "=" * (-len(body_text) % 4))
        mac = base64.urlsafe_b64decode(mac_text + "=" * (-len(mac_text) % 4))
    except (ValueError, binascii.Error):
        raise Invalid("invalid_field", _TAMPERED, field="cursor") from None
    if not hmac.compare_digest(mac, _mac(key, body)):
        raise Invalid("invalid_field", _TAMPERED, field="cursor")
    position = json.loads(body)
    if not isinstance(position, dict) or position.get("sort") != sort:
        raise Invalid("invalid_field", "cursor 与当前排序方式不符，请从第一页重新浏览", field="cursor")
    return position
