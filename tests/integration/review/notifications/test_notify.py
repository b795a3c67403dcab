"""`notify`: one notification per (key, recipient) however often it is called, even by callers at once on
PostgreSQL; the recipients of each role; the complainant told on their case; no access code in anything sent."""

from __future__ import annotations

import asyncio

import pytest

from review.core import db
from review.notifications import services as notifications
from review.notifications.services import Recipient
from review.notifications.tables import Delivery, Notification
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_notify_twice_stores_one_notification() -> None:
    office = await factories.account("office")
    for _ in range(2):
        await notifications.notify(event="reminder", key="clock:X1:screening:1:remind",
                                   recipients=[Recipient(account_id=office.user_id)],
                                   context={"case_number": "X1", "stage": "审查", "due": "12月10日"})
    rows = await Notification.select().where(Notification.account == office.user_id).run()
    assert len(rows) == 1
    assert rows[0]["subject"].startswith("催办提醒：案件 X1")
    assert "12月10日" in rows[0]["body"]


async def test_notify_returns_only_newly_queued() -> None:
    first, second = await factories.account("office"), await factories.account("office")
    key = "k:partial"
    assert await notifications.notify(event="ruling", key=key, recipients=[Recipient(account_id=first.user_id)],
                                      context={"case_number": "X2"}) == 1
    assert await notifications.notify(event="ruling", key=key, recipients=[
        Recipient(account_id=first.user_id), Recipient(account_id=second.user_id)],
        context={"case_number": "X2"}) == 1
    assert await Notification.count().where(Notification.key == key).run() == 2


@pytest.mark.postgres_only
async def test_notify_at_once_on_postgres_stores_one() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    await db.stop()
    await db.start(pool_size=24)
    try:
        results = await asyncio.gather(*[
            notifications.notify(event="escalation", key=f"clock:{number}:screening:1:escalate:1",
                                 recipients=[Recipient(account_id=office.user_id), Recipient(case_number=number)],
                                 context={"case_number": number, "stage": "审查"})
            for _ in range(12)])
    finally:
        await run_jobs()
        await db.stop()
        await db.start()
    assert sum(results) == 2
    assert await Notification.count().run() == 2
    # The complainant's SMS: one delivery, whichever caller stored the notification.
    assert await Delivery.count().where(Delivery.channel == "sms").run() == 1


async def test_recipients_of_each_role() -> None:
    office = await factories.account("office")
    department_id = await factories.department()
    liaison = await factories.account("liaison", department_id=department_id)
    await factories.account("liaison", department_id=await factories.department("CDSW", "成都市水务局"))
    await factories.roster()
    number, _, _panel = await convened_case(office)
    assert await notifications.recipients("office") == [Recipient(account_id=office.user_id)]
    assert await notifications.recipients("office_head") == [Recipient(account_id=office.user_id)]
    assert await notifications.recipients("department", case_number=number) == [
        Recipient(account_id=liaison.user_id)]
    assert await notifications.recipients("department_head", department_id=department_id) == [
        Recipient(account_id=liaison.user_id)]
    assert await notifications.recipients("complainant", case_number=number) == [Recipient(case_number=number)]
    panel = await notifications.recipients("panel", case_number=number)
    chair = await notifications.recipients("chair", case_number=number)
    assert len(panel) >= 3 and len(chair) == 1 and chair[0] in panel
    assert await notifications.recipients("complainant", case_number="NO-SUCH") == []
    with pytest.raises(ValueError):
        await notifications.recipients("nobody")


async def test_office_head_is_the_named_office_account(monkeypatch: pytest.MonkeyPatch) -> None:
    from review.core import settings

    await factories.account("office", username="staff1")
    head = await factories.account("office", username="head1")
    monkeypatch.setattr(settings, "OFFICE_HEADS", "head1")
    assert await notifications.recipients("office_head") == [Recipient(account_id=head.user_id)]


async def test_notify_refuses_an_access_code_in_its_context() -> None:
    office = await factories.account("office")
    with pytest.raises(ValueError):
        await notifications.notify(event="ruling", key="k:code", recipients=[Recipient(account_id=office.user_id)],
                                   context={"case_number": "X3", "access_code": "ABCD-1234"})
    assert await Notification.count().run() == 0
