"""Notifications as the rest of the platform sends them: `notify` queues one notification per recipient and
event, delivered by each channel the recipient takes, once.

Other slices import only this module (`from review.notifications import services as notifications`)."""

from __future__ import annotations

from review.notifications.services.inbox import mark_all_read, mark_read
from review.notifications.services.preferences import save_preferences
from review.notifications.services.queueing import Recipient, notify, recipients
from review.notifications.services.sending import deliver, send_digests, send_due

__all__ = [
           "Recipient",
           "deliver",
           "mark_all_read",
           "mark_read",
           "notify",
           "recipients",
           "save_preferences",
           "send_digests",
           "send_due",
]
