"""What every JSON endpoint shares: reading the body."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from review.errors import Invalid
from review.input_text import check_json


def _no_constant(name: str) -> Any:
    # Python's json accepts NaN, Infinity and -Infinity, which are not JSON (RFC 8259) and no field takes.
    raise Invalid("invalid_json", f"请求体不是有效的 JSON：{name} 不是 JSON 的数值")


async def json_body(request: Request) -> Any:
    """The request's JSON body (None when empty); 422 `invalid_json` when it does not parse or nests too
    deep, 422 `invalid_text` naming the field for a NUL character or a lone surrogate."""
    try:
        body = json.loads(await request.body() or b"null", parse_constant=_no_constant)
    except ValueError:
        raise Invalid("invalid_json", "请求体不是有效的 JSON") from None
    except RecursionError:
        raise Invalid("invalid_json", "请求体嵌套过深") from None
    check_json(body)
    return body


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object ({} when empty)."""
    body = await json_body(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise Invalid("invalid_json", "请求体应为 JSON 对象")
    return body
