"""The locale of each request, and the switch that keeps a visitor's choice in a cookie.

Every request is answered in the locale `i18n.choose` picks: the `locale` cookie the switch sets, then the
`Accept-Language` header, else Chinese. `GET /locale?to=en&next=/path` (a plain link, so it works without
JavaScript) and `POST /locale` set the cookie and send the browser back to `next`, only ever a path of this site.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from review.core import i18n
from review.core.actors import PUBLIC
from review.core.errors import Invalid
from review.core.web.forms import local_path, read_form, see_other
from review.core.web.guard import route, set_cookie

LOCALE_COOKIE_AGE = 365 * 24 * 3600


class RequestLocale:
    """Sets the locale of each HTTP request (and WebSocket) for everything that answers it, and tells caches
    that an answer varies with the header and the cookie that chose it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        locale = i18n.choose(connection.cookies.get(i18n.LOCALE_COOKIE), connection.headers.get("accept-language"))

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).add_vary_header("Accept-Language, Cookie")
            await send(message)

        with i18n.use_locale(locale):
            await self.app(scope, receive, send_varying if scope["type"] == "http" else send)


async def switch_locale(request: Request) -> Response:
    values = await read_form(request) if request.method == "POST" else request.query_params
    wanted = str(values.get("to", ""))
    if wanted not in i18n.LOCALES:
        raise Invalid("unknown_locale", "不支持该语言，可选 zh_Hans（中文）或 en（English）", field="to")
    response = see_other(local_path(str(values.get("next", "")), "/"))
    set_cookie(response, i18n.LOCALE_COOKIE, wanted, max_age=LOCALE_COOKIE_AGE)
    return response


routes = [route("/locale", switch_locale, PUBLIC, methods=["GET", "POST"], name="locale")]
