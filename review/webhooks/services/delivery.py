"""Sending: one attempt at a delivery (claimed first, so a second run of the job sends nothing), retried on
the schedule; the sweep that queues what is due (a killed worker's too); replay; the log's retention."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from review.core import db, settings
from review.core import jobs as queue
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.clock import instant, now
from review.core.errors import Conflict, NotFound
from review.webhooks import payloads, sql
from review.webhooks.services import addresses
from review.webhooks.services.endpoints import stop

log = logging.getLogger("review.webhooks")

IN_JOB_WAIT = 30.0  # a retry due within this many seconds waits in the job; later ones are left to the sweep
DUE_BATCH = 1000  # deliveries queued per sweep
SENDING_AT_ONCE = 32  # requests one process has open at a time

_clients: dict[int, tuple[httpx.AsyncClient, asyncio.Semaphore]] = {}  # per event loop


def _client() -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
    loop = id(asyncio.get_running_loop())
    if loop not in _clients:
        limits = httpx.Limits(max_connections=SENDING_AT_ONCE, max_keepalive_connections=SENDING_AT_ONCE)
        _clients[loop] = (httpx.AsyncClient(follow_redirects=False, limits=limits, trust_env=False),
                          asyncio.Semaphore(SENDING_AT_ONCE))
    return _clients[loop]


async def close_clients() -> None:
    for client, _ in list(_clients.values()):
        await client.aclose()
    _clients.clear()


def _secrets(row: dict[str, Any], at: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous during a rotation's overlap."""
    until = instant(row["previous_until"])
    return [row["secret"], *([row["previous_secret"]] if row["previous_secret"] and until and until > at else [])]


async def deliver(*, delivery_id: int) -> str:
    """Attempt a delivery; a retry due soon is waited for here, later ones are left to `send_due`. Returns how
    the last attempt went: delivered, retrying, failed, or skipped (not due, or someone else holds it)."""
    while True:
        outcome, wait = await attempt(delivery_id)
        if wait is None or wait > IN_JOB_WAIT:
            return outcome
        await asyncio.sleep(wait)


async def attempt(delivery_id: int) -> tuple[str, float | None]:
    """One attempt at a due delivery; returns its outcome and, when it is to be retried, the wait."""
    at = now()
    claimed = await db.fetch(sql.CLAIM, at, delivery_id, at)  # one statement: taken by one worker or none
    if not claimed:
        return "skipped", None
    delivery = claimed[0]
    row = (await db.fetch(sql.TO_SEND, delivery["event"], delivery["endpoint"]))[0]
    if not row["active"]:
        await _record(delivery, at, None, 0, "", "推送地址已停用", "failed", None)
        return "failed", None
    status, latency, answer, error, asked = await _send(row)
    if status is not None and 200 <= status < 300:
        async with db.transaction():
            await _log(delivery, at, status, latency, answer, "")
            await db.fetch(sql.DELIVERED, status, now(), delivery_id)
            if row["failing_since"] is not None:
                await db.fetch(sql.ENDPOINT_SUCCEEDED, delivery["endpoint"])
        return "delivered", None
    if status == 410:
        await _record(delivery, at, status, latency, answer, "接收方答复 410：地址已不再使用", "failed", None)
        await stop(delivery["endpoint"], "接收方答复 410 Gone（地址已不再使用）")
        return "failed", None
    failures = delivery["attempts"] + 1
    wait = payloads.wait(failures, status, asked, scale=settings.WEBHOOK_RETRY_SCALE)
    error = error or f"接收方答复 {status}"
    outcome = "failed" if wait is None else "retrying"
    failing_since = await _record(delivery, at, status, latency, answer, error, outcome, wait)
    if failing_since and failing_since < now() - timedelta(days=settings.WEBHOOK_FAILING_DAYS):
        await stop(delivery["endpoint"], f"连续 {settings.WEBHOOK_FAILING_DAYS} 天投递失败")
        return "failed", None
    return outcome, wait


async def _send(row: dict[str, Any]) -> tuple[int | None, int, str, str, float | None]:
    """POST the event, signed now: (status or None, milliseconds, answer excerpt, error, Retry-After seconds)."""
    refused = await addresses.refusal(row["url"])
    if refused:
        return None, 0, "", refused, None
    sent_at = now()
    content = row["payload"]
    headers = payloads.headers(_secrets(row, sent_at), row["message_id"], int(sent_at.timestamp()), content)
    client, sending = _client()
    started = time.monotonic()
    async with sending:
        try:
            answer = await client.post(row["url"], content=content.encode(), headers=headers,
                                       timeout=settings.WEBHOOK_TIMEOUT)
        except httpx.TimeoutException:
            return None, _ms(started), "", f"{settings.WEBHOOK_TIMEOUT:g} 秒内无应答", None
        except httpx.HTTPError as error:
            return None, _ms(started), "", f"无法连接：{type(error).__name__}", None
    asked = payloads.retry_after(answer.headers.get("retry-after"), now())
    return answer.status_code, _ms(started), payloads.excerpt(answer.text), "", asked


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def _log(delivery: dict[str, Any], at: datetime, status: int | None, latency: int, answer: str,
               error: str) -> None:
    await db.fetch(sql.INSERT_ATTEMPT, delivery["id"], delivery["endpoint"], at, status, latency, answer,
                   error[:300], bool(delivery["replay"]))


async def _record(delivery: dict[str, Any], at: datetime, status: int | None, latency: int, answer: str,
                  error: str, outcome: str, wait: float | None) -> datetime | None:
    """A failed attempt: logged, the delivery left to retry (or failed), the endpoint's failing days counted.
    Returns since when the endpoint has been failing."""
    next_at = now() + timedelta(seconds=wait or 0)
    async with db.transaction():
        await _log(delivery, at, status, latency, answer, error)
        await db.fetch(sql.FAILED_ATTEMPT, outcome, status, error[:300], next_at, delivery["id"])
        failing = await db.fetch(sql.ENDPOINT_FAILED, at, delivery["endpoint"])
    return instant(failing[0]["failing_since"]) if failing else None


async def send_due(*, at: datetime | None = None) -> int:
    """Queue every due delivery: committed and never tried (its queueing lost with a process), waiting for a
    retry, or left mid-send by a worker that died (tried again: a receiver takes each webhook-id once). Stops
    the endpoints that have failed for days and forgets the log past its days. Returns how many were queued."""
    at = at or now()
    stale_before = at - timedelta(seconds=settings.WEBHOOK_TIMEOUT + 120)
    async with db.transaction():
        await db.fetch(sql.STALE, at, stale_before)
    for row in await db.fetch(sql.FAILING_FOR_DAYS, at - timedelta(days=settings.WEBHOOK_FAILING_DAYS)):
        await stop(row["id"], f"连续 {settings.WEBHOOK_FAILING_DAYS} 天投递失败")
    due = await db.fetch(sql.DUE, at, DUE_BATCH)
    for row in due:
        await queue.enqueue("deliver_webhook", row["id"])
    await forget_old(at=at)
    return len(due)


async def forget_old(*, at: datetime | None = None) -> None:
    """Delete the delivery log (and finished deliveries and events) older than WEBHOOK_LOG_DAYS."""
    cutoff = (at or now()) - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    async with db.transaction():
        await db.fetch(sql.FORGET_ATTEMPTS, cutoff)
        await db.fetch(sql.FORGET_DELIVERIES, cutoff)
        await db.fetch(sql.FORGET_EVENTS, cutoff)


async def _replay(actor: Actor, endpoint_id: int, events: list[int]) -> list[int]:
    at = now()
    async with db.transaction():
        active = await db.fetch(sql.ENDPOINT_ACTIVE, endpoint_id)
        if not active:
            raise NotFound("not_found", "推送地址不存在")
        if not active[0]["active"]:
            raise Conflict("endpoint_disabled", "推送地址已停用，请先启用再重发")
        made = [(await db.fetch(sql.INSERT_DELIVERY, event, endpoint_id, at, True, at))[0]["id"] for event in events]
        await audit.record(case_id=None, actor=actor.label, action="webhook_replayed",
                           data={"endpoint_id": endpoint_id, "events": len(events)})
        db.on_commit(lambda: _queue(made))
    return made


async def _queue(deliveries: list[int]) -> None:
    for delivery_id in deliveries:
        await queue.enqueue("deliver_webhook", delivery_id)


async def replay(*, actor: Actor, delivery_id: int) -> int:
    """Send a delivery's event to its endpoint again: the same webhook-id, signed anew. Returns the new delivery."""
    rows = await db.fetch(sql.DELIVERY_OF, delivery_id)
    if not rows:
        raise NotFound("not_found", "投递不存在")
    return (await _replay(actor, rows[0]["endpoint"], [rows[0]["event"]]))[0]


async def replay_failed_since(*, actor: Actor, endpoint_id: int, since: datetime) -> int:
    """Send again every event whose delivery to the endpoint failed since `since`; returns how many."""
    events = [row["event"] for row in await db.fetch(sql.FAILED_SINCE, endpoint_id, since)]
    return len(await _replay(actor, endpoint_id, events)) if events else 0
