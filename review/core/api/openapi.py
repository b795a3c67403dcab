"""The OpenAPI document of /api/v1, built from the route table itself.

Every route under the API mount appears with its methods, path parameters, a summary (the first line of its
endpoint's docstring) and its policy as a security requirement. Its query parameters, request body and
replies are the JSON Schemas of the msgspec types the endpoint declares (`review.core.api.contract`), the same
types that decode its input, so the document cannot say other than the code does. Nothing is parsed out of
docstrings, so no docstring can break the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from starlette.routing import BaseRoute, Mount, Route

from review.core.actors import Policy
from review.core.api.contract import ID_MAX, Error, Operation

API_PREFIX = "/api/v1"
TITLE = "第三方评议平台 API"

# Starlette's {name:converter} as an OpenAPI parameter schema.
_CONVERTERS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0, "maximum": ID_MAX},
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
    schemes: list[dict[str, list[str]]] = []
    if policy.kinds & _BEARER_KINDS:
        schemes.append({"bearer": []})
    if "hotline" in policy.kinds:
        schemes.append({"apiKey": []})
    return schemes


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", _PARAM.sub(lambda m: m.group(1), path.removeprefix(API_PREFIX)))
    return f"{method.lower()}{words.rstrip('_') or '_root'}"


_REF = "#/components/schemas/{name}"
_ERROR = {"$ref": _REF.format(name="Error")}


class _Schemas:
    """The JSON Schema of every declared type, each type written once under components."""

    components: dict[str, dict[str, Any]]  # a schema by its name

    def __init__(self, operations: Iterable[Operation]) -> None:
        kinds: list[Any] = [Error]
        for op in operations:
            kinds += [k for k in (op.body, op.query, *op.responses.values()) if k is not None]
        self._kinds = kinds
        found, self.components = msgspec.json.schema_components(kinds, ref_template=_REF)
        self._found = found

    def of(self, kind: Any) -> dict[str, Any]:
        return self._found[self._kinds.index(kind)]

    def fields(self, kind: Any) -> dict[str, Any]:
        """The object schema behind a Struct's reference (its properties and required names)."""
        schema = self.of(kind)
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        return self.components.get(name, schema)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": _CONVERTERS.get(kind or "str", {"type": "string"})}
        for name, kind in _PARAM.findall(path)
    ]


def _query_parameters(op: Operation, schemas: _Schemas) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    fields = schemas.fields(op.query)
    required = set(fields.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": schema}
            for name, schema in fields.get("properties", {}).items()]


def _request_body(op: Operation, schemas: _Schemas) -> dict[str, Any] | None:
    content = {media: {"schema": schema} for media, schema in op.uploads.items()}
    if op.body is not None:
        content["application/json"] = {"schema": schemas.of(op.body)}
    if not content:
        return None
    needs = op.body is None or bool(schemas.fields(op.body).get("required"))
    return {"required": needs or bool(op.uploads), "content": content}


def _responses(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, kind in op.responses.items():
        # A refusal with its own reply (an import's row report) may also be the error form itself.
        schema = {"anyOf": [schemas.of(kind), _ERROR]} if status >= 400 else schemas.of(kind)
        description = "成功" if status < 400 else "请求被拒绝"
        responses[str(status)] = {"description": description, "content": {"application/json": {"schema": schema}}}
    for status, media in op.files.items():
        kinds = (media,) if isinstance(media, str) else media
        responses[str(status)] = {"description": "文件", "content": {kind: {"schema": {}} for kind in kinds}}
    return responses


def _operation(method: str, path: str, route: Route, schemas: _Schemas) -> dict[str, Any]:
    policy: Policy | None = getattr(route, "policy", None)
    declared: Operation | None = getattr(route, "operation", None)
    parameters = _path_parameters(path)
    responses: dict[str, Any] = {"200": {"description": "成功"}}
    body = None
    if declared is not None:
        parameters += _query_parameters(declared, schemas)
        responses = _responses(declared, schemas)
        body = _request_body(declared, schemas)
    elif method in ("POST", "PUT", "PATCH"):
        body = {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}
    responses["4XX"] = {"description": "请求被拒绝（见 error.code）",
                        "content": {"application/json": {"schema": _ERROR}}}
    operation: dict[str, Any] = {
        "operationId": _operation_id(method, path),
        "summary": _summary(route),
        "security": _security(policy),
        "responses": responses,
        "x-policy": policy.name if policy else "none",
    }
    if method == "POST":
        parameters.append(_IDEMPOTENCY_KEY)
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = body
    return operation


# Every POST takes one (review.core.api.idempotency).
_IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    "description": "同一调用方 24 小时内以同一键、同一请求重发，得到首次的答复（带 Idempotent-Replayed: true 头）而不再执行；"
                   "同一键用于不同请求答复 409",
}


def document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every API route in `routes` (the application's route table)."""
    found = list(api_routes(routes))
    schemas = _Schemas(op for _, r in found if (op := getattr(r, "operation", None)) is not None)
    paths: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for path, route in found:
        template = _PARAM.sub(lambda m: "{" + m.group(1) + "}", path)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            # Starlette serves the first route that matches a path and method; so does the document.
            operations = paths.setdefault(template, {})
            if method.lower() not in operations:
                operation = _operation(method, path, route, schemas)
                # Two paths that differ only in punctuation (/a-b, /a_b) must not share an operationId.
                while operation["operationId"] in used:
                    operation["operationId"] += "_"
                used.add(operation["operationId"])
                operations[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {"securitySchemes": SECURITY_SCHEMES, "schemas": dict(sorted(schemas.components.items()))},
    }
