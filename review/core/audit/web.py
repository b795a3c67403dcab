"""/public/audit: the audit chain's published heads, for anyone to read and keep; /office/audit publishes one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from review.core.actors import OFFICE, PUBLIC
from review.core.audit import heads as audit_heads
from review.core.web.guard import route
from review.core.web.templating import render


async def _page(request: Request, *, office: bool) -> Response:
    heads = list(reversed(await audit_heads.published()))
    return render(request, "audit.html", {"heads": heads, "office": office})


async def public_audit(request: Request) -> Response:
    return await _page(request, office=False)


async def office_audit(request: Request) -> Response:
    return await _page(request, office=True)


async def office_publish(request: Request) -> Response:
    await audit_heads.publish()
    return RedirectResponse("/office/audit", status_code=303)


routes = [
    route("/public/audit", public_audit, PUBLIC, name="public_audit"),
    route("/office/audit", office_audit, OFFICE, name="office_audit"),
    route("/office/audit", office_publish, OFFICE, methods=["POST"]),
]
