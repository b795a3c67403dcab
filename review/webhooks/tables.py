"""The webhooks' records (the `review` Piccolo app): the endpoints the office subscribes, each event as the
outbox holds it, one delivery of an event to an endpoint, and each attempt at it (the delivery log)."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from review.core.tables import Account


class WebhookEndpoint(Table):
    """推送地址: a receiver the office subscribed to some event types, with its signing secret."""

    id = Serial(primary_key=True)
    url = Varchar(length=2000)
    description = Varchar(length=200, default="")
    events = JSON(default="[]", help_text="The event types sent to it (review.webhooks.payloads.EVENT_TYPES)")
    active = Boolean(default=True)
    secret = Varchar(length=80, help_text="whsec_… (base64 key): signs every delivery")
    previous_secret = Varchar(length=80, default="", help_text="The secret before the last rotation")
    previous_until = Timestamptz(null=True, default=None,
                                 help_text="Until then the previous secret signs too (the rotation's overlap)")
    disabled_reason = Varchar(length=300, default="", help_text="Why it was stopped, when not by the office")
    failing_since = Timestamptz(null=True, default=None,
                                help_text="The first failure since its last success; disabled after days of them")
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null,
                            help_text="Who registered it (the endpoint outlives the account)")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class WebhookEvent(Table):
    """推送事件 (the outbox): one event, written in the transaction of the change it announces."""

    id = Serial(primary_key=True)
    message_id = Varchar(length=40, unique=True, help_text="webhook-id: the same on every delivery and replay")
    event_type = Varchar(length=40, index=True)
    payload = Text(help_text="The body as sent (JSON): ids, numbers, grades and links, nothing personal")
    created_at = Timestamptz(index=True)


class WebhookDelivery(Table):
    """投递: one event to one endpoint, retried on the schedule until delivered or given up."""

    id = Serial(primary_key=True)
    event = ForeignKey(references=WebhookEvent, index=True)
    endpoint = ForeignKey(references=WebhookEndpoint, index=True)
    status = Varchar(length=12, default="pending", index=True,
                     help_text="pending | sending | retrying | delivered | failed")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True, help_text="When a pending or retrying delivery is next tried")
    claimed_at = Timestamptz(null=True, default=None, help_text="When a worker took it for sending")
    last_status = Integer(null=True, default=None, help_text="The receiver's last HTTP status")
    last_error = Varchar(length=300, default="")
    replay = Boolean(default=False, help_text="Asked for again by the office (the same webhook-id, signed anew)")
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


class WebhookAttempt(Table):
    """投递记录: one request to a receiver, as the delivery log shows it; kept WEBHOOK_LOG_DAYS days."""

    id = Serial(primary_key=True)
    delivery = ForeignKey(references=WebhookDelivery, index=True)
    endpoint = ForeignKey(references=WebhookEndpoint, index=True)
    attempted_at = Timestamptz(index=True)
    status_code = Integer(null=True, default=None, help_text="None: no answer (refused, timed out, unreachable)")
    latency_ms = Integer(default=0)
    response_excerpt = Varchar(length=500, default="", help_text="The answer's first characters")
    error = Varchar(length=300, default="")
    replay = Boolean(default=False, help_text="Sent because the office asked for it again")


TABLES: list[type[Table]] = [WebhookEndpoint, WebhookEvent, WebhookDelivery, WebhookAttempt]

# The delivery sweep's search: what is due, in the order it came due.
INDEXES: list[str] = [
    "CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (status, next_attempt_at)",
]
