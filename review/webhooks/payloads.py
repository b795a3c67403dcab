"""What a webhook says and how it is signed, by the Standard Webhooks specification (pure).

A body is `{"type", "timestamp", "data"}`; `data` is thin: ids, numbers, grades and links, never a person's
details (a receiver asks the API for more with its own credentials). The headers are `webhook-id`,
`webhook-timestamp` and `webhook-signature`: `v1,` and the base64 HMAC-SHA256, under the endpoint's secret, of
`{id}.{timestamp}.{body}`; during a rotation's overlap both secrets sign, their signatures separated by spaces.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

# Each event type, with what it announces and the fields of its `data` (README, Webhooks).
EVENT_TYPES: dict[str, str] = {
    "case.received": "案件受理登记",
    "case.screened": "案件筛选完成（入选评议或未入选）",
    "panel.convened": "评议组组成",
    "ruling.issued": "评议结论作出",
    "ruling.published": "评议结论公开",
    "verdict.issued": "评议意见书出具",
    "verdict.withdrawn": "评议意见书撤回",
    "verdict.corrected": "评议意见书更正（新文书取代旧文书）",
    "redo.opened": "整改令下达",
    "redo.overdue": "整改逾期",
    "redo.closed": "整改办结",
    "mediation.settled": "调解达成协议",
    "assessment.period_closed": "考核周期结束",
}

# Keys `data` may carry: identifiers, numbers, grades, statuses, dates and links. Anything else is refused when
# the event is written, so that nothing personal can be added to a payload by accident.
ALLOWED_KEYS = frozenset({
    "case_number", "status", "outcome", "grade", "score", "department_code", "panel_id", "ruling_id",
    "verdict_code", "verdict_id", "verdict_number", "corrects", "redo_id", "due_on", "closed_on",
    "mediation_id", "period", "scheme_version", "seats", "selected", "channel", "category", "district", "link",
    "links", "occurred_at", "round", "reason_code", "days_overdue",
})

# What each event's `data` carries, as an example (README, Webhooks; the tests send each through the leak gate).
# `link` is where a receiver reads more through the API, with its own credentials.
EXAMPLES: dict[str, dict[str, Any]] = {
    "case.received": {"case_number": "PY2026000123", "channel": "hotline", "department_code": "CDJT",
                      "link": "/api/v1/cases/PY2026000123"},
    "case.screened": {"case_number": "PY2026000123", "selected": True, "link": "/api/v1/cases/PY2026000123"},
    "panel.convened": {"case_number": "PY2026000123", "panel_id": 41, "link": "/api/v1/cases/PY2026000123"},
    "ruling.issued": {"case_number": "PY2026000123", "ruling_id": 17, "grade": "improper", "score": 52.5,
                      "verdict_id": 17, "redo_id": 9, "due_on": "2026-12-25", "link": "/api/v1/cases/PY2026000123"},
    "ruling.published": {"case_number": "PY2026000123", "ruling_id": 17, "verdict_number": "成评〔2026〕17号",
                         "verdict_code": "7K3MQ9XD", "grade": "improper", "category": "城市管理", "district": "武侯区",
                         "link": "/public/rulings/12"},
    "verdict.issued": {"verdict_id": 17, "verdict_number": "成评〔2026〕17号", "link": "/api/v1/verdicts/7K3MQ9XD"},
    "verdict.withdrawn": {"case_number": "PY2026000123", "verdict_id": 17, "verdict_number": "成评〔2026〕17号",
                          "link": "/api/v1/verdicts/7K3MQ9XD"},
    "verdict.corrected": {"case_number": "PY2026000123", "verdict_id": 18, "verdict_number": "成评〔2026〕18号",
                          "corrects": "成评〔2026〕17号", "link": "/api/v1/verdicts/2HFA8RWN"},
    "redo.opened": {"redo_id": 9, "ruling_id": 17, "due_on": "2026-12-25"},
    "redo.overdue": {"case_number": "PY2026000123", "due_on": "2026-12-25", "link": "/api/v1/cases/PY2026000123"},
    "redo.closed": {"case_number": "PY2026000123", "redo_id": 9, "link": "/api/v1/cases/PY2026000123"},
    "mediation.settled": {"case_number": "PY2026000123", "mediation_id": 5, "link": "/api/v1/cases/PY2026000123"},
    "assessment.period_closed": {"period": "2026-11", "scheme_version": 3, "link": "/api/v1/assessments?period=2026-11"},
}
# Values a payload carries that are codes, not someone's number: the leak gate reads past them.
CODE_KEYS = ("case_number", "verdict_number", "corrects", "verdict_code", "link", "links", "department_code")


def codes(data: Mapping[str, Any]) -> list[str]:
    """The code values of `data` (case and verdict numbers, links) that the leak gate is not to read as numbers."""
    found: list[str] = []
    for key in CODE_KEYS:
        value = data.get(key)
        found += [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []
    return found


# The specification's schedule: the first attempt at once, then after each failure these waits (seconds).
RETRY_DELAYS: tuple[int, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600)
ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1  # each wait is stretched or shortened by up to a tenth, so that failed receivers are not hit in step
SECRET_PREFIX = "whsec_"
MESSAGE_PREFIX = "msg_"


def new_secret() -> str:
    """A fresh signing secret: whsec_ and 32 random bytes in base64, as receivers' libraries take it."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return MESSAGE_PREFIX + secrets.token_urlsafe(18)


def body(event_type: str, data: Mapping[str, Any], at: datetime) -> str:
    """The JSON body of an event, as every delivery of it sends it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    stray = sorted(set(data) - ALLOWED_KEYS)
    if stray:
        raise ValueError(f"webhook data may not carry {', '.join(stray)} (ids, numbers, grades and links only)")
    return json.dumps({"type": event_type, "timestamp": at.isoformat(), "data": dict(data)},
                      ensure_ascii=False, separators=(",", ":"), default=str)


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, content: str) -> str:
    """`v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` under `secret`."""
    signed = f"{message_id}.{timestamp}.{content}".encode()
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets_in_force: Sequence[str], message_id: str, timestamp: int, content: str) -> dict[str, str]:
    """The Standard Webhooks headers of one request, signed by every secret in force."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, content) for s in secrets_in_force),
        "content-type": "application/json",
        "user-agent": "review-webhooks/1",
    }


def next_delay(failures: int, *, scale: float = 1.0, rng: random.Random | None = None) -> float | None:
    """Seconds to wait before the next attempt after `failures` failed ones; None when every attempt is spent."""
    if failures >= ATTEMPTS:
        return None
    base = RETRY_DELAYS[failures - 1] * scale
    return base * (1 + (rng or random).uniform(-JITTER, JITTER))


def retry_after(value: str | None, at: datetime) -> float | None:
    """The seconds a `Retry-After` header asks for (a number of seconds or an HTTP date); None if none or unread."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - at).total_seconds()) if when.tzinfo else None


def wait(failures: int, status: int | None, asked: float | None, *, scale: float = 1.0,
         rng: random.Random | None = None) -> float | None:
    """The wait after a failed attempt: the schedule's, or longer when a 429 or 503 asked for more."""
    scheduled = next_delay(failures, scale=scale, rng=rng)
    if scheduled is None:
        return None
    if status in (429, 503) and asked is not None:
        return max(scheduled, min(asked, 24 * 3600.0))
    return scheduled


def excerpt(text: str, limit: int = 500) -> str:
    """The first characters of an answer, as the delivery log keeps them."""
    return text[:limit]


def url_problem(url: str, *, allow_http: bool) -> str | None:
    """Why `url` cannot be an endpoint (in Chinese), or None."""
    if len(url) > 2000:
        return "地址过长（至多 2000 个字符）"
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "地址应为 https:// 开头的完整网址"
    if parts.scheme == "http" and not allow_http:
        return "地址必须使用 https"
    if parts.username or parts.password:
        return "地址不能包含用户名或密码"
    return None


def networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks a setting lists ("10.0.0.5, 172.16.0.0/12")."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()]


def address_problem(address: str, allowed: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str | None:
    """Why a receiver at `address` (an IP the host resolved to) may not be called, or None: loopback, link-local,
    private, reserved and multicast addresses are refused unless a network listed in the setting holds them."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed):
        return None
    if ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_reserved or ip.is_multicast or \
            ip.is_unspecified or not ip.is_global:
        return f"地址解析到内部网络（{ip}），不能作为推送地址"
    return None
