"""Sending deliveries, once each: claimed by one worker, retried with backoff, failed for good after the last
attempt and reported to the office's inbox; the daily digest gathers the held ones."""

from __future__ import annotations

import logging
from datetime import datetime
from itertools import groupby
from typing import Any

from review.core import db
from review.core import jobs as queue
from review.core.clock import now
from review.notifications import channels, rendering, sql
from review.notifications.channels import SendFailed
from review.notifications.domain.events import (
    DELIVERY_FAILED,
    EMAIL,
    STALE_SENDING,
    next_attempt,
)
from review.notifications.services.queueing import notify, recipients

log = logging.getLogger("review.notifications")

DUE_BATCH = 500  # deliveries queued again per sweep


def _address(target: dict[str, Any]) -> str:
    if target["channel"] == EMAIL:
        return target["email"] or ""
    return (target["phone"] if target["account_id"] is not None else target["complainant_phone"]) or ""


async def _send(channel: str, address: str, subject: str, text: str, link: str) -> None:
    if not address:
        raise SendFailed("没有可用的地址")
    if channel == EMAIL:
        await channels.send_mail(to=address, subject=subject, text=text)
    else:
        await channels.sms_gateway().send(phone=address, text=rendering.sms_text(subject, link))


async def deliver(*, delivery_id: int, at: datetime | None = None) -> str:
    """Send one delivery if it is due: `sent`, `retrying`, `failed`, or `skipped` when it is not due or another
    worker has it (so a job run twice sends once)."""
    at = at or now()
    async with db.transaction():
        claimed = await db.fetch(sql.CLAIM, at, delivery_id, at)
    if not claimed:
        return "skipped"
    attempts = claimed[0]["attempts"]
    target = (await db.fetch(sql.TARGET, delivery_id))[0]
    text = f"{target['body']}\n\n{rendering.sms_text('查看详情', target['link'])}" if target["link"] else target["body"]
    try:
        await _send(target["channel"], _address(target), target["subject"], text, target["link"])
    except SendFailed as error:
        return await _failed(delivery_id, attempts, str(error), at)
    async with db.transaction():
        await db.fetch(sql.MARK_SENT, now(), False, delivery_id)
    return "sent"


async def _failed(delivery_id: int, attempts: int, why: str, at: datetime) -> str:
    retry_at = next_attempt(attempts, at)
    async with db.transaction():
        if retry_at is not None:
            await db.fetch(sql.MARK_RETRYING, retry_at, why[:300], delivery_id)
            return "retrying"
        failed = await db.fetch(sql.MARK_FAILED, at, why[:300], delivery_id)
    if failed:
        await _report(delivery_id)
    return "failed"


async def _report(delivery_id: int) -> None:
    """Tell the office, in its inbox, that a delivery failed for good (once per delivery)."""
    log.warning("notification delivery %s failed for good", delivery_id)
    await notify(event=DELIVERY_FAILED, key=f"delivery_failed:{delivery_id}", recipients=await recipients("office"),
                 context={"delivery_id": delivery_id, "link": "/office/notifications/deliveries?status=failed"})


async def send_due(*, at: datetime | None = None) -> int:
    """Queue every delivery that is due (queued, or retrying whose wait is over), and fail and report those a
    dead worker left mid-send (they may have gone: never sent again). Returns how many were queued."""
    at = at or now()
    async with db.transaction():
        stale = await db.fetch(sql.STALE, at, "发送中断，结果未知（不再重发）", at - STALE_SENDING)
    for row in stale:
        await _report(row["id"])
    due = await db.fetch(sql.DUE, at, DUE_BATCH)
    for row in due:
        await queue.enqueue("deliver_notification", row["id"])
    return len(due)


async def send_digests(*, at: datetime | None = None) -> int:
    """Send each recipient's held deliveries of a channel as one message (the daily digest). A digest that
    fails leaves its deliveries to be retried one by one. Returns how many digests went."""
    at = at or now()
    held = await db.fetch(sql.HELD)
    sent = 0
    for _, group in groupby(held, key=lambda r: (r["account_id"], r["case_id"], r["channel"])):
        rows = list(group)
        claimed = []
        async with db.transaction():
            for row in rows:
                if await db.fetch(sql.CLAIM_HELD, at, row["id"]):
                    claimed.append(row)
        if not claimed:
            continue
        target = (await db.fetch(sql.TARGET, claimed[0]["id"]))[0]
        subject, text = rendering.digest_text([row["subject"] for row in claimed])
        try:
            await _send(target["channel"], _address(target), subject, text, "")
        except SendFailed as error:
            for row in claimed:
                await _failed(row["id"], 1, str(error), at)
            continue
        async with db.transaction():
            for row in claimed:
                await db.fetch(sql.MARK_SENT, now(), True, row["id"])
        sent += 1
    return sent
