"""`notify_many`: many notifications in one transaction, each stored once per (key, recipient) however often or by
however many callers at once; the deliveries queued only after the commit; `store_many` inside a caller's
transaction leaves nothing when that transaction is rolled back."""

from __future__ import annotations

import asyncio

import pytest

from review.core import db
from review.core.db import bulk
from review.notifications import services as notifications
from review.notifications.services import Notice, Recipient
from review.notifications.tables import Delivery, Notification
from tests import factories
from tests.conftest import run_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _notice(key: str, *recipients: Recipient, number: str = "X1") -> Notice:
    return Notice(event="reminder", key=key, recipients=list(recipients),
                  context={"case_number": number, "stage": "审查", "due": "12月10日"})


async def test_notify_many_stores_each_key_and_recipient_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SQLITE_ROWS", 2)  # several statements in one call on SQLite
    first, second = await factories.account("office"), await factories.account("office")
    a, b = Recipient(account_id=first.user_id), Recipient(account_id=second.user_id)
    notices = [_notice("k:1", a, b), _notice("k:2", a), _notice("k:1", a), _notice("k:3", b, b)]

    assert await notifications.notify_many(notices) == 4
    assert await notifications.notify_many(notices) == 0
    assert await notifications.notify_many([_notice("k:2", a, b), _notice("k:4")]) == 1  # b is new; nobody for k:4
    assert await notifications.notify(event="reminder", key="k:3", recipients=[a, b],
                                      context={"case_number": "X1"}) == 1

    rows = await Notification.select(Notification.key, Notification.account).run()
    assert sorted((r["key"], r["account"]) for r in rows) == sorted(
        (key, account.user_id) for key in ("k:1", "k:2", "k:3") for account in (first, second))
    assert all(r["subject"].startswith("催办提醒：案件 X1") for r in await Notification.select().run())


async def test_notify_many_queues_the_deliveries_after_its_commit() -> None:
    number, _ = await factories.case()
    told = Recipient(case_number=number)
    assert await notifications.notify_many([_notice("k:sms", told, number=number),
                                            _notice("k:sms2", told, Recipient(case_number="NO-SUCH"))]) == 2
    await run_jobs()
    deliveries = await Delivery.select(Delivery.channel, Delivery.status).run()
    assert sorted(d["channel"] for d in deliveries) == ["sms", "sms"]
    assert all(d["status"] == "sent" for d in deliveries)  # queued after the commit, sent by the job


async def test_store_many_in_a_transaction_rolled_back_leaves_nothing() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    with pytest.raises(RuntimeError):
        async with db.transaction():
            stored = await notifications.store_many([_notice("k:gone", Recipient(account_id=office.user_id),
                                                             Recipient(case_number=number), number=number)])
            assert stored.count == 2 and len(stored.deliveries) == 1
            raise RuntimeError("the caller's write failed")

    assert await Notification.count().run() == 0
    assert await Delivery.count().run() == 0
    # Told again by a caller that commits: stored then, once.
    async with db.transaction():
        stored = await notifications.store_many([_notice("k:gone", Recipient(account_id=office.user_id))])
    await notifications.queue_stored(stored)
    assert stored.count == 1 and await Notification.count().run() == 1


@pytest.mark.postgres_only
async def test_notify_many_at_once_on_postgres_stores_each_once() -> None:
    accounts = [await factories.account("office") for _ in range(4)]
    number, _ = await factories.case()
    people = [Recipient(account_id=a.user_id) for a in accounts] + [Recipient(case_number=number)]
    notices = [_notice(f"k:{n}", *people, number=number) for n in range(30)]
    await db.stop()
    await db.start(pool_size=24)
    try:
        # The same notices from callers at once, in opposite orders: each stored once, none deadlocked.
        results = await asyncio.gather(*[
            notifications.notify_many(notices if n % 2 else list(reversed(notices))) for n in range(10)])
    finally:
        await run_jobs()
        await db.stop()
        await db.start()
    assert sum(results) == len(notices) * len(people)
    assert await Notification.count().run() == len(notices) * len(people)
    assert await Delivery.count().where(Delivery.channel == "sms").run() == len(notices)
