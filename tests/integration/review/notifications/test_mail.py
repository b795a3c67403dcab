"""E-mail by SMTP to a real server in the test (aiosmtpd): a notification's mail arrives once; a server that is
down is retried with backoff (1, 5, 30 minutes), then the delivery is failed and the office told, nothing lost;
preferences (muted events, the daily digest) are kept."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from review.core import settings
from review.core.clock import now
from review.notifications import services as notifications
from review.notifications.services import Recipient
from review.notifications.tables import Delivery, Notification
from tests import factories
from tests.conftest import run_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


class Mailbox:
    """What the test's SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "SMTP_PORT", controller.port)
    monkeypatch.setattr(settings, "SMTP_FROM", "review@example.cn")
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(monkeypatch: pytest.MonkeyPatch) -> int:
    port = _free_port()  # nothing listens there
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "SMTP_PORT", port)
    monkeypatch.setattr(settings, "SMTP_TIMEOUT", 2.0)
    return port


async def _with_email(role: str = "member", **choices: Any) -> int:
    """An account whose preferences give an e-mail address (every event, at once, unless told)."""
    person = await factories.account(role)
    defaults = {"email": f"{person.username}@example.cn", "phone": "", "use_email": True, "use_sms": False,
                "events": ["invitation", "reminder", "escalation", "mediation_notice", "redo_order", "ruling"],
                "digest": False}
    await notifications.save_preferences(actor=person, **{**defaults, **choices})
    assert person.user_id is not None
    return person.user_id


async def test_mail_reaches_the_smtp_server_once(smtp: Mailbox) -> None:
    account_id = await _with_email()
    context = {"case_number": "CD2026-0001", "stage": "评分", "due": "12月10日", "link": "/panel"}
    await notifications.notify(event="reminder", key="k:mail", recipients=[Recipient(account_id=account_id)],
                               context=context)
    await run_jobs()
    await notifications.notify(event="reminder", key="k:mail", recipients=[Recipient(account_id=account_id)],
                               context=context)
    delivery = await Delivery.select().first().run()
    assert await notifications.deliver(delivery_id=delivery["id"]) == "skipped"  # a job run twice sends once
    await run_jobs()
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["Subject"] == "催办提醒：案件 CD2026-0001「评分」即将到期"
    assert message["To"].endswith("@example.cn")
    assert "应于 12月10日 前完成" in message.get_content()
    stored = await Delivery.select().where(Delivery.id == delivery["id"]).first().run()
    assert stored["status"] == "sent" and stored["attempts"] == 1 and stored["sent_at"] is not None


async def test_mail_server_down_is_retried_with_backoff_then_reported(smtp_down: int) -> None:
    office = await factories.account("office")
    account_id = await _with_email()
    await notifications.notify(event="ruling", key="k:down", recipients=[Recipient(account_id=account_id)],
                               context={"case_number": "CD2026-0002"})
    await run_jobs()
    delivery = await Delivery.select().first().run()
    assert delivery["status"] == "retrying" and delivery["attempts"] == 1
    first_retry = delivery["next_attempt_at"]
    waits = []
    at = now()
    for expected in ("retrying", "retrying", "failed"):
        row = await Delivery.select().where(Delivery.id == delivery["id"]).first().run()
        # Not before its time: a run early leaves it waiting.
        assert await notifications.deliver(delivery_id=row["id"], at=row["next_attempt_at"] - timedelta(
            seconds=1)) == "skipped"
        at = row["next_attempt_at"]
        assert await notifications.deliver(delivery_id=row["id"], at=at) == expected
        after = await Delivery.select().where(Delivery.id == delivery["id"]).first().run()
        if expected == "retrying":
            waits.append(after["next_attempt_at"] - at)
    assert first_retry - delivery["created_at"] >= timedelta(minutes=1)
    assert waits == [timedelta(minutes=5), timedelta(minutes=30)]
    failed = await Delivery.select().where(Delivery.id == delivery["id"]).first().run()
    assert failed["status"] == "failed" and failed["attempts"] == 4 and "SMTP" in failed["last_error"]
    report = await Notification.select().where(Notification.account == office.user_id).run()
    assert [r["event"] for r in report] == ["delivery_failed"]
    # Nothing lost: the notification stays in the recipient's inbox.
    assert await Notification.count().where(Notification.account == account_id).run() == 1
    assert await notifications.deliver(delivery_id=delivery["id"], at=at + timedelta(days=1)) == "skipped"


async def test_mail_server_back_before_the_last_attempt_sends_once(smtp_down: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    account_id = await _with_email()
    await notifications.notify(event="ruling", key="k:back", recipients=[Recipient(account_id=account_id)],
                               context={"case_number": "CD2026-0003"})
    await run_jobs()
    row = await Delivery.select().first().run()
    assert row["status"] == "retrying"
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_down)
    controller.start()
    try:
        assert await notifications.send_due(at=row["next_attempt_at"] - timedelta(seconds=1)) == 0
        assert await notifications.deliver(delivery_id=row["id"], at=row["next_attempt_at"]) == "sent"
        assert await notifications.send_due(at=row["next_attempt_at"] + timedelta(hours=1)) == 0
    finally:
        controller.stop()
    assert len(mailbox.messages) == 1
    sent = await Delivery.select().first().run()
    assert sent["status"] == "sent" and sent["attempts"] == 2


async def test_muted_event_stays_in_the_inbox_only(smtp: Mailbox) -> None:
    account_id = await _with_email(events=["ruling"])
    await notifications.notify(event="reminder", key="k:muted", recipients=[Recipient(account_id=account_id)],
                               context={"case_number": "CD2026-0004"})
    await notifications.notify(event="ruling", key="k:wanted", recipients=[Recipient(account_id=account_id)],
                               context={"case_number": "CD2026-0004"})
    await run_jobs()
    assert await Notification.count().where(Notification.account == account_id).run() == 2
    assert [m["Subject"] for m in smtp.messages] == ["评议结论：案件 CD2026-0004"]


async def test_digest_gathers_the_day_into_one_mail(smtp: Mailbox) -> None:
    account_id = await _with_email(digest=True)
    for n in (1, 2):
        await notifications.notify(event="reminder", key=f"k:digest:{n}", recipients=[Recipient(account_id=account_id)],
                                   context={"case_number": f"CD2026-001{n}"})
    await run_jobs()
    assert smtp.messages == []
    assert await notifications.send_digests() == 1
    assert await notifications.send_digests() == 0
    assert len(smtp.messages) == 1
    text = smtp.messages[0].get_content()
    assert "CD2026-0011" in text and "CD2026-0012" in text
    rows = await Delivery.select(Delivery.status, Delivery.digest).run()
    assert rows == [{"status": "sent", "digest": True}] * 2


async def test_no_mail_without_smtp_configured() -> None:
    account_id = await _with_email()
    await notifications.notify(event="ruling", key="k:nosmtp", recipients=[Recipient(account_id=account_id)],
                               context={"case_number": "CD2026-0005"})
    assert await Delivery.count().run() == 0
    assert await Notification.count().run() == 1
