"""Request bodies are capped while they stream in: past the limit nothing more is read and the answer is 413.

The limit is the route's own when it declares one (`route(..., body_limit=...)`), else the upload limit for
multipart bodies and the request limit for every other body (JSON, forms). A declared `Content-Length` over
the limit is refused before the first byte is read; a body without one (chunked) is counted as it arrives.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from review.core import settings
from review.core.errors import ServiceError

SCOPE_KEY = "review.body_limit"


class BodyTooLarge(ServiceError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("body_too_large", f"请求内容超过 {size_label(limit)} 的上限")


def size_label(limit: int) -> str:
    """1 MB, 20 MB, 512 KB: a limit as people read it."""
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024:
        return f"{limit // 1024} KB"
    return f"{limit} 字节"


def declare(scope: Scope, limit: int) -> None:
    """The route's own limit, in force for every byte its endpoint reads."""
    scope[SCOPE_KEY] = limit


def limit_for(scope: Scope, content_type: bytes) -> int:
    declared = scope.get(SCOPE_KEY)
    if declared is not None:
        return int(declared)
    if content_type.split(b";", 1)[0].strip().lower() == b"multipart/form-data":
        return settings.UPLOAD_BODY_LIMIT
    return settings.REQUEST_BODY_LIMIT


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return None


def _declared_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class BodyLimit:
    """Counts the bytes of the receive stream; the endpoint's read fails with 413 once they pass the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = _header(scope, b"content-type") or b""
        declared = _declared_length(scope)
        received = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            # Read at the first receive, after routing: by then the route has declared its limit.
            limit = limit_for(scope, content_type)
            if declared is not None and declared > limit:
                refused = True
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLarge(limit)
            return message

        async def send_closing(message: Message) -> None:
            # The rest of a refused body is never read: the connection ends with the answer.
            if refused and message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        await self.app(scope, limited_receive, send_closing)
