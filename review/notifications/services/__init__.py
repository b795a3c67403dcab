"""Notifications as the rest of the platform sends them: `notify` queues one notification per recipient and
event, delivered by each channel the recipient takes, once; `notify_many` does it for many in one transaction,
and `store_many` + `queue_stored` inside a caller's own transaction (the deliveries queued after its commit).

Other slices import only this module (`from review.notifications import services as notifications`)."""

from __future__ import annotations

from review.notifications.services.inbox import mark_all_read, mark_read
from review.notifications.services.preferences import save_preferences
from review.notifications.services.queueing import (
    Asked,
    Notice,
    Recipient,
    Stored,
    notify,
    notify_many,
    queue_stored,
    recipients,
    recipients_many,
    store_many,
)
from review.notifications.services.sending import deliver, send_digests, send_due

__all__ = [
           "Asked",
           "Notice",
           "Recipient",
           "Stored",
           "deliver",
           "mark_all_read",
           "mark_read",
           "notify",
           "notify_many",
           "queue_stored",
           "recipients",
           "recipients_many",
           "save_preferences",
           "send_digests",
           "send_due",
           "store_many",
]
