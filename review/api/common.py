"""What every JSON endpoint shares: reading the body."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from review.errors import Invalid


async def json_body(request: Request) -> Any:
    """The request's JSON body (None when empty); 422 `invalid_json` when it does not parse."""
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise Invalid("invalid_json", "请求体不是有效的 JSON") from None


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object ({} when empty)."""
    body = await json_body(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise Invalid("invalid_json", "请求体应为 JSON 对象")
    return body
