"""/api/v1/webhooks: the JSON twins of /office/webhooks, and the list of event types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from starlette.requests import Request

from review.core.actors import OFFICE, STAFF_OR_HOTLINE
from review.core.api.contract import Reply, Status, Text, operation
from review.core.clock import CHINA
from review.core.errors import Invalid
from review.core.web.guard import route
from review.webhooks import payloads, queries
from review.webhooks import services as webhooks

Page = Annotated[int, msgspec.Meta(ge=1, le=100_000)]


class EventType(msgspec.Struct):
    type: str
    label: str


class EndpointBody(msgspec.Struct):
    url: Text
    events: list[Text]
    description: Text = ""


class Registered(msgspec.Struct):
    id: int
    secret: str  # whsec_…: shown once; sign-checks every delivery


class Rotated(msgspec.Struct):
    secret: str
    previous_until: datetime | None  # the previous secret signs too until then


class EndpointView(msgspec.Struct):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    disabled_reason: str
    failing_since: datetime | None
    rotating_until: datetime | None
    failed: int
    waiting: int
    last_success: datetime | None


class AttemptView(msgspec.Struct):
    attempted_at: datetime | None
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str
    replay: bool


class DeliveryView(msgspec.Struct):
    id: int
    webhook_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    replay: bool
    created_at: datetime | None
    delivered_at: datetime | None


class DeliveryDetail(DeliveryView):
    endpoint_id: int
    payload: str
    log: list[AttemptView]


class DeliveryPage(msgspec.Struct):
    items: list[DeliveryView]
    more: bool


class DeliveriesQuery(msgspec.Struct):
    status: Text = ""
    page: Page = 1


class Since(msgspec.Struct):
    since: Text  # ISO 8601; without an offset, Beijing time


class Replayed(msgspec.Struct):
    replayed: int


class ReplayedOne(msgspec.Struct):
    delivery_id: int


def _view(delivery: queries.Delivery) -> DeliveryView:
    return DeliveryView(
        id=delivery.id, webhook_id=delivery.message_id, event_type=delivery.event_type, status=delivery.status,
        attempts=delivery.attempts, next_attempt_at=delivery.next_attempt_at, last_status=delivery.last_status,
        last_error=delivery.last_error, replay=delivery.replay, created_at=delivery.created_at,
        delivered_at=delivery.delivered_at)


@operation(responses={200: list[EventType]})
async def event_types(request: Request) -> list[EventType]:
    """
    summary: 推送的事件类型（载荷说明见 README“推送（Webhooks）”）
    """
    return [EventType(type=key, label=label) for key, label in payloads.EVENT_TYPES.items()]


@operation(responses={200: list[EndpointView]})
async def list_endpoints(request: Request) -> list[queries.Endpoint]:
    """
    summary: 推送地址
    """
    return await queries.endpoints()


@operation(responses={201: Registered})
async def register(request: Request, body: EndpointBody) -> Registered:
    """
    summary: 登记推送地址（仅 https；地址不得解析到内部网络）；答复中的签名密钥只显示这一次
    """
    endpoint_id, secret = await webhooks.register(actor=request.state.actor, url=body.url, events=body.events,
                                                  description=body.description)
    return Registered(id=endpoint_id, secret=secret)


@operation(responses={200: EndpointView})
async def endpoint(request: Request) -> queries.Endpoint:
    """
    summary: 一个推送地址
    """
    return await queries.endpoint(request.path_params["endpoint_id"])


@operation(responses={200: EndpointView})
async def change(request: Request, body: EndpointBody) -> queries.Endpoint:
    """
    summary: 修改推送地址、事件或说明
    """
    endpoint_id = request.path_params["endpoint_id"]
    await webhooks.change(actor=request.state.actor, endpoint_id=endpoint_id, url=body.url, events=body.events,
                          description=body.description)
    return await queries.endpoint(endpoint_id)


@operation(responses={200: Rotated})
async def rotate(request: Request) -> Rotated:
    """
    summary: 更换签名密钥；过渡期内（WEBHOOK_ROTATION_OVERLAP_HOURS）新旧密钥同时签名
    """
    endpoint_id = request.path_params["endpoint_id"]
    secret = await webhooks.rotate(actor=request.state.actor, endpoint_id=endpoint_id)
    return Rotated(secret=secret, previous_until=(await queries.endpoint(endpoint_id)).rotating_until)


@operation(responses={200: Status})
async def disable(request: Request) -> Status:
    """
    summary: 停用推送地址（待发送的投递随之放弃）
    """
    await webhooks.set_active(actor=request.state.actor, endpoint_id=request.path_params["endpoint_id"], active=False)
    return Status(status="disabled")


@operation(responses={200: Status})
async def enable(request: Request) -> Status:
    """
    summary: 重新启用推送地址
    """
    await webhooks.set_active(actor=request.state.actor, endpoint_id=request.path_params["endpoint_id"], active=True)
    return Status(status="active")


@operation(responses={200: DeliveryPage})
async def deliveries(request: Request, query: DeliveriesQuery) -> DeliveryPage:
    """
    summary: 推送地址的投递记录，新的在前（status 可为 pending、sending、retrying、delivered、failed）
    """
    if query.status and query.status not in queries.STATUS_LABELS:
        raise Invalid("invalid_field", "status 取值不在允许的范围内", field="status")
    endpoint_id = request.path_params["endpoint_id"]
    await queries.endpoint(endpoint_id)
    items, more = await queries.deliveries(endpoint_id, status=query.status, page=query.page)
    return DeliveryPage(items=[_view(d) for d in items], more=more)


@operation(responses={200: DeliveryDetail})
async def delivery(request: Request) -> DeliveryDetail:
    """
    summary: 一次投递及其每次尝试（状态码、耗时、答复摘录）
    """
    endpoint_id, found = await queries.delivery(request.path_params["delivery_id"])
    view = _view(found)
    return DeliveryDetail(**msgspec.structs.asdict(view), endpoint_id=endpoint_id, payload=found.payload,
                          log=[AttemptView(**vars(a)) for a in found.log])


@operation(responses={201: ReplayedOne})
async def replay(request: Request) -> ReplayedOne:
    """
    summary: 重新发送一次投递（同一 webhook-id，重新签名）
    """
    made = await webhooks.replay(actor=request.state.actor, delivery_id=request.path_params["delivery_id"])
    return ReplayedOne(delivery_id=made)


@operation(responses={200: Replayed})
async def replay_failed(request: Request, body: Since) -> Reply:
    """
    summary: 重新发送某一时间以来所有失败的投递
    """
    try:
        since = datetime.fromisoformat(body.since.strip())
    except ValueError:
        raise Invalid("invalid_field", "since 应为 ISO 8601 时间", field="since") from None
    count = await webhooks.replay_failed_since(actor=request.state.actor, endpoint_id=request.path_params["endpoint_id"],
                                               since=since if since.tzinfo else since.replace(tzinfo=CHINA))
    return Reply(200, Replayed(replayed=count))


routes = [
    route("/webhooks/events", event_types, STAFF_OR_HOTLINE),
    route("/webhooks", list_endpoints, OFFICE),
    route("/webhooks", register, OFFICE, methods=["POST"]),
    route("/webhooks/{endpoint_id:int}", endpoint, OFFICE),
    route("/webhooks/{endpoint_id:int}", change, OFFICE, methods=["POST"]),
    route("/webhooks/{endpoint_id:int}/rotate", rotate, OFFICE, methods=["POST"]),
    route("/webhooks/{endpoint_id:int}/disable", disable, OFFICE, methods=["POST"]),
    route("/webhooks/{endpoint_id:int}/enable", enable, OFFICE, methods=["POST"]),
    route("/webhooks/{endpoint_id:int}/replay-failed", replay_failed, OFFICE, methods=["POST"]),
    route("/webhooks/{endpoint_id:int}/deliveries", deliveries, OFFICE),
    route("/webhooks/deliveries/{delivery_id:int}", delivery, OFFICE),
    route("/webhooks/deliveries/{delivery_id:int}/replay", replay, OFFICE, methods=["POST"]),
]
