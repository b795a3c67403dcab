"""The office's endpoints, through the pages and the API: a private or plain-http address refused at
registration and again at delivery, a rotated secret verifying during the overlap (both sign), a replay keeping
its webhook-id and signed anew, every failed delivery since a time sent again, the pages on a phone."""

from __future__ import annotations

import re
import socket

import pytest

from review.accounts.services import auth
from review.core import db, settings
from review.core.errors import Invalid
from review.webhooks import services as webhooks
from review.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import csrf_of, web
from tests.integration.review.webhooks.receiver import Behaviour, Receiver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _office_api() -> dict[str, str]:
    office = await factories.account("office")
    return {"Authorization": f"Bearer {await auth.issue_token(office)}"}


async def _emit(event_type: str, **data: object) -> str | None:
    async with db.transaction():
        return await webhooks.emit(event_type, data)


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/",
                                 "https://[::1]/hook", "https://192.168.0.8/x", "http://example.com/hook",
                                 "ftp://example.com/", "https://user:pw@example.com/"])
async def test_an_address_that_may_not_be_called_is_refused(url: str) -> None:
    headers = await _office_api()
    async with factories.client(**headers) as http:
        response = await http.post("/api/v1/webhooks", json={"url": url, "events": ["ruling.issued"]})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "url"
    assert await WebhookEndpoint.count().run() == 0


async def test_an_address_pointed_inside_after_registration_is_refused_at_delivery(receiver: Receiver,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    endpoint_id, secret = await webhooks.register(actor=office, url=receiver.url("a"), events=["case.received"])
    receiver.paths["a"] = Behaviour(secrets=[secret])
    monkeypatch.setattr(settings, "WEBHOOK_ALLOWED_NETWORKS", "")  # the loopback receiver is now "inside"
    await _emit("case.received", case_number="2026-000001")
    await run_jobs()
    assert receiver.attempts == {}
    attempt = await WebhookAttempt.select().first().run()
    assert attempt["status_code"] is None and "内部网络" in attempt["error"]
    assert (await WebhookDelivery.select().first().run())["status"] == "retrying"
    assert endpoint_id


async def test_during_a_rotation_both_secrets_sign(receiver: Receiver) -> None:
    headers = await _office_api()
    async with factories.client(**headers) as http:
        made = (await http.post("/api/v1/webhooks", json={"url": receiver.url("r"), "events": ["verdict.issued"]})).json()
        rotated = (await http.post(f"/api/v1/webhooks/{made['id']}/rotate")).json()
    assert rotated["secret"] != made["secret"] and rotated["previous_until"]
    receiver.paths["r"] = Behaviour(secrets=[made["secret"]])  # a receiver that has not switched yet
    first = await _emit("verdict.issued", verdict_id=1, verdict_number="成评〔2026〕1号")
    await run_jobs()
    receiver.paths["r"] = Behaviour(secrets=[rotated["secret"]])  # and one that has
    second = await _emit("verdict.issued", verdict_id=2, verdict_number="成评〔2026〕2号")
    await run_jobs()
    assert receiver.accepted == {first: 1, second: 1} and receiver.refused == 0
    assert all(len(s.split(" ")) == 2 for sigs in receiver.signatures.values() for s in sigs)
    # After the overlap only the new secret signs.
    await WebhookEndpoint.update({WebhookEndpoint.previous_until: WebhookEndpoint.created_at}, force=True).run()
    receiver.paths["r"] = Behaviour(secrets=[made["secret"]])
    third = await _emit("verdict.issued", verdict_id=3, verdict_number="成评〔2026〕3号")
    await run_jobs()
    assert third not in receiver.accepted and receiver.refused >= 1
    assert len(receiver.signatures[third][0].split(" ")) == 1


async def test_a_replay_keeps_the_webhook_id_and_is_signed_anew(receiver: Receiver) -> None:
    headers = await _office_api()
    async with factories.client(**headers) as http:
        made = (await http.post("/api/v1/webhooks", json={"url": receiver.url("p"), "events": ["ruling.issued"]})).json()
    receiver.paths["p"] = Behaviour(secrets=[made["secret"]])
    message_id = await _emit("ruling.issued", case_number="2026-000009", ruling_id=3, grade="improper")
    await run_jobs()
    delivery = await WebhookDelivery.select(WebhookDelivery.id).first().run()
    async with factories.client(**headers) as http:
        replayed = await http.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/replay")
        assert replayed.status_code == 201
        await run_jobs()
        detail = (await http.get(f"/api/v1/webhooks/deliveries/{replayed.json()['delivery_id']}")).json()
    assert receiver.attempts[message_id] == 2 and receiver.accepted[message_id] == 2
    assert detail["webhook_id"] == message_id and detail["replay"] and detail["status"] == "delivered"
    assert detail["log"][0]["status_code"] == 200 and detail["log"][0]["replay"]
    # Both requests carried the same id, each verified by the reference library under the endpoint's secret
    # against its own timestamp: the replay was signed when it was sent.
    assert len(receiver.signatures[message_id]) == 2 and receiver.refused == 0


async def test_every_failed_delivery_since_a_time_is_sent_again(receiver: Receiver) -> None:
    office = await factories.account("office")
    endpoint_id, secret = await webhooks.register(actor=office, url=receiver.url("f"), events=["case.received"])
    receiver.paths["f"] = Behaviour(secrets=[secret])
    ids = [await _emit("case.received", case_number=f"2026-00001{i}") for i in range(3)]
    await run_jobs()
    await WebhookDelivery.update({WebhookDelivery.status: "failed"}, force=True).run()  # as if given up
    headers = await _office_api()
    async with factories.client(**headers) as http:
        response = await http.post(f"/api/v1/webhooks/{endpoint_id}/replay-failed", json={"since": "2020-01-01"})
    assert response.json() == {"replayed": 3}
    await run_jobs()
    assert receiver.accepted == {message_id: 2 for message_id in ids}


async def test_the_pages_register_show_the_secret_once_and_list_the_log(receiver: Receiver) -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        csrf = csrf_of(await http.get("/office/webhooks"))
        made = await http.post("/office/webhooks", data={"csrf_token": csrf, "url": receiver.url("w"),
                                                        "events": ["case.received", "ruling.issued"],
                                                        "description": "热线平台"})
        assert made.status_code == 201 and "whsec_" in made.text
        secret = re.search(r"(whsec_[A-Za-z0-9+/=]+)", made.text)[1]  # type: ignore[index]
        receiver.paths["w"] = Behaviour(secrets=[secret])
        endpoint = await WebhookEndpoint.select().first().run()
        listed = await http.get("/office/webhooks")
        assert "whsec_" not in listed.text and receiver.url("w") in listed.text
        message_id = await _emit("case.received", case_number="2026-000020")
        await run_jobs()
        detail = await http.get(f"/office/webhooks/{endpoint['id']}")
        assert message_id and message_id in detail.text and "已送达" in detail.text
        refused = await http.post("/office/webhooks", data={"csrf_token": csrf, "url": "https://10.0.0.1/x",
                                                           "events": ["case.received"]})
        assert refused.status_code == 422 and "内部网络" in refused.text


def test_the_receiver_host_is_loopback() -> None:
    assert socket.gethostbyname("localhost").startswith("127.")


async def test_an_unknown_event_type_or_a_personal_field_is_refused() -> None:
    office = await factories.account("office")
    with pytest.raises(Invalid):
        await webhooks.register(actor=office, url="https://example.com/", events=["case.deleted"])
    with pytest.raises(ValueError, match="complainant"):
        await _emit("case.received", case_number="2026-000001", complainant="张三")


async def test_the_endpoint_page_rotates_stops_starts_and_replays(receiver: Receiver) -> None:
    office = await factories.account("office")
    endpoint_id, secret = await webhooks.register(actor=office, url=receiver.url("e"), events=["case.received"])
    receiver.paths["e"] = Behaviour(secrets=[secret])
    message_id = await _emit("case.received", case_number="2026-000030")
    await run_jobs()
    delivery = await WebhookDelivery.select(WebhookDelivery.id).first().run()
    page = f"/office/webhooks/{endpoint_id}"
    async with await web(office) as http:
        csrf = csrf_of(await http.get(page))
        rotated = await http.post(f"{page}/rotate", data={"csrf_token": csrf})
        assert rotated.status_code == 200 and "whsec_" in rotated.text and "同时签名" in rotated.text
        assert (await http.post(f"{page}/disable", data={"csrf_token": csrf})).status_code == 303
        assert "已停用" in (await http.get(page)).text
        refused = await http.post(f"/office/webhooks/deliveries/{delivery['id']}/replay", data={"csrf_token": csrf})
        assert refused.status_code == 409 and "先启用" in refused.text
        assert (await http.post(f"{page}/enable", data={"csrf_token": csrf})).status_code == 303
        replayed = await http.post(f"/office/webhooks/deliveries/{delivery['id']}/replay", data={"csrf_token": csrf})
        assert replayed.status_code == 303
        await run_jobs()
        shown = await http.get(replayed.headers["location"])
        assert message_id in shown.text and "已送达" in shown.text and "200" in shown.text
        bad = await http.post(f"{page}/replay-failed", data={"csrf_token": csrf, "since": "昨天"})
        assert bad.status_code == 422 and "起始时间" in bad.text
        none = await http.post(f"{page}/replay-failed", data={"csrf_token": csrf, "since": "2026-01-01T00:00"})
        assert none.status_code == 200 and "已重新发送 0 条" in none.text
    assert receiver.accepted[message_id] == 2
