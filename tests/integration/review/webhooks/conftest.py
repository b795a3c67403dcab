"""The webhook tests' set-up: receivers on 127.0.0.1 over plain http allowed, retry waits shortened."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from review.core import settings
from review.webhooks.services import delivery
from tests.integration.review.webhooks.receiver import Receiver, serving


@pytest.fixture
def local_receivers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setattr(settings, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setattr(settings, "WEBHOOK_RETRY_SCALE", 0.002)  # 5 s → 10 ms, 5 min → 0.6 s, 30 min → 3.6 s
    monkeypatch.setattr(delivery, "IN_JOB_WAIT", 2.0)  # a longer wait is left to the sweep, as in production


@pytest.fixture
async def receiver(local_receivers: None) -> AsyncIterator[Receiver]:
    async with serving() as served:
        yield served
    await delivery.close_clients()
