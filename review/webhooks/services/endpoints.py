"""The office's endpoints: register, change, rotate the secret (both sign during the overlap), disable, enable;
and `stop`, which disables one for a reason the receiver gave (a 410, days of failures) and tells the office."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from review.core import db, settings
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.clock import now
from review.core.errors import Invalid, NotFound
from review.notifications import services as notifications
from review.webhooks import payloads, sql
from review.webhooks.services import addresses
from review.webhooks.tables import WebhookEndpoint


def _events(events: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(e.strip() for e in events if e.strip()))
    if not chosen:
        raise Invalid("missing_field", "请至少选择一种事件", field="events")
    unknown = [e for e in chosen if e not in payloads.EVENT_TYPES]
    if unknown:
        raise Invalid("invalid_field", f"未知的事件类型：{'、'.join(unknown)}", field="events")
    return chosen


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > 200:
        raise Invalid("invalid_field", "说明至多 200 个字符", field="description")
    return text


async def _locked(endpoint_id: int) -> dict[str, Any]:
    rows = await db.fetch(sql.ENDPOINT + db.for_update(), endpoint_id)
    if not rows:
        raise NotFound("not_found", "推送地址不存在")
    return rows[0]


async def register(*, actor: Actor, url: str, events: Sequence[str], description: str = "") -> tuple[int, str]:
    """A new endpoint, active, with a fresh secret; returns its id and the secret (shown once to the office)."""
    url = url.strip()
    await addresses.check(url)
    chosen, text = _events(events), _description(description)
    secret, at = payloads.new_secret(), now()
    async with db.transaction():
        made = await WebhookEndpoint.insert(WebhookEndpoint(
            url=url, description=text, events=json.dumps(chosen), active=True, secret=secret,
            created_by=actor.user_id, created_at=at, updated_at=at)).returning(WebhookEndpoint.id).run()
        endpoint_id = int(made[0]["id"])
        await audit.record(case_id=None, actor=actor.label, action="webhook_registered",
                           data={"endpoint_id": endpoint_id, "events": chosen})
    return endpoint_id, secret


async def change(*, actor: Actor, endpoint_id: int, url: str, events: Sequence[str], description: str) -> None:
    """A new address, events or description for an endpoint."""
    url = url.strip()
    await addresses.check(url)
    chosen, text = _events(events), _description(description)
    async with db.transaction():
        await _locked(endpoint_id)
        await WebhookEndpoint.update({WebhookEndpoint.url: url, WebhookEndpoint.events: json.dumps(chosen),
                                      WebhookEndpoint.description: text, WebhookEndpoint.updated_at: now()}
                                     ).where(WebhookEndpoint.id == endpoint_id).run()
        await audit.record(case_id=None, actor=actor.label, action="webhook_changed",
                           data={"endpoint_id": endpoint_id, "events": chosen})


async def rotate(*, actor: Actor, endpoint_id: int) -> str:
    """A new secret; the one it replaces keeps signing for WEBHOOK_ROTATION_OVERLAP_HOURS. Returns the new one."""
    secret, at = payloads.new_secret(), now()
    until = at + timedelta(hours=settings.WEBHOOK_ROTATION_OVERLAP_HOURS)
    async with db.transaction():
        current = await _locked(endpoint_id)
        await WebhookEndpoint.update({WebhookEndpoint.secret: secret,
                                      WebhookEndpoint.previous_secret: current["secret"],
                                      WebhookEndpoint.previous_until: until, WebhookEndpoint.updated_at: at}
                                     ).where(WebhookEndpoint.id == endpoint_id).run()
        await audit.record(case_id=None, actor=actor.label, action="webhook_secret_rotated",
                           data={"endpoint_id": endpoint_id, "previous_until": until.isoformat()})
    return secret


async def set_active(*, actor: Actor, endpoint_id: int, active: bool) -> None:
    """The office stops an endpoint (what waits for it is given up) or starts it again (its count of failing
    days starts afresh)."""
    at = now()
    if active:
        await addresses.check((await _locked(endpoint_id))["url"])  # where it resolves now, before it is sent to
    async with db.transaction():
        await _locked(endpoint_id)
        await WebhookEndpoint.update({WebhookEndpoint.active: active, WebhookEndpoint.disabled_reason: "",
                                      WebhookEndpoint.failing_since: None, WebhookEndpoint.updated_at: at}
                                     ).where(WebhookEndpoint.id == endpoint_id).run()
        if not active:
            await db.fetch(sql.DROP_WAITING, "推送地址已停用", endpoint_id)
        await audit.record(case_id=None, actor=actor.label,
                           action="webhook_enabled" if active else "webhook_disabled",
                           data={"endpoint_id": endpoint_id})


async def stop(endpoint_id: int, reason: str) -> bool:
    """Disable an endpoint for `reason` (the receiver said 410 Gone, or it failed for days) and tell the office
    in its inbox; False when it was already stopped."""
    async with db.transaction():
        stopped = await db.fetch(sql.DISABLE, reason, now(), endpoint_id)
        if stopped:
            await db.fetch(sql.DROP_WAITING, "推送地址已停用", endpoint_id)
            await audit.record(case_id=None, actor="system:job", action="webhook_disabled",
                               data={"endpoint_id": endpoint_id, "reason": reason})
    if stopped:
        await notifications.notify(
            event="webhook_disabled", key=f"webhook_disabled:{endpoint_id}:{now().date().isoformat()}",
            recipients=await notifications.recipients("office"),
            context={"endpoint_id": endpoint_id, "reason": reason, "link": f"/office/webhooks/{endpoint_id}"})
    return bool(stopped)
