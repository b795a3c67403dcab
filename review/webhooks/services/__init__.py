"""Webhooks as the rest of the platform uses them: `emit(event_type, data)` inside the transaction of the change
it announces; the office's endpoints; sending, the sweep and replay.

Other slices import only this module (`from review.webhooks import services as webhooks`)."""

from __future__ import annotations

from review.webhooks.services.delivery import deliver, forget_old, replay, replay_failed_since, send_due
from review.webhooks.services.endpoints import change, register, rotate, set_active, stop
from review.webhooks.services.outbox import emit, emit_many

__all__ = ["change", "deliver", "emit", "emit_many", "forget_old", "register", "replay", "replay_failed_since", "rotate",
           "send_due", "set_active", "stop"]
