"""Jinja2 templates with autoescaping, Chinese labels and the CSRF token at hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from review.cases.lifecycle import ACTION_LABELS, STATUS_LABELS
from review.core import settings
from scoring.domain.aggregate import GRADE_LABELS

CHINA = timezone(timedelta(hours=8))
templates = Jinja2Templates(directory=str(settings.TEMPLATES_DIR))
# Templates change only with a deploy; checking their files on every render costs a stat per page.
templates.env.auto_reload = settings.TEMPLATES_AUTO_RELOAD


def local_time(value: datetime | None) -> str:
    """Beijing time as 2026-11-22 14:05."""
    if not value:
        return ""
    t = value.astimezone(CHINA)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


templates.env.filters["local_time"] = local_time
templates.env.globals.update(STATUS_LABELS=STATUS_LABELS, ACTION_LABELS=ACTION_LABELS, GRADE_LABELS=GRADE_LABELS)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    from review.core.web.guard import csrf_token

    ctx = {"actor": getattr(request.state, "actor", None), "csrf_token": csrf_token(request),
           "holiday_notice": getattr(request.state, "holiday_notice", None), **(context or {})}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
