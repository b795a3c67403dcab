"""The leak gate on an export leaving through a request: the answer is a refusal naming the kind and the place,
and the office is told (by a job: the request itself writes nothing)."""

from __future__ import annotations

import pytest

from review.core.tables import AuditEvent
from review.notifications.tables import Notification
from review.publication.tables import LeakStop
from tests import factories
from tests.conftest import run_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_an_export_carrying_an_identifier_is_refused_and_reported() -> None:
    await factories.account("office")
    await factories.department("CDXX", "成都市某局（值班手机13800001234）")
    await factories.department("CDJT", "成都市交通运输局")
    async with factories.client() as http:
        answer = await http.get("/public/assessments/departments/CDXX/export.json", params={"period": "2026-11"})
        clean = await http.get("/public/assessments/departments/CDJT/export.json", params={"period": "2026-11"})
    await run_jobs()

    assert answer.status_code == 409 and "13800001234" not in answer.text
    assert "CDXX 历史·说明：电话号码" in answer.text
    assert clean.status_code == 200 and "成都市交通运输局" in clean.text
    stops = await LeakStop.select(LeakStop.output, LeakStop.subject).run()
    assert stops == [{"output": "export", "subject": "CDXX 历史"}]
    assert await AuditEvent.count().where(AuditEvent.action == "leak_stopped") == 1
    told = await Notification.select(Notification.body).where(Notification.event == "leak_stopped").run()
    assert told and all("13800001234" not in n["body"] for n in told)
