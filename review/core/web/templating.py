"""Jinja2 templates with autoescaping, the labels the composition root hands in and the CSRF token at hand."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from review.core import i18n, settings
from review.core.clock import CHINA, local_time
from review.core.web.csrf import LazyToken

templates = Jinja2Templates(directory=str(settings.TEMPLATES_DIR))
# Templates change only with a deploy; checking their files on every render costs a stat per page.
templates.env.auto_reload = settings.TEMPLATES_AUTO_RELOAD
templates.env.filters["local_time"] = local_time
# `{% trans %}` and `_()` in templates, in the locale of the request being answered; dates (Beijing time) and
# numbers as that locale writes them.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.filters.update(
    format_date=lambda value, form="medium": i18n.format_date(value, form, tz=CHINA),
    format_datetime=lambda value, form="medium": i18n.format_datetime(value, form, tz=CHINA),
    format_number=i18n.format_number, format_percent=i18n.format_percent)
templates.env.globals.update(current_locale=i18n.current, html_lang=lambda: i18n.HTML_LANG[i18n.current()],
                             LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.NAMES, LOCALE_TAGS=i18n.HTML_LANG)


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
