"""Progress pages that reload themselves while long work runs, with a `Refresh` response header that the visitor
can stop (`?auto=off`), never a <meta refresh> nobody can stop; no JavaScript needed either way."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from starlette.requests import Request
from starlette.responses import Response

from review.core.web.templating import add_globals

STOP = "auto"  # `?auto=off` stops a progress page's refreshing


@pass_context
def refresh_every(context: Any, seconds: int) -> bool:
    """Asked by a template while it renders (through partials/auto_refresh.html, which offers the stop link and,
    once stopped, a refresh the visitor starts): reload the page every `seconds`; False once stopped."""
    request: Request = context["request"]
    if request.query_params.get(STOP) == "off":
        return False
    request.state.refresh_every = seconds
    return True


def send_refresh(request: Request, response: Response) -> None:
    """The `Refresh` header on the answer whose page asked for one."""
    if seconds := getattr(request.state, "refresh_every", None):
        response.headers["Refresh"] = str(seconds)


add_globals(refresh_every=refresh_every)
