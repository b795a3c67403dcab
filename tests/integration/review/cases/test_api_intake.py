"""Intake through the API: POST /api/v1/cases with the hotline's API key (DESIGN §10)."""

from __future__ import annotations

from typing import Any

import pytest

from review.accounts.services import auth
from review.core.tables import AuditEvent, Case
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

KEY = "k"


async def _hotline() -> dict[str, str]:
    await factories.department()
    await auth.create_api_key(name="hotline", key=KEY)
    return {"X-API-Key": KEY}


async def _stored() -> tuple[int, int]:
    return await Case.count().run(), await AuditEvent.count().run()


async def _post(body: Any = None, *, content: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    async with factories.client(**(headers or {})) as http:
        if content is not None:
            return await http.post("/api/v1/cases", content=content, headers={"content-type": "application/json"})
        return await http.post("/api/v1/cases", json=body)


def _error(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "field"}
    assert body["error"]["message"]
    return body["error"]


async def test_intake_new_case_returns_201_with_number_and_code() -> None:
    headers = await _hotline()

    response = await _post(factories.payload(), headers=headers)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"case_number", "access_code", "status"}
    assert body["status"] == "received"
    assert body["case_number"].startswith("PY2026")
    assert len(body["access_code"].replace("-", "")) == 16
    row = await Case.select(Case.status, Case.complainant_name).where(Case.number == body["case_number"]).first().run()
    assert row == {"status": "received", "complainant_name": "王小明"}


async def test_intake_same_source_ref_and_payload_returns_200_same_case() -> None:
    headers = await _hotline()
    body = factories.payload()
    first = await _post(body, headers=headers)
    before = await _stored()

    again = await _post(body, headers=headers)

    assert again.status_code == 200
    assert again.json() == {"case_number": first.json()["case_number"], "status": "received"}
    assert await _stored() == before


async def test_intake_same_source_ref_other_payload_returns_409() -> None:
    headers = await _hotline()
    body = factories.payload()
    await _post(body, headers=headers)
    before = await _stored()

    response = await _post({**body, "content": "内容被改过了。"}, headers=headers)

    assert response.status_code == 409
    assert _error(response)["code"] == "source_ref_conflict"
    assert await _stored() == before


@pytest.mark.parametrize("rating", ["basic", "satisfied"])
async def test_intake_rating_not_unsatisfied_returns_422_and_stores_nothing(rating: str) -> None:
    headers = await _hotline()
    before = await _stored()

    response = await _post(factories.payload(rating=rating), headers=headers)

    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "not_unsatisfied"
    assert error["field"] == "rating"
    assert await _stored() == before


def _without(field: str) -> dict[str, Any]:
    body = factories.payload()
    del body[field]
    return body


def _with_phone(phone: str) -> dict[str, Any]:
    body = factories.payload()
    body["complainant"] = {**body["complainant"], "phone": phone}
    return body


@pytest.mark.parametrize(("body", "field"), [
    (lambda: _without("content"), "content"),
    (lambda: _without("source_ref"), "source_ref"),
    (lambda: factories.payload(content="   "), "content"),
    (lambda: factories.payload(channel="telegram"), "channel"),
    (lambda: factories.payload(received_at="2026-10-08T09:30:00"), "received_at"),
    (lambda: factories.payload(received_at="yesterday"), "received_at"),
    (lambda: _with_phone("call me maybe"), "complainant.phone"),
    (lambda: factories.payload(complainant=None), "complainant"),
    (lambda: factories.payload(department_code="NOPE"), "department_code"),
    (lambda: factories.payload(rating="angry"), "rating"),
], ids=["content-missing", "source-ref-missing", "content-blank", "channel-invalid", "received-at-naive",
        "received-at-garbage", "phone-invalid", "complainant-missing", "department-unknown", "rating-invalid"])
async def test_intake_invalid_field_returns_422_naming_it(body: Any, field: str) -> None:
    headers = await _hotline()
    before = await _stored()

    response = await _post(body(), headers=headers)

    assert response.status_code == 422
    assert _error(response)["field"] == field
    assert await _stored() == before


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'["a", "list"]'], ids=["broken", "binary", "list"])
async def test_intake_body_not_a_json_object_returns_422(raw: bytes) -> None:
    headers = await _hotline()
    before = await _stored()

    response = await _post(content=raw, headers=headers)

    assert response.status_code == 422
    assert _error(response)["code"] in {"invalid_json", "invalid_body"}
    assert await _stored() == before


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "not-the-key"}], ids=["no-key", "wrong-key"])
async def test_intake_without_valid_key_returns_401(headers: dict[str, str]) -> None:
    await _hotline()
    before = await _stored()

    response = await _post(factories.payload(), headers=headers)

    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"
    assert await _stored() == before


async def test_intake_by_staff_token_returns_403() -> None:
    await _hotline()
    office = await factories.account("office")
    token = await auth.issue_token(office)
    before = await _stored()

    response = await _post(factories.payload(), headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert _error(response)["code"] == "forbidden"
    assert await _stored() == before
