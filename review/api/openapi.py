"""The OpenAPI document of /api/v1, built from the route table itself.

Every route under the API mount appears with its methods, path parameters, a summary (the first line of its
endpoint's docstring) and its policy as a security requirement. Nothing is parsed out of docstrings, so no
docstring can break the document, and a new route appears without anyone writing a schema for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from review.actors import Policy

API_PREFIX = "/api/v1"
TITLE = "第三方评议平台 API"

# Starlette's {name:converter} as an OpenAPI parameter schema.
_CONVERTERS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "str": {"type": "string"},
    "path": {"type": "string"},
    "uuid": {"type": "string", "format": "uuid"},
}
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_]+))?\}")

# Who presents what: people (and complainants) a bearer token, the hotline platform its API key.
_BEARER_KINDS = frozenset({"office", "member", "liaison", "complainant"})
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "POST /api/v1/auth/token（工作人员、评议员、联络员）或 POST /api/v1/track（诉求人，仅限本案）换取的令牌",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "热线平台等系统客户端的 API 密钥",
    },
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}


def api_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    """(full path, route) for every endpoint route under /api/v1, however deeply mounted."""
    for route in routes:
        path = prefix + getattr(route, "path", "")
        if isinstance(route, Mount):
            yield from api_routes(route.routes or [], path)
        elif isinstance(route, Route) and path.startswith(API_PREFIX + "/"):
            yield path, route


def _summary(route: Route) -> str:
    """The docstring's first line (a leading `summary:` dropped), or the endpoint's name."""
    lines = [line.strip() for line in (route.endpoint.__doc__ or "").splitlines() if line.strip()]
    first = lines[0] if lines else route.name
    return first.removeprefix("summary:").strip() or route.name


def _security(policy: Policy | None) -> list[dict[str, list[str]]]:
    if policy is None or not policy.kinds:
        return []
    schemes = []
    if policy.kinds & _BEARER_KINDS:
        schemes.append({"bearer": []})
    if "hotline" in policy.kinds:
        schemes.append({"apiKey": []})
    return schemes


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", _PARAM.sub(lambda m: m.group(1), path.removeprefix(API_PREFIX)))
    return f"{method.lower()}{words.rstrip('_') or '_root'}"


def _operation(method: str, path: str, route: Route) -> dict[str, Any]:
    policy: Policy | None = getattr(route, "policy", None)
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _CONVERTERS.get(kind or "str", {"type": "string"}),
        }
        for name, kind in _PARAM.findall(path)
    ]
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    operation: dict[str, Any] = {
        "operationId": _operation_id(method, path),
        "summary": _summary(route),
        "security": _security(policy),
        "responses": {
            "200": {"description": "成功"},
            "4XX": {"description": "请求被拒绝（见 error.code）", **error},
        },
        "x-policy": policy.name if policy else "none",
    }
    if parameters:
        operation["parameters"] = parameters
    if method in ("POST", "PUT", "PATCH"):
        operation["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return operation


def document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3 document for every API route in `routes` (the application's route table)."""
    paths: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for path, route in api_routes(routes):
        template = _PARAM.sub(lambda m: "{" + m.group(1) + "}", path)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            # Starlette serves the first route that matches a path and method; so does the document.
            operations = paths.setdefault(template, {})
            if method.lower() not in operations:
                operation = _operation(method, path, route)
                # Two paths that differ only in punctuation (/a-b, /a_b) must not share an operationId.
                while operation["operationId"] in used:
                    operation["operationId"] += "_"
                used.add(operation["operationId"])
                operations[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {"securitySchemes": SECURITY_SCHEMES, "schemas": {"Error": ERROR_SCHEMA}},
    }
