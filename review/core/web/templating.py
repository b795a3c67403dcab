"""Jinja2 templates with autoescaping, the labels the composition root hands in and the CSRF token at hand."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from review.core import settings
from review.core.clock import local_time
from review.core.web.csrf import LazyToken

templates = Jinja2Templates(directory=str(settings.TEMPLATES_DIR))
# Templates change only with a deploy; checking their files on every render costs a stat per page.
templates.env.auto_reload = settings.TEMPLATES_AUTO_RELOAD
templates.env.filters["local_time"] = local_time


def add_globals(**values: Any) -> None:
    """Names every template may use (the labels of case statuses, actions and grades), handed in by the
    composition root (`review.app`) so that the kernel knows no slice."""
    templates.env.globals.update(values)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    ctx = {"actor": getattr(request.state, "actor", None), "csrf_token": LazyToken(request),
           "holiday_notice": getattr(request.state, "holiday_notice", None),
           "unread_notifications": getattr(request.state, "unread_notifications", 0), **(context or {})}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
