"""Pages kept as rendered, per process: the part of a page's key that comes from the request, and when a
rendered page may be kept.

A page is a function of its viewer (who they are, the form token their forms carry), of its address with the
query, of the office's holiday notice banner and of the header's unread count; each page adds what its own content comes from. A page that
made a new pre-session cookie for a first-time visitor carries a token for that visitor alone, and is not kept.
"""

from __future__ import annotations

from collections.abc import Hashable

from starlette.requests import Request
from starlette.responses import Response

from review.core.web.csrf import held_token, minted


def viewer_key(request: Request) -> tuple[Hashable, ...]:
    actor = request.state.actor
    return (actor.kind, actor.user_id, actor.case_id, actor.department_id, actor.display_name, held_token(request),
            request.url.path, request.url.query, getattr(request.state, "holiday_notice", None),
            getattr(request.state, "unread_notifications", 0))


def keepable(request: Request, response: Response) -> bool:
    return response.status_code == 200 and not minted(request)
