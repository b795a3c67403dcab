"""Delivery by the Standard Webhooks specification to a real receiver (uvicorn on 127.0.0.1) that verifies each
request with the reference library: signed, retried on failure, honouring Retry-After, 410 stops the endpoint;
nothing is sent for a change that rolled back; what a dead worker left is sent by the sweep."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from review.core import db
from review.core.clock import now
from review.core.tables import AuditEvent
from review.notifications.tables import Notification
from review.webhooks import services as webhooks
from review.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.conftest import run_jobs
from tests.integration.review.webhooks.receiver import Behaviour, Receiver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _endpoint(receiver: Receiver, path: str, events: list[str], **behaviour: object) -> int:
    office = await factories.account("office")
    endpoint_id, secret = await webhooks.register(actor=office, url=receiver.url(path), events=events)
    receiver.paths[path] = Behaviour(secrets=[secret], **behaviour)  # type: ignore[arg-type]
    return endpoint_id


async def _emit(event_type: str, **data: object) -> str:
    async with db.transaction():
        return await webhooks.emit(event_type, data)


async def test_an_event_arrives_signed_once_and_verifies(receiver: Receiver) -> None:
    await _endpoint(receiver, "a", ["ruling.issued"])
    await _endpoint(receiver, "b", ["verdict.issued"])
    message_id = await _emit("ruling.issued", case_number="2026-000001", ruling_id=7, outcome="improper")
    await run_jobs()
    assert receiver.accepted == {message_id: 1}  # not to "b": it is not subscribed to rulings
    sent = json.loads(receiver.bodies[message_id])
    assert sent["type"] == "ruling.issued"
    assert sent["data"] == {"case_number": "2026-000001", "ruling_id": 7, "outcome": "improper"}
    assert receiver.refused == 0
    row = await WebhookDelivery.select().first().run()
    assert row["status"] == "delivered" and row["attempts"] == 1 and row["last_status"] == 200


async def test_a_rolled_back_change_sends_nothing(receiver: Receiver) -> None:
    await _endpoint(receiver, "a", ["case.received"])
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await webhooks.emit("case.received", {"case_number": "2026-000002"})
            raise RuntimeError("the change fails after the event was written")
    await run_jobs()
    await webhooks.send_due()
    await run_jobs()
    assert receiver.attempts == {}
    assert await WebhookDelivery.count().run() == 0


async def test_failed_first_attempts_are_retried_until_delivered(receiver: Receiver) -> None:
    await _endpoint(receiver, "flaky", ["case.received"], fail_share=0.5)
    ids = [await _emit("case.received", case_number=f"2026-{i:06d}") for i in range(1, 7)]
    await run_jobs()
    for _ in range(3):  # a retry a burst worker left waiting is queued by the sweep, as in production
        if set(receiver.accepted) == set(ids):
            break
        await asyncio.sleep(0.05)
        await webhooks.send_due()
        await run_jobs()
    assert set(receiver.accepted) == set(ids)
    assert set(receiver.accepted.values()) == {1}
    assert sum(receiver.attempts.values()) == 9  # every second id failed once
    log = await WebhookAttempt.select(WebhookAttempt.status_code).run()
    assert sorted(r["status_code"] for r in log) == [200] * 6 + [500] * 3


async def test_429_waits_as_long_as_retry_after_asks(receiver: Receiver) -> None:
    await _endpoint(receiver, "busy", ["case.received"], busy=True, retry_after="1")
    started = asyncio.get_running_loop().time()
    message_id = await _emit("case.received", case_number="2026-000003")
    await run_jobs()
    assert receiver.accepted == {message_id: 1} and receiver.attempts[message_id] == 2
    assert asyncio.get_running_loop().time() - started >= 1.0  # the schedule alone would wait 10 ms


async def test_410_disables_the_endpoint_and_tells_the_office(receiver: Receiver) -> None:
    gone = await _endpoint(receiver, "gone", ["case.received"], gone=True)
    await _emit("case.received", case_number="2026-000004")
    await run_jobs()
    endpoint = await WebhookEndpoint.select().where(WebhookEndpoint.id == gone).first().run()
    assert not endpoint["active"] and "410" in endpoint["disabled_reason"]
    told = await Notification.select().where(Notification.event == "webhook_disabled").run()
    assert told and all(str(gone) in n["subject"] for n in told)
    await _emit("case.received", case_number="2026-000005")  # no longer subscribed: nothing is written for it
    await run_jobs()
    assert sum(receiver.attempts.values()) == 1


async def test_an_endpoint_failing_for_days_is_disabled(receiver: Receiver) -> None:
    failing = await _endpoint(receiver, "down", ["case.received"], fail_share=1.0)
    await WebhookEndpoint.update({WebhookEndpoint.failing_since: now() - timedelta(days=6)}).where(
        WebhookEndpoint.id == failing).run()
    await webhooks.send_due()
    endpoint = await WebhookEndpoint.select().where(WebhookEndpoint.id == failing).first().run()
    assert not endpoint["active"] and "5 天" in endpoint["disabled_reason"]


async def test_what_a_killed_worker_left_is_sent_by_the_sweep(receiver: Receiver) -> None:
    await _endpoint(receiver, "a", ["case.received"])
    # Committed, but the process died before it queued the delivery (nothing was queued) ...
    async with db.transaction():
        lost = await webhooks.emit("case.received", {"case_number": "2026-000006"})
        db.after_commit._pending.clear()  # the commit's callbacks never run: as if the process died there
    # ... and one a worker claimed and died sending.
    async with db.transaction():
        claimed = await webhooks.emit("case.received", {"case_number": "2026-000007"})
        db.after_commit._pending.clear()
    await WebhookDelivery.update({WebhookDelivery.status: "sending",
                                  WebhookDelivery.claimed_at: now() - timedelta(minutes=10)}).where(
        WebhookDelivery.id == 2).run()
    await run_jobs()
    assert receiver.accepted == {}
    assert await webhooks.send_due() == 2
    await run_jobs()
    assert receiver.accepted == {lost: 1, claimed: 1}


async def test_a_payload_that_looks_personal_is_stopped_before_it_is_written(receiver: Receiver) -> None:
    await _endpoint(receiver, "a", ["case.received"])
    assert await _emit("case.received", case_number="2026-000008", channel="13812345678") is None
    await run_jobs()
    assert receiver.attempts == {} and await WebhookDelivery.count().run() == 0
    stopped = await AuditEvent.select().where(AuditEvent.action == "webhook_stopped").first().run()
    assert stopped and "13812345678" not in str(stopped)


async def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    await _endpoint(receiver, "moved", ["case.received"], redirect="elsewhere")
    receiver.paths["elsewhere"] = Behaviour(secrets=receiver.paths["moved"].secrets)
    message_id = await _emit("case.received", case_number="2026-000010")
    await run_jobs()
    assert receiver.accepted == {} and receiver.attempts[message_id] >= 1
    log = await WebhookAttempt.select(WebhookAttempt.status_code).run()
    assert {r["status_code"] for r in log} == {307}
    assert (await WebhookDelivery.select().first().run())["status"] == "retrying"


async def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(receiver: Receiver,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from review.core import settings

    monkeypatch.setattr(settings, "WEBHOOK_TIMEOUT", 0.2)
    await _endpoint(receiver, "slow", ["case.received"], slow=1.0)
    await _emit("case.received", case_number="2026-000011")
    await run_jobs()
    first = await WebhookAttempt.select().first().run()
    assert first["status_code"] is None and "0.2 秒内无应答" in first["error"] and first["latency_ms"] < 900
