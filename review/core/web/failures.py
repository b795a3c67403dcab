"""A failure nobody foresaw still answers in the documented form: JSON on the API, a page on the web, with
an error id the user can quote and the office can find in the log.

The log line carries the id, the method, the route's pattern and the traceback's frames and exception types,
never what the request carried: no body, no query string, no exception message (it may quote the input).
"""

from __future__ import annotations

import logging
import secrets
import traceback

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from review.core.errors import ServiceError
from review.core.web.guard import error_response

log = logging.getLogger("review.failures")


class ServerFailure(ServiceError):
    status = 500

    def __init__(self, error_id: str) -> None:
        super().__init__("internal_error", f"服务器内部错误，请稍后重试；联系评议办时请提供错误编号 {error_id}",
                         extra={"error_id": error_id})


def new_error_id() -> str:
    return secrets.token_hex(6).upper()


def frames_only(exc: BaseException) -> str:
    """The traceback of an exception and its causes: frames and exception types, without messages."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = "".join(traceback.extract_tb(current.__traceback__).format())
        parts.append(f"Traceback (most recent call last):\n{stack}{type(current).__module__}.{type(current).__qualname__}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n\nwhich was raised while handling or caused by:\n\n".join(parts)


def _route_pattern(scope: Scope) -> str:
    route = scope.get("route")
    pattern = getattr(route, "path", None)
    if pattern is None:
        return "(no route)"
    return f"{scope.get('root_path', '')}{pattern}"


class Failures:
    """Catches what escapes the app: a ServiceError answered as every other; anything else a logged 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except ServiceError as error:
            if not started:
                await _answer(scope, error)(scope, receive, send)
        except Exception as exc:  # noqa: BLE001  (the last resort: every failure gets the documented form)
            error_id = new_error_id()
            log.error("unhandled error %s on %s %s\n%s", error_id, scope.get("method"), _route_pattern(scope),
                      frames_only(exc))
            if not started:  # once a response has begun, nothing more can be said on it
                await _answer(scope, ServerFailure(error_id))(scope, receive, send)


def _answer(scope: Scope, error: ServiceError) -> Response:
    try:
        return error_response(Request(scope), error)
    except Exception as failed:  # noqa: BLE001  (the page itself failed: the same words without the layout)
        log.error("error page failed for %s\n%s", error.code, frames_only(failed))
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>出错了</title><h1>{error.message}</h1>"
                            f"<p>错误代码：{error.code}</p>", status_code=error.status)
