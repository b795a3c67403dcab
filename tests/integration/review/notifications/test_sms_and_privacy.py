"""SMS through the logging gateway and the HTTP one; nothing sent or logged names the complainant, their phone
or their access code (the privacy walk's checks)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from review.core import settings
from review.core.tables import Case
from review.notifications import services as notifications
from review.notifications.services import Recipient
from review.notifications.tables import Delivery, Notification
from tests import factories
from tests.conftest import run_jobs
from tests.integration.review.test_privacy import _leaks

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

EVENTS = {
    "invitation": {"case_number": "{n}", "category": "城市管理", "reply_by": "12月8日", "link": "/panel/invitations"},
    "reminder": {"case_number": "{n}", "stage": "评分", "due": "12月10日"},
    "escalation": {"case_number": "{n}", "stage": "评分", "due": "12月10日", "overdue": "2 个工作日"},
    "mediation_notice": {"case_number": "{n}", "starts_at": "12月12日 14:00", "mode": "线上"},
    "redo_order": {"case_number": "{n}", "deadline": "2027年1月5日"},
    "ruling": {"case_number": "{n}", "grade": "办理不到位"},
}


class Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append({"auth": self.headers["Authorization"], **json.loads(body)})
        self.send_response(Gateway.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Gateway]]:
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    Gateway.received, Gateway.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(settings, "SMS_GATEWAY_URL", f"http://127.0.0.1:{server.server_address[1]}/sms")
    monkeypatch.setattr(settings, "SMS_GATEWAY_KEY", "gateway-key")
    try:
        yield Gateway
    finally:
        server.shutdown()
        server.server_close()


async def _complainant() -> tuple[str, str, list[str]]:
    number, code = await factories.case()
    case = await Case.select().where(Case.number == number).first().run()
    personal = [case["complainant_name"], case["complainant_phone"], code]
    return number, code, [p for p in personal if p]


async def test_every_event_to_a_complainant_holds_nothing_personal(caplog: pytest.LogCaptureFixture) -> None:
    number, _, personal = await _complainant()
    caplog.set_level(logging.INFO)
    for event, context in EVENTS.items():
        await notifications.notify(event=event, key=f"k:{event}", recipients=[Recipient(case_number=number)],
                                   context={k: v.replace("{n}", number) for k, v in context.items()})
    await run_jobs()
    rows = await Notification.select(Notification.subject, Notification.body).run()
    assert len(rows) == len(EVENTS)
    for row in rows:
        assert number in row["subject"]
        assert _leaks(row["subject"] + row["body"], personal) == []
    assert await Delivery.count().where(Delivery.status == "sent").run() == len(EVENTS)  # logged SMS
    assert "SMS to 138****" in caplog.text
    assert _leaks(caplog.text, personal) == []


async def test_sms_gateway_receives_json_with_its_key(gateway: type[Gateway],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    number, _, personal = await _complainant()
    caplog.set_level(logging.INFO)
    await notifications.notify(event="ruling", key="k:gw", recipients=[Recipient(case_number=number)],
                               context={"case_number": number, "grade": "办理到位"})
    await run_jobs()
    assert len(gateway.received) == 1
    sms = gateway.received[0]
    assert sms["auth"] == "Bearer gateway-key" and sms["phone"] == personal[1]
    assert sms["text"].startswith(f"【第三方评议平台】评议结论：案件 {number}")
    assert "http://testserver/track/case" in sms["text"]
    assert _leaks(caplog.text, personal) == []


async def test_sms_gateway_refusing_is_retried(gateway: type[Gateway]) -> None:
    number, _, _ = await _complainant()
    gateway.status = 503
    await notifications.notify(event="ruling", key="k:gw503", recipients=[Recipient(case_number=number)],
                               context={"case_number": number})
    await run_jobs()
    row = await Delivery.select().first().run()
    assert row["status"] == "retrying" and row["last_error"] == "SMS gateway: HTTP 503"
