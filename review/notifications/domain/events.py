"""Event kinds, channels and the retry schedule of deliveries: data, with their Chinese labels (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from review.core.i18n import lazy, lazy_labels

# The events a notification tells of; each has its template, templates/notifications/events/<kind>.txt.
EVENTS: dict[str, str] = lazy_labels({
    "invitation": "评议邀请",
    "reminder": "催办提醒",
    "escalation": "逾期通报",
    "mediation_notice": "调解通知",
    "redo_order": "整改通知",
    "ruling": "评议结论",
    "ruling_published": "评议结论公开",
})
# Told to the office only, in its inbox, when a delivery has failed for good: not a choice anyone makes.
DELIVERY_FAILED = "delivery_failed"
# Told to the office only: an output the leak gate stopped before it left (publication.services.leaks).
LEAK_STOPPED = "leak_stopped"
EVENT_LABELS: dict[str, str] = {**EVENTS, **lazy_labels({DELIVERY_FAILED: "投递失败", LEAK_STOPPED: "公开前拦截"})}
# Told to the office only: a webhook endpoint was stopped (its receiver said 410 Gone, or failed for days).
WEBHOOK_DISABLED = "webhook_disabled"
EVENT_LABELS[WEBHOOK_DISABLED] = lazy("推送停用")

INBOX, EMAIL, SMS = "inbox", "email", "sms"
CHANNELS: dict[str, str] = lazy_labels({INBOX: "站内信", EMAIL: "电子邮件", SMS: "短信"})
OUTSIDE = (EMAIL, SMS)  # the channels a delivery goes by; the inbox is the notification itself

STATUS_LABELS: dict[str, str] = lazy_labels({
    "queued": "待发送",
    "held": "待汇总",
    "sending": "发送中",
    "retrying": "待重试",
    "sent": "已发送",
    "failed": "发送失败",
})

# After the first failed attempt, wait 1 minute; after the second 5; after the third 30; the fourth failure is
# final: the delivery is failed and the office told.
RETRY_DELAYS: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
ATTEMPTS = len(RETRY_DELAYS) + 1

# A delivery claimed for sending longer ago than this never reported back (its worker died mid-send): it may
# have gone out, so it is failed and reported, never sent again.
STALE_SENDING = timedelta(minutes=15)


def next_attempt(attempts: int, at: datetime) -> datetime | None:
    """When a delivery that has failed `attempts` times is tried again; None once it has had every attempt."""
    if attempts >= ATTEMPTS:
        return None
    return at + RETRY_DELAYS[attempts - 1]


def mask_address(address: str) -> str:
    """An address as a log line may show it: 138****1234, w***@example.cn."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = "".join(ch for ch in address if ch.isdigit())
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****"
