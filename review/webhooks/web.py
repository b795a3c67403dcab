"""/office/webhooks: the office registers receivers, rotates their secrets, stops and starts them, reads each
one's delivery log and sends deliveries again (one, or every failed one since a time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from review.core.actors import OFFICE
from review.core.clock import CHINA
from review.core.errors import Invalid, ServiceError
from review.core.params import int_param
from review.core.web.guard import route
from review.core.web.templating import render
from review.webhooks import payloads, queries
from review.webhooks import services as webhooks


def since_param(text: str) -> datetime:
    """A time the office typed (YYYY-MM-DD or YYYY-MM-DDTHH:MM, Beijing time), aware."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("invalid_field", "起始时间应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM", field="since") from None
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


async def _list(request: Request, *, secret: tuple[int, str] | None = None, error: ServiceError | None = None,
                form: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    return render(request, "webhooks/endpoints.html", {
        "endpoints": await queries.endpoints(), "EVENTS": payloads.EVENT_TYPES, "secret": secret, "error": error,
        "form": form or {"url": "", "description": "", "events": []},
    }, status_code=status_code)


async def endpoints_page(request: Request) -> Response:
    return await _list(request)


async def register(request: Request) -> Response:
    form = await request.form()
    url, description = str(form.get("url", "")), str(form.get("description", ""))
    events = [str(e) for e in form.getlist("events")]
    fields: dict[str, Any] = {"url": url, "description": description, "events": events}
    try:
        made = await webhooks.register(actor=request.state.actor, url=url, events=events, description=description)
    except ServiceError as error:
        return await _list(request, error=error, form=fields, status_code=error.status)
    return await _list(request, secret=made, status_code=201)


async def _endpoint(request: Request, endpoint_id: int, *, secret: str | None = None,
                    error: ServiceError | None = None, notice: str = "", status_code: int = 200) -> Response:
    status = request.query_params.get("status", "")
    status = status if status in queries.STATUS_LABELS else ""
    page = int_param(request.query_params.get("page"), "page", 1, minimum=1)
    items, more = await queries.deliveries(endpoint_id, status=status, page=page)
    return render(request, "webhooks/endpoint.html", {
        "endpoint": await queries.endpoint(endpoint_id), "deliveries": items, "more": more, "page": page,
        "status": status, "STATUS": queries.STATUS_LABELS, "EVENTS": payloads.EVENT_TYPES, "secret": secret,
        "error": error, "notice": notice,
    }, status_code=status_code)


async def endpoint_page(request: Request) -> Response:
    return await _endpoint(request, request.path_params["endpoint_id"])


async def change(request: Request) -> Response:
    endpoint_id = request.path_params["endpoint_id"]
    form = await request.form()
    try:
        await webhooks.change(actor=request.state.actor, endpoint_id=endpoint_id, url=str(form.get("url", "")),
                              events=[str(e) for e in form.getlist("events")],
                              description=str(form.get("description", "")))
    except ServiceError as error:
        return await _endpoint(request, endpoint_id, error=error, status_code=error.status)
    return RedirectResponse(f"/office/webhooks/{endpoint_id}", status_code=303)


async def rotate(request: Request) -> Response:
    endpoint_id = request.path_params["endpoint_id"]
    secret = await webhooks.rotate(actor=request.state.actor, endpoint_id=endpoint_id)
    return await _endpoint(request, endpoint_id, secret=secret)


async def disable(request: Request) -> Response:
    endpoint_id = request.path_params["endpoint_id"]
    await webhooks.set_active(actor=request.state.actor, endpoint_id=endpoint_id, active=False)
    return RedirectResponse(f"/office/webhooks/{endpoint_id}", status_code=303)


async def enable(request: Request) -> Response:
    endpoint_id = request.path_params["endpoint_id"]
    try:
        await webhooks.set_active(actor=request.state.actor, endpoint_id=endpoint_id, active=True)
    except ServiceError as error:
        return await _endpoint(request, endpoint_id, error=error, status_code=error.status)
    return RedirectResponse(f"/office/webhooks/{endpoint_id}", status_code=303)


async def replay_failed(request: Request) -> Response:
    endpoint_id = request.path_params["endpoint_id"]
    form = await request.form()
    try:
        count = await webhooks.replay_failed_since(actor=request.state.actor, endpoint_id=endpoint_id,
                                                   since=since_param(str(form.get("since", ""))))
    except ServiceError as error:
        return await _endpoint(request, endpoint_id, error=error, status_code=error.status)
    return await _endpoint(request, endpoint_id, notice=f"已重新发送 {count} 条失败的投递")


async def delivery_page(request: Request) -> Response:
    endpoint_id, found = await queries.delivery(request.path_params["delivery_id"])
    return render(request, "webhooks/delivery.html", {"endpoint_id": endpoint_id, "delivery": found,
                                                      "error": None})


async def replay(request: Request) -> Response:
    delivery_id = request.path_params["delivery_id"]
    try:
        made = await webhooks.replay(actor=request.state.actor, delivery_id=delivery_id)
    except ServiceError as error:
        endpoint_id, found = await queries.delivery(delivery_id)
        return render(request, "webhooks/delivery.html", {"endpoint_id": endpoint_id, "delivery": found,
                                                          "error": error}, status_code=error.status)
    return RedirectResponse(f"/office/webhooks/deliveries/{made}", status_code=303)


routes = [
    route("/office/webhooks", endpoints_page, OFFICE, name="webhooks"),
    route("/office/webhooks", register, OFFICE, methods=["POST"]),
    route("/office/webhooks/{endpoint_id:int}", endpoint_page, OFFICE),
    route("/office/webhooks/{endpoint_id:int}", change, OFFICE, methods=["POST"]),
    route("/office/webhooks/{endpoint_id:int}/rotate", rotate, OFFICE, methods=["POST"]),
    route("/office/webhooks/{endpoint_id:int}/disable", disable, OFFICE, methods=["POST"]),
    route("/office/webhooks/{endpoint_id:int}/enable", enable, OFFICE, methods=["POST"]),
    route("/office/webhooks/{endpoint_id:int}/replay-failed", replay_failed, OFFICE, methods=["POST"]),
    route("/office/webhooks/deliveries/{delivery_id:int}", delivery_page, OFFICE),
    route("/office/webhooks/deliveries/{delivery_id:int}/replay", replay, OFFICE, methods=["POST"]),
]
