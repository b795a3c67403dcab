"""GET /api/v1/openapi.json: a valid OpenAPI 3 document naming every API route, whatever the docstrings say."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from starlette.routing import BaseRoute, Mount, Route

from review.app import app
from review.core.actors import OFFICE, PUBLIC
from review.core.api import openapi
from review.core.web.guard import route
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _walk(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    """(METHOD, path) for every route of the application under /api/v1/, found independently of the builder."""
    found = []
    for r in routes:
        path = prefix + getattr(r, "path", "")
        if isinstance(r, Mount):
            found.extend(_walk(list(r.routes), path))
        elif isinstance(r, Route) and path.startswith("/api/v1/"):
            found.extend((m, path) for m in (r.methods or {"GET"}) if m != "HEAD")
    return found


def _template(path: str) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]+)?\}", r"{\1}", path)


async def test_openapi_document_is_valid_openapi_3() -> None:
    async with factories.client() as http:
        response = await http.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")


async def test_openapi_document_names_every_api_route_and_method() -> None:
    async with factories.client() as http:
        paths = (await http.get("/api/v1/openapi.json")).json()["paths"]

    routes = _walk(list(app.routes))
    missing = [f"{m} {p}" for m, p in routes if m.lower() not in paths.get(_template(p), {})]

    operation_ids = [op["operationId"] for methods in paths.values() for op in methods.values()]
    assert len(routes) > 40
    assert missing == []
    assert len(operation_ids) == len(set(operation_ids))
    assert all(op["summary"] for methods in paths.values() for op in methods.values())


def test_every_api_route_declares_its_input_and_replies() -> None:
    undeclared = [f"{sorted(r.methods or [])} {path}" for path, r in openapi.api_routes(app.routes)
                  if getattr(r, "operation", None) is None]

    assert undeclared == []


async def test_every_operation_documents_its_replies_and_the_error_form() -> None:
    async with factories.client() as http:
        paths = (await http.get("/api/v1/openapi.json")).json()["paths"]

    for path, methods in paths.items():
        for method, op in methods.items():
            success = {s: r for s, r in op["responses"].items() if s.startswith("2")}
            assert success and all(r.get("content") for r in success.values()), f"{method} {path}"
            assert op["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}


async def test_openapi_document_carries_policies_and_path_parameters() -> None:
    async with factories.client() as http:
        paths = (await http.get("/api/v1/openapi.json")).json()["paths"]

    intake = paths["/api/v1/cases"]["post"]
    detail = paths["/api/v1/cases/{number}"]["get"]
    member = paths["/api/v1/roster/{member_id}"]["get"]
    assert intake["security"] == [{"apiKey": []}] and intake["x-policy"] == "hotline"
    assert detail["security"] == [{"bearer": []}]
    assert paths["/api/v1/verdicts/{code}"]["get"]["security"] == []
    assert member["parameters"] == [
        {"name": "member_id", "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}
    ]
    assert intake["summary"].startswith("热线平台推送")


async def _endpoint(request):  # type: ignore[no-untyped-def]
    """summary: a: b: [unclosed
    - not: {yaml"""


def test_openapi_docstring_that_is_not_yaml_cannot_break_the_document() -> None:
    from starlette.routing import Mount

    routes = [
        Mount(
            "/api/v1",
            routes=[
                route("/broken/{x:int}", _endpoint, OFFICE, methods=["POST"]),
                route("/bare", lambda r: None, PUBLIC),
            ],
        )
    ]  # type: ignore[arg-type,return-value]

    document = openapi.document(routes)

    validate(document)
    assert document["paths"]["/api/v1/broken/{x}"]["post"]["summary"] == "a: b: [unclosed"
    assert document["paths"]["/api/v1/bare"]["get"]["summary"]
