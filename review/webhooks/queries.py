"""Reads for the office's webhook pages and the API: endpoints, their deliveries, a delivery's attempts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from review.core import db
from review.core.clock import instant, now
from review.core.errors import NotFound
from review.webhooks import payloads, sql

PAGE = 50

STATUS_LABELS: dict[str, str] = {
    "pending": "待发送",
    "sending": "发送中",
    "retrying": "待重试",
    "delivered": "已送达",
    "failed": "失败",
}


@dataclass(frozen=True)
class Endpoint:
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    disabled_reason: str
    failing_since: datetime | None
    rotating_until: datetime | None  # the previous secret signs too until then
    created_at: datetime | None
    failed: int
    waiting: int
    last_success: datetime | None


@dataclass(frozen=True)
class Attempt:
    attempted_at: datetime | None
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str
    replay: bool


@dataclass(frozen=True)
class Delivery:
    id: int
    message_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    replay: bool
    created_at: datetime | None
    delivered_at: datetime | None
    payload: str = ""
    log: list[Attempt] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def event_label(self) -> str:
        return payloads.EVENT_TYPES.get(self.event_type, self.event_type)


def _endpoint(row: dict[str, Any]) -> Endpoint:
    until = instant(row["previous_until"])
    return Endpoint(
        id=row["id"], url=row["url"], description=row["description"], events=db.json_list(row["events"]),
        active=bool(row["active"]), disabled_reason=row["disabled_reason"],
        failing_since=instant(row["failing_since"]), rotating_until=until if until and until > now() else None,
        created_at=instant(row["created_at"]), failed=int(row["failed"]), waiting=int(row["waiting"]),
        last_success=instant(row["last_success"]))


async def endpoints() -> list[Endpoint]:
    return [_endpoint(row) for row in await db.fetch(sql.ENDPOINTS)]


async def endpoint(endpoint_id: int) -> Endpoint:
    found = [e for e in await endpoints() if e.id == endpoint_id]
    if not found:
        raise NotFound("not_found", "推送地址不存在")
    return found[0]


def _delivery(row: dict[str, Any], log: list[Attempt] | None = None) -> Delivery:
    return Delivery(
        id=row["id"], message_id=row["message_id"], event_type=row["event_type"], status=row["status"],
        attempts=int(row["attempts"]), next_attempt_at=instant(row["next_attempt_at"]), last_status=row["last_status"],
        last_error=row["last_error"], replay=bool(row["replay"]), created_at=instant(row["created_at"]),
        delivered_at=instant(row["delivered_at"]), payload=row.get("payload", ""), log=log or [])


async def deliveries(endpoint_id: int, *, status: str = "", page: int = 1) -> tuple[list[Delivery], bool]:
    """A page of the endpoint's deliveries, newest first; and whether there are more."""
    rows = await db.fetch(sql.DELIVERIES, endpoint_id, status, status, PAGE + 1, (max(page, 1) - 1) * PAGE)
    return [_delivery(row) for row in rows[:PAGE]], len(rows) > PAGE


async def delivery(delivery_id: int) -> tuple[int, Delivery]:
    """A delivery with its attempts, and its endpoint's id."""
    rows = await db.fetch(sql.DELIVERY, delivery_id)
    if not rows:
        raise NotFound("not_found", "投递不存在")
    log = [Attempt(attempted_at=instant(r["attempted_at"]), status_code=r["status_code"], latency_ms=r["latency_ms"],
                   response_excerpt=r["response_excerpt"], error=r["error"], replay=bool(r["replay"]))
           for r in await db.fetch(sql.ATTEMPTS_OF, delivery_id)]
    return rows[0]["endpoint"], _delivery(rows[0], log)
