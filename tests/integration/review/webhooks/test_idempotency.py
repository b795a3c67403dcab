"""Idempotency-Key on API POSTs, through the guard that serves every endpoint: the same key and body answered
as the first time without acting again, another body refused with 409, keys kept apart per caller, expired
after 24 hours; shown on two endpoints (hotline intake, the office's case screening)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from review.accounts.services import auth
from review.core.api import idempotency
from review.core.tables import AuditEvent, Case, IdempotentRequest
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _hotline(key: str = "k") -> dict[str, str]:
    await factories.department()
    await auth.create_api_key(name=f"hotline-{key}", key=key)
    return {"X-API-Key": key}


async def _post(path: str, body: Any, headers: dict[str, str]) -> Any:
    async with factories.client(**headers) as http:
        return await http.post(path, json=body)


async def test_intake_with_the_same_key_and_body_answers_the_first_time_again() -> None:
    headers = {**await _hotline(), "Idempotency-Key": "0b7c7c7e-1"}
    body = factories.payload()
    first = await _post("/api/v1/cases", body, headers)
    events = await AuditEvent.count().run()
    again = await _post("/api/v1/cases", body, headers)
    assert first.status_code == 201 and "access_code" in first.json()
    assert again.status_code == 201 and again.json() == first.json()  # the access code too, as first answered
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await Case.count().run() == 1 and await AuditEvent.count().run() == events
    # Without the key the intake keeps its source_ref rule: the case is found again, no code handed out.
    plain = await _post("/api/v1/cases", body, {"X-API-Key": "k"})
    assert plain.status_code == 200 and "access_code" not in plain.json()
    # The kept answer is not readable in the table (it holds an access code).
    kept = await IdempotentRequest.select().first().run()
    assert first.json()["access_code"] not in kept["answer"]


async def test_the_same_key_with_another_body_is_a_409_and_acts_not() -> None:
    headers = {**await _hotline(), "Idempotency-Key": "k-2"}
    await _post("/api/v1/cases", factories.payload(source_ref="A-1"), headers)
    other = await _post("/api/v1/cases", factories.payload(source_ref="A-2"), headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert await Case.count().run() == 1


async def test_keys_belong_to_their_caller_and_expire_after_a_day() -> None:
    first = {**await _hotline("k1"), "Idempotency-Key": "same"}
    second = {**await _hotline("k2"), "Idempotency-Key": "same"}
    assert (await _post("/api/v1/cases", factories.payload(source_ref="B-1"), first)).status_code == 201
    assert (await _post("/api/v1/cases", factories.payload(source_ref="B-2"), second)).status_code == 201
    await IdempotentRequest.update({IdempotentRequest.created_at: IdempotentRequest.created_at - timedelta(hours=25)},
                                   force=True).run()
    later = await _post("/api/v1/cases", factories.payload(source_ref="B-3"), first)
    assert later.status_code == 201 and await Case.count().run() == 3
    assert await idempotency.forget_expired() == 1  # the second caller's, a day old


async def test_screening_by_the_office_acts_once_per_key() -> None:
    number, _ = await factories.case()
    office = await factories.account("office")
    token = await auth.issue_token(office)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "screen-1"}
    first = await _post(f"/api/v1/cases/{number}/screen", {"decision": "accept"}, headers)
    again = await _post(f"/api/v1/cases/{number}/screen", {"decision": "accept"}, headers)
    assert first.status_code == 200, first.text
    assert again.status_code == 200 and again.json() == first.json() and again.headers["idempotent-replayed"]
    fresh = await _post(f"/api/v1/cases/{number}/screen", {"decision": "accept"}, {"Authorization": f"Bearer {token}"})
    assert fresh.status_code == 409  # acting again without the key: the case is no longer waiting for screening
    refused = await _post(f"/api/v1/cases/{number}/screen", {"decision": "dismiss", "reason": "不属于评议范围"}, headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_malformed_key_is_refused_naming_the_header() -> None:
    headers = {**await _hotline(), "Idempotency-Key": "has space"}
    response = await _post("/api/v1/cases", factories.payload(), headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "Idempotency-Key"
    assert await Case.count().run() == 0
