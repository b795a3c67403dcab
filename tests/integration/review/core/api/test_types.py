"""The API's declared types validate its input: refusals are 4xx in the documented error form naming the field,
and the inputs Schemathesis found answering 500 stay answered (each case below is one it found)."""

from __future__ import annotations

import pytest

from review.accounts.services import auth
from review.core.tables import Case
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

KEY = "types-hotline-key"


async def _office() -> dict[str, str]:
    return {"Authorization": f"Bearer {await auth.issue_token(await factories.account('office'))}"}


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["error"]


@pytest.mark.parametrize("path", [
    "/api/v1/draws/12599668047151320006656",
    "/api/v1/rounds/2147483648",
    "/api/v1/roster/99999999999999999999",
    "/api/v1/criteria/drafts/99999999999999999999",
    "/api/v1/criteria/99999999999999999999",
    "/api/v1/verdicts/bulk/99999999999999999999",
], ids=["draw", "round", "member", "draft", "criteria-version", "bulk"])
async def test_api_id_beyond_any_row_answers_404_not_500(path: str) -> None:
    async with factories.client(**await _office()) as http:
        response = await http.get(path)

    assert response.status_code == 404, response.text
    assert _error(response)["code"].endswith("not_found")


async def test_api_nul_in_a_path_is_refused_naming_the_parameter() -> None:
    async with factories.client(**await _office()) as http:
        response = await http.get("/api/v1/cases/PY2026%00")

    assert response.status_code == 422 and _error(response)["code"] == "invalid_text"
    assert _error(response)["field"] == "number"


async def test_api_nul_in_body_text_is_refused_naming_the_field() -> None:
    await factories.department()
    await auth.create_api_key(name="hotline", key=KEY)

    async with factories.client(**{"X-API-Key": KEY}) as http:
        response = await http.post("/api/v1/cases", json=factories.payload(content="井盖\x00缺失"))

    assert response.status_code == 422
    assert _error(response)["field"] == "content"
    assert await Case.count().run() == 0


async def test_api_wrong_type_deep_in_a_body_names_its_path() -> None:
    await factories.department()
    await auth.create_api_key(name="hotline", key=KEY)
    body = factories.payload()
    body["complainant"]["name"] = 42

    async with factories.client(**{"X-API-Key": KEY}) as http:
        response = await http.post("/api/v1/cases", json=body)

    assert response.status_code == 422
    assert _error(response) | {"message": ""} == {"code": "invalid_field", "field": "complainant.name", "message": ""}


async def test_api_missing_field_is_named() -> None:
    number, _ = await factories.case()

    async with factories.client(**await _office()) as http:
        response = await http.post(f"/api/v1/cases/{number}/screen", json={"reason": "x"})

    assert response.status_code == 422
    assert _error(response)["code"] == "missing_field" and _error(response)["field"] == "decision"


@pytest.mark.parametrize("page", ["x", "0", "-1", "1e9", "99999999999999999999"])
async def test_api_roster_page_that_is_not_a_page_number_is_422(page: str) -> None:
    async with factories.client(**await _office()) as http:
        response = await http.get("/api/v1/roster", params={"page": page})

    assert response.status_code == 422, response.text
    assert _error(response)["field"] == "page"


async def test_api_body_nested_deeper_than_any_field_is_invalid_json() -> None:
    number, _ = await factories.case()

    async with factories.client(**await _office()) as http:
        response = await http.post(f"/api/v1/cases/{number}/screen", content=b"[" * 100_000,
                                   headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert _error(response)["code"] in {"invalid_json", "invalid_body"}


async def test_api_lone_surrogate_in_a_body_is_refused_naming_the_field() -> None:
    number, _ = await factories.case()

    async with factories.client(**await _office()) as http:
        response = await http.post(f"/api/v1/cases/{number}/screen",
                                   content=b'{"decision": "dismiss", "reason": "\\ud800"}',
                                   headers={"content-type": "application/json"})

    assert response.status_code == 422 and _error(response)["code"] == "invalid_text"
    assert _error(response)["field"] == "reason"


async def test_openapi_document_declares_bodies_and_replies_from_the_types() -> None:
    async with factories.client() as http:
        document = (await http.get("/api/v1/openapi.json")).json()

    schemas = document["components"]["schemas"]
    intake = document["paths"]["/api/v1/cases"]["post"]
    body = intake["requestBody"]["content"]["application/json"]["schema"]
    assert document["openapi"] == "3.1.0"
    assert body == {"$ref": "#/components/schemas/IntakeBody"}
    assert {"source_ref", "channel", "complainant", "rating"} <= set(schemas["IntakeBody"]["required"])
    assert set(schemas["IntakeBody"]["properties"]["rating"]["enum"]) == {"satisfied", "basic", "unsatisfied"}
    assert intake["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Intake"}
    assert intake["responses"]["4XX"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    roster = document["paths"]["/api/v1/roster"]["get"]["parameters"]
    assert {"name": "page", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}} in roster


async def test_api_saved_template_reply_has_its_seats_and_chair_roles_as_values_not_text() -> None:
    body = {"name": "五人评议组", "seats": {"lawyer": 2, "deputy": 1, "resident": 1, "expert": 1},
            "chair_roles": ["lawyer"], "reply_days": 3}

    async with factories.client(**await _office()) as http:
        response = await http.post("/api/v1/templates", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["seats"] == body["seats"] and response.json()["chair_roles"] == ["lawyer"]
